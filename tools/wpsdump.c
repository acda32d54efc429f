/* SPDX-License-Identifier: MIT */
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
 * --as=KIND prints, instead of the message, what one kind of receiver gets
 * for it (wps_service.h), one JSON line per message:
 *   json-client  the json.webpubsub.azure.v1 message: for a SendToGroup
 *                (--up) what the group's json clients get, for a DataMessage
 *                (--down) the same DataMessage as a json client gets it
 *   raw          the plain WebSocket frame of the payload (SendToGroup,
 *                Event, InvokeEvent, StreamData, DataMessage,
 *                InvokeResponse): {"frame": "text", "text": ...} or
 *                {"frame": "binary", "base64": ...}
 *   cloudevent   for an EventMessage (--up), the event handler's request:
 *                {"headers": [...], "body": ... | "bodyBase64": ...}, the
 *                connection's values as placeholders ({hub}, ...)
 * A message with nothing to render prints {"error": "NO_RENDERING", ...}
 * (or the library's refusal, {"error": "<STATUS_NAME>"}) and counts as
 * rejected.
 * Exit status: 0 all messages decoded, 1 some were rejected, 2 usage or I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../wps_messages.h"
#include "../wps_service.h"
#include "wps_json.h"

enum input_format { RAW, HEX, BASE64, LINES };

/* --as: what a kind of receiver gets, instead of the decoded message. */
enum render_as { AS_MESSAGE, AS_JSON_CLIENT, AS_RAW, AS_CLOUDEVENT };

static void usage(void)
{
    fputs("usage: wpsdump [--up | --down] [--hex | --base64 | --lines] [--no-utf8]\n"
          "               [--stream-chunk=N [--unknown-length]]\n"
          "               [--as=json-client|raw|cloudevent] [FILE]\n"
          "       wpsdump --version\n"
          "  --up       decode UpstreamMessage (client to service; default)\n"
          "  --down     decode DownstreamMessage (service to client)\n"
          "  --hex      input is hex text\n"
          "  --base64   input is base64 text\n"
          "  --lines    one hex message per line, one JSON line out per line in\n"
          "  --no-utf8  skip UTF-8 checks of strings (not libprotobuf-conformant)\n"
          "  --stream-chunk=N   decode with the streaming decoder, N bytes at a time\n"
          "  --unknown-length   ...without declaring the frame length\n"
          "  --as=json-client   what a json.webpubsub.azure.v1 client receives\n"
          "  --as=raw           the plain WebSocket frame of the payload\n"
          "  --as=cloudevent    the event handler's request for an EventMessage\n"
          "  --version  the version of wpsdump and of the library it runs with\n",
          stderr);
}

/* The header's version, the library's, and the library's build options;
 * exit status 1 when the library does not match the headers. */
static int version(void)
{
    uint32_t v = wps_version(), c = wps_build_config();
    int ok = WPS_ABI_CHECK();
    printf("wpsdump %s\n", WPS_VERSION_STRING);
    printf("library %u.%u.%u, PBW_MAX_DEPTH %u, WPS_SMALL %u, WPS_NO_ENCODER %u, "
           "WPS_NO_STREAM %u, PBW_FREESTANDING %u%s\n",
           (unsigned)(v >> 16), (unsigned)(v >> 8 & 0xff), (unsigned)(v & 0xff),
           (unsigned)(c & 0xff), (unsigned)(c >> 8 & 1), (unsigned)(c >> 9 & 1),
           (unsigned)(c >> 10 & 1), (unsigned)(c >> 11 & 1),
           ok ? "" : ": does NOT match the headers wpsdump was compiled with");
    return ok ? 0 : 1;
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
    enum render_as as;
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

/* ---- --as renderings ---- */

static void put_str(wps_json_buf *b, const char *s)
{
    wps_json_put(b, s, strlen(s));
}

/* A body's views joined (malloc'd; the caller frees). */
static uint8_t *join(const wps_body *body)
{
    uint8_t *p = malloc(body->len ? body->len : 1);
    size_t i, at = 0;
    if (!p)
        abort();
    for (i = 0; i < body->niov; i++) {
        memcpy(p + at, body->iov[i].ptr, body->iov[i].len);
        at += body->iov[i].len;
    }
    return p;
}

static int no_rendering(wps_json_buf *out, const char *as, const char *why)
{
    put_str(out, "{\"error\": \"NO_RENDERING\", \"as\": \"");
    put_str(out, as);
    put_str(out, "\", \"reason\": \"");
    put_str(out, why);
    put_str(out, "\"}");
    return 1;
}

static int render_error(wps_json_buf *out, pbw_status st)
{
    put_str(out, "{\"error\": \"");
    put_str(out, pbw_status_name(st));
    put_str(out, "\"}");
    return 1;
}

static pbw_bytes lit(const char *s)
{
    pbw_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = strlen(s);
    return b;
}

/* The json client message. */
static int render_json_client(wps_json_buf *out, const options *o, const any_msg *m)
{
    wps_data_message dm;
    size_t n;
    pbw_status st;

    if (o->down && m->down.kind == WPS_DOWN_DATA)
        dm = m->down.u.data;
    else if (!o->down && m->up.kind == WPS_UP_SEND_TO_GROUP)
        wps_group_message(&dm, &m->up.u.send_to_group);
    else
        return no_rendering(out, "json-client",
                            "neither a SendToGroup (--up) nor a DataMessage (--down)");
    if ((st = wps_json_client_size(&dm, NULL, &n)) != PBW_OK)
        return render_error(out, st);
    wps_json_put(out, "", 0); /* out->ptr exists */
    if (out->len + n + 1 > out->cap) {
        out->cap = out->len + n + 1;
        if (!(out->ptr = realloc(out->ptr, out->cap)))
            abort();
    }
    if ((st = wps_json_client_write(&dm, NULL, (uint8_t *)out->ptr + out->len, n, &n)) != PBW_OK)
        return render_error(out, st);
    out->len += n;
    out->ptr[out->len] = '\0';
    return 0;
}

/* The event handler's request: its header lines and its body. */
static int render_cloudevent(wps_json_buf *out, pbw_bytes event, const wps_body *body)
{
    wps_cloudevent_conn c;
    size_t n, i, start;
    uint8_t *hdr, *bytes;
    pbw_status st;

    memset(&c, 0, sizeof c);
    c.hub = lit("{hub}");
    c.connection_id = lit("{connectionId}");
    c.user_id = lit("{userId}");
    c.event_id = lit("{eventId}");
    c.time = lit("{time}");
    c.subprotocol = lit("protobuf.webpubsub.azure.v1");
    if ((st = wps_cloudevent_headers(&c, event, body, NULL, 0, &n)) != PBW_E_NOSPACE)
        return render_error(out, st);
    if (!(hdr = malloc(n)))
        abort();
    if ((st = wps_cloudevent_headers(&c, event, body, hdr, n, &n)) != PBW_OK) {
        free(hdr);
        return render_error(out, st);
    }
    put_str(out, "{\"headers\": [");
    for (i = start = 0; i + 1 < n; i++) {
        if (hdr[i] == '\r' && hdr[i + 1] == '\n') {
            if (start)
                put_str(out, ", ");
            wps_json_string(out, hdr + start, i - start);
            start = i + 2;
        }
    }
    free(hdr);
    bytes = join(body);
    if (body->frame == WPS_FRAME_TEXT) {
        put_str(out, "], \"body\": ");
        wps_json_string(out, bytes, body->len);
    } else {
        put_str(out, "], \"bodyBase64\": ");
        wps_json_base64(out, bytes, body->len);
    }
    put_str(out, "}");
    free(bytes);
    return 0;
}

/* Renders what the --as receiver gets; returns 1 when there is nothing to
 * render (or the library refuses it). */
static int render(wps_json_buf *out, const options *o, const any_msg *m)
{
    uint8_t head[WPS_BODY_HEAD_MAX], *bytes;
    const wps_data *d = o->down ? wps_downstream_data(&m->down) : wps_upstream_data(&m->up);
    const char *as = o->as == AS_RAW ? "raw" : "cloudevent";
    char len[32];
    wps_body body;
    pbw_status st;

    if (o->as == AS_JSON_CLIENT)
        return render_json_client(out, o, m);
    if (o->as == AS_CLOUDEVENT && (o->down || m->up.kind != WPS_UP_EVENT))
        return no_rendering(out, as, "not an EventMessage (--up)");
    if (d == NULL)
        return no_rendering(out, as, "no payload");
    if ((st = wps_body_of(d, head, &body)) != PBW_OK)
        return render_error(out, st);
    if (o->as == AS_CLOUDEVENT)
        return render_cloudevent(out, m->up.u.event.event, &body);

    bytes = join(&body);
    snprintf(len, sizeof len, "%zu", body.len);
    put_str(out, body.frame == WPS_FRAME_TEXT ? "{\"frame\": \"text\", \"length\": "
                                              : "{\"frame\": \"binary\", \"length\": ");
    put_str(out, len);
    if (body.frame == WPS_FRAME_TEXT) {
        put_str(out, ", \"text\": ");
        wps_json_string(out, bytes, body.len);
    } else {
        put_str(out, ", \"base64\": ");
        wps_json_base64(out, bytes, body.len);
    }
    put_str(out, "}");
    free(bytes);
    return 0;
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
    else if (o->as != AS_MESSAGE)
        s = render(out, o, &m) ? PBW_E_ARG : PBW_OK;
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
    options o = {0, 0, 0, 0, AS_MESSAGE};
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
        else if (!strcmp(a, "--as=json-client"))
            o.as = AS_JSON_CLIENT;
        else if (!strcmp(a, "--as=raw"))
            o.as = AS_RAW;
        else if (!strcmp(a, "--as=cloudevent"))
            o.as = AS_CLOUDEVENT;
        else if (!strcmp(a, "--version"))
            return version();
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
