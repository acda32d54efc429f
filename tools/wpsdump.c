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
 *                (--down: every DownstreamMessage kind, wps_service.h
 *                section 5)
 * --json-client-in reads JSON requests of the json subprotocols instead
 * (the whole input, or one per line with --lines) and prints the
 * UpstreamMessage each parses to (wps_json_request_parse), or with
 * --to-hex its protobuf encoding in hex.
 * --draft-2021 reads frames of the June 2021 draft of the protobuf
 * subprotocol (a flat message: type = 1, ..., data = 5), superseded before
 * release; see the help text.
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
          "  --json-client-in   input is JSON requests of json.webpubsub.azure.v1 (one\n"
          "                     per line with --lines): print the UpstreamMessage\n"
          "  --to-hex           ...as its protobuf encoding, in hex\n"
          "  --draft-2021       read frames of the June 2021 draft of the protobuf\n"
          "                     subprotocol: one flat message, type = 1 (\"joinGroup\",\n"
          "                     \"leaveGroup\", \"sendToGroup\", \"event\", \"ack\",\n"
          "                     \"message\", \"system\"), then group/from/event, ackId,\n"
          "                     dataType (a string), data = 5 holding text, bytes or\n"
          "                     a message.  That format was superseded before the\n"
          "                     service's release by the UpstreamMessage and\n"
          "                     DownstreamMessage oneofs decoded by default; no\n"
          "                     service speaks it.  For reading old captures only.\n"
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
    int json_in;   /* --json-client-in */
    int to_hex;    /* --to-hex */
    int draft;     /* --draft-2021 */
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

/* Appends the exact-size rendering of any downstream message. */
static int render_json_down(wps_json_buf *out, const wps_downstream *d)
{
    size_t n;
    pbw_status st;
    if ((st = wps_json_client_down_size(d, NULL, &n)) != PBW_OK)
        return st == PBW_E_NO_RENDERING
                   ? no_rendering(out, "json-client", "a message of kind NONE has no json form")
                   : render_error(out, st);
    wps_json_put(out, "", 0);
    if (out->len + n + 1 > out->cap) {
        out->cap = out->len + n + 1;
        if (!(out->ptr = realloc(out->ptr, out->cap)))
            abort();
    }
    if ((st = wps_json_client_down_write(d, NULL, (uint8_t *)out->ptr + out->len, n, &n)) !=
        PBW_OK)
        return render_error(out, st);
    out->len += n;
    out->ptr[out->len] = '\0';
    return 0;
}

