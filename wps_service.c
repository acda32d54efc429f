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
 * with the checks off.  So the size is exact by construction.  The count
 * saturates (over = 1) instead of wrapping, on 32-bit targets too, and the
 * writing pass stops at `end` whatever it was told: a count that does not
 * match the bytes (an input changed under it) never writes past cap. */
typedef struct jw {
    uint8_t *p;   /* next byte, or NULL: count only */
    uint8_t *end; /* writing: the end of the output */
    size_t n;     /* bytes so far */
    int check;    /* run the input checks (the counting pass) */
    int over;     /* the count passed SIZE_MAX, or the writing passed end */
} jw;

static void jw_init(jw *w, uint8_t *dst, size_t cap, int check)
{
    w->p = dst;
    w->end = dst ? dst + cap : NULL;
    w->n = 0;
    w->check = check;
    w->over = 0;
}

static void put(jw *w, const void *s, size_t len)
{
    if (w->p) {
        if (len > (size_t)(w->end - w->p)) {
            w->over = 1;
            return;
        }
        if (len)
            memcpy(w->p, s, len);
        w->p += len;
    }
    if (w->n + len < w->n)
        w->over = 1;
    w->n += len;
}

#define PUT_LIT(w, s) put(w, s, sizeof(s) - 1)

static void put_byte(jw *w, uint8_t c)
{
    if (w->p) {
        if (w->p == w->end) {
            w->over = 1;
            return;
        }
        *w->p++ = c;
    }
    if (++w->n == 0)
        w->over = 1;
}

/* A view of the input must not overlap the output: the count was made
 * from the bytes as they were before the writing would change them. */
static int overlaps(pbw_bytes v, const uint8_t *dst, size_t cap)
{
    uintptr_t p = (uintptr_t)v.ptr, lo = (uintptr_t)dst;
    return v.len && dst && cap && p < lo + cap && lo < p + v.len;
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

    for (i = 0; i < npieces; i++) {
        if (total + pieces[i].len < total)
            w->over = 1;
        total += pieces[i].len;
    }
    put_byte(w, '"');
    if (total / 3 >= SIZE_MAX / 4 - 1) { /* 4 * ceil(total / 3) would wrap */
        w->over = 1;
        return;
    }
    if (w->p == NULL) {
        if (w->n + (total + 2) / 3 * 4 < w->n)
            w->over = 1;
        w->n += (total + 2) / 3 * 4;
        put_byte(w, '"');
        return;
    }
    if ((size_t)(w->end - w->p) < (total + 2) / 3 * 4 + 1) {
        w->over = 1;
        return;
    }
    w->n += (total + 2) / 3 * 4;
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

static pbw_status skip_value_in(const uint8_t *s, size_t n, size_t *at, unsigned max_depth);

pbw_status wps_json_validate(const uint8_t *s, size_t n, size_t *err_offset)
{
    size_t i = 0, bad = 0;
    pbw_status st;

    if (n && !pbw_utf8_valid(s, n, &bad)) {
        if (err_offset)
            *err_offset = bad;
        return PBW_E_UTF8;
    }
    i = skip_ws(s, n, 0);
    st = skip_value_in(s, n, &i, WPS_JSON_MAX_DEPTH);
    if (st == PBW_OK) {
        i = skip_ws(s, n, i);
        if (i != n)
            st = PBW_E_JSON; /* something after the value */
    }
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
    jw_init(&w, NULL, 0, 1);
    st = json_client(&w, msg, from_user_id);
    if (st == PBW_OK && w.over)
        st = PBW_E_TOO_BIG;
    *size = st == PBW_OK ? w.n : 0;
    return st;
}

/* Every view the rendering reads, against dst[0..cap). */
static int json_overlaps(const wps_data_message *m, const pbw_bytes *uid, const uint8_t *dst,
                         size_t cap)
{
    const pbw_bytes v[] = {m->from, m->group, m->data.bytes, m->data.type_url,
                           m->stream.stream_id, m->stream.error.name, m->stream.error.message,
                           m->stream.error.user_error_code};
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++)
        if (overlaps(v[i], dst, cap))
            return 1;
    return uid && overlaps(*uid, dst, cap);
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
    if (json_overlaps(msg, from_user_id, dst, cap)) {
        *written = 0;
        return PBW_E_ARG;
    }
    jw_init(&w, dst, cap, 0);
    st = json_client(&w, msg, from_user_id);
    if (st == PBW_OK && (w.over || w.n != *written))
        st = PBW_E_ARG; /* the input changed while it was read */
    return st;
}

