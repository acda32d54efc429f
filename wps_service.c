/* SPDX-License-Identifier: MIT */
/*
 * wps_service.c - fan-out and the per-receiver renderings (wps_service.h).
 */
#include "wps_service.h"

#if !(defined(PBW_FREESTANDING) && PBW_FREESTANDING)
#include <string.h>
#endif

/* Tags of DownstreamMessage.data_message and DataMessage.sequence_id. */
#define TAG_DATA_MESSAGE (2u << 3 | PBW_WT_LEN)
#define TAG_SEQUENCE_ID (4u << 3 | PBW_WT_VARINT)

/* The per-receiver path is a handful of stores; a call into pbwire.c for
 * each varint would cost as much as the rest of it. */
static uint8_t *put_varint(uint8_t *w, uint64_t v)
{
    while (v >= 0x80) {
        *w++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *w++ = (uint8_t)v;
    return w;
}

static pbw_bytes view(const uint8_t *p, size_t n)
{
    pbw_bytes b;
    b.ptr = p;
    b.len = n;
    return b;
}

/* A view of a string literal (no strlen: the library needs nothing from
 * libc but memcpy, memset, memmove and memcmp). */
#define LIT(s) view((const uint8_t *)(s), sizeof(s) - 1)

/* ---- 0. receivers' DataMessage ----------------------------------------- */

void wps_group_message(wps_data_message *out, const wps_send_to_group *s)
{
    memset(out, 0, sizeof *out);
    out->from = LIT("group");
    out->has_group = 1;
    out->group = s->group;
    out->has_data = s->has_data;
    out->data = s->data;
    out->metadata = s->metadata;
}

void wps_stream_message(wps_data_message *out, pbw_bytes group, const wps_stream_data *sd)
{
    memset(out, 0, sizeof *out);
    out->from = LIT("group");
    out->has_group = 1;
    out->group = group;
    out->has_data = sd->has_data;
    out->data = sd->data;
    out->has_stream = 1;
    out->stream.stream_id = sd->stream_id;
    out->stream.stream_sequence_id = sd->stream_sequence_id;
}

void wps_server_message(wps_data_message *out, const wps_data *data)
{
    memset(out, 0, sizeof *out);
    out->from = LIT("server");
    out->has_data = 1;
    out->data = *data;
}

/* ---- 1. protobuf fan-out ------------------------------------------------ */

/* The canonical MessageData's size; 0 when the kind is outside the enum. */
static int md_size(const wps_data *d, size_t *size)
{
    size_t any;
    switch (d->kind) {
    case WPS_DATA_NONE:
        *size = 0;
        return 1;
    case WPS_DATA_TEXT:
    case WPS_DATA_BINARY:
    case WPS_DATA_JSON:
        *size = pbw_len_field_size((uint32_t)d->kind, d->bytes.len);
        return 1;
    case WPS_DATA_PROTOBUF:
        any = (d->type_url.len ? pbw_len_field_size(1, d->type_url.len) : 0) +
              (d->bytes.len ? pbw_len_field_size(2, d->bytes.len) : 0);
        *size = pbw_len_field_size(3, any);
        return 1;
    default:
        return 0;
    }
}

pbw_status wps_fanout_prepare(wps_fanout *f, const wps_data_message *msg, uint8_t *buf,
                              size_t cap, size_t *used)
{
    const wps_data *data = &msg->data;
    int has_payload = msg->has_data && data->kind != WPS_DATA_NONE;
    size_t md = 0, plen = has_payload ? data->bytes.len : 0;
    size_t n = 0, head_len = 0, tail_len = 0, root, fields, k;
    wps_downstream d;
    pbw_status st;

    *used = 0;
    if (msg->has_data && !md_size(data, &md))
        return PBW_E_ARG;
    memset(&d, 0, sizeof d);
    d.kind = WPS_DOWN_DATA;
    d.u.data = *msg;
    d.u.data.has_sequence_id = 0;
    d.u.data.sequence_id = 0;
    /* Everything but the payload, contiguous: the split encoder writes head
     * and tail back to back.  (An empty Any.value is not on the wire, and the
     * split encoder then puts everything in the head: the same bytes.) */
    if (has_payload) {
        st = wps_downstream_encode_split(&d, buf, cap, &head_len, &tail_len);
        n = st == PBW_E_NOSPACE ? head_len : head_len + tail_len;
    } else {
        st = wps_downstream_encode(&d, buf, cap, &n);
    }
    if (st != PBW_OK) {
        *used = st == PBW_E_NOSPACE ? n : 0;
        return st;
    }
    *used = n;

    /* buf = root tag, root length, the fields before sequence_id without the
     * payload, then the fields after it. */
    for (k = 1; buf[k] & 0x80; k++)
        ;
    root = k + 1;
    fields = (msg->from.len ? pbw_len_field_size(1, msg->from.len) : 0) +
             (msg->has_group ? pbw_len_field_size(2, msg->group.len) : 0) +
             (msg->has_data ? pbw_len_field_size(3, md) : 0);
    f->body_len = n - root + plen;
    f->prefix = view(buf + root, fields - plen);
    f->suffix = view(buf + root + fields - plen, f->body_len - fields);
    f->payload = has_payload ? data->bytes : view(NULL, 0);
    f->verbatim = 0;

    /* The sender's MessageData is canonical when it has the canonical
     * length, its header (the tail of our prefix) is the canonical header,
     * and the payload view sits right after it inside raw: then the payload
     * is those very bytes, and raw is exactly the canonical MessageData. */
    if (has_payload && data->raw.ptr != NULL && data->raw.len == md) {
        size_t h = md - plen;
        const uint8_t *hdr = f->prefix.ptr + f->prefix.len - h;
        if (memcmp(data->raw.ptr, hdr, h) == 0 &&
            (plen == 0 || data->bytes.ptr == data->raw.ptr + h)) {
            f->prefix.len -= h;
            f->payload = data->raw;
            f->verbatim = 1;
        }
    }
    return PBW_OK;
}

size_t wps_fanout_receiver(const wps_fanout *f, int reliable, uint64_t seq, uint8_t *head,
                           pbw_bytes *iov, size_t *frame_len)
{
    size_t body = f->body_len, n = 0;
    uint8_t *w = head, *s;

    if (reliable) {
        uint64_t v = seq;
        body += 2;
        while (v >= 0x80) {
            body++;
            v >>= 7;
        }
    }
    *w++ = TAG_DATA_MESSAGE;
    w = put_varint(w, body);
    iov[n++] = view(head, (size_t)(w - head));
    *frame_len = (size_t)(w - head) + body;
    if (f->prefix.len)
        iov[n++] = f->prefix;
    if (f->payload.len)
        iov[n++] = f->payload;
    if (reliable) {
        s = w;
        *w++ = TAG_SEQUENCE_ID;
        w = put_varint(w, seq);
        iov[n++] = view(s, (size_t)(w - s));
    }
    if (f->suffix.len)
        iov[n++] = f->suffix;
    return n;
}

/* ---- a writer that counts, or writes what it counted ------------------- */

/* One function renders a message twice: first with p == NULL, counting
 * (and checking: check = 1), then, once the size is known to fit, writing
 * with the checks off.  So the size is exact by construction. */
typedef struct jw {
    uint8_t *p; /* next byte, or NULL: count only */
    size_t n;   /* bytes so far */
    int check;  /* run the input checks (the counting pass) */
} jw;

static void put(jw *w, const void *s, size_t len)
{
    if (w->p && len) {
        memcpy(w->p, s, len);
        w->p += len;
    }
    w->n += len;
}

#define PUT_LIT(w, s) put(w, s, sizeof(s) - 1)

static void put_byte(jw *w, uint8_t c)
{
    if (w->p)
        *w->p++ = c;
    w->n++;
}

static void put_u64(jw *w, uint64_t v)
{
    uint8_t tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (uint8_t)('0' + v % 10);
        v /= 10;
    } while (v);
    put(w, tmp + i, sizeof tmp - i);
}

