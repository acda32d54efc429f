/* tests/run.c - runs every suite and reports "N passed, M failed". */
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

int main(void)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } suites[] = {
        {"pbwire", suite_pbwire},
        {"messages", suite_messages},
        {"vectors", suite_vectors},
    };
    size_t i;
    for (i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        unsigned long p = test_passed, f = test_failed;
        context[0] = '\0';
        suites[i].run();
        printf("%-10s %lu passed, %lu failed\n", suites[i].name, test_passed - p,
               test_failed - f);
    }
    printf("%lu passed, %lu failed\n", test_passed, test_failed);
    return test_failed != 0;
}