size_t wps_json_client_seq_head(uint64_t seq, uint8_t *dst)
{
    jw w;
    jw_init(&w, dst, WPS_JSON_SEQ_HEAD_MAX, 0);
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

/* An HTTP field value (RFC 9110 section 5.5) written as it is (Content-Type,
 * WebHook-Request-Origin): no control character but tab; bytes 0x80 and
 * up are obs-text, allowed; no space or tab at either end, where a
 * receiver would strip it. */
static int field_value_ok(pbw_bytes v)
{
    size_t i;
    if (v.len == 0)
        return 1;
    if (v.ptr == NULL || v.ptr[0] == ' ' || v.ptr[0] == '\t' || v.ptr[v.len - 1] == ' ' ||
        v.ptr[v.len - 1] == '\t')
        return 0;
    for (i = 0; i < v.len; i++)
        if ((v.ptr[i] < 0x20 && v.ptr[i] != '\t') || v.ptr[i] == 0x7f)
            return 0;
    return 1;
}

/*
 * What a CloudEvents String may hold (CloudEvents 1.0.2, "Type System"):
 * valid UTF-8 (PBW_E_UTF8 otherwise), and none of the characters it
 * forbids (PBW_E_ARG): controls U+0000..U+001F and U+007F..U+009F, and
 * noncharacters (U+FDD0..U+FDEF, and the last two of every plane).
 * Surrogates cannot occur in valid UTF-8.
 */
static pbw_status ce_string_ok(pbw_bytes v)
{
    const uint8_t *s = v.ptr;
    size_t i;
    if (v.len == 0)
        return PBW_OK;
    if (s == NULL)
        return PBW_E_ARG;
    if (!pbw_utf8_valid(s, v.len, NULL))
        return PBW_E_UTF8;
    for (i = 0; i < v.len; i++) {
        uint8_t c = s[i];
        if (c < 0x20 || c == 0x7f || (c == 0xc2 && s[i + 1] < 0xa0) ||
            (c == 0xef && s[i + 1] == 0xb7 && s[i + 2] >= 0x90 && s[i + 2] <= 0xaf) ||
            (c == 0xef && s[i + 1] == 0xbf && s[i + 2] >= 0xbe) ||
            (c >= 0xf0 && (s[i + 1] & 0x0f) == 0x0f && s[i + 2] == 0xbf && s[i + 3] >= 0xbe))
            return PBW_E_ARG; /* valid UTF-8: the bytes indexed exist */
    }
    return PBW_OK;
}

static const char hexup[] = "0123456789ABCDEF";

static void put_pct(jw *w, uint8_t c)
{
    put_byte(w, '%');
    put_byte(w, (uint8_t)hexup[c >> 4]);
    put_byte(w, (uint8_t)hexup[c & 15]);
}

/* A CloudEvents header value (HTTP binding 1.0.2, section 3.1.3.2): every
 * byte of a space, '"', '%' or a character outside U+0021..U+007E as %XY,
 * upper-case; the rest as it is. */
static void put_ce(jw *w, pbw_bytes v)
{
    size_t i, start = 0;
    if (v.len == 0)
        return;
    for (i = 0; i < v.len; i++) {
        uint8_t c = v.ptr[i];
        if (c > 0x20 && c < 0x7f && c != '"' && c != '%')
            continue;
        put(w, v.ptr + start, i - start);
        put_pct(w, c);
        start = i + 1;
    }
    put(w, v.ptr + start, v.len - start);
}

/* RFC 3986 pchar: unreserved, sub-delims, ':' and '@'. */
static int is_pchar(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == '!' || c == '$' || c == '&' ||
           c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' || c == ',' || c == ';' ||
           c == '=' || c == ':' || c == '@';
}

/* A path segment of ce-source, a URI reference: a byte that is not a pchar
 * ('/' among them) is %XY in the URI (RFC 3986 section 2.1), and the header
 * encoding then writes that '%' as %25.  All pchars pass both unchanged. */
static void put_ce_segment(jw *w, pbw_bytes v)
{
    size_t i;
    for (i = 0; i < v.len; i++) {
        uint8_t c = v.ptr[i];
        if (is_pchar(c)) {
            put_byte(w, c);
        } else {
            PUT_LIT(w, "%25");
            put_byte(w, (uint8_t)hexup[c >> 4]);
            put_byte(w, (uint8_t)hexup[c & 15]);
        }
    }
}

static void header(jw *w, pbw_bytes name, pbw_bytes value)
{
    put(w, name.ptr, name.len);
    put(w, value.ptr, value.len);
    PUT_LIT(w, "\r\n");
}

static void ce_header(jw *w, pbw_bytes name, pbw_bytes value)
{
    put(w, name.ptr, name.len);
    put_ce(w, value);
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
    put_ce(w, event);
    PUT_LIT(w, "\r\nce-source: /hubs/");
    put_ce_segment(w, c->hub);
    PUT_LIT(w, "/client/");
    put_ce_segment(w, c->connection_id);
    PUT_LIT(w, "\r\n");
    ce_header(w, LIT("ce-id: "), c->event_id);
    ce_header(w, LIT("ce-time: "), c->time);
    if (c->signature.len)
        ce_header(w, LIT("ce-signature: "), c->signature);
    if (c->user_id.len)
        ce_header(w, LIT("ce-userId: "), c->user_id);
    ce_header(w, LIT("ce-connectionId: "), c->connection_id);
    ce_header(w, LIT("ce-hub: "), c->hub);
    ce_header(w, LIT("ce-eventName: "), event);
    if (c->subprotocol.len)
        ce_header(w, LIT("ce-subprotocol: "), c->subprotocol);
    if (c->connection_state.len)
        ce_header(w, LIT("ce-connectionState: "), c->connection_state);
}

pbw_status wps_cloudevent_headers(const wps_cloudevent_conn *conn, pbw_bytes event,
                                  const wps_body *body, uint8_t *dst, size_t cap,
                                  size_t *written)
{
    const pbw_bytes ce[] = {event, conn->hub, conn->connection_id, conn->user_id,
                            conn->event_id, conn->time, conn->signature, conn->subprotocol,
                            conn->connection_state};
    jw w;
    size_t i;
    pbw_status st;

    *written = 0;
    if (body->content_type.len == 0 || !field_value_ok(body->content_type) ||
        !field_value_ok(conn->origin))
        return PBW_E_ARG;
    for (i = 0; i < sizeof ce / sizeof ce[0]; i++)
        if ((st = ce_string_ok(ce[i])) != PBW_OK)
            return st;
    jw_init(&w, NULL, 0, 0);
    cloudevent(&w, conn, event, body);
    if (w.over)
        return PBW_E_TOO_BIG;
    *written = w.n;
    if (w.n > cap)
        return PBW_E_NOSPACE;
    for (i = 0; i < sizeof ce / sizeof ce[0]; i++)
        if (overlaps(ce[i], dst, cap))
            break;
    if (i < sizeof ce / sizeof ce[0] || overlaps(conn->origin, dst, cap) ||
        overlaps(body->content_type, dst, cap)) {
        *written = 0;
        return PBW_E_ARG;
    }
    jw_init(&w, dst, cap, 0);
    cloudevent(&w, conn, event, body);
    if (w.over || w.n != *written) { /* the input changed while it was read */
        *written = 0;
        return PBW_E_ARG;
    }
    return PBW_OK;
}

/* ======================================================================== *
 * 5. The json subprotocols, every message both ways (wps_service.h §5)
 * ======================================================================== */

/* ---- size bounds: no count can wrap ------------------------------------ */

/* acc += len * mult + extra, or 0 when that would pass SIZE_MAX. */
static int bound_add(size_t *acc, size_t len, size_t mult, size_t extra)
{
    size_t room = (size_t)-1 - *acc;
    if (room < extra || (room - extra) / mult < len)
        return 0;
    *acc += len * mult + extra;
    return 1;
}

/* A JSON string takes at most 6 bytes per byte (\u00xx) and its quotes and
 * a member name; base64 4 per 3, rounded up: 2 per byte is a safe bound. */
#define STR_BOUND(acc, v) bound_add(acc, (v).len, 6, 64)

static int data_bound(size_t *acc, const wps_data *d)
{
    size_t mult = d->kind == WPS_DATA_TEXT ? 6 : d->kind == WPS_DATA_JSON ? 1 : 2;
    return bound_add(acc, d->bytes.len, mult, 64) &&
           (d->kind != WPS_DATA_PROTOBUF || bound_add(acc, d->type_url.len, 2, 64));
}

static int map_bound(size_t *acc, const wps_map *m)
{
    wps_map_iter it;
    wps_kv kv;
    wps_map_begin(&it, m);
    while (wps_map_next(&it, &kv))
        if (!STR_BOUND(acc, kv.key) || !STR_BOUND(acc, kv.value))
            return 0;
    return 1;
}

static int items_bound(size_t *acc, const wps_items *l)
{
    wps_items_iter it;
    wps_group_state_item item;
    wps_items_begin(&it, l);
    while (wps_items_next(&it, &item))
        if (!STR_BOUND(acc, item.connection_id) ||
            (item.has_user_id && !STR_BOUND(acc, item.user_id)) || !bound_add(acc, 1, 1, 128) ||
            (item.has_state && !map_bound(acc, &item.state.entries)))
            return 0;
    return 1;
}

/* An upper bound of the rendering's size; 0 when it does not fit size_t.
 * Reads only what the rendering reads: the selected members and the fields
 * whose has_ flag is set (the rest may be anything). */
static int down_bound(const wps_downstream *m, const pbw_bytes *uid)
{
    size_t acc = 256;
    const wps_data_message *d = &m->u.data;
    const wps_invoke_response *r = &m->u.invoke_response;
    const wps_group_state_list *l =
        m->kind == WPS_DOWN_GROUP_STATE_UPDATE ? &m->u.group_state_update
                                               : &m->u.group_state_snapshot;
    if (uid && !STR_BOUND(&acc, *uid))
        return 0;
    switch (m->kind) {
    case WPS_DOWN_ACK:
        return !m->u.ack.has_error ||
               (STR_BOUND(&acc, m->u.ack.error.name) && STR_BOUND(&acc, m->u.ack.error.message));
    case WPS_DOWN_DATA:
        return STR_BOUND(&acc, d->from) && (!d->has_group || STR_BOUND(&acc, d->group)) &&
               (!d->has_data || data_bound(&acc, &d->data)) &&
               (!d->has_stream ||
                (STR_BOUND(&acc, d->stream.stream_id) &&
                 (!d->stream.has_error ||
                  (STR_BOUND(&acc, d->stream.error.name) &&
                   STR_BOUND(&acc, d->stream.error.message) &&
                   STR_BOUND(&acc, d->stream.error.user_error_code)))));
    case WPS_DOWN_SYSTEM:
        if (m->u.system.kind == WPS_SYSTEM_DISCONNECTED)
            return STR_BOUND(&acc, m->u.system.u.disconnected.reason);
        if (m->u.system.kind != WPS_SYSTEM_CONNECTED)
            return 1;
        return STR_BOUND(&acc, m->u.system.u.connected.connection_id) &&
               STR_BOUND(&acc, m->u.system.u.connected.user_id) &&
               (!m->u.system.u.connected.has_reconnection_token ||
                STR_BOUND(&acc, m->u.system.u.connected.reconnection_token));
    case WPS_DOWN_INVOKE_RESPONSE:
        return STR_BOUND(&acc, r->invocation_id) && (!r->has_data || data_bound(&acc, &r->data)) &&
               (!r->has_error ||
                (STR_BOUND(&acc, r->error.name) && STR_BOUND(&acc, r->error.message)));
    case WPS_DOWN_STREAM_ACK:
        return STR_BOUND(&acc, m->u.stream_ack.stream_id);
    case WPS_DOWN_STREAM_NACK:
        return STR_BOUND(&acc, m->u.stream_nack.stream_id) &&
               STR_BOUND(&acc, m->u.stream_nack.name) && STR_BOUND(&acc, m->u.stream_nack.message);
    case WPS_DOWN_STREAM_CLOSED:
        return STR_BOUND(&acc, m->u.stream_closed.stream_id) &&
               (!m->u.stream_closed.has_error ||
                (STR_BOUND(&acc, m->u.stream_closed.error.name) &&
                 STR_BOUND(&acc, m->u.stream_closed.error.message)));
    case WPS_DOWN_GROUP_STATE_UPDATE:
    case WPS_DOWN_GROUP_STATE_SNAPSHOT:
        return STR_BOUND(&acc, l->group) && items_bound(&acc, &l->items);
    default:
        return 1;
    }
}

/* ---- downstream renderings ---------------------------------------------- */

static void put_i64(jw *w, int64_t v)
{
    if (v < 0) {
        put_byte(w, '-');
        put_u64(w, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(w, (uint64_t)v);
    }
}

static void put_bool(jw *w, int v)
{
    if (v)
        PUT_LIT(w, "true");
    else
        PUT_LIT(w, "false");
}

/* ,"<name>":<string> */
static pbw_status put_member(jw *w, const char *name, size_t name_len, pbw_bytes v)
{
    put_byte(w, ',');
    put_byte(w, '"');
    put(w, name, name_len);
    put_byte(w, '"');
    put_byte(w, ':');
    return put_string(w, v);
}

#define MEMBER(w, name, v) put_member(w, name, sizeof(name) - 1, v)

/* ,"error":{"name":..,"message":..} */
static pbw_status put_error(jw *w, const wps_error *e)
{
    pbw_status st;
    PUT_LIT(w, ",\"error\":{\"name\":");
    if ((st = put_string(w, e->name)) != PBW_OK || (st = MEMBER(w, "message", e->message)) != PBW_OK)
        return st;
    put_byte(w, '}');
    return PBW_OK;
}

/* {"k":"v",...}: every entry in order, repeats included (a JSON reader
 * keeps the last, as protobuf's map does). */
static pbw_status put_map(jw *w, const wps_map *m)
{
    wps_map_iter it;
    wps_kv kv;
    pbw_status st;
    int first = 1;
    put_byte(w, '{');
    wps_map_begin(&it, m);
    while (wps_map_next(&it, &kv)) {
        if (!first)
            put_byte(w, ',');
        first = 0;
        if ((st = put_string(w, kv.key)) != PBW_OK)
            return st;
        put_byte(w, ':');
        if ((st = put_string(w, kv.value)) != PBW_OK)
            return st;
    }
    put_byte(w, '}');
    return PBW_OK;
}

static pbw_status put_group_state(jw *w, const char *type, size_t type_len,
                                  const wps_group_state_list *l)
{
    wps_items_iter it;
    wps_group_state_item item;
    pbw_status st;
    int first = 1;

    if (l->has_sequence_id) {
        PUT_LIT(w, "{\"sequenceId\":");
        put_u64(w, l->sequence_id);
        PUT_LIT(w, ",\"type\":\"");
    } else {
        PUT_LIT(w, "{\"type\":\"");
    }
    put(w, type, type_len);
    PUT_LIT(w, "\",\"group\":");
    if ((st = put_string(w, l->group)) != PBW_OK)
        return st;
    PUT_LIT(w, ",\"items\":[");
    wps_items_begin(&it, &l->items);
    while (wps_items_next(&it, &item)) {
        if (!first)
            put_byte(w, ',');
        first = 0;
        PUT_LIT(w, "{\"connectionId\":");
        if ((st = put_string(w, item.connection_id)) != PBW_OK)
            return st;
        if (item.has_user_id && (st = MEMBER(w, "userId", item.user_id)) != PBW_OK)
            return st;
        if (item.has_state) {
            PUT_LIT(w, ",\"state\":");
            if ((st = put_map(w, &item.state.entries)) != PBW_OK)
                return st;
        }
        PUT_LIT(w, ",\"updatedAt\":");
        put_i64(w, item.updated_at);
        put_byte(w, '}');
    }
    PUT_LIT(w, "]}");
    return PBW_OK;
}

static pbw_status json_down(jw *w, const wps_downstream *m, const pbw_bytes *uid)
{
    pbw_status st = PBW_OK;

    switch (m->kind) {
    case WPS_DOWN_ACK:
        PUT_LIT(w, "{\"type\":\"ack\",\"ackId\":");
        put_u64(w, m->u.ack.ack_id);
        PUT_LIT(w, ",\"success\":");
        put_bool(w, m->u.ack.success);
        if (m->u.ack.has_error)
            st = put_error(w, &m->u.ack.error);
        break;
    case WPS_DOWN_DATA:
        return json_client(w, &m->u.data, uid);
    case WPS_DOWN_SYSTEM:
        if (m->u.system.kind == WPS_SYSTEM_CONNECTED) {
            const wps_connected *c = &m->u.system.u.connected;
            PUT_LIT(w, "{\"type\":\"system\",\"event\":\"connected\",\"userId\":");
            if ((st = put_string(w, c->user_id)) != PBW_OK ||
                (st = MEMBER(w, "connectionId", c->connection_id)) != PBW_OK)
                return st;
            if (c->has_reconnection_token)
                st = MEMBER(w, "reconnectionToken", c->reconnection_token);
        } else if (m->u.system.kind == WPS_SYSTEM_DISCONNECTED) {
            PUT_LIT(w, "{\"type\":\"system\",\"event\":\"disconnected\",\"message\":");
            st = put_string(w, m->u.system.u.disconnected.reason);
        } else {
            return PBW_E_NO_RENDERING;
        }
        break;
    case WPS_DOWN_PONG:
        PUT_LIT(w, "{\"type\":\"pong\"");
        break;
    case WPS_DOWN_INVOKE_RESPONSE: {
        const wps_invoke_response *r = &m->u.invoke_response;
        PUT_LIT(w, "{\"type\":\"invokeResponse\",\"invocationId\":");
        if ((st = put_string(w, r->invocation_id)) != PBW_OK)
            return st;
        PUT_LIT(w, ",\"success\":");
        put_bool(w, r->success);
        if (r->has_data && (st = put_data(w, &r->data)) != PBW_OK)
            return st;
        if (r->has_error)
            st = put_error(w, &r->error);
        break;
    }
    case WPS_DOWN_STREAM_ACK:
        PUT_LIT(w, "{\"type\":\"streamAck\",\"streamId\":");
        if ((st = put_string(w, m->u.stream_ack.stream_id)) != PBW_OK)
            return st;
        PUT_LIT(w, ",\"expectedSequenceId\":");
        put_u64(w, m->u.stream_ack.expected_sequence_id);
        break;
    case WPS_DOWN_STREAM_NACK: {
        const wps_stream_nack *n = &m->u.stream_nack;
        PUT_LIT(w, "{\"type\":\"streamNack\",\"streamId\":");
        if ((st = put_string(w, n->stream_id)) != PBW_OK ||
            (st = MEMBER(w, "name", n->name)) != PBW_OK ||
            (st = MEMBER(w, "message", n->message)) != PBW_OK)
            return st;
        PUT_LIT(w, ",\"expectedSequenceId\":");
        put_u64(w, n->expected_sequence_id);
        break;
    }
    case WPS_DOWN_STREAM_CLOSED:
        PUT_LIT(w, "{\"type\":\"streamClosed\",\"streamId\":");
        if ((st = put_string(w, m->u.stream_closed.stream_id)) != PBW_OK)
            return st;
        if (m->u.stream_closed.has_error)
            st = put_error(w, &m->u.stream_closed.error);
        break;
    case WPS_DOWN_GROUP_STATE_UPDATE:
        return put_group_state(w, "groupStateUpdate", 16, &m->u.group_state_update);
    case WPS_DOWN_GROUP_STATE_SNAPSHOT:
        return put_group_state(w, "groupStateSnapshot", 18, &m->u.group_state_snapshot);
    default:
        return PBW_E_NO_RENDERING;
    }
    if (st != PBW_OK)
        return st;
    put_byte(w, '}');
    return PBW_OK;
}

pbw_status wps_json_client_down_size(const wps_downstream *msg, const pbw_bytes *from_user_id,
                                     size_t *size)
{
    jw w;
    pbw_status st;
    *size = 0;
    if (!down_bound(msg, from_user_id))
        return PBW_E_TOO_BIG;
    jw_init(&w, NULL, 0, 1);
    st = json_down(&w, msg, from_user_id);
    if (st == PBW_OK && w.over)
        st = PBW_E_TOO_BIG;
    if (st == PBW_OK)
        *size = w.n;
    return st;
}

pbw_status wps_json_client_down_write(const wps_downstream *msg, const pbw_bytes *from_user_id,
                                      uint8_t *dst, size_t cap, size_t *written)
{
    jw w;
    pbw_status st = wps_json_client_down_size(msg, from_user_id, written);
    if (st != PBW_OK)
        return st;
    if (*written > cap)
        return PBW_E_NOSPACE;
    jw_init(&w, dst, cap, 0);
    st = json_down(&w, msg, from_user_id);
    /* the counting pass said it fits: a write that does not is a view that
     * changed under us (an overlapping dst) */
    if (st == PBW_OK && (w.over || w.n != *written))
        return PBW_E_ARG;
    return st;
}

/* ---- upstream: JSON requests -------------------------------------------- */

/* Skips one JSON value starting at s[*i] (after whitespace), checking its
 * grammar; *i ends just past it, or at the offending byte on failure.  The
 * same grammar as wps_json_validate, without recursion; max_depth is what
 * is left of WPS_JSON_MAX_DEPTH where the value sits. */
static pbw_status skip_value_in(const uint8_t *s, size_t n, size_t *at, unsigned max_depth)
{
    uint8_t stack[(WPS_JSON_MAX_DEPTH + 7) / 8];
    size_t i = *at;
    unsigned depth = 0;
    int obj;

value:
    if (i >= n)
        goto fail;
    switch (s[i]) {
    case '{':
    case '[':
        if (depth == max_depth) {
            *at = i;
            return PBW_E_DEPTH;
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
    if (depth == 0) {
        *at = i;
        return PBW_OK;
    }
    i = skip_ws(s, n, i);
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
    *at = i;
    return PBW_E_JSON;
}

/* A value inside the request object: one level is taken by the object.
 * (Values of nested objects are walked again only after this checked them.) */
static pbw_status skip_value(const uint8_t *s, size_t n, size_t *at)
{
    return skip_value_in(s, n, at, WPS_JSON_MAX_DEPTH - 1);
}

/* The parser: the frame, the caller's scratch (strings and bytes from the
 * bottom up, map entries from the top down), and the error offset. */
typedef struct jp {
    const uint8_t *s;
    size_t n;
    uint8_t *scratch;
    size_t lo, hi;
    size_t err;
} jp;

#define NONE ((size_t)-1)

static pbw_status fail_at(jp *p, size_t at, pbw_status st)
{
    p->err = at;
    return st;
}

static unsigned hexv(uint8_t c)
{
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

static size_t put_utf8(uint8_t *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (uint8_t)(0xc0 | c >> 6);
        o[1] = (uint8_t)(0x80 | (c & 63));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (uint8_t)(0xe0 | c >> 12);
        o[1] = (uint8_t)(0x80 | (c >> 6 & 63));
        o[2] = (uint8_t)(0x80 | (c & 63));
        return 3;
    }
    o[0] = (uint8_t)(0xf0 | c >> 18);
    o[1] = (uint8_t)(0x80 | (c >> 12 & 63));
    o[2] = (uint8_t)(0x80 | (c >> 6 & 63));
    o[3] = (uint8_t)(0x80 | (c & 63));
    return 4;
}

/* Unescapes the (grammatically valid) string body s[i..end) into out (NULL:
 * count only; never more bytes than end - i).  A \u escape of a lone
 * surrogate has no UTF-8 form: PBW_E_UTF8 at its backslash. */
static pbw_status unescape(const uint8_t *s, size_t i, size_t end, uint8_t *out, size_t *len,
                           size_t *err)
{
    uint8_t tmp[4];
    size_t o = 0;
    while (i < end) {
        uint8_t c = s[i];
        uint32_t u;
        size_t k;
        if (c != '\\') {
            size_t j = i;
            while (j < end && s[j] != '\\')
                j++;
            if (out)
                memcpy(out + o, s + i, j - i);
            o += j - i;
            i = j;
            continue;
        }
        c = s[i + 1];
        if (c != 'u') {
            switch (c) {
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            default: break; /* " \ / stand for themselves */
            }
            if (out)
                out[o] = c;
            o++;
            i += 2;
            continue;
        }
        u = hexv(s[i + 2]) << 12 | hexv(s[i + 3]) << 8 | hexv(s[i + 4]) << 4 | hexv(s[i + 5]);
        if (u >= 0xdc00 && u <= 0xdfff) {
            *err = i;
            return PBW_E_UTF8;
        }
        if (u >= 0xd800 && u <= 0xdbff) {
            uint32_t lo;
            if (end - i < 12 || s[i + 6] != '\\' || s[i + 7] != 'u') {
                *err = i;
                return PBW_E_UTF8;
            }
            lo = hexv(s[i + 8]) << 12 | hexv(s[i + 9]) << 8 | hexv(s[i + 10]) << 4 | hexv(s[i + 11]);
            if (lo < 0xdc00 || lo > 0xdfff) {
                *err = i;
                return PBW_E_UTF8;
            }
            u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;
        }
        i += 6;
        k = put_utf8(tmp, u);
        if (out)
            memcpy(out + o, tmp, k);
        o += k;
    }
    *len = o;
    return PBW_OK;
}

/* The end (just past the closing quote) of the string at s[i]. */
static size_t string_end(const uint8_t *s, size_t n, size_t i)
{
    scan_string(s, n, &i);
    return i;
}

/* len bytes from the scratch buffer (bottom) into *r; 0 when they do not
 * fit.  No arithmetic on a NULL scratch: an empty take is *r = NULL. */
static int take(jp *p, size_t len, uint8_t **r)
{
    if (len == 0) {
        *r = p->scratch ? p->scratch + p->lo : NULL;
        return 1;
    }
    if (p->hi - p->lo < len)
        return 0;
    *r = p->scratch + p->lo;
    p->lo += len;
    return 1;
}

/* The string at s[at] (its opening quote): a view into the frame, or,
 * when it has escapes, its unescaped bytes in the scratch buffer. */
static pbw_status get_string_at(jp *p, size_t at, pbw_bytes *out)
{
    size_t end, len, i;
    uint8_t *dst;
    pbw_status st;

    if (p->s[at] != '"')
        return fail_at(p, at, PBW_E_JSON_TYPE);
    end = string_end(p->s, p->n, at) - 1;
    for (i = at + 1; i < end && p->s[i] != '\\'; i++)
        ;
    if (i == end) {
        *out = view(p->s + at + 1, end - at - 1);
        return PBW_OK;
    }
    if ((st = unescape(p->s, at + 1, end, NULL, &len, &p->err)) != PBW_OK)
        return st;
    if (!take(p, len, &dst))
        return fail_at(p, at, PBW_E_NOSPACE);
    unescape(p->s, at + 1, end, dst, &len, &p->err);
    *out = view(dst, len);
    return PBW_OK;
}

/* Does the key at s[at] (its opening quote) spell name?  Escapes count as
 * what they stand for. */
static int key_is(const uint8_t *s, size_t n, size_t at, const char *name, size_t name_len)
{
    size_t end = string_end(s, n, at) - 1, len, err;
    uint8_t buf[32];
    if (end - at - 1 == name_len && memcmp(s + at + 1, name, name_len) == 0)
        return 1;
    if (end - at - 1 > 6 * sizeof buf)
        return 0;
    if (unescape(s, at + 1, end, NULL, &len, &err) != PBW_OK || len != name_len)
        return 0;
    unescape(s, at + 1, end, buf, &len, &err);
    return memcmp(buf, name, name_len) == 0;
}

/* One member of an object: call with *i at the '{' (first = 1) or just past
 * the previous value.  Returns 1 with the key's and the value's offsets and
 * *i past the value; 0 at the end of the object (*i past the '}'; *close at
 * the '}'); -1 on a grammar error (p->err, *st). */
static int next_member(jp *p, size_t *i, int *first, size_t *key_at, size_t *val_at,
                       size_t *close, pbw_status *st)
{
    const uint8_t *s = p->s;
    size_t n = p->n, j;

    j = skip_ws(s, n, *first ? *i + 1 : *i);
    if (j < n && s[j] == '}') {
        *close = j;
        *i = j + 1;
        return 0;
    }
    if (!*first) {
        if (j >= n || s[j] != ',') {
            *st = fail_at(p, j, PBW_E_JSON);
            return -1;
        }
        j = skip_ws(s, n, j + 1);
    }
    *first = 0;
    *key_at = j;
    if (!scan_key(s, n, &j)) {
        *st = fail_at(p, j, PBW_E_JSON);
        return -1;
    }
    *val_at = j;
    if ((*st = skip_value(s, n, &j)) != PBW_OK) {
        p->err = j;
        return -1;
    }
    *i = j;
    return 1;
}

/* Members of a schema object: names[k] is found at val[k] (NONE when
 * absent); a name seen twice is PBW_E_JSON_DUPLICATE at its key; other
 * members are skipped (their grammar checked). */
typedef struct jname {
    const char *s;
    size_t len;
} jname;

#define JN(s) {s, sizeof(s) - 1}

static pbw_status members(jp *p, size_t at, const jname *names, size_t count, size_t *val,
                          size_t *close)
{
    size_t i = at, key_at = 0, val_at = 0, k;
    int first = 1, r;
    pbw_status st = PBW_OK;

    for (k = 0; k < count; k++)
        val[k] = NONE;
    while ((r = next_member(p, &i, &first, &key_at, &val_at, close, &st)) == 1) {
        for (k = 0; k < count; k++) {
            if (key_is(p->s, p->n, key_at, names[k].s, names[k].len)) {
                if (val[k] != NONE)
                    return fail_at(p, key_at, PBW_E_JSON_DUPLICATE);
                val[k] = val_at;
                break;
            }
        }
    }
    return r == 0 ? PBW_OK : st;
}

/* A member that is there and not null. */
static int present(const jp *p, size_t at)
{
    return at != NONE && p->s[at] != 'n';
}

/* A non-negative integer written without fraction or exponent, up to max. */
static pbw_status get_uint(jp *p, size_t at, uint64_t max, uint64_t *v)
{
    const uint8_t *s = p->s;
    size_t i = at;
    uint64_t x = 0;

    if (s[i] != '-' && !is_digit(s[i]))
        return fail_at(p, at, PBW_E_JSON_TYPE);
    if (s[i] == '-')
        return fail_at(p, at, PBW_E_RANGE);
    for (; i < p->n && is_digit(s[i]); i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (x > (max - d) / 10)
            return fail_at(p, at, PBW_E_RANGE);
        x = x * 10 + d;
    }
    if (i < p->n && (s[i] == '.' || s[i] == 'e' || s[i] == 'E'))
        return fail_at(p, at, PBW_E_RANGE);
    *v = x;
    return PBW_OK;
}

static pbw_status get_bool(jp *p, size_t at, uint8_t *v)
{
    if (p->s[at] != 't' && p->s[at] != 'f')
        return fail_at(p, at, PBW_E_JSON_TYPE);
    *v = p->s[at] == 't';
    return PBW_OK;
}

static int b64v(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Canonical padded base64 of the string at s[at], decoded into scratch. */
static pbw_status get_base64(jp *p, size_t at, pbw_bytes *out)
{
    pbw_bytes txt;
    size_t i, o = 0, pad = 0, len;
    uint8_t *dst;
    pbw_status st;
    size_t mark = p->lo;

    if ((st = get_string_at(p, at, &txt)) != PBW_OK)
        return st;
    if (txt.len % 4)
        return fail_at(p, at, PBW_E_BASE64);
    if (txt.len && txt.ptr[txt.len - 1] == '=')
        pad = txt.len >= 2 && txt.ptr[txt.len - 2] == '=' ? 2 : 1;
    len = txt.len / 4 * 3 - pad;
    /* Escaped text sits at the bottom of the scratch: decode over it (the
     * output never overtakes the input). */
    if (p->lo != mark && txt.ptr == p->scratch + mark) {
        dst = p->scratch + mark;
        p->lo = mark + len;
    } else if (!take(p, len, &dst)) {
        return fail_at(p, at, PBW_E_NOSPACE);
    }
    for (i = 0; i < txt.len; i += 4) {
        int a = b64v(txt.ptr[i]), b = b64v(txt.ptr[i + 1]), c, d;
        int last = i + 4 == txt.len;
        uint32_t v;
        c = last && pad == 2 ? 0 : b64v(txt.ptr[i + 2]);
        d = last && pad >= 1 ? 0 : b64v(txt.ptr[i + 3]);
        if (a < 0 || b < 0 || c < 0 || d < 0)
            return fail_at(p, at, PBW_E_BASE64);
        v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        /* canonical: the bits the padding leaves over are zero */
        if (last && ((pad == 2 && (v & 0xffff)) || (pad == 1 && (v & 0xff))))
            return fail_at(p, at, PBW_E_BASE64);
        dst[o++] = (uint8_t)(v >> 16);
        if (!(last && pad == 2))
            dst[o++] = (uint8_t)(v >> 8);
        if (!(last && pad >= 1))
            dst[o++] = (uint8_t)v;
    }
    *out = view(dst, o);
    return PBW_OK;
}

/* A serialised google.protobuf.Any, as libprotobuf parses it. */
static pbw_status parse_any(const pbw_bytes *b, wps_data *d)
{
    const uint8_t *q = b->ptr, *end = b->ptr + b->len, *err;
    pbw_status st;
    while (q < end) {
        const uint8_t *at = q;
        uint32_t tag;
        pbw_bytes v;
        if ((st = pbw_read_tag(&q, end, &tag)) != PBW_OK)
            return st;
        if (tag == (1u << 3 | PBW_WT_LEN) || tag == (2u << 3 | PBW_WT_LEN)) {
            if ((st = pbw_read_bytes(&q, end, &v)) != PBW_OK)
                return st;
            if (tag >> 3 == 1) {
                if (!pbw_utf8_valid(v.ptr, v.len, NULL))
                    return PBW_E_UTF8;
                d->type_url = v;
            } else {
                d->bytes = v;
            }
            continue;
        }
        q = at;
        if ((st = pbw_skip_field(&q, end, PBW_MAX_DEPTH - 1, &err)) != PBW_OK)
            return st;
    }
    return PBW_OK;
}

/* dataType and data into *d.  Neither: *has = 0.  dataType alone:
 * PBW_E_JSON_MISSING.  data alone: json (the reference's default).  data
 * null is the JSON value null, not an absent member. */
static pbw_status get_data(jp *p, size_t type_at, size_t data_at, size_t close, wps_data *d,
                           uint8_t *has)
{
    static const jname kinds[] = {JN("text"), JN("binary"), JN("protobuf"), JN("json")};
    pbw_status st;
    size_t k = 3, end;

    memset(d, 0, sizeof *d);
    *has = 0;
    if (data_at == NONE) {
        if (present(p, type_at))
            return fail_at(p, close, PBW_E_JSON_MISSING);
        return PBW_OK;
    }
    if (present(p, type_at)) {
        if (p->s[type_at] != '"')
            return fail_at(p, type_at, PBW_E_JSON_TYPE);
        for (k = 0; k < 4; k++)
            if (key_is(p->s, p->n, type_at, kinds[k].s, kinds[k].len))
                break;
        if (k == 4)
            return fail_at(p, type_at, PBW_E_JSON_TYPE);
    }
    *has = 1;
    d->kind = (wps_data_kind)(k + 1);
    switch (d->kind) {
    case WPS_DATA_TEXT:
        return get_string_at(p, data_at, &d->bytes);
    case WPS_DATA_BINARY:
        return get_base64(p, data_at, &d->bytes);
    case WPS_DATA_PROTOBUF: {
        pbw_bytes raw;
        if ((st = get_base64(p, data_at, &raw)) != PBW_OK)
            return st;
        if ((st = parse_any(&raw, d)) != PBW_OK)
            return fail_at(p, data_at, st);
        return PBW_OK;
    }
    default: /* json: the value's own text */
        end = data_at;
        skip_value(p->s, p->n, &end);
        d->bytes = view(p->s + data_at, end - data_at);
        return PBW_OK;
    }
}

static pbw_status get_stream_start(jp *p, size_t at, wps_stream_start *ss, uint8_t *has)
{
    static const jname names[] = {JN("streamId"), JN("idleTimeoutMs")};
    size_t v[2], close = at;
    uint64_t x;
    pbw_status st;

    memset(ss, 0, sizeof *ss);
    *has = 0;
    if (!present(p, at))
        return PBW_OK;
    if (p->s[at] != '{')
        return fail_at(p, at, PBW_E_JSON_TYPE);
    if ((st = members(p, at, names, 2, v, &close)) != PBW_OK)
        return st;
    if (!present(p, v[0]))
        return fail_at(p, close, PBW_E_JSON_MISSING);
    if ((st = get_string_at(p, v[0], &ss->stream_id)) != PBW_OK)
        return st;
    if (present(p, v[1])) {
        if ((st = get_uint(p, v[1], UINT32_MAX, &x)) != PBW_OK)
            return st;
        ss->idle_timeout_ms = (uint32_t)x;
        ss->has_idle_timeout_ms = 1;
    }
    *has = 1;
    return PBW_OK;
}

/* Orders entries by key, bytewise (heapsort: no recursion, no memory). */
static int kv_less(const wps_kv *a, const wps_kv *b)
{
    size_t n = a->key.len < b->key.len ? a->key.len : b->key.len;
    int c = n ? memcmp(a->key.ptr, b->key.ptr, n) : 0;
    return c < 0 || (c == 0 && a->key.len < b->key.len);
}

static void kv_sift(wps_kv *e, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        wps_kv t;
        if (child >= n)
            return;
        if (child + 1 < n && kv_less(&e[child], &e[child + 1]))
            child++;
        if (!kv_less(&e[root], &e[child]))
            return;
        t = e[root];
        e[root] = e[child];
        e[child] = t;
        root = child;
    }
}

static void kv_sort(wps_kv *e, size_t n)
{
    size_t i;
    for (i = n / 2; i-- > 0;)
        kv_sift(e, i, n);
    while (n > 1) {
        wps_kv t = e[0];
        e[0] = e[n - 1];
        e[n - 1] = t;
        kv_sift(e, 0, --n);
    }
}

struct kv_align {
    char c;
    wps_kv kv;
};
#define KV_ALIGN offsetof(struct kv_align, kv)

/* {"key":"value",...} into map entries in the scratch buffer (top down),
 * sorted by key; a key twice: PBW_E_JSON_DUPLICATE at the object. */
static pbw_status get_state(jp *p, size_t at, wps_group_state *gs, uint8_t *has)
{
    size_t i = at, key_at = 0, val_at = 0, close = at, count = 0, k, top;
    int first = 1, r;
    pbw_status st = PBW_OK;
    wps_kv *e;

    memset(gs, 0, sizeof *gs);
    *has = 0;
    if (!present(p, at))
        return PBW_OK;
    if (p->s[at] != '{')
        return fail_at(p, at, PBW_E_JSON_TYPE);
    while ((r = next_member(p, &i, &first, &key_at, &val_at, &close, &st)) == 1)
        count++;
    if (r < 0)
        return st;
    if (count == 0) {
        *has = 1;
        return PBW_OK;
    }
    if (p->scratch == NULL)
        return fail_at(p, at, PBW_E_NOSPACE);
    /* the entries' array, aligned, at the top of what is left */
    top = (size_t)((uintptr_t)(p->scratch + p->hi) % KV_ALIGN);
    if (count > (p->hi - p->lo) / sizeof(wps_kv) ||
        p->hi - p->lo - count * sizeof(wps_kv) < top)
        return fail_at(p, at, PBW_E_NOSPACE);
    p->hi -= top + count * sizeof(wps_kv);
    e = (wps_kv *)(void *)(p->scratch + p->hi);
    i = at;
    first = 1;
    for (k = 0; next_member(p, &i, &first, &key_at, &val_at, &close, &st) == 1; k++) {
        if ((st = get_string_at(p, key_at, &e[k].key)) != PBW_OK ||
            (st = get_string_at(p, val_at, &e[k].value)) != PBW_OK)
            return st;
    }
    kv_sort(e, count);
    for (k = 1; k < count; k++)
        if (e[k - 1].key.len == e[k].key.len &&
            (e[k].key.len == 0 || memcmp(e[k - 1].key.ptr, e[k].key.ptr, e[k].key.len) == 0))
            return fail_at(p, at, PBW_E_JSON_DUPLICATE);
    gs->entries.entries = e;
    gs->entries.count = count;
    *has = 1;
    return PBW_OK;
}

/* The members of every request, by index. */
enum {
    M_TYPE, M_GROUP, M_ACK_ID, M_NO_ECHO, M_DATA_TYPE, M_DATA, M_STREAM, M_EVENT,
    M_SEQUENCE_ID, M_INVOCATION_ID, M_TARGET, M_STREAM_ID, M_STREAM_SEQUENCE_ID, M_ERROR,
    M_STATE, M_COUNT
};

static const jname request_members[M_COUNT] = {
    JN("type"), JN("group"), JN("ackId"), JN("noEcho"), JN("dataType"), JN("data"),
    JN("stream"), JN("event"), JN("sequenceId"), JN("invocationId"), JN("target"),
    JN("streamId"), JN("streamSequenceId"), JN("error"), JN("state")};

/* The request types, in the order of their kinds below. */
static const jname request_types[] = {
    JN("joinGroup"), JN("leaveGroup"), JN("sendToGroup"), JN("event"), JN("sequenceAck"),
    JN("ping"), JN("invoke"), JN("cancelInvocation"), JN("streamData"), JN("streamEnd"),
    JN("setGroupState"), JN("subscribeGroupState"), JN("unsubscribeGroupState"),
    JN("invokeResponse")};

static const wps_up_kind request_kinds[] = {
    WPS_UP_JOIN_GROUP, WPS_UP_LEAVE_GROUP, WPS_UP_SEND_TO_GROUP, WPS_UP_EVENT,
    WPS_UP_SEQUENCE_ACK, WPS_UP_PING, WPS_UP_INVOKE_EVENT, WPS_UP_CANCEL_INVOCATION,
    WPS_UP_STREAM_DATA, WPS_UP_STREAM_END, WPS_UP_SET_GROUP_STATE,
    WPS_UP_SUBSCRIBE_GROUP_STATE, WPS_UP_UNSUBSCRIBE_GROUP_STATE, WPS_UP_NONE};

/* A required string member. */
static pbw_status need_string(jp *p, size_t at, size_t close, pbw_bytes *out)
{
    if (!present(p, at))
        return fail_at(p, close, PBW_E_JSON_MISSING);
    return get_string_at(p, at, out);
}

static pbw_status opt_ack_id(jp *p, size_t at, uint64_t *v, uint8_t *has)
{
    pbw_status st;
    if (!present(p, at))
        return PBW_OK;
    if ((st = get_uint(p, at, UINT64_MAX, v)) == PBW_OK)
        *has = 1;
    return st;
}

static pbw_status group_request(jp *p, const size_t *v, size_t close, wps_group_request *g)
{
    pbw_status st = need_string(p, v[M_GROUP], close, &g->group);
    return st != PBW_OK ? st : opt_ack_id(p, v[M_ACK_ID], &g->ack_id, &g->has_ack_id);
}

static pbw_status request(jp *p, wps_upstream *out)
{
    size_t v[M_COUNT], close = 0, at, k;
    uint64_t x;
    pbw_status st;
    wps_upstream *m = out;

    /* The grammar of the whole frame first (wps_json_validate's, with its
     * offsets), then the schema. */
    at = skip_ws(p->s, p->n, 0);
    k = at;
    if ((st = skip_value_in(p->s, p->n, &k, WPS_JSON_MAX_DEPTH)) != PBW_OK)
        return fail_at(p, k, st);
    k = skip_ws(p->s, p->n, k);
    if (k != p->n)
        return fail_at(p, k, PBW_E_JSON);
    if (p->s[at] != '{')
        return fail_at(p, at, PBW_E_JSON_TYPE);
    if ((st = members(p, at, request_members, M_COUNT, v, &close)) != PBW_OK)
        return st;
    k = skip_ws(p->s, p->n, close + 1);
    if (k != p->n)
        return fail_at(p, k, PBW_E_JSON);

    if (!present(p, v[M_TYPE]))
        return fail_at(p, close, PBW_E_JSON_MISSING);
    if (p->s[v[M_TYPE]] != '"')
        return fail_at(p, v[M_TYPE], PBW_E_JSON_TYPE);
    for (k = 0; k < sizeof request_types / sizeof request_types[0]; k++)
        if (key_is(p->s, p->n, v[M_TYPE], request_types[k].s, request_types[k].len))
            break;
    if (k == sizeof request_types / sizeof request_types[0])
        return fail_at(p, v[M_TYPE], PBW_E_JSON_TYPE);
    if (request_kinds[k] == WPS_UP_NONE)
        return fail_at(p, v[M_TYPE], PBW_E_NO_RENDERING);
    m->kind = request_kinds[k];

    switch (m->kind) {
    case WPS_UP_JOIN_GROUP:
        return group_request(p, v, close, &m->u.join_group);
    case WPS_UP_LEAVE_GROUP:
        return group_request(p, v, close, &m->u.leave_group);
    case WPS_UP_SUBSCRIBE_GROUP_STATE:
        return group_request(p, v, close, &m->u.subscribe_group_state);
    case WPS_UP_UNSUBSCRIBE_GROUP_STATE:
        return group_request(p, v, close, &m->u.unsubscribe_group_state);
    case WPS_UP_SEND_TO_GROUP: {
        wps_send_to_group *s = &m->u.send_to_group;
        if ((st = need_string(p, v[M_GROUP], close, &s->group)) != PBW_OK ||
            (st = opt_ack_id(p, v[M_ACK_ID], &s->ack_id, &s->has_ack_id)) != PBW_OK)
            return st;
        if (present(p, v[M_NO_ECHO])) {
            if ((st = get_bool(p, v[M_NO_ECHO], &s->no_echo)) != PBW_OK)
                return st;
            s->has_no_echo = 1;
        }
        if ((st = get_data(p, v[M_DATA_TYPE], v[M_DATA], close, &s->data, &s->has_data)) != PBW_OK)
            return st;
        return get_stream_start(p, v[M_STREAM], &s->stream, &s->has_stream);
    }
    case WPS_UP_EVENT: {
        wps_event_message *e = &m->u.event;
        if ((st = need_string(p, v[M_EVENT], close, &e->event)) != PBW_OK ||
            (st = opt_ack_id(p, v[M_ACK_ID], &e->ack_id, &e->has_ack_id)) != PBW_OK ||
            (st = get_data(p, v[M_DATA_TYPE], v[M_DATA], close, &e->data, &e->has_data)) != PBW_OK)
            return st;
        return get_stream_start(p, v[M_STREAM], &e->stream, &e->has_stream);
    }
    case WPS_UP_SEQUENCE_ACK:
        if (!present(p, v[M_SEQUENCE_ID]))
            return fail_at(p, close, PBW_E_JSON_MISSING);
        return get_uint(p, v[M_SEQUENCE_ID], UINT64_MAX, &m->u.sequence_ack.sequence_id);
    case WPS_UP_INVOKE_EVENT: {
        wps_invoke_event *e = &m->u.invoke_event;
        if ((st = need_string(p, v[M_INVOCATION_ID], close, &e->invocation_id)) != PBW_OK)
            return st;
        if (present(p, v[M_TARGET]) && (p->s[v[M_TARGET]] != '"' ||
                                        !key_is(p->s, p->n, v[M_TARGET], "event", 5)))
            return fail_at(p, v[M_TARGET], PBW_E_JSON_TYPE);
        if (present(p, v[M_EVENT]) && (st = get_string_at(p, v[M_EVENT], &e->event)) != PBW_OK)
            return st;
        if ((st = get_data(p, v[M_DATA_TYPE], v[M_DATA], close, &e->data, &e->has_data)) != PBW_OK)
            return st;
        return get_stream_start(p, v[M_STREAM], &e->stream, &e->has_stream);
    }
    case WPS_UP_CANCEL_INVOCATION:
        return need_string(p, v[M_INVOCATION_ID], close, &m->u.cancel_invocation.invocation_id);
    case WPS_UP_STREAM_DATA: {
        wps_stream_data *s = &m->u.stream_data;
        if ((st = need_string(p, v[M_STREAM_ID], close, &s->stream_id)) != PBW_OK)
            return st;
        if (present(p, v[M_STREAM_SEQUENCE_ID])) {
            if ((st = get_uint(p, v[M_STREAM_SEQUENCE_ID], UINT64_MAX, &x)) != PBW_OK)
                return st;
            s->stream_sequence_id = x;
            s->has_stream_sequence_id = 1;
        }
        return get_data(p, v[M_DATA_TYPE], v[M_DATA], close, &s->data, &s->has_data);
    }
    case WPS_UP_STREAM_END: {
        static const jname names[] = {JN("message"), JN("userErrorCode")};
        wps_stream_end *s = &m->u.stream_end;
        size_t ev[2], eclose = 0;
        if ((st = need_string(p, v[M_STREAM_ID], close, &s->stream_id)) != PBW_OK)
            return st;
        if (!present(p, v[M_ERROR]))
            return PBW_OK;
        if (p->s[v[M_ERROR]] != '{')
            return fail_at(p, v[M_ERROR], PBW_E_JSON_TYPE);
        if ((st = members(p, v[M_ERROR], names, 2, ev, &eclose)) != PBW_OK)
            return st;
        s->has_error = 1;
        if (present(p, ev[0])) {
            if ((st = get_string_at(p, ev[0], &s->error.message)) != PBW_OK)
                return st;
            s->error.has_message = 1;
        }
        if (present(p, ev[1])) {
            if ((st = get_string_at(p, ev[1], &s->error.user_error_code)) != PBW_OK)
                return st;
            s->error.has_user_error_code = 1;
        }
        return PBW_OK;
    }
    case WPS_UP_SET_GROUP_STATE: {
        wps_set_group_state *g = &m->u.set_group_state;
        if ((st = need_string(p, v[M_GROUP], close, &g->group)) != PBW_OK ||
            (st = opt_ack_id(p, v[M_ACK_ID], &g->ack_id, &g->has_ack_id)) != PBW_OK)
            return st;
        return get_state(p, v[M_STATE], &g->state, &g->has_state);
    }
    default: /* ping */
        return PBW_OK;
    }
}

pbw_status wps_json_request_parse(const uint8_t *frame, size_t len, wps_upstream *out,
                                  uint8_t *scratch, size_t scratch_cap, size_t *scratch_used,
                                  size_t *err_offset)
{
    jp p;
    size_t bad = 0;
    pbw_status st;

    memset(out, 0, sizeof *out);
    if (scratch_used)
        *scratch_used = 0;
    p.s = frame;
    p.n = len;
    p.scratch = scratch;
    p.lo = 0;
    p.hi = scratch ? scratch_cap : 0;
    p.err = 0;
    if (len && frame == NULL)
        st = PBW_E_ARG;
    else if (len && !pbw_utf8_valid(frame, len, &bad))
        st = fail_at(&p, bad, PBW_E_UTF8);
    else
        st = request(&p, out);
    if (st != PBW_OK) {
        memset(out, 0, sizeof *out);
        if (err_offset)
            *err_offset = p.err;
        return st;
    }
    if (scratch_used)
        *scratch_used = p.lo + (p.scratch ? scratch_cap - p.hi : 0);
    if (err_offset)
        *err_offset = len;
    return PBW_OK;
}

/* ---- 5. gateway steps -------------------------------------------------- */

size_t wps_json_client_receiver(pbw_bytes rendered, int reliable, uint64_t seq, uint8_t *head,
                                pbw_bytes iov[2], size_t *frame_len)
{
    *frame_len = 0;
    if (rendered.len == 0 || rendered.ptr[0] != '{')
        return 0;
    if (!reliable) {
        iov[0] = rendered;
        *frame_len = rendered.len;
        return 1;
    }
    iov[0].ptr = head;
    iov[0].len = wps_json_client_seq_head(seq, head);
    iov[1].ptr = rendered.ptr + 1;
    iov[1].len = rendered.len - 1;
    *frame_len = iov[0].len + iov[1].len;
    return 2;
}

size_t wps_iovec_of(wps_iovec *dst, const pbw_bytes *src, size_t n)
{
    size_t i, total = 0;
    for (i = 0; i < n; i++) {
        dst[i].iov_base = (void *)(uintptr_t)src[i].ptr; /* writev() never writes */
        dst[i].iov_len = src[i].len;
        total += src[i].len;
    }
    return total;
}

int wps_ack_for(wps_downstream *out, const wps_upstream *req, pbw_bytes error_name,
                pbw_bytes error_message)
{
    uint64_t id;
    switch (req->kind) {
    case WPS_UP_SEND_TO_GROUP:
        if (!req->u.send_to_group.has_ack_id)
            return 0;
        id = req->u.send_to_group.ack_id;
        break;
    case WPS_UP_EVENT:
        if (!req->u.event.has_ack_id)
            return 0;
        id = req->u.event.ack_id;
        break;
    case WPS_UP_JOIN_GROUP:
    case WPS_UP_LEAVE_GROUP:
    case WPS_UP_SUBSCRIBE_GROUP_STATE:
    case WPS_UP_UNSUBSCRIBE_GROUP_STATE: /* one shape */
        if (!req->u.join_group.has_ack_id)
            return 0;
        id = req->u.join_group.ack_id;
        break;
    case WPS_UP_SET_GROUP_STATE:
        if (!req->u.set_group_state.has_ack_id)
            return 0;
        id = req->u.set_group_state.ack_id;
        break;
    default:
        return 0;
    }
    memset(out, 0, sizeof *out);
    out->kind = WPS_DOWN_ACK;
    out->u.ack.ack_id = id;
    if (error_name.len == 0) {
        out->u.ack.success = 1;
    } else {
        out->u.ack.has_error = 1;
        out->u.ack.error.name = error_name;
        out->u.ack.error.message = error_message;
    }
    return 1;
}
