/* SPDX-License-Identifier: MIT */
/* tests/harness.c - what the suites and the test programs share: counting,
 * failure reports, hex, the vectors files. */
#include <stdarg.h>
#include <stdlib.h>

#include "test.h"

unsigned long test_passed, test_failed;
static char context[256];

void test_context(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(context, sizeof context, fmt, ap);
    va_end(ap);
}

void test_fail_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    test_failed++;
    if (test_failed > 200)
        return; /* keep the log readable; the count stays exact */
    fprintf(stderr, "FAIL %s:%d: ", file, line);
    if (context[0])
        fprintf(stderr, "[%s] ", context);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

size_t test_unhex(const char *hex, unsigned char *out)
{
    size_t n = 0;
    int hi = -1;
    for (; *hex; hex++) {
        int c = *hex, v;
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
            continue;
        v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (v < 0) {
            fprintf(stderr, "test bug: bad hex '%c'\n", c);
            exit(2);
        }
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        fprintf(stderr, "test bug: odd hex length\n");
        exit(2);
    }
    return n;
}

uint8_t *test_unhex_alloc(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    uint8_t *b = malloc(n ? n : 1);
    if (b == NULL)
        abort();
    *len = test_unhex(hex, b);
    return b;
}

/* The next line without its newline, in *buf (grown as needed); NULL at EOF. */
static char *read_line(FILE *f, char **buf, size_t *cap)
{
    size_t len = 0;
    int c = EOF;
    while ((c = getc(f)) != EOF && c != '\n') {
        if (len + 1 >= *cap) {
            *cap = *cap ? *cap * 2 : 1024;
            *buf = realloc(*buf, *cap);
            if (*buf == NULL)
                abort();
        }
        (*buf)[len++] = (char)c;
    }
    if (c == EOF && len == 0)
        return NULL;
    if (*buf == NULL && (*buf = malloc(*cap = 1)) == NULL)
        abort();
    (*buf)[len] = '\0';
    return *buf;
}

unsigned long test_each_row(const char *path, int ncols, test_row_fn fn, void *ctx)
{
    FILE *f = fopen(path, "rb");
    char *line = NULL, *cols[16];
    size_t cap = 0;
    unsigned long lineno = 0, rows = 0;

    if (f == NULL) {
        test_fail_at(__FILE__, __LINE__,
                     "cannot open %s: run from the repo root; regenerate with "
                     "/usr/bin/python3 tests/gen_vectors.py",
                     path);
        return 0;
    }
    while (read_line(f, &line, &cap)) {
        char where[256], *p = line;
        int n = 0;
        lineno++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        while (n < 16) { /* split at tabs, in place */
            cols[n++] = p;
            if ((p = strchr(p, '\t')) == NULL)
                break;
            *p++ = '\0';
        }
        snprintf(where, sizeof where, "%s:%lu", path, lineno);
        if (n != ncols) {
            test_fail_at(__FILE__, __LINE__, "%s: %d columns, want %d", where, n, ncols);
            continue;
        }
        fn(ctx, cols, n, where);
        rows++;
    }
    free(line);
    fclose(f);
    return rows;
}

int test_parse_dir(const char *s, int *down)
{
    if (strcmp(s, "up") == 0)
        *down = 0;
    else if (strcmp(s, "down") == 0)
        *down = 1;
    else
        return 0;
    return 1;
}

int test_status_from_name(const char *name, pbw_status *st)
{
    int i;
    for (i = 0; i < PBW_STATUS_COUNT; i++) {
        if (strcmp(pbw_status_name((pbw_status)i), name) == 0) {
            *st = (pbw_status)i;
            return 1;
        }
    }
    return 0;
}