/* The json client message. */
static int render_json_client(wps_json_buf *out, const options *o, const any_msg *m)
{
    wps_data_message dm;
    size_t n;
    pbw_status st;

    if (o->down)
        return render_json_down(out, &m->down);
    if (!o->down && m->up.kind == WPS_UP_SEND_TO_GROUP)
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

/* --json-client-in: one JSON request. */
static int json_in(wps_json_buf *out, const unsigned char *msg, size_t len, const options *o)
{
    wps_upstream up;
    size_t off, n, i, cap = WPS_JSON_REQUEST_SCRATCH(len);
    uint8_t *scratch = malloc(cap ? cap : 1), *enc;
    pbw_status st;

    if (!scratch)
        abort();
    st = wps_json_request_parse(msg, len, &up, scratch, cap, NULL, &off);
    if (st != PBW_OK) {
        wps_json_error(out, pbw_status_name(st), off);
    } else if (!o->to_hex) {
        wps_json_upstream(out, &up);
    } else {
        wps_upstream_encode(&up, NULL, 0, &n);
        if (!(enc = malloc(n ? n : 1)))
            abort();
        wps_upstream_encode(&up, enc, n, &n);
        for (i = 0; i < n; i++) {
            char h[3];
            snprintf(h, sizeof h, "%02x", enc[i]);
            wps_json_put(out, h, 2);
        }
        wps_json_put(out, "", 0);
        free(enc);
    }
    free(scratch);
    return st != PBW_OK;
}

/* ---- --draft-2021 ---- */

/* The draft's flat frames: field 1 is the type; the rest depends on it. */
typedef struct draft_field {
    unsigned num;
    const char *name;
    char kind; /* 's' string, 'i' int32, 'b' bool, 'e' error message, 'd' data */
} draft_field;

static const draft_field draft_request[] = {
    {2, "group", 's'}, {3, "ackId", 'i'}, {4, "dataType", 's'}, {5, "data", 'd'}, {0, 0, 0}};
static const draft_field draft_event[] = {
    {2, "event", 's'}, {3, "ackId", 'i'}, {4, "dataType", 's'}, {5, "data", 'd'}, {0, 0, 0}};
static const draft_field draft_ack[] = {
    {2, "ackId", 'i'}, {3, "success", 'b'}, {4, "error", 'e'}, {0, 0, 0}};
static const draft_field draft_message[] = {
    {2, "from", 's'}, {3, "group", 's'}, {4, "dataType", 's'}, {5, "data", 'd'}, {0, 0, 0}};
static const draft_field draft_connected[] = {
    {2, "event", 's'}, {3, "userId", 's'}, {4, "connectionId", 's'}, {0, 0, 0}};
static const draft_field draft_disconnected[] = {
    {2, "event", 's'}, {3, "message", 's'}, {0, 0, 0}};

static int view_is(pbw_bytes v, const char *s)
{
    return v.len == strlen(s) && memcmp(v.ptr, s, v.len) == 0;
}

/* The last occurrence of field num (wire type wt) in the frame: 1 and *v
 * (LEN) or *x (VARINT); 0 when absent; -1 on an error (*st, *err). */
static int draft_get(const uint8_t *b, size_t len, unsigned num, unsigned wt, pbw_bytes *v,
                     uint64_t *x, pbw_status *st, size_t *err)
{
    const uint8_t *p = b, *end = b + len, *at;
    int found = 0;
    while (p < end) {
        uint32_t tag;
        at = p;
        if ((*st = pbw_read_tag(&p, end, &tag)) != PBW_OK) {
            *err = (size_t)(p - b);
            return -1;
        }
        if (tag >> 3 == num && (tag & 7) != wt && wt != 9) {
            *st = PBW_E_WIRE_TYPE;
            *err = (size_t)(at - b);
            return -2;
        }
        if (tag >> 3 == num && wt == PBW_WT_LEN) {
            if ((*st = pbw_read_bytes(&p, end, v)) != PBW_OK) {
                *err = (size_t)(p - b);
                return -1;
            }
            found = 1;
        } else if (tag >> 3 == num && wt == PBW_WT_VARINT) {
            if ((*st = pbw_read_varint64(&p, end, x)) != PBW_OK) {
                *err = (size_t)(p - b);
                return -1;
            }
            found = 1;
        } else {
            const uint8_t *e;
            p = at;
            if ((*st = pbw_skip_field(&p, end, PBW_MAX_DEPTH, &e)) != PBW_OK) {
                *err = (size_t)(e - b);
                return -1;
            }
        }
    }
    return found;
}

static int draft_2021(wps_json_buf *out, const unsigned char *msg, size_t len)
{
    const draft_field *layout;
    pbw_bytes type, v, data_type = {NULL, 0};
    uint64_t x;
    pbw_status st = PBW_OK;
    size_t err = 0;
    int r, have_dt = 0;

    r = draft_get(msg, len, 1, PBW_WT_LEN, &type, &x, &st, &err);
    if (r < 0) {
        wps_json_error(out, r == -2 ? "DRAFT_WIRE_TYPE" : pbw_status_name(st), err);
        return 1;
    }
    if (r == 0) {
        wps_json_error(out, "DRAFT_NO_TYPE", len);
        return 1;
    }
    if (!pbw_utf8_valid(type.ptr, type.len, &err)) {
        wps_json_error(out, "PBW_E_UTF8", (size_t)(type.ptr - msg) + err);
        return 1;
    }
    if (view_is(type, "joinGroup") || view_is(type, "leaveGroup") ||
        view_is(type, "sendToGroup"))
        layout = draft_request;
    else if (view_is(type, "event"))
        layout = draft_event;
    else if (view_is(type, "ack"))
        layout = draft_ack;
    else if (view_is(type, "message"))
        layout = draft_message;
    else if (view_is(type, "system")) {
        pbw_bytes ev = {NULL, 0};
        r = draft_get(msg, len, 2, PBW_WT_LEN, &ev, &x, &st, &err);
        layout = r == 1 && view_is(ev, "disconnected") ? draft_disconnected : draft_connected;
    } else {
        wps_json_error(out, "DRAFT_UNKNOWN_TYPE", (size_t)(type.ptr - msg));
        return 1;
    }
    if (draft_get(msg, len, 4, PBW_WT_LEN, &data_type, &x, &st, &err) == 1 &&
        layout != draft_ack && layout != draft_connected)
        have_dt = 1;

    put_str(out, "{\"type\": ");
    wps_json_string(out, type.ptr, type.len);
    for (; layout->num; layout++) {
        char t[32];
        unsigned wt = layout->kind == 'i' || layout->kind == 'b' ? PBW_WT_VARINT : PBW_WT_LEN;
        r = draft_get(msg, len, layout->num, wt, &v, &x, &st, &err);
        if (r < 0) {
            out->len = 0;
            wps_json_error(out, r == -2 ? "DRAFT_WIRE_TYPE" : pbw_status_name(st), err);
            return 1;
        }
        if (r == 0)
            continue;
        put_str(out, ", \"");
        put_str(out, layout->name);
        put_str(out, "\": ");
        switch (layout->kind) {
        case 'i':
            snprintf(t, sizeof t, "%ld", (long)(int32_t)(uint32_t)x);
            put_str(out, t);
            break;
        case 'b':
            put_str(out, x ? "true" : "false");
            break;
        case 'e': {
            pbw_bytes name = {NULL, 0}, text = {NULL, 0};
            if (draft_get(v.ptr, v.len, 1, PBW_WT_LEN, &name, &x, &st, &err) < 0 ||
                draft_get(v.ptr, v.len, 2, PBW_WT_LEN, &text, &x, &st, &err) < 0 ||
                !pbw_utf8_valid(name.ptr, name.len, NULL) ||
                !pbw_utf8_valid(text.ptr, text.len, NULL)) {
                out->len = 0;
                wps_json_error(out, "DRAFT_BAD_ERROR", (size_t)(v.ptr - msg));
                return 1;
            }
            put_str(out, "{\"name\": ");
            wps_json_string(out, name.ptr, name.len);
            put_str(out, ", \"message\": ");
            wps_json_string(out, text.ptr, text.len);
            put_str(out, "}");
            break;
        }
        case 'd':
            /* text and json are strings; binary, protobuf (a nested
             * message) or no dataType: base64 of the field's bytes */
            if (have_dt && (view_is(data_type, "text") || view_is(data_type, "json"))) {
                if (!pbw_utf8_valid(v.ptr, v.len, &err)) {
                    out->len = 0;
                    wps_json_error(out, "PBW_E_UTF8", (size_t)(v.ptr - msg) + err);
                    return 1;
                }
                wps_json_string(out, v.ptr, v.len);
            } else {
                wps_json_base64(out, v.ptr, v.len);
            }
            break;
        default:
            if (!pbw_utf8_valid(v.ptr, v.len, &err)) {
                out->len = 0;
                wps_json_error(out, "PBW_E_UTF8", (size_t)(v.ptr - msg) + err);
                return 1;
            }
            wps_json_string(out, v.ptr, v.len);
            break;
        }
    }
    put_str(out, "}");
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
    if (o->json_in || o->draft) {
        int bad = o->json_in ? json_in(out, msg, len, o) : draft_2021(out, msg, len);
        fwrite(out->ptr, 1, out->len, stdout);
        fputc('\n', stdout);
        return bad;
    }
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
    options o = {0, 0, 0, 0, AS_MESSAGE, 0, 0, 0};
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
        else if (!strcmp(a, "--json-client-in"))
            o.json_in = 1;
        else if (!strcmp(a, "--to-hex"))
            o.to_hex = 1;
        else if (!strcmp(a, "--draft-2021"))
            o.draft = 1;
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
            len = o.json_in ? (long)(end - start) : from_hex(in + start, end - start, &bad_at);
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