static const char hexdig[] = "0123456789abcdef";

/* A JSON string: UTF-8 as it is, with only what RFC 8259 requires escaped. */
static pbw_status put_string(jw *w, pbw_bytes s)
{
    size_t i, start = 0;

    if (s.len && s.ptr == NULL)
        return PBW_E_ARG;
    if (w->check && !pbw_utf8_valid(s.ptr, s.len, NULL))
        return PBW_E_UTF8;
    put_byte(w, '"');
    if (s.len == 0) { /* s.ptr may be NULL: no arithmetic on it */
        put_byte(w, '"');
        return PBW_OK;
    }
    for (i = 0; i < s.len; i++) {
        uint8_t c, e = 0;
        /* Eight bytes at a time while none needs escaping (exact tests for
         * a byte below 0x20, a '"', a '\\' in the word). */
        while (s.len - i >= 8) {
            uint64_t v, q, b;
            memcpy(&v, s.ptr + i, 8);
            q = v ^ 0x2222222222222222u;
            b = v ^ 0x5c5c5c5c5c5c5c5cu;
            if ((((v - 0x2020202020202020u) & ~v) | ((q - 0x0101010101010101u) & ~q) |
                 ((b - 0x0101010101010101u) & ~b)) & 0x8080808080808080u)
                break;
            i += 8;
        }
        if (i == s.len)
            break;
        c = s.ptr[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(w, s.ptr + start, i - start);
        start = i + 1;
        switch (c) {
        case '"': e = '"'; break;
        case '\\': e = '\\'; break;
        case '\b': e = 'b'; break;
        case '\f': e = 'f'; break;
        case '\n': e = 'n'; break;
        case '\r': e = 'r'; break;
        case '\t': e = 't'; break;
        default: break;
        }
        put_byte(w, '\\');
        if (e) {
            put_byte(w, e);
        } else {
            PUT_LIT(w, "u00");
            put_byte(w, (uint8_t)hexdig[c >> 4]);
            put_byte(w, (uint8_t)hexdig[c & 15]);
        }
    }
    put(w, s.ptr + start, s.len - start);
    put_byte(w, '"');
    return PBW_OK;
}

/* Padded base64 (RFC 4648 section 4) of several pieces taken as one. */
static const char b64dig[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_quad(uint8_t *o, uint32_t v)
{
    uint8_t q[4];
    q[0] = (uint8_t)b64dig[v >> 18 & 63];
    q[1] = (uint8_t)b64dig[v >> 12 & 63];
    q[2] = (uint8_t)b64dig[v >> 6 & 63];
    q[3] = (uint8_t)b64dig[v & 63];
    memcpy(o, q, 4); /* one store, not four */
}

static void put_base64(jw *w, const pbw_bytes *pieces, size_t npieces)
{
    uint8_t carry[3];
    uint8_t *o; /* not w->p: stores through a uint8_t * may alias *w */
    size_t i, total = 0, have = 0;

    for (i = 0; i < npieces; i++)
        total += pieces[i].len;
    put_byte(w, '"');
    w->n += (total + 2) / 3 * 4;
    if (w->p == NULL) {
        put_byte(w, '"');
        return;
    }
    o = w->p;
    for (i = 0; i < npieces; i++) {
        const uint8_t *s = pieces[i].ptr;
        size_t len = pieces[i].len, j = 0;
        while (have && have < 3 && j < len)
            carry[have++] = s[j++];
        if (have == 3) {
            b64_quad(o, (uint32_t)carry[0] << 16 | (uint32_t)carry[1] << 8 | carry[2]);
            o += 4;
            have = 0;
        }
        for (; len - j >= 6; j += 6, o += 8) { /* two groups: loads ahead of stores */
            uint32_t a = (uint32_t)s[j] << 16 | (uint32_t)s[j + 1] << 8 | s[j + 2];
            uint32_t b = (uint32_t)s[j + 3] << 16 | (uint32_t)s[j + 4] << 8 | s[j + 5];
            b64_quad(o, a);
            b64_quad(o + 4, b);
        }
        for (; len - j >= 3; j += 3, o += 4)
            b64_quad(o, (uint32_t)s[j] << 16 | (uint32_t)s[j + 1] << 8 | s[j + 2]);
        while (j < len)
            carry[have++] = s[j++];
    }
    if (have) {
        b64_quad(o, (uint32_t)carry[0] << 16 | (have == 2 ? (uint32_t)carry[1] << 8 : 0));
        if (have == 1)
            o[2] = '=';
        o[3] = '=';
        o += 4;
    }
    w->p = o;
    put_byte(w, '"');
}

/* ---- JSON validation ---------------------------------------------------- */

static size_t skip_ws(const uint8_t *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
        i++;
    return i;
}

static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(uint8_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Each scanner starts at the value's first byte; on success it leaves *i
 * just past the value and returns 1, else *i at the offending byte. */
static int scan_string(const uint8_t *s, size_t n, size_t *i)
{
    size_t j = *i + 1, k;
    for (;;) {
        uint8_t c;
        if (j >= n)
            break;
        c = s[j];
        if (c == '"') {
            *i = j + 1;
            return 1;
        }
        if (c < 0x20)
            break;
        if (c != '\\') {
            j++; /* UTF-8 was checked beforehand */
            continue;
        }
        if (++j >= n)
            break;
        c = s[j];
        if (c == 'u') {
            for (k = 1; k <= 4; k++)
                if (j + k >= n || !is_hex(s[j + k]))
                    break;
            if (k <= 4) {
                j += k;
                break;
            }
            j += 5;
        } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' ||
                   c == 'r' || c == 't') {
            j++;
        } else {
            break;
        }
    }
    *i = j;
    return 0;
}

static int scan_number(const uint8_t *s, size_t n, size_t *i)
{
    size_t j = *i;
    if (s[j] == '-')
        j++;
    if (j < n && s[j] == '0') {
        j++;
    } else if (j < n && s[j] >= '1' && s[j] <= '9') {
        while (j < n && is_digit(s[j]))
            j++;
    } else {
        *i = j;
        return 0;
    }
    if (j < n && s[j] == '.') {
        if (++j >= n || !is_digit(s[j])) {
            *i = j;
            return 0;
        }
        while (j < n && is_digit(s[j]))
            j++;
    }
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        j++;
        if (j < n && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j >= n || !is_digit(s[j])) {
            *i = j;
            return 0;
        }
        while (j < n && is_digit(s[j]))
            j++;
    }
    *i = j;
    return 1;
}

static int scan_literal(const uint8_t *s, size_t n, size_t *i, const char *lit)
{
    size_t j = *i;
    for (; *lit; lit++, j++) {
        if (j >= n || s[j] != (uint8_t)*lit) {
            *i = j;
            return 0;
        }
    }
    *i = j;
    return 1;
}

/* An object member's key and its colon, up to the value. */
static int scan_key(const uint8_t *s, size_t n, size_t *i)
{
    if (*i >= n || s[*i] != '"' || !scan_string(s, n, i))
        return 0;
    *i = skip_ws(s, n, *i);
    if (*i >= n || s[*i] != ':')
        return 0;
    *i = skip_ws(s, n, *i + 1);
    return 1;
}

pbw_status wps_json_validate(const uint8_t *s, size_t n, size_t *err_offset)
{
    /* One bit per open container: 1 object, 0 array. */
    uint8_t stack[(WPS_JSON_MAX_DEPTH + 7) / 8];
    size_t i = 0, bad = 0;
    unsigned depth = 0;
    pbw_status st = PBW_E_JSON;
    int obj;

    if (n && !pbw_utf8_valid(s, n, &bad)) {
        i = bad;
        st = PBW_E_UTF8;
        goto fail;
    }
    i = skip_ws(s, n, 0);
value:
    if (i >= n)
        goto fail;
    switch (s[i]) {
    case '{':
    case '[':
        if (depth == WPS_JSON_MAX_DEPTH) {
            st = PBW_E_DEPTH;
            goto fail;
        }
        obj = s[i] == '{';
        if (obj)
            stack[depth / 8] = (uint8_t)(stack[depth / 8] | 1u << depth % 8);
        else
            stack[depth / 8] = (uint8_t)(stack[depth / 8] & ~(1u << depth % 8));
        depth++;
        i = skip_ws(s, n, i + 1);
        if (i < n && s[i] == (obj ? '}' : ']')) {
            depth--;
            i++;
            goto after;
        }
        if (obj && !scan_key(s, n, &i))
            goto fail;
        goto value;
    case '"':
        if (!scan_string(s, n, &i))
            goto fail;
        break;
    case 't':
        if (!scan_literal(s, n, &i, "true"))
            goto fail;
        break;
    case 'f':
        if (!scan_literal(s, n, &i, "false"))
            goto fail;
        break;
    case 'n':
        if (!scan_literal(s, n, &i, "null"))
            goto fail;
        break;
    default:
        if (!scan_number(s, n, &i))
            goto fail;
        break;
    }
after:
    i = skip_ws(s, n, i);
    if (depth == 0) {
        if (i == n) {
            if (err_offset)
                *err_offset = n;
            return PBW_OK;
        }
        goto fail;
    }
    if (i >= n)
        goto fail;
    obj = stack[(depth - 1) / 8] >> (depth - 1) % 8 & 1;
    if (s[i] == ',') {
        i = skip_ws(s, n, i + 1);
        if (obj && !scan_key(s, n, &i))
            goto fail;
        goto value;
    }
    if (s[i] == (obj ? '}' : ']')) {
        depth--;
        i++;
        goto after;
    }
fail:
    if (err_offset)
        *err_offset = i;
    return st;
}

/* ---- 2. json subprotocol ------------------------------------------------ */

/* The serialised Any's pieces: type_url's tag and length, type_url,
 * value's tag and length, value (empty ones left out).  head needs
 * WPS_BODY_HEAD_MAX bytes. */
static size_t any_pieces(const wps_data *d, uint8_t *head, pbw_bytes *iov)
{
    size_t n = 0;
    uint8_t *w = head, *s;
    if (d->type_url.len) {
        s = w;
        *w++ = 1 << 3 | PBW_WT_LEN;
        w = put_varint(w, d->type_url.len);
        iov[n++] = view(s, (size_t)(w - s));
        iov[n++] = d->type_url;
    }
    if (d->bytes.len) {
        s = w;
        *w++ = 2 << 3 | PBW_WT_LEN;
        w = put_varint(w, d->bytes.len);
        iov[n++] = view(s, (size_t)(w - s));
        iov[n++] = d->bytes;
    }
    return n;
}

static pbw_status put_data(jw *w, const wps_data *d)
{
    uint8_t head[WPS_BODY_HEAD_MAX];
    pbw_bytes iov[WPS_BODY_IOV_MAX];
    size_t i, n;

    switch (d->kind) {
    case WPS_DATA_TEXT:
        PUT_LIT(w, ",\"dataType\":\"text\",\"data\":");
        return put_string(w, d->bytes);
    case WPS_DATA_BINARY:
        if (d->bytes.len && d->bytes.ptr == NULL)
            return PBW_E_ARG;
        PUT_LIT(w, ",\"dataType\":\"binary\",\"data\":");
        put_base64(w, &d->bytes, 1);
        return PBW_OK;
    case WPS_DATA_JSON:
        if (d->bytes.len && d->bytes.ptr == NULL)
            return PBW_E_ARG;
        if (w->check) {
            pbw_status st = wps_json_validate(d->bytes.ptr, d->bytes.len, NULL);
            if (st != PBW_OK)
                return st;
        }
        PUT_LIT(w, ",\"dataType\":\"json\",\"data\":");
        put(w, d->bytes.ptr, d->bytes.len);
        return PBW_OK;
    case WPS_DATA_PROTOBUF:
        n = any_pieces(d, head, iov);
        for (i = 0; i < n; i++)
            if (iov[i].len && iov[i].ptr == NULL)
                return PBW_E_ARG;
        PUT_LIT(w, ",\"dataType\":\"protobuf\",\"data\":");
        put_base64(w, iov, n);
        return PBW_OK;
    case WPS_DATA_NONE:
        return PBW_OK;
    default:
        return PBW_E_ARG;
    }
}

static pbw_status put_stream(jw *w, const wps_stream_info *si)
{
    pbw_status st;
    PUT_LIT(w, ",\"stream\":{\"streamId\":");
    if ((st = put_string(w, si->stream_id)) != PBW_OK)
        return st;
    PUT_LIT(w, ",\"streamSequenceId\":");
    put_u64(w, si->stream_sequence_id);
    if (si->has_end_of_stream) {
        if (si->end_of_stream)
            PUT_LIT(w, ",\"endOfStream\":true");
        else
            PUT_LIT(w, ",\"endOfStream\":false");
    }
    if (si->has_error) {
        PUT_LIT(w, ",\"error\":{\"name\":");
        if ((st = put_string(w, si->error.name)) != PBW_OK)
            return st;
        PUT_LIT(w, ",\"message\":");
        if ((st = put_string(w, si->error.message)) != PBW_OK)
            return st;
        if (si->error.user_error_code.len) {
            PUT_LIT(w, ",\"userErrorCode\":");
            if ((st = put_string(w, si->error.user_error_code)) != PBW_OK)
                return st;
        }
        put_byte(w, '}');
    }
    put_byte(w, '}');
    return PBW_OK;
}

static pbw_status json_client(jw *w, const wps_data_message *m, const pbw_bytes *uid)
{
    pbw_status st;

    if (m->has_sequence_id) {
        PUT_LIT(w, "{\"sequenceId\":");
        put_u64(w, m->sequence_id);
        PUT_LIT(w, ",\"type\":\"message\",\"from\":");
    } else {
        PUT_LIT(w, "{\"type\":\"message\",\"from\":");
    }
    if ((st = put_string(w, m->from)) != PBW_OK)
        return st;
    if (m->has_group) {
        PUT_LIT(w, ",\"group\":");
        if ((st = put_string(w, m->group)) != PBW_OK)
            return st;
    }
    if (m->has_data && (st = put_data(w, &m->data)) != PBW_OK)
        return st;
    if (uid) {
        PUT_LIT(w, ",\"fromUserId\":");
        if ((st = put_string(w, *uid)) != PBW_OK)
            return st;
    }
    if (m->has_stream && (st = put_stream(w, &m->stream)) != PBW_OK)
        return st;
    put_byte(w, '}');
    return PBW_OK;
}

pbw_status wps_json_client_size(const wps_data_message *msg, const pbw_bytes *from_user_id,
                                size_t *size)
{
    jw w;
    pbw_status st;
    w.p = NULL;
    w.n = 0;
    w.check = 1;
    st = json_client(&w, msg, from_user_id);
    *size = st == PBW_OK ? w.n : 0;
    return st;
}

pbw_status wps_json_client_write(const wps_data_message *msg, const pbw_bytes *from_user_id,
                                 uint8_t *dst, size_t cap, size_t *written)
{
    jw w;
    pbw_status st = wps_json_client_size(msg, from_user_id, written);
    if (st != PBW_OK)
        return st;
    if (*written > cap)
        return PBW_E_NOSPACE;
    w.p = dst;
    w.n = 0;
    w.check = 0;
    return json_client(&w, msg, from_user_id);
}

size_t wps_json_client_seq_head(uint64_t seq, uint8_t *dst)
{
    jw w;
    w.p = dst;
    w.n = 0;
    w.check = 0;
    PUT_LIT(&w, "{\"sequenceId\":");
    put_u64(&w, seq);
    put_byte(&w, ',');
    return w.n;
}

/* ---- 3 and 4. plain WebSocket frames, CloudEvents ---------------------- */

pbw_status wps_body_of(const wps_data *d, uint8_t *head, wps_body *out)
{
    size_t i;

    memset(out, 0, sizeof *out);
    switch (d->kind) {
    case WPS_DATA_TEXT:
        out->frame = WPS_FRAME_TEXT;
        out->content_type = LIT("text/plain");
        break;
    case WPS_DATA_BINARY:
        out->frame = WPS_FRAME_BINARY;
        out->content_type = LIT("application/octet-stream");
        break;
    case WPS_DATA_JSON:
        out->frame = WPS_FRAME_TEXT;
        out->content_type = LIT("application/json");
        break;
    case WPS_DATA_PROTOBUF:
        out->frame = WPS_FRAME_BINARY;
        out->content_type = LIT("application/x-protobuf");
        out->niov = any_pieces(d, head, out->iov);
        for (i = 0; i < out->niov; i++)
            out->len += out->iov[i].len;
        return PBW_OK;
    default:
        return PBW_E_ARG;
    }
    if (d->bytes.len) {
        out->iov[0] = d->bytes;
        out->niov = 1;
        out->len = d->bytes.len;
    }
    return PBW_OK;
}

/* An HTTP field value (RFC 9110 section 5.5): no control character but
 * tab; bytes 0x80 and up are obs-text, allowed. */
static int field_value_ok(pbw_bytes v)
{
    size_t i;
    if (v.len && v.ptr == NULL)
        return 0;
    for (i = 0; i < v.len; i++)
        if ((v.ptr[i] < 0x20 && v.ptr[i] != '\t') || v.ptr[i] == 0x7f)
            return 0;
    return 1;
}

static void header(jw *w, pbw_bytes name, pbw_bytes value)
{
    put(w, name.ptr, name.len);
    put(w, value.ptr, value.len);
    PUT_LIT(w, "\r\n");
}

static void cloudevent(jw *w, const wps_cloudevent_conn *c, pbw_bytes event,
                       const wps_body *body)
{
    if (c->origin.len)
        header(w, LIT("WebHook-Request-Origin: "), c->origin);
    header(w, LIT("Content-Type: "), body->content_type);
    PUT_LIT(w, "Content-Length: ");
    put_u64(w, body->len);
    PUT_LIT(w, "\r\nce-specversion: 1.0\r\nce-type: azure.webpubsub.user.");
    put(w, event.ptr, event.len);
    PUT_LIT(w, "\r\nce-source: /hubs/");
    put(w, c->hub.ptr, c->hub.len);
    PUT_LIT(w, "/client/");
    header(w, LIT(""), c->connection_id);
    header(w, LIT("ce-id: "), c->event_id);
    header(w, LIT("ce-time: "), c->time);
    if (c->signature.len)
        header(w, LIT("ce-signature: "), c->signature);
    if (c->user_id.len)
        header(w, LIT("ce-userId: "), c->user_id);
    header(w, LIT("ce-connectionId: "), c->connection_id);
    header(w, LIT("ce-hub: "), c->hub);
    header(w, LIT("ce-eventName: "), event);
    if (c->subprotocol.len)
        header(w, LIT("ce-subprotocol: "), c->subprotocol);
    if (c->connection_state.len)
        header(w, LIT("ce-connectionState: "), c->connection_state);
}

pbw_status wps_cloudevent_headers(const wps_cloudevent_conn *conn, pbw_bytes event,
                                  const wps_body *body, uint8_t *dst, size_t cap,
                                  size_t *written)
{
    jw w;

    *written = 0;
    if (body->content_type.len == 0 || !field_value_ok(event) || !field_value_ok(conn->hub) ||
        !field_value_ok(conn->connection_id) || !field_value_ok(conn->user_id) ||
        !field_value_ok(conn->event_id) || !field_value_ok(conn->time) ||
        !field_value_ok(conn->signature) || !field_value_ok(conn->subprotocol) ||
        !field_value_ok(conn->connection_state) || !field_value_ok(conn->origin))
        return PBW_E_ARG;
    w.p = NULL;
    w.n = 0;
    w.check = 0;
    cloudevent(&w, conn, event, body);
    *written = w.n;
    if (w.n > cap)
        return PBW_E_NOSPACE;
    w.p = dst;
    w.n = 0;
    cloudevent(&w, conn, event, body);
    return PBW_OK;
}
