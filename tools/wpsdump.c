/*
 * wpsdump - decode Web PubSub protobuf frames and print them as JSON.
 *
 *   wpsdump [--up | --down] [--hex | --base64 | --lines] [--no-utf8]
 *           [--stream-chunk=N [--unknown-length]] [FILE]
 *
 * Reads one message from FILE (or stdin): raw bytes by default, or hex /
 * base64 text (whitespace ignored).  --lines reads one hex message per line
 * (an empty line is the empty message) and prints exactly one JSON line per
 * input line.  --up (default) decodes an UpstreamMessage, --down a
 * DownstreamMessage.  A rejected message prints
 * {"error": "<STATUS_NAME>", "offset": N} and the tool goes on.
 * --stream-chunk=N decodes through the streaming decoder instead, feeding N
 * bytes at a time (the frame length declared, or with --unknown-length not
 * declared and the end signalled with wps_stream_finish); the output is the
 * same as the one-shot decoder's.
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
    fputs("usage: wpsdump [--up | --down] [--hex | --base64 | --lines] [--no-utf8]\n"
          "               [--stream-chunk=N [--unknown-length]] [FILE]\n"
          "  --up       decode UpstreamMessage (client to service; default)\n"
          "  --down     decode DownstreamMessage (service to client)\n"
          "  --hex      input is hex text\n"
          "  --base64   input is base64 text\n"
          "  --lines    one hex message per line, one JSON line out per line in\n"
          "  --no-utf8  skip UTF-8 checks of strings (not libprotobuf-conformant)\n"
          "  --stream-chunk=N   decode with the streaming decoder, N bytes at a time\n"
          "  --unknown-length   ...without declaring the frame length\n",
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

typedef union any_msg {
    wps_upstream up;
    wps_downstream down;
} any_msg;

typedef struct options {
    int down;
    unsigned flags;
    size_t chunk;       /* 0: one-shot decoding */
    int unknown_length; /* streaming without a declared length */
} options;

/* What a caller keeps of the payload events: the bytes, and which wps_data
 * of the message they belong to. */
typedef struct payload_sink {
    unsigned char *buf;
    size_t len, cap;
    wps_data *data;
} payload_sink;

/* Returns 1 at MESSAGE_END. */
static int on_event(payload_sink *k, const wps_stream_event *ev)
{
    switch (ev->type) {
    case WPS_EV_PAYLOAD_DISCARD:
        k->data = NULL;
        k->len = 0;
        break;
    case WPS_EV_PAYLOAD_BEGIN: /* a new payload replaces the one held */
        k->data = ev->data;
        k->len = 0;
        /* fall through - its first bytes */
    case WPS_EV_PAYLOAD_CHUNK:
        if (ev->chunk.len == 0)
            break;
        if (k->len + ev->chunk.len > k->cap) {
            k->cap = (k->len + ev->chunk.len) * 2;
            if (!(k->buf = realloc(k->buf, k->cap)))
                abort();
        }
        memcpy(k->buf + k->len, ev->chunk.ptr, ev->chunk.len);
        k->len += ev->chunk.len;
        break;
    case WPS_EV_MESSAGE_END:
        if (k->data) /* the payload's view is {NULL, length}: point it at ours */
            k->data->bytes.ptr = k->len ? k->buf : NULL;
        return 1;
    default:
        break;
    }
    return 0;
}

/* The streaming decoder as a caller would drive it: N bytes at a time,
 * short fields in `scratch` (len bytes: as large as the frame, which is
 * always enough), the payload collected into k. */
static pbw_status decode_streamed(const options *o, const unsigned char *msg, size_t len,
                                  any_msg *m, unsigned char *scratch, size_t *off,
                                  payload_sink *k)
{
    size_t at = 0;
    wps_stream s;
    wps_stream_event ev;
    uint64_t total = o->unknown_length ? WPS_LEN_UNKNOWN : len;
    pbw_status st = PBW_NEED_MORE;
    int done = 0;

    if (o->down)
        wps_stream_init_downstream(&s, &m->down, scratch, len, total, o->flags);
    else
        wps_stream_init_upstream(&s, &m->up, scratch, len, total, o->flags);
    while (at < len && !done && st == PBW_NEED_MORE) {
        size_t take = len - at < o->chunk ? len - at : o->chunk;
        const unsigned char *p = msg + at, *end = p + take;
        at += take;
        while (!done && (st = wps_stream_next(&s, &p, end, &ev)) == PBW_OK)
            done = on_event(k, &ev);
    }
    /* The input has ended (with a declared length, finish only collects what
     * is left: MESSAGE_END, or the error of a frame cut short). */
    while (!done && (st == PBW_NEED_MORE || st == PBW_OK) &&
           (st = wps_stream_finish(&s, &ev)) == PBW_OK)
        done = on_event(k, &ev);
    if (done)
        st = PBW_OK;
    *off = st == PBW_OK ? len : (size_t)wps_stream_offset(&s);
    return st;
}

/* Decodes and prints one message; returns 1 if it was rejected. */
static int dump(wps_json_buf *out, const unsigned char *msg, size_t len, const options *o)
{
    size_t off;
    pbw_status s;
    any_msg m;
    unsigned char *scratch = NULL;
    payload_sink k = {NULL, 0, 0, NULL};

    out->len = 0;
    if (o->chunk) {
        if (!(scratch = malloc(len ? len : 1)))
            abort();
        s = decode_streamed(o, msg, len, &m, scratch, &off, &k);
    } else if (o->down) {
        s = wps_downstream_decode(msg, len, &m.down, o->flags, &off);
    } else {
        s = wps_upstream_decode(msg, len, &m.up, o->flags, &off);
    }
    if (s != PBW_OK)
        wps_json_error(out, pbw_status_name(s), off);
    else if (o->down)
        wps_json_downstream(out, &m.down);
    else
        wps_json_upstream(out, &m.up);
    free(k.buf);
    free(scratch);
    fwrite(out->ptr, 1, out->len, stdout);
    fputc('\n', stdout);
    return s != PBW_OK;
}

int main(int argc, char **argv)
{
    enum input_format fmt = RAW;
    options o = {0, 0, 0, 0};
    int rejected = 0, i;
    const char *path = NULL;
    unsigned char *in;
    size_t n, bad_at = 0;
    wps_json_buf out = {NULL, 0, 0};
    FILE *f = stdin;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--up"))
            o.down = 0;
        else if (!strcmp(a, "--down"))
            o.down = 1;
        else if (!strcmp(a, "--hex"))
            fmt = HEX;
        else if (!strcmp(a, "--base64"))
            fmt = BASE64;
        else if (!strcmp(a, "--lines"))
            fmt = LINES;
        else if (!strcmp(a, "--no-utf8"))
            o.flags |= WPS_DECODE_NO_UTF8;
        else if (!strncmp(a, "--stream-chunk=", 15)) {
            char *end;
            unsigned long n = strtoul(a + 15, &end, 10);
            if (*end != '\0' || n == 0) {
                fprintf(stderr, "wpsdump: --stream-chunk needs a positive number\n");
                return 2;
            }
            o.chunk = n;
        } else if (!strcmp(a, "--unknown-length"))
            o.unknown_length = 1;
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
                rejected |= dump(&out, in + start, (size_t)len, &o);
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
        rejected = dump(&out, in, (size_t)len, &o);
    }
    wps_json_free(&out);
    free(in);
    return rejected ? 1 : 0;
}
