/*
 * wpsdump - decode Web PubSub protobuf frames and print them as JSON.
 *
 *   wpsdump [--up | --down] [--hex | --base64 | --lines] [--no-utf8] [FILE]
 *
 * Reads one message from FILE (or stdin): raw bytes by default, or hex /
 * base64 text (whitespace ignored).  --lines reads one hex message per line
 * (an empty line is the empty message) and prints exactly one JSON line per
 * input line.  --up (default) decodes an UpstreamMessage, --down a
 * DownstreamMessage.  A rejected message prints
 * {"error": "<STATUS_NAME>", "offset": N} and the tool goes on.
 * Exit status: 0 all messages decoded, 1 some were rejected, 2 usage or I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../wps_messages.h"
#include "wps_json.h"

enum input_format { RAW, HEX, BASE64, LINES };

static void usage(void)
{
    fputs("usage: wpsdump [--up | --down] [--hex | --base64 | --lines] [--no-utf8] [FILE]\n"
          "  --up       decode UpstreamMessage (client to service; default)\n"
          "  --down     decode DownstreamMessage (service to client)\n"
          "  --hex      input is hex text\n"
          "  --base64   input is base64 text\n"
          "  --lines    one hex message per line, one JSON line out per line in\n"
          "  --no-utf8  skip UTF-8 checks of strings (not libprotobuf-conformant)\n",
          stderr);
}

static unsigned char *read_all(FILE *f, size_t *n)
{
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len < cap) {
            if (ferror(f)) {
                free(buf);
                return NULL;
            }
            *n = len;
            return buf;
        }
        cap *= 2;
        buf = realloc(buf, cap);
    }
    return NULL;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Decodes hex text in place; returns the byte count or -1 (bad character
 * or odd digit count), with *bad_at the offending text position. */
static long from_hex(unsigned char *s, size_t n, size_t *bad_at)
{
    size_t i, out = 0;
    int hi = -1;
    for (i = 0; i < n; i++) {
        int v;
        if (is_space(s[i]))
            continue;
        v = hexval(s[i]);
        if (v < 0) {
            *bad_at = i;
            return -1;
        }
        if (hi < 0) {
            hi = v;
        } else {
            s[out++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        *bad_at = n;
        return -1;
    }
    return (long)out;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decodes base64 (standard or URL-safe, padding optional) in place. */
static long from_base64(unsigned char *s, size_t n, size_t *bad_at)
{
    size_t i, out = 0;
    unsigned acc = 0, bits = 0;
    for (i = 0; i < n; i++) {
        int v;
        if (is_space(s[i]) || s[i] == '=')
            continue;
        v = b64val(s[i]);
        if (v < 0) {
            *bad_at = i;
            return -1;
        }
        acc = (acc << 6 | (unsigned)v) & 0xFFFFFF;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            s[out++] = (unsigned char)(acc >> bits);
        }
    }
    return (long)out;
}

/* Decodes and prints one message; returns 1 if it was rejected. */
static int dump(wps_json_buf *out, const unsigned char *msg, size_t len, int down,
                unsigned flags)
{
    size_t off;
    pbw_status s;

    out->len = 0;
    if (down) {
        wps_downstream m;
        s = wps_downstream_decode(msg, len, &m, flags, &off);
        if (s == PBW_OK)
            wps_json_downstream(out, &m);
    } else {
        wps_upstream m;
        s = wps_upstream_decode(msg, len, &m, flags, &off);
        if (s == PBW_OK)
            wps_json_upstream(out, &m);
    }
    if (s != PBW_OK)
        wps_json_error(out, pbw_status_name(s), off);
    fwrite(out->ptr, 1, out->len, stdout);
    fputc('\n', stdout);
    return s != PBW_OK;
}

int main(int argc, char **argv)
{
    enum input_format fmt = RAW;
    int down = 0, rejected = 0, i;
    unsigned flags = 0;
    const char *path = NULL;
    unsigned char *in;
    size_t n, bad_at = 0;
    wps_json_buf out = {NULL, 0, 0};
    FILE *f = stdin;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--up"))
            down = 0;
        else if (!strcmp(a, "--down"))
            down = 1;
        else if (!strcmp(a, "--hex"))
            fmt = HEX;
        else if (!strcmp(a, "--base64"))
            fmt = BASE64;
        else if (!strcmp(a, "--lines"))
            fmt = LINES;
        else if (!strcmp(a, "--no-utf8"))
            flags |= WPS_DECODE_NO_UTF8;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage();
            return 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "wpsdump: unknown option %s\n", a);
            usage();
            return 2;
        } else if (path) {
            fputs("wpsdump: only one input file\n", stderr);
            return 2;
        } else {
            path = a;
        }
    }
    if (path && strcmp(path, "-") && !(f = fopen(path, "rb"))) {
        perror(path);
        return 2;
    }
    in = read_all(f, &n);
    if (f != stdin)
        fclose(f);
    if (!in) {
        fputs("wpsdump: cannot read input\n", stderr);
        return 2;
    }

    if (fmt == LINES) {
        size_t start = 0;
        while (start < n) {
            size_t end = start;
            long len;
            while (end < n && in[end] != '\n')
                end++;
            len = from_hex(in + start, end - start, &bad_at);
            if (len < 0) {
                out.len = 0;
                wps_json_error(&out, "INVALID_HEX", bad_at);
                puts(out.ptr);
                rejected = 1;
            } else {
                rejected |= dump(&out, in + start, (size_t)len, down, flags);
            }
            start = end + 1;
        }
    } else {
        long len = (long)n;
        if (fmt == HEX)
            len = from_hex(in, n, &bad_at);
        else if (fmt == BASE64)
            len = from_base64(in, n, &bad_at);
        if (len < 0) {
            fprintf(stderr, "wpsdump: invalid %s input at character %zu\n",
                    fmt == HEX ? "hex" : "base64", bad_at);
            free(in);
            return 2;
        }
        rejected = dump(&out, in, (size_t)len, down, flags);
    }
    wps_json_free(&out);
    free(in);
    return rejected ? 1 : 0;
}
