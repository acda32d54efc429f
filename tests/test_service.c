/* SPDX-License-Identifier: MIT */
/*
 * tests/test_service.c - the service core (wps_service.h): protobuf fan-out
 * against the canonical encoder, json client renderings read back by a JSON
 * parser, the JSON validator, plain frames and CloudEvents headers.
 *
 * Part of tests/run.c (suite_service).  Built with -DWPS_SERVICE_STANDALONE
 * and tests/harness.c it is its own runner (tests/service.mk: make
 * test-service), and
 * `run_tests_service --emit FILE` writes its JSON cases for the Python
 * cross-check (make test-service-py).
 */
#include <stdint.h>
#include <stdlib.h>

#include "test.h"
#include "../wps_service.h"

/* --emit: cases for the Python cross-check (not static: in the combined
 * runner nothing sets it, and a static that is never set is a constant). */
FILE *test_service_emit;
#define emit test_service_emit

static pbw_bytes B(const char *s)
{
    pbw_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = strlen(s);
    return b;
}

static pbw_bytes BN(const void *p, size_t n)
{
    pbw_bytes b;
    b.ptr = (const uint8_t *)p;
    b.len = n;
    return b;
}

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = 0;
    int hi = -1;
    for (; *hex; hex++) {
        int c = *hex, v;
        if (c == ' ')
            continue;
        v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0)
            abort();
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}

static void emit_hex(const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        fprintf(emit, "%02x", p[i]);
}

static int contains(const uint8_t *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle), i;
    for (i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return 1;
    return 0;
}

/* Is [p, p+n) inside [base, base+len)?  (As integers: the pointers may
 * belong to different objects.) */
static int inside(const uint8_t *p, size_t n, const uint8_t *base, size_t len)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
    return a >= b && a + n <= b + len;
}

/* ------------------------------------------------------------------------
 * A strict JSON parser (RFC 8259) building a tree: an implementation
 * independent of wps_json_validate (recursive, allocating), used to read
 * the renderings back and to cross-check the validator.
 * ------------------------------------------------------------------------ */

enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jv {
    int type;
    char *s;  /* J_STR: the decoded bytes; J_NUM: the literal */
    size_t slen;
    struct jv *kid;  /* J_ARR, J_OBJ: n values */
    struct jv *key;  /* J_OBJ: n keys (J_STR) */
    size_t n;
} jv;

typedef struct jp {
    const unsigned char *s;
    size_t n, i;
    int depth;
} jp;

static int jp_value(jp *p, jv *out);

static void jp_ws(jp *p)
{
    while (p->i < p->n && strchr(" \t\n\r", p->s[p->i]) && p->s[p->i])
        p->i++;
}

static void sb_add(jv *v, size_t *cap, const void *b, size_t n)
{
    if (v->slen + n + 1 > *cap) {
        *cap = (v->slen + n + 1) * 2;
        v->s = realloc(v->s, *cap);
        if (!v->s)
            abort();
    }
    memcpy(v->s + v->slen, b, n);
    v->slen += n;
    v->s[v->slen] = 0;
}

static int hexv(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Length of the valid UTF-8 sequence at s (of n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0], need, cp, k;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        need = 1, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        need = 2, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 3, cp = c & 0x07;
    else
        return 0;
    if (n < need + 1)
        return 0;
    for (k = 1; k <= need; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[k] & 0x3f);
    }
    if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return need + 1;
}

static void put_utf8(jv *v, size_t *cap, unsigned cp)
{
    unsigned char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp, n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xc0 | cp >> 6), b[1] = (unsigned char)(0x80 | (cp & 63)), n = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xe0 | cp >> 12), b[1] = (unsigned char)(0x80 | (cp >> 6 & 63));
        b[2] = (unsigned char)(0x80 | (cp & 63)), n = 3;
    } else {
        b[0] = (unsigned char)(0xf0 | cp >> 18), b[1] = (unsigned char)(0x80 | (cp >> 12 & 63));
        b[2] = (unsigned char)(0x80 | (cp >> 6 & 63)), b[3] = (unsigned char)(0x80 | (cp & 63));
        n = 4;
    }
    sb_add(v, cap, b, n);
}

static int jp_hex4(jp *p, unsigned *cp)
{
    int k;
    *cp = 0;
    for (k = 0; k < 4; k++) {
        int h;
        if (p->i >= p->n || (h = hexv(p->s[p->i])) < 0)
            return 0;
        *cp = *cp << 4 | (unsigned)h;
        p->i++;
    }
    return 1;
}

static int jp_string(jp *p, jv *out)
{
    size_t cap = 0;
    out->type = J_STR;
    out->s = NULL;
    out->slen = 0;
    sb_add(out, &cap, "", 0);
    p->i++; /* the quote */
    for (;;) {
        unsigned char c;
        size_t l;
        if (p->i >= p->n)
            return 0;
        c = p->s[p->i];
        if (c == '"') {
            p->i++;
            return 1;
        }
        if (c < 0x20)
            return 0;
        if (c != '\\') {
            if ((l = utf8_len(p->s + p->i, p->n - p->i)) == 0)
                return 0;
            sb_add(out, &cap, p->s + p->i, l);
            p->i += l;
            continue;
        }
        if (++p->i >= p->n)
            return 0;
        c = p->s[p->i++];
        switch (c) {
        case '"': case '\\': case '/': sb_add(out, &cap, &c, 1); break;
        case 'b': sb_add(out, &cap, "\b", 1); break;
        case 'f': sb_add(out, &cap, "\f", 1); break;
        case 'n': sb_add(out, &cap, "\n", 1); break;
        case 'r': sb_add(out, &cap, "\r", 1); break;
        case 't': sb_add(out, &cap, "\t", 1); break;
        case 'u': {
            unsigned cp, lo;
            if (!jp_hex4(p, &cp))
                return 0;
            /* a surrogate pair makes one code point; a lone surrogate is
             * kept as its three bytes (the grammar allows it) */
            if (cp >= 0xd800 && cp <= 0xdbff && p->i + 1 < p->n && p->s[p->i] == '\\' &&
                p->s[p->i + 1] == 'u') {
                size_t save = p->i;
                p->i += 2;
                if (jp_hex4(p, &lo) && lo >= 0xdc00 && lo <= 0xdfff)
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                else
                    p->i = save;
            }
            put_utf8(out, &cap, cp);
            break;
        }
        default:
            return 0;
        }
    }
}

static int jp_number(jp *p, jv *out)
{
    size_t start = p->i, cap = 0;
    const unsigned char *s = p->s;
    if (p->i < p->n && s[p->i] == '-')
        p->i++;
    if (p->i < p->n && s[p->i] == '0')
        p->i++;
    else if (p->i < p->n && s[p->i] >= '1' && s[p->i] <= '9')
        while (p->i < p->n && s[p->i] >= '0' && s[p->i] <= '9')
            p->i++;
    else
        return 0;
    if (p->i < p->n && s[p->i] == '.') {
        p->i++;
        if (!(p->i < p->n && s[p->i] >= '0' && s[p->i] <= '9'))
            return 0;
        while (p->i < p->n && s[p->i] >= '0' && s[p->i] <= '9')
            p->i++;
    }
    if (p->i < p->n && (s[p->i] == 'e' || s[p->i] == 'E')) {
        p->i++;
        if (p->i < p->n && (s[p->i] == '+' || s[p->i] == '-'))
            p->i++;
        if (!(p->i < p->n && s[p->i] >= '0' && s[p->i] <= '9'))
            return 0;
        while (p->i < p->n && s[p->i] >= '0' && s[p->i] <= '9')
            p->i++;
    }
    out->type = J_NUM;
    out->s = NULL;
    out->slen = 0;
    sb_add(out, &cap, s + start, p->i - start);
    return 1;
}

static void jv_free(jv *v);

static int jp_container(jp *p, jv *out, int obj)
{
    size_t cap = 0;
    out->type = obj ? J_OBJ : J_ARR;
    out->kid = out->key = NULL;
    out->n = 0;
    if (++p->depth > 4000)
        return 0;
    p->i++;
    jp_ws(p);
    if (p->i < p->n && p->s[p->i] == (obj ? '}' : ']')) {
        p->i++;
        p->depth--;
        return 1;
    }
    for (;;) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 4;
            out->kid = realloc(out->kid, cap * sizeof *out->kid);
            out->key = realloc(out->key, cap * sizeof *out->key);
            if (!out->kid || !out->key)
                abort();
        }
        memset(&out->kid[out->n], 0, sizeof out->kid[0]);
        memset(&out->key[out->n], 0, sizeof out->key[0]);
        if (obj) {
            if (p->i >= p->n || p->s[p->i] != '"' || !jp_string(p, &out->key[out->n])) {
                out->n++;
                return 0;
            }
            jp_ws(p);
            if (p->i >= p->n || p->s[p->i] != ':') {
                out->n++;
                return 0;
            }
            p->i++;
            jp_ws(p);
        }
        if (!jp_value(p, &out->kid[out->n++]))
            return 0;
        jp_ws(p);
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
            jp_ws(p);
            continue;
        }
        if (p->i < p->n && p->s[p->i] == (obj ? '}' : ']')) {
            p->i++;
            p->depth--;
            return 1;
        }
        return 0;
    }
}

static int jp_lit(jp *p, const char *lit, int type, jv *out)
{
    size_t l = strlen(lit);
    if (p->n - p->i < l || memcmp(p->s + p->i, lit, l) != 0)
        return 0;
    p->i += l;
    out->type = type;
    return 1;
}

static int jp_value(jp *p, jv *out)
{
    memset(out, 0, sizeof *out);
    if (p->i >= p->n)
        return 0;
    switch (p->s[p->i]) {
    case '{': return jp_container(p, out, 1);
    case '[': return jp_container(p, out, 0);
    case '"': return jp_string(p, out);
    case 't': return jp_lit(p, "true", J_TRUE, out);
    case 'f': return jp_lit(p, "false", J_FALSE, out);
    case 'n': return jp_lit(p, "null", J_NULL, out);
    default: return jp_number(p, out);
    }
}

/* Parses a whole JSON text; 1 and *out, or 0 (out freed). */
static int json_parse(const void *s, size_t n, jv *out)
{
    jp p;
    p.s = s;
    p.n = n;
    p.i = 0;
    p.depth = 0;
    jp_ws(&p);
    if (jp_value(&p, out)) {
        jp_ws(&p);
        if (p.i == n)
            return 1;
    }
    jv_free(out);
    return 0;
}

static void jv_free(jv *v)
{
    size_t i;
    for (i = 0; i < v->n; i++) {
        if (v->kid)
            jv_free(&v->kid[i]);
        if (v->key && v->type == J_OBJ)
            jv_free(&v->key[i]);
    }
    free(v->kid);
    free(v->key);
    free(v->s);
    memset(v, 0, sizeof *v);
}

static int is_int_literal(const jv *v)
{
    return strpbrk(v->s, ".eE") == NULL;
}

/* Deep equality; object members must come in the same order (the order is
 * part of what we promise: Microsoft's documented order). */
static int jv_equal(const jv *a, const jv *b)
{
    size_t i;
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case J_NUM:
        if (is_int_literal(a) && is_int_literal(b))
            return strcmp(a->s, b->s) == 0;
        return strtod(a->s, NULL) == strtod(b->s, NULL);
    case J_STR:
        return a->slen == b->slen && memcmp(a->s, b->s, a->slen) == 0;
    case J_ARR:
    case J_OBJ:
        if (a->n != b->n)
            return 0;
        for (i = 0; i < a->n; i++) {
            if (a->type == J_OBJ && !jv_equal(&a->key[i], &b->key[i]))
                return 0;
            if (!jv_equal(&a->kid[i], &b->kid[i]))
                return 0;
        }
        return 1;
    default:
        return 1;
    }
}

/* A rendering read back equals the expected document. */
static void check_json_equal(const uint8_t *got, size_t got_len, const char *want)
{
    jv g, w;
    int ok_g = json_parse(got, got_len, &g), ok_w = json_parse(want, strlen(want), &w);
    CHECK(ok_w);
    if (!ok_g)
        test_fail_at(__FILE__, __LINE__, "rendering is not JSON: %.*s", (int)got_len, got);
    else
        test_passed++;
    if (ok_g && ok_w) {
        if (jv_equal(&g, &w))
            test_passed++;
        else
            test_fail_at(__FILE__, __LINE__, "got %.*s\n  want %s", (int)got_len, got, want);
    }
    if (emit) {
        fputs("R\t", emit);
        emit_hex(got, got_len);
        fputc('\t', emit);
        emit_hex((const uint8_t *)want, strlen(want));
        fputc('\n', emit);
    }
    if (ok_g)
        jv_free(&g);
    if (ok_w)
        jv_free(&w);
}

/* ------------------------------------------------------------------------
 * 1. Protobuf fan-out
 * ------------------------------------------------------------------------ */

static const uint64_t seqs[] = {0, 1, 127, 128, 16383, 16384, 4294967296ull,
                                18446744073709551615ull};
#define NSEQ (sizeof seqs / sizeof seqs[0])

static size_t strings_of(const wps_data_message *m, size_t *entries)
{
    size_t s = m->from.len + m->group.len + (m->has_data ? m->data.type_url.len : 0) +
               m->stream.stream_id.len + m->stream.error.name.len +
               m->stream.error.message.len + m->stream.error.user_error_code.len;
    wps_map_iter it;
    wps_kv kv;
    *entries = 0;
    wps_map_begin(&it, &m->metadata);
    while (wps_map_next(&it, &kv)) {
        s += kv.key.len + kv.value.len;
        ++*entries;
    }
    return s;
}

/*
 * Prepares *dm, then for every receiver kind (no sequence id; each
 * sequence id of seqs[]) checks the frame against wps_downstream_encode of
 * the same message.  in/in_len: the frame dm was decoded from (the payload
 * must point into it).  payload: the payload's bytes when dm's view is
 * {NULL, n} (streamed), else NULL.  want_verbatim: 0, 1, or -1 (either).
 */
static void check_fanout(const wps_data_message *dm, const uint8_t *in, size_t in_len,
                         const uint8_t *payload, int want_verbatim)
{
    static uint8_t shared[8192], got[1 << 16], want[1 << 16], copy[1 << 16];
    wps_fanout f, f2;
    wps_downstream d;
    size_t used, used2, strings, entries, r;
    const uint8_t *first_payload = NULL;

    memcpy(copy, in, in_len);
    CHECK_STATUS(wps_fanout_prepare(&f, dm, shared, sizeof shared, &used), PBW_OK);
    strings = strings_of(dm, &entries);
    CHECK(used <= WPS_FANOUT_PREPARE_MAX(strings, entries));
    if (want_verbatim >= 0)
        CHECK_EQ(f.verbatim, want_verbatim);
    if (f.verbatim)
        CHECK(f.payload.ptr == dm->data.raw.ptr && f.payload.len == dm->data.raw.len);
    /* zero copy: the payload view is the input's bytes (or the streamed
     * payload's slot), never the shared buffer */
    if (f.payload.len && f.payload.ptr)
        CHECK(inside(f.payload.ptr, f.payload.len, in, in_len));
    if (payload)
        CHECK(f.payload.ptr == NULL && f.payload.len == dm->data.bytes.len);

    for (r = 0; r <= NSEQ; r++) {
        uint8_t head[WPS_FANOUT_RECEIVER_MAX + 8];
        pbw_bytes iov[WPS_FANOUT_IOV_MAX];
        size_t n, i, at = 0, frame_len, wlen;
        int reliable = r < NSEQ;
        uint64_t seq = reliable ? seqs[r] : 0;

        memset(head, 0xee, sizeof head);
        n = wps_fanout_receiver(&f, reliable, seq, head, iov, &frame_len);
        CHECK(n >= 2 && n <= WPS_FANOUT_IOV_MAX);
        CHECK(head[WPS_FANOUT_RECEIVER_MAX] == 0xee); /* stays within the bound */
        for (i = 0; i < n; i++) {
            const uint8_t *src = iov[i].ptr;
            CHECK(iov[i].len > 0);
            if (src == NULL) { /* the streamed payload's slot */
                CHECK(payload != NULL);
                src = payload;
            }
            if (src == f.payload.ptr && iov[i].len == f.payload.len && f.payload.len) {
                if (first_payload == NULL)
                    first_payload = iov[i].ptr;
                CHECK(iov[i].ptr == first_payload); /* the same bytes for everyone */
            }
            memcpy(got + at, src, iov[i].len);
            at += iov[i].len;
        }
        CHECK_EQ(at, frame_len);
        memset(&d, 0, sizeof d);
        d.kind = WPS_DOWN_DATA;
        d.u.data = *dm;
        d.u.data.has_sequence_id = (uint8_t)reliable;
        d.u.data.sequence_id = seq;
        if (payload)
            d.u.data.data.bytes.ptr = payload;
        CHECK_STATUS(wps_downstream_encode(&d, want, sizeof want, &wlen), PBW_OK);
        CHECK_MEM(got, at, want, wlen);
    }
    /* the payload's bytes were only read */
    CHECK_MEM(in, in_len, copy, in_len);

    /* too small: refused with the size needed, *f untouched */
    f2 = f;
    CHECK_STATUS(wps_fanout_prepare(&f2, dm, shared, used - 1, &used2), PBW_E_NOSPACE);
    CHECK_EQ(used2, used);
    CHECK(memcmp(&f2, &f, sizeof f) == 0);
    CHECK_STATUS(wps_fanout_prepare(&f2, dm, NULL, 0, &used2), PBW_E_NOSPACE);
    CHECK_EQ(used2, used);
}

enum { P_TEXT, P_TEXT0, P_BIN, P_BIN0, P_JSON, P_ANY, P_ANY_NOVALUE, P_ANY_NOURL, P_ANY0,
       P_NONE, P_NODATA, P_COUNT };

static uint8_t kib[1024];

static void set_payload(wps_send_to_group *s, int p)
{
    wps_data *d = &s->data;
    memset(d, 0, sizeof *d);
    s->has_data = p != P_NODATA;
    switch (p) {
    case P_TEXT: d->kind = WPS_DATA_TEXT; d->bytes = B("hello, group"); break;
    case P_TEXT0: d->kind = WPS_DATA_TEXT; break;
    case P_BIN: d->kind = WPS_DATA_BINARY; d->bytes = BN(kib, sizeof kib); break;
    case P_BIN0: d->kind = WPS_DATA_BINARY; break;
    case P_JSON: d->kind = WPS_DATA_JSON; d->bytes = B("{\"a\":[1,2,{\"b\":null}]}"); break;
    case P_ANY:
        d->kind = WPS_DATA_PROTOBUF;
        d->type_url = B("type.googleapis.com/azure.webpubsub.TestMessage");
        d->bytes = BN("\x08\x01", 2);
        break;
    case P_ANY_NOVALUE: d->kind = WPS_DATA_PROTOBUF; d->type_url = B("t/x"); break;
    case P_ANY_NOURL: d->kind = WPS_DATA_PROTOBUF; d->bytes = BN(kib, 300); break;
    case P_ANY0: d->kind = WPS_DATA_PROTOBUF; break;
    case P_NONE: d->kind = WPS_DATA_NONE; break;
    default: break;
    }
}

static void test_fanout_matrix(void)
{
    static const wps_kv meta2[] = {{{(const uint8_t *)"k1", 2}, {(const uint8_t *)"v1", 2}},
                                   {{(const uint8_t *)"trace", 5}, {(const uint8_t *)"", 0}}};
    static const wps_kv meta_dup[] = {{{(const uint8_t *)"b", 1}, {(const uint8_t *)"1", 1}},
                                      {{(const uint8_t *)"a", 1}, {(const uint8_t *)"2", 1}},
                                      {{(const uint8_t *)"b", 1}, {(const uint8_t *)"3", 1}}};
    static uint8_t frame[4096];
    int p, form, meta, stream, cases = 0;
    size_t i;

    for (i = 0; i < sizeof kib; i++)
        kib[i] = (uint8_t)(i * 131 + 7);
    for (p = 0; p < P_COUNT; p++)
        for (form = 0; form < 3; form++)
            for (meta = 0; meta < 3; meta++)
                for (stream = 0; stream < 4; stream++) {
                    wps_upstream up, dec;
                    wps_data_message dm;
                    size_t n;
                    test_context("fan-out payload %d form %d meta %d stream %d", p, form, meta,
                                 stream);
                    memset(&up, 0, sizeof up);
                    up.kind = WPS_UP_SEND_TO_GROUP;
                    up.u.send_to_group.group = form == 1 ? B("") : B("chat-room");
                    set_payload(&up.u.send_to_group, p);
                    up.u.send_to_group.has_ack_id = 1;
                    up.u.send_to_group.ack_id = 99;
                    up.u.send_to_group.has_no_echo = 1;
                    if (meta == 1) {
                        up.u.send_to_group.metadata.entries = meta2;
                        up.u.send_to_group.metadata.count = 2;
                    } else if (meta == 2) {
                        up.u.send_to_group.metadata.entries = meta_dup;
                        up.u.send_to_group.metadata.count = 3;
                    }
                    CHECK_STATUS(wps_upstream_encode(&up, frame, sizeof frame, &n), PBW_OK);
                    CHECK_STATUS(wps_upstream_decode(frame, n, &dec, 0, NULL), PBW_OK);
                    if (form == 2) { /* a server-side payload */
                        if (!dec.u.send_to_group.has_data)
                            continue;
                        wps_server_message(&dm, &dec.u.send_to_group.data);
                        dm.metadata = dec.u.send_to_group.metadata;
                    } else {
                        wps_group_message(&dm, &dec.u.send_to_group);
                    }
                    if (stream) {
                        dm.has_stream = 1;
                        dm.stream.stream_id = B("s-1");
                        dm.stream.stream_sequence_id = stream == 1 ? 0 : 300;
                        if (stream >= 2) {
                            dm.stream.has_end_of_stream = 1;
                            dm.stream.end_of_stream = 1;
                        }
                        if (stream == 3) {
                            dm.stream.has_error = 1;
                            dm.stream.error.name = B("UserError");
                            dm.stream.error.message = B("bad");
                            dm.stream.error.user_error_code = B("E42");
                        }
                    }
                    /* every payload this encoder wrote is canonical */
                    check_fanout(&dm, frame, n, NULL,
                                 dm.has_data && dm.data.kind != WPS_DATA_NONE ? 1 : 0);
                    cases++;
                }
    CHECK(cases > 300);
}

/* Senders' MessageData that is not canonical: the output must still be the
 * canonical bytes, the payload still the input's bytes. */
static void test_fanout_noncanonical(void)
{
    static const struct {
        const char *name, *hex; /* a whole UpstreamMessage */
        int verbatim;
    } cases[] = {
        /* SendToGroup{group "g", data <MD>}, MD variations of text "hello" */
        {"canonical", "0a 0c 0a0167 1a07 0a0568656c6c6f", 1},
        {"padded length", "0a 0d 0a0167 1a08 0a850068656c6c6f", 0},
        {"padded tag", "0a 0d 0a0167 1a08 8a000568656c6c6f", 0},
        {"unknown field after", "0a 0e 0a0167 1a09 0a0568656c6c6f 2801", 0},
        {"unknown field before", "0a 0e 0a0167 1a09 2801 0a0568656c6c6f", 0},
        {"unknown group inside", "0a 10 0a0167 1a0b 0a0568656c6c6f 2b 0801 2c", 0},
        {"text twice", "0a 0f 0a0167 1a0a 0a0178 0a0568656c6c6f", 0},
        {"oneof switch", "0a 10 0a0167 1a0b 12020102 0a0568656c6c6f", 0},
        {"MessageData twice (merged)", "0a 11 0a0167 1a03 0a0178 1a07 0a0568656c6c6f", 0},
        {"padded MessageData length (outer)", "0a 0d 0a0167 1a8700 0a0568656c6c6f", 1},
        /* Any: type_url "t", value 08 01 */
        {"any canonical", "0a 0e 0a0167 1a09 1a07 0a0174 12020801", 1},
        {"any reversed fields", "0a 0e 0a0167 1a09 1a07 12020801 0a0174", 0},
        {"any padded length", "0a 0f 0a0167 1a0a 1a8700 0a0174 12020801", 0},
        {"any unknown field", "0a 10 0a0167 1a0b 1a09 0a0174 12020801 1801", 0},
        {"binary padded", "0a 0b 0a0167 1a06 128300 010203", 0},
        {"json unknown", "0a 0c 0a0167 1a07 22027b7d 3a0178", 0},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t frame[256];
        size_t n = unhex(cases[i].hex, frame);
        wps_upstream up;
        wps_data_message dm;
        test_context("non-canonical: %s", cases[i].name);
        CHECK_STATUS(wps_upstream_decode(frame, n, &up, 0, NULL), PBW_OK);
        wps_group_message(&dm, &up.u.send_to_group);
        check_fanout(&dm, frame, n, NULL, cases[i].verbatim);
        /* raw lost (merged occurrences, or a struct built by hand) */
        dm.data.raw.ptr = NULL;
        dm.data.raw.len = 0;
        check_fanout(&dm, frame, n, NULL, 0);
    }

    /* raw intact but the payload view elsewhere (a caller-built wps_data):
     * the same bytes, but not provably, so not verbatim */
    {
        uint8_t frame[64], other[8];
        size_t n = unhex("0a 0c 0a0167 1a07 0a0568656c6c6f", frame);
        wps_upstream up;
        wps_data_message dm;
        test_context("payload view outside raw");
        CHECK_STATUS(wps_upstream_decode(frame, n, &up, 0, NULL), PBW_OK);
        wps_group_message(&dm, &up.u.send_to_group);
        memcpy(other, "hello", 5);
        dm.data.bytes.ptr = other;
        check_fanout(&dm, other, 5, NULL, 0);
        /* raw of the right length but other bytes in its header */
        dm.data.bytes.ptr = frame + 9;
        frame[7] = 0x12; /* raw now reads binary_data */
        CHECK(dm.data.raw.ptr == frame + 7 && dm.data.raw.len == 7);
        check_fanout(&dm, frame, n, NULL, 0);
    }
}

/* A SendToGroup decoded by the streaming decoder: raw {NULL, 0}, payload
 * {NULL, n}, short fields in scratch. */
static void test_fanout_streamed(void)
{
    static uint8_t frame[4096], scratch[4096];
    static const int kinds[] = {P_TEXT, P_BIN, P_ANY, P_JSON};
    size_t k;
    for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        wps_upstream up, msg;
        wps_data_message dm;
        wps_stream s;
        wps_stream_event ev;
        const uint8_t *p;
        size_t n;
        pbw_status st;
        int done = 0;

        test_context("streamed payload %d", kinds[k]);
        memset(&up, 0, sizeof up);
        up.kind = WPS_UP_SEND_TO_GROUP;
        up.u.send_to_group.group = B("g");
        set_payload(&up.u.send_to_group, kinds[k]);
        CHECK_STATUS(wps_upstream_encode(&up, frame, sizeof frame, &n), PBW_OK);
        /* fed 7 bytes at a time: the field-by-field path */
        wps_stream_init_upstream(&s, &msg, scratch, sizeof scratch, n, 0);
        for (p = frame; !done && p < frame + n;) {
            const uint8_t *end = p + 7 < frame + n ? p + 7 : frame + n;
            while (!done && (st = wps_stream_next(&s, &p, end, &ev)) == PBW_OK)
                done = ev.type == WPS_EV_MESSAGE_END;
            CHECK(done || st == PBW_NEED_MORE);
        }
        CHECK(done);
        if (!done)
            continue;
        CHECK(msg.u.send_to_group.data.raw.ptr == NULL);
        wps_group_message(&dm, &msg.u.send_to_group);
        CHECK(dm.data.bytes.ptr == NULL);
        check_fanout(&dm, frame, n, up.u.send_to_group.data.bytes.ptr, 0);
    }
}

static void test_fanout_misc(void)
{
    wps_data_message dm;
    wps_fanout f;
    wps_stream_data sd;
    uint8_t buf[256], frame[64];
    size_t used, n;
    wps_upstream up;

    test_context("fan-out misc");
    memset(&dm, 0, sizeof dm);
    dm.from = B("group");
    dm.has_data = 1;
    dm.data.kind = (wps_data_kind)9;
    CHECK_STATUS(wps_fanout_prepare(&f, &dm, buf, sizeof buf, &used), PBW_E_ARG);
    CHECK_EQ(used, 0);

    /* a StreamDataMessage for the stream's subscribers */
    n = unhex("6a 0c 0a0173 1005 1a05 0a03616263", frame);
    CHECK_STATUS(wps_upstream_decode(frame, n, &up, 0, NULL), PBW_OK);
    sd = up.u.stream_data;
    wps_stream_message(&dm, B("grp"), &sd);
    CHECK(dm.has_stream && dm.stream.stream_sequence_id == 5);
    CHECK_VIEW(dm.stream.stream_id, "s");
    check_fanout(&dm, frame, n, NULL, 1);
    dm.stream.has_end_of_stream = 1;
    dm.stream.end_of_stream = 1;
    check_fanout(&dm, frame, n, NULL, 1);

    /* a message that has the sequence id set already: ignored by prepare */
    dm.has_sequence_id = 1;
    dm.sequence_id = 77;
    check_fanout(&dm, frame, n, NULL, 1);

    /* the README's example frame: the reliable client's bytes */
    {
        static const uint8_t expected[] = {0x12, 0x18, 0x0a, 0x05, 'g', 'r', 'o', 'u', 'p',
                                           0x12, 0x04, 'c', 'h', 'a', 't', 0x1a, 0x07, 0x0a,
                                           0x05, 'h', 'e', 'l', 'l', 'o', 0x20, 0x2a};
        static const uint8_t in[] = {0x0a, 0x11, 0x0a, 0x04, 'c', 'h', 'a', 't', 0x10, 0x01,
                                     0x1a, 0x07, 0x0a, 0x05, 'h', 'e', 'l', 'l', 'o'};
        uint8_t head[WPS_FANOUT_RECEIVER_MAX], out[64];
        pbw_bytes iov[WPS_FANOUT_IOV_MAX];
        size_t i, k, at = 0, len;
        CHECK_STATUS(wps_upstream_decode(in, sizeof in, &up, 0, NULL), PBW_OK);
        wps_group_message(&dm, &up.u.send_to_group);
        CHECK_STATUS(wps_fanout_prepare(&f, &dm, buf, sizeof buf, &used), PBW_OK);
        k = wps_fanout_receiver(&f, 1, 42, head, iov, &len);
        CHECK_EQ(k, 4);
        CHECK(iov[2].ptr == in + 12 && iov[2].len == 7); /* the sender's MessageData */
        for (i = 0; i < k; i++) {
            memcpy(out + at, iov[i].ptr, iov[i].len);
            at += iov[i].len;
        }
        CHECK_MEM(out, at, expected, sizeof expected);
        CHECK_EQ(iov[0].len + iov[3].len, 4); /* all that was written for this receiver */
    }
}

/* ------------------------------------------------------------------------
 * 2. json subprotocol
 * ------------------------------------------------------------------------ */

/* Renders dm, checks size == written, NOSPACE at every smaller capacity,
 * the fan-out split, and the result read back against `want`. */
static void check_json(const wps_data_message *dm, const pbw_bytes *uid, const char *want)
{
    static uint8_t out[1 << 16], small[1 << 16];
    size_t size, written, cap, n2;
    wps_data_message plain = *dm;

    CHECK_STATUS(wps_json_client_size(dm, uid, &size), PBW_OK);
    memset(out, 0xa5, size + 1);
    CHECK_STATUS(wps_json_client_write(dm, uid, out, sizeof out, &written), PBW_OK);
    CHECK_EQ(written, size);
    CHECK(out[size] == 0xa5);
    for (cap = 0; cap < size; cap += cap < 64 ? 1 : size / 7 + 1) {
        memset(small, 0x5a, size);
        CHECK_STATUS(wps_json_client_write(dm, uid, small, cap, &n2), PBW_E_NOSPACE);
        CHECK_EQ(n2, size);
        CHECK(small[0] == 0x5a && small[size - 1] == 0x5a);
    }
    check_json_equal(out, written, want);

    /* fan-out: the head of a reliable receiver + the rendering without
     * sequence id, from its second byte */
    plain.has_sequence_id = 0;
    if (dm->has_sequence_id) {
        uint8_t head[WPS_JSON_SEQ_HEAD_MAX], joined[1 << 16];
        size_t h = wps_json_client_seq_head(dm->sequence_id, head), base;
        CHECK(h <= WPS_JSON_SEQ_HEAD_MAX && h >= 16);
        CHECK_STATUS(wps_json_client_write(&plain, uid, small, sizeof small, &base), PBW_OK);
        memcpy(joined, head, h);
        memcpy(joined + h, small + 1, base - 1);
        CHECK_MEM(joined, h + base - 1, out, written);
    }
}

static void test_json_render(void)
{
    static const wps_kv meta[] = {{{(const uint8_t *)"k", 1}, {(const uint8_t *)"v", 1}}};
    static const struct {
        const char *text, *json;
    } texts[] = {
        {"hello", "\"hello\""},
        {"", "\"\""},
        {"q\"b\\s/\x01\x1f\b\f\n\r\t\x7f", "\"q\\\"b\\\\s/\\u0001\\u001f\\b\\f\\n\\r\\t\x7f\""},
        {"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xe2\x80\xa8", "\"\\u00e9\\u20ac\\ud83d\\ude00 \\u2028\""},
        {"\x00z", "\"\\u0000z\""},
    };
    static const struct {
        const char *in, *b64;
    } b64[] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
               {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}, {"\xff\xfe\x00", "//4A"}};
    static const char *payloads[] = {"{\"hello\":\"world\"}", " [1, 2.5e3, -0, true, null]\n",
                                     "\"str\"", "0", "{\"nested\":{\"a\":[{},[]]}}"};
    wps_data_message dm;
    pbw_bytes uid = B("user-\"1\"");
    char want[4096];
    size_t i;
    uint8_t tmp[64];

    /* text, with the exact escaping we promise */
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        uint8_t out[256];
        size_t n, len = i == 4 ? 2 : strlen(texts[i].text);
        wps_data d;
        test_context("json text %zu", i);
        memset(&d, 0, sizeof d);
        d.kind = WPS_DATA_TEXT;
        d.bytes = BN(texts[i].text, len);
        wps_server_message(&dm, &d);
        snprintf(want, sizeof want,
                 "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\",\"data\":%s}",
                 texts[i].json);
        check_json(&dm, NULL, want);
        CHECK_STATUS(wps_json_client_write(&dm, NULL, out, sizeof out, &n), PBW_OK);
        if (i == 2) { /* the bytes themselves: escapes as documented */
            const char *exact = "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\","
                                "\"data\":\"q\\\"b\\\\s/\\u0001\\u001f\\b\\f\\n\\r\\t\x7f\"}";
            CHECK_MEM(out, n, exact, strlen(exact));
        }
        if (i == 3) /* non-ASCII stays UTF-8 */
            CHECK(memchr(out, 0xf0, n) != NULL);
    }

    /* escapes at every position of the 8-byte words the escaper scans */
    {
        static const char *atoms[] = {"a", "\"", "\\", "\n", "\x01", "\x1f", " ",
                                      "\xc3\xa9", "\xe2\x82\xac", "\x7f", "\xf0\x9f\x98\x80"};
        uint32_t rnd = 12345;
        int round;
        for (round = 0; round < 400; round++) {
            char text[128];
            size_t len = 0, atoms_n = (size_t)(round % 40), a;
            uint8_t out[1024];
            size_t n;
            wps_data d;
            jv v;
            for (a = 0; a < atoms_n; a++) {
                const char *at;
                rnd = rnd * 1103515245u + 12345u;
                /* mostly plain letters, so the fast path gets whole words */
                at = atoms[(rnd >> 16) % 4 == 0 ? (rnd >> 20) % 11 : 0];
                memcpy(text + len, at, strlen(at));
                len += strlen(at);
            }
            test_context("json escape round %d", round);
            memset(&d, 0, sizeof d);
            d.kind = WPS_DATA_TEXT;
            d.bytes = BN(text, len);
            wps_server_message(&dm, &d);
            CHECK_STATUS(wps_json_client_write(&dm, NULL, out, sizeof out, &n), PBW_OK);
            /* the data member, read back, is the text */
            if (json_parse(out, n, &v)) {
                CHECK(v.type == J_OBJ && v.n == 4);
                if (v.type == J_OBJ && v.n == 4)
                    CHECK_MEM(v.kid[3].s, v.kid[3].slen, text, len);
                jv_free(&v);
            } else {
                CHECK(0);
            }
        }
    }

    /* binary: RFC 4648 test vectors */
    for (i = 0; i < sizeof b64 / sizeof b64[0]; i++) {
        wps_data d;
        test_context("json binary %zu", i);
        memset(&d, 0, sizeof d);
        d.kind = WPS_DATA_BINARY;
        d.bytes = BN(b64[i].in, i == 7 ? 3 : strlen(b64[i].in));
        wps_server_message(&dm, &d);
        dm.has_sequence_id = 1;
        dm.sequence_id = i;
        snprintf(want, sizeof want,
                 "{\"sequenceId\":%zu,\"type\":\"message\",\"from\":\"server\","
                 "\"dataType\":\"binary\",\"data\":\"%s\"}",
                 i, b64[i].b64);
        check_json(&dm, NULL, want);
    }

    /* protobuf: Microsoft's example (reference-protobuf-webpubsub-subprotocol) */
    {
        wps_data d;
        test_context("json protobuf");
        memset(&d, 0, sizeof d);
        d.kind = WPS_DATA_PROTOBUF;
        d.type_url = B("type.googleapis.com/azure.webpubsub.TestMessage");
        d.bytes = BN("\x08\x01", 2);
        wps_server_message(&dm, &d);
        dm.from = B("group");
        dm.has_group = 1;
        dm.group = B("G");
        check_json(&dm, NULL,
                   "{\"type\":\"message\",\"from\":\"group\",\"group\":\"G\",\"dataType\":"
                   "\"protobuf\",\"data\":\"Ci90eXBlLmdvb2dsZWFwaXMuY29tL2F6dXJlLndlYnB1YnN1Yi5"
                   "UZXN0TWVzc2FnZRICCAE=\"}");
        d.type_url.len = 0; /* only a value: 12 02 08 01 */
        dm.data = d;
        check_json(&dm, NULL,
                   "{\"type\":\"message\",\"from\":\"group\",\"group\":\"G\",\"dataType\":"
                   "\"protobuf\",\"data\":\"EgIIAQ==\"}");
        d.bytes.len = 0; /* the empty Any */
        dm.data = d;
        check_json(&dm, NULL,
                   "{\"type\":\"message\",\"from\":\"group\",\"group\":\"G\",\"dataType\":"
                   "\"protobuf\",\"data\":\"\"}");
    }

    /* json payloads, embedded as they are */
    for (i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
        wps_data d;
        uint8_t out[512];
        size_t n;
        test_context("json payload %zu", i);
        memset(&d, 0, sizeof d);
        d.kind = WPS_DATA_JSON;
        d.bytes = B(payloads[i]);
        wps_server_message(&dm, &d);
        dm.from = B("group");
        dm.has_group = 1;
        dm.group = B("g\n1");
        dm.has_sequence_id = 1;
        dm.sequence_id = 18446744073709551615ull;
        snprintf(want, sizeof want,
                 "{\"sequenceId\":18446744073709551615,\"type\":\"message\",\"from\":\"group\","
                 "\"group\":\"g\\n1\",\"dataType\":\"json\",\"data\":%s,\"fromUserId\":"
                 "\"user-\\\"1\\\"\"}",
                 payloads[i]);
        check_json(&dm, &uid, want);
        CHECK_STATUS(wps_json_client_write(&dm, &uid, out, sizeof out, &n), PBW_OK);
        CHECK(contains(out, n, payloads[i])); /* as it is */
    }

    /* a decoded group message with metadata (not rendered), and stream info */
    {
        wps_upstream up;
        uint8_t frame[128];
        size_t n;
        test_context("json stream");
        memset(&up, 0, sizeof up);
        up.kind = WPS_UP_SEND_TO_GROUP;
        up.u.send_to_group.group = B("room");
        up.u.send_to_group.has_data = 1;
        up.u.send_to_group.data.kind = WPS_DATA_TEXT;
        up.u.send_to_group.data.bytes = B("x");
        up.u.send_to_group.metadata.entries = meta;
        up.u.send_to_group.metadata.count = 1;
        CHECK_STATUS(wps_upstream_encode(&up, frame, sizeof frame, &n), PBW_OK);
        CHECK_STATUS(wps_upstream_decode(frame, n, &up, 0, NULL), PBW_OK);
        wps_group_message(&dm, &up.u.send_to_group);
        check_json(&dm, NULL,
                   "{\"type\":\"message\",\"from\":\"group\",\"group\":\"room\","
                   "\"dataType\":\"text\",\"data\":\"x\"}");
        dm.has_stream = 1;
        dm.stream.stream_id = B("s1");
        dm.stream.stream_sequence_id = 3;
        check_json(&dm, NULL,
                   "{\"type\":\"message\",\"from\":\"group\",\"group\":\"room\","
                   "\"dataType\":\"text\",\"data\":\"x\",\"stream\":{\"streamId\":\"s1\","
                   "\"streamSequenceId\":3}}");
        dm.stream.has_end_of_stream = 1;
        dm.stream.end_of_stream = 1;
        dm.stream.has_error = 1;
        dm.stream.error.name = B("UserError");
        dm.stream.error.message = B("m");
        dm.stream.error.user_error_code = B("E1");
        dm.has_data = 0; /* the last message: no data */
        dm.has_sequence_id = 1;
        dm.sequence_id = 128;
        check_json(&dm, &uid,
                   "{\"sequenceId\":128,\"type\":\"message\",\"from\":\"group\",\"group\":"
                   "\"room\",\"fromUserId\":\"user-\\\"1\\\"\",\"stream\":{\"streamId\":\"s1\","
                   "\"streamSequenceId\":3,\"endOfStream\":true,\"error\":{\"name\":"
                   "\"UserError\",\"message\":\"m\",\"userErrorCode\":\"E1\"}}}");
        dm.stream.end_of_stream = 0;
        dm.stream.error.user_error_code.len = 0;
        dm.has_data = 1;
        dm.data.kind = WPS_DATA_NONE;
        check_json(&dm, NULL,
                   "{\"sequenceId\":128,\"type\":\"message\",\"from\":\"group\",\"group\":"
                   "\"room\",\"stream\":{\"streamId\":\"s1\",\"streamSequenceId\":3,"
                   "\"endOfStream\":false,\"error\":{\"name\":\"UserError\",\"message\":\"m\"}}}");
    }

    /* every sequence id width */
    for (i = 0; i < NSEQ; i++) {
        wps_data d;
        test_context("json seq %zu", i);
        memset(&d, 0, sizeof d);
        d.kind = WPS_DATA_TEXT;
        d.bytes = B("t");
        wps_server_message(&dm, &d);
        dm.has_sequence_id = 1;
        dm.sequence_id = seqs[i];
        snprintf(want, sizeof want,
                 "{\"sequenceId\":%llu,\"type\":\"message\",\"from\":\"server\",\"dataType\":"
                 "\"text\",\"data\":\"t\"}",
                 (unsigned long long)seqs[i]);
        check_json(&dm, NULL, want);
        {
            char digits[32];
            size_t h = wps_json_client_seq_head(seqs[i], tmp);
            snprintf(digits, sizeof digits, "%llu", (unsigned long long)seqs[i]);
            CHECK_EQ(h, 15 + strlen(digits));
            CHECK_MEM(tmp, h, want, h);
        }
    }

    /* refusals */
    {
        wps_data d;
        size_t n;
        uint8_t out[256];
        test_context("json refusals");
        memset(&d, 0, sizeof d);
        d.kind = WPS_DATA_JSON;
        d.bytes = B("{\"a\":1,}");
        wps_server_message(&dm, &d);
        CHECK_STATUS(wps_json_client_size(&dm, NULL, &n), PBW_E_JSON);
        CHECK_EQ(n, 0);
        CHECK_STATUS(wps_json_client_write(&dm, NULL, out, sizeof out, &n), PBW_E_JSON);
        d.bytes = B("");
        dm.data = d;
        CHECK_STATUS(wps_json_client_size(&dm, NULL, &n), PBW_E_JSON);
        d.kind = WPS_DATA_TEXT;
        d.bytes = B("bad \xc0\xaf utf-8");
        dm.data = d;
        CHECK_STATUS(wps_json_client_size(&dm, NULL, &n), PBW_E_UTF8);
        d.bytes = B("fine");
        dm.data = d;
        dm.has_group = 1;
        dm.group = B("\xed\xa0\x80"); /* a surrogate */
        CHECK_STATUS(wps_json_client_write(&dm, NULL, out, sizeof out, &n), PBW_E_UTF8);
        dm.has_group = 0;
        d.bytes.ptr = NULL; /* not in memory */
        d.bytes.len = 4;
        dm.data = d;
        CHECK_STATUS(wps_json_client_size(&dm, NULL, &n), PBW_E_ARG);
        d.kind = (wps_data_kind)7;
        dm.data = d;
        CHECK_STATUS(wps_json_client_size(&dm, NULL, &n), PBW_E_ARG);
        dm.has_data = 0; /* a bad kind without data is not looked at */
        CHECK_STATUS(wps_json_client_size(&dm, NULL, &n), PBW_OK);
    }
}

/* The validator against a table; the test parser must agree on every
 * accept/reject. */
static void test_json_validate(void)
{
    static const struct {
        const char *doc;
        pbw_status st;
        size_t off; /* (size_t)-1: the document's length */
    } t[] = {
        {"{}", PBW_OK, (size_t)-1},
        {"[]", PBW_OK, (size_t)-1},
        {" \t\r\n{ } \n", PBW_OK, (size_t)-1},
        {"0", PBW_OK, (size_t)-1},
        {"-0", PBW_OK, (size_t)-1},
        {"-0.0e+0", PBW_OK, (size_t)-1},
        {"1E9", PBW_OK, (size_t)-1},
        {"123456789012345678901234567890", PBW_OK, (size_t)-1},
        {"3.25e-10", PBW_OK, (size_t)-1},
        {"\"\"", PBW_OK, (size_t)-1},
        {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\uABCD\\uabcd\"", PBW_OK, (size_t)-1},
        {"\"\\ud800\"", PBW_OK, (size_t)-1},
        {"\"\xc3\xa9\xf0\x9f\x98\x80\"", PBW_OK, (size_t)-1},
        {"\"\x7f\"", PBW_OK, (size_t)-1},
        {"true", PBW_OK, (size_t)-1},
        {"false", PBW_OK, (size_t)-1},
        {"null", PBW_OK, (size_t)-1},
        {"{\"a\":{\"b\":[1,{\"c\":[true,false,null]}]},\"a\":2}", PBW_OK, (size_t)-1},
        {"[[[[[[[[[[]]]]]]]]]]", PBW_OK, (size_t)-1},
        {"{\"\":\"\"}", PBW_OK, (size_t)-1},
        {"[1 , 2 ,3]", PBW_OK, (size_t)-1},
        {"", PBW_E_JSON, 0},
        {"   ", PBW_E_JSON, 3},
        {"{", PBW_E_JSON, 1},
        {"[", PBW_E_JSON, 1},
        {"{]", PBW_E_JSON, 1},
        {"[}", PBW_E_JSON, 1},
        {"[1,]", PBW_E_JSON, 3},
        {"{\"a\":1,}", PBW_E_JSON, 7},
        {"{\"a\" 1}", PBW_E_JSON, 5},
        {"{a:1}", PBW_E_JSON, 1},
        {"{'a':1}", PBW_E_JSON, 1},
        {"{1:1}", PBW_E_JSON, 1},
        {"[1 2]", PBW_E_JSON, 3},
        {"{} {}", PBW_E_JSON, 3},
        {"01", PBW_E_JSON, 1},
        {"-", PBW_E_JSON, 1},
        {"+1", PBW_E_JSON, 0},
        {".5", PBW_E_JSON, 0},
        {"1.", PBW_E_JSON, 2},
        {"1.e5", PBW_E_JSON, 2},
        {"1e", PBW_E_JSON, 2},
        {"1e+", PBW_E_JSON, 3},
        {"0x10", PBW_E_JSON, 1},
        {"NaN", PBW_E_JSON, 0},
        {"Infinity", PBW_E_JSON, 0},
        {"-Infinity", PBW_E_JSON, 1},
        {"tru", PBW_E_JSON, 3},
        {"True", PBW_E_JSON, 0},
        {"nul", PBW_E_JSON, 3},
        {"nulll", PBW_E_JSON, 4},
        {"\"abc", PBW_E_JSON, 4},
        {"\"a\nb\"", PBW_E_JSON, 2},
        {"\"a\tb\"", PBW_E_JSON, 2},
        {"\"\\x\"", PBW_E_JSON, 2},
        {"\"\\u12\"", PBW_E_JSON, 5},
        {"\"\\u12G4\"", PBW_E_JSON, 5},
        {"\"\\", PBW_E_JSON, 2},
        {"'a'", PBW_E_JSON, 0},
        {"[1]//c", PBW_E_JSON, 3},
        {"/*c*/1", PBW_E_JSON, 0},
        {"\xef\xbb\xbf{}", PBW_E_JSON, 0},
        {"\x0b{}", PBW_E_JSON, 0},
        {"{}\x0c", PBW_E_JSON, 2},
        {"\"\xc0\xaf\"", PBW_E_UTF8, 1},
        {"\"\xed\xa0\x80\"", PBW_E_UTF8, 1},
        {"\"\xf4\x90\x80\x80\"", PBW_E_UTF8, 1},
        {"\"\xe2\x82\"", PBW_E_UTF8, 1},
        {"[1,\xff]", PBW_E_UTF8, 3},
        {"xx\xff", PBW_E_UTF8, 2},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t n = strlen(t[i].doc), off = 12345, want_off = t[i].off == (size_t)-1 ? n : t[i].off;
        jv v;
        int parsed;
        test_context("validate %zu: %s", i, t[i].doc);
        CHECK_STATUS(wps_json_validate((const uint8_t *)t[i].doc, n, &off), t[i].st);
        CHECK_EQ(off, want_off);
        parsed = json_parse(t[i].doc, n, &v);
        CHECK_EQ(parsed, t[i].st == PBW_OK);
        if (parsed)
            jv_free(&v);
        if (emit) {
            fprintf(emit, "V\t%d\t", t[i].st == PBW_OK);
            emit_hex((const uint8_t *)t[i].doc, n);
            fputc('\n', emit);
        }
    }
    CHECK_STATUS(wps_json_validate(NULL, 0, NULL), PBW_E_JSON);

    /* depth: exactly the limit, and one more */
    {
        size_t d = WPS_JSON_MAX_DEPTH, n = 2 * d + 2, off;
        char *s = malloc(n);
        jv v;
        if (!s)
            abort();
        memset(s, '[', d);
        memset(s + d, ']', d);
        test_context("validate depth");
        CHECK_STATUS(wps_json_validate((const uint8_t *)s, 2 * d, &off), PBW_OK);
        CHECK(json_parse(s, 2 * d, &v));
        jv_free(&v);
        memset(s, '[', d + 1);
        memset(s + d + 1, ']', d + 1);
        CHECK_STATUS(wps_json_validate((const uint8_t *)s, n, &off), PBW_E_DEPTH);
        CHECK_EQ(off, d);
        free(s);
        /* objects count too: {"a":{"a":...  */
        s = malloc(5 * (d + 1));
        if (!s)
            abort();
        for (n = 0; n <= d; n++)
            memcpy(s + 5 * n, "{\"a\":", 5);
        CHECK_STATUS(wps_json_validate((const uint8_t *)s, 5 * (d + 1), &off), PBW_E_DEPTH);
        CHECK_EQ(off, 5 * d);
        free(s);
    }

    /* every truncation of a valid document is refused, never read past */
    {
        const char *doc = "{\"k\":[1.5e3,\"s\\u00e9\\n\",true,null,{\"x\":-0}]}";
        size_t n = strlen(doc), k;
        test_context("validate truncations");
        for (k = 0; k < n; k++) {
            uint8_t *cut = malloc(k ? k : 1);
            if (!cut)
                abort();
            memcpy(cut, doc, k);
            CHECK(wps_json_validate(cut, k, NULL) != PBW_OK);
            free(cut);
        }
    }
}

/* ------------------------------------------------------------------------
 * 3 and 4. plain frames, CloudEvents
 * ------------------------------------------------------------------------ */

static size_t gather(const wps_body *b, uint8_t *out)
{
    size_t i, at = 0;
    for (i = 0; i < b->niov; i++) {
        CHECK(b->iov[i].len > 0);
        memcpy(out + at, b->iov[i].ptr, b->iov[i].len);
        at += b->iov[i].len;
    }
    CHECK_EQ(at, b->len);
    return at;
}

static void test_bodies(void)
{
    static const struct {
        int payload;
        wps_frame_type frame;
        const char *ct;
    } t[] = {{P_TEXT, WPS_FRAME_TEXT, "text/plain"},
             {P_TEXT0, WPS_FRAME_TEXT, "text/plain"},
             {P_BIN, WPS_FRAME_BINARY, "application/octet-stream"},
             {P_BIN0, WPS_FRAME_BINARY, "application/octet-stream"},
             {P_JSON, WPS_FRAME_TEXT, "application/json"},
             {P_ANY, WPS_FRAME_BINARY, "application/x-protobuf"},
             {P_ANY_NOVALUE, WPS_FRAME_BINARY, "application/x-protobuf"},
             {P_ANY_NOURL, WPS_FRAME_BINARY, "application/x-protobuf"},
             {P_ANY0, WPS_FRAME_BINARY, "application/x-protobuf"}};
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        wps_send_to_group s;
        wps_body b;
        uint8_t head[WPS_BODY_HEAD_MAX], out[2048], frame[4096];
        size_t n, fn;
        wps_upstream up, dec;
        test_context("body %d", t[i].payload);
        memset(&s, 0, sizeof s);
        set_payload(&s, t[i].payload);
        /* from a decoded frame, so the views must point into it */
        memset(&up, 0, sizeof up);
        up.kind = WPS_UP_SEND_TO_GROUP;
        up.u.send_to_group = s;
        CHECK_STATUS(wps_upstream_encode(&up, frame, sizeof frame, &fn), PBW_OK);
        CHECK_STATUS(wps_upstream_decode(frame, fn, &dec, 0, NULL), PBW_OK);
        CHECK_STATUS(wps_body_of(&dec.u.send_to_group.data, head, &b), PBW_OK);
        CHECK_EQ(b.frame, t[i].frame);
        CHECK_VIEW(b.content_type, t[i].ct);
        CHECK(b.content_type.ptr[b.content_type.len] == 0);
        n = gather(&b, out);
        if (s.data.kind == WPS_DATA_PROTOBUF) {
            /* the serialised Any: libprotobuf's canonical Any bytes, as our
             * encoder wrote them in the MessageData (1a L <Any>): its tail */
            size_t k = dec.u.send_to_group.data.raw.len;
            CHECK_MEM(out, n, dec.u.send_to_group.data.raw.ptr + (k - n), n);
            for (k = 0; k < b.niov; k++)
                CHECK(inside(b.iov[k].ptr, b.iov[k].len, frame, fn) ||
                      inside(b.iov[k].ptr, b.iov[k].len, head, sizeof head));
        } else {
            CHECK_MEM(out, n, s.data.bytes.ptr, s.data.bytes.len);
            if (n)
                CHECK(b.iov[0].ptr == dec.u.send_to_group.data.bytes.ptr);
        }
    }
    /* Microsoft's example: what a raw client and the event handler get */
    {
        wps_data d;
        wps_body b;
        uint8_t head[WPS_BODY_HEAD_MAX], out[128], want[128];
        size_t n, wn;
        test_context("body doc example");
        memset(&d, 0, sizeof d);
        d.kind = WPS_DATA_PROTOBUF;
        d.type_url = B("type.googleapis.com/azure.webpubsub.TestMessage");
        d.bytes = BN("\x08\x01", 2);
        CHECK_STATUS(wps_body_of(&d, head, &b), PBW_OK);
        n = gather(&b, out);
        wn = unhex("0a2f747970652e676f6f676c65617069732e636f6d2f617a7572652e77656270756273"
                   "75622e546573744d65737361676512020801", want);
        CHECK_MEM(out, n, want, wn);
        CHECK_EQ(b.niov, 4);
        d.kind = WPS_DATA_NONE;
        CHECK_STATUS(wps_body_of(&d, head, &b), PBW_E_ARG);
        CHECK_EQ(b.niov, 0);
        d.kind = (wps_data_kind)5;
        CHECK_STATUS(wps_body_of(&d, head, &b), PBW_E_ARG);
    }
}

static void test_cloudevents(void)
{
    static const char want[] =
        "WebHook-Request-Origin: abc.webpubsub.azure.com\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 17\r\n"
        "ce-specversion: 1.0\r\n"
        "ce-type: azure.webpubsub.user.order\r\n"
        "ce-source: /hubs/hub1/client/conn-1\r\n"
        "ce-id: 7\r\n"
        "ce-time: 2021-01-01T00:00:00Z\r\n"
        "ce-signature: sha256=aa,sha256=bb\r\n"
        "ce-userId: alice\r\n"
        "ce-connectionId: conn-1\r\n"
        "ce-hub: hub1\r\n"
        "ce-eventName: order\r\n"
        "ce-subprotocol: protobuf.webpubsub.azure.v1\r\n"
        "ce-connectionState: eyJrZXkiOiJhIn0=\r\n";
    static const char minimal[] =
        "Content-Type: application/octet-stream\r\n"
        "Content-Length: 3\r\n"
        "ce-specversion: 1.0\r\n"
        "ce-type: azure.webpubsub.user.ev%C3%A9\r\n"
        "ce-source: /hubs/h/client/c\r\n"
        "ce-id: 1\r\n"
        "ce-time: t\r\n"
        "ce-connectionId: c\r\n"
        "ce-hub: h\r\n"
        "ce-eventName: ev%C3%A9\r\n";
    /* EventMessage{event "order", data{json_data {"hello":"world"}}, ack_id 3} */
    uint8_t frame[64], out[1024], head[WPS_BODY_HEAD_MAX];
    size_t n = unhex("2a 1e 0a056f72646572 1213 2211 7b2268656c6c6f223a22776f726c64227d 1803",
                     frame),
           w, need, cap;
    wps_upstream up;
    wps_cloudevent_conn c;
    wps_body b;

    test_context("cloudevents");
    CHECK_STATUS(wps_upstream_decode(frame, n, &up, 0, NULL), PBW_OK);
    CHECK_STATUS(wps_body_of(&up.u.event.data, head, &b), PBW_OK);
    memset(&c, 0, sizeof c);
    c.hub = B("hub1");
    c.connection_id = B("conn-1");
    c.user_id = B("alice");
    c.event_id = B("7");
    c.time = B("2021-01-01T00:00:00Z");
    c.signature = B("sha256=aa,sha256=bb");
    c.subprotocol = B("protobuf.webpubsub.azure.v1");
    c.connection_state = B("eyJrZXkiOiJhIn0=");
    c.origin = B("abc.webpubsub.azure.com");
    CHECK_STATUS(wps_cloudevent_headers(&c, up.u.event.event, &b, out, sizeof out, &w), PBW_OK);
    CHECK_MEM(out, w, want, sizeof want - 1);
    CHECK_EQ(b.len, 17);
    CHECK(b.iov[0].ptr == frame + 13); /* the body is the sender's bytes */
    for (cap = 0; cap < w; cap++) {
        memset(out, 0x77, sizeof out);
        CHECK_STATUS(wps_cloudevent_headers(&c, up.u.event.event, &b, out, cap, &need),
                     PBW_E_NOSPACE);
        CHECK_EQ(need, w);
        CHECK(out[0] == 0x77);
    }
    CHECK_STATUS(wps_cloudevent_headers(&c, up.u.event.event, &b, NULL, 0, &need),
                 PBW_E_NOSPACE);

    /* the optional headers left out; non-ASCII is percent-encoded (the
     * CloudEvents HTTP binding, 3.1.3.2) */
    {
        wps_data d;
        memset(&d, 0, sizeof d);
        d.kind = WPS_DATA_BINARY;
        d.bytes = BN("\x01\x02\x03", 3);
        CHECK_STATUS(wps_body_of(&d, head, &b), PBW_OK);
        memset(&c, 0, sizeof c);
        c.hub = B("h");
        c.connection_id = B("c");
        c.event_id = B("1");
        c.time = B("t");
        CHECK_STATUS(wps_cloudevent_headers(&c, B("ev\xc3\xa9"), &b, out, sizeof out, &w),
                     PBW_OK);
        CHECK_MEM(out, w, minimal, sizeof minimal - 1);
    }

    /* header injection is refused */
    CHECK_STATUS(wps_cloudevent_headers(&c, B("a\r\nX-Evil: 1"), &b, out, sizeof out, &w),
                 PBW_E_ARG);
    CHECK_EQ(w, 0);
    CHECK_STATUS(wps_cloudevent_headers(&c, B("a\nb"), &b, out, sizeof out, &w), PBW_E_ARG);
    CHECK_STATUS(wps_cloudevent_headers(&c, BN("a\0b", 3), &b, out, sizeof out, &w), PBW_E_ARG);
    CHECK_STATUS(wps_cloudevent_headers(&c, B("a\x7f"), &b, out, sizeof out, &w), PBW_E_ARG);
    /* a tab is a control character, which no CloudEvents String holds */
    CHECK_STATUS(wps_cloudevent_headers(&c, B("tab\tno"), &b, out, sizeof out, &w), PBW_E_ARG);
    c.connection_state = B("x\r\ny");
    CHECK_STATUS(wps_cloudevent_headers(&c, B("e"), &b, out, sizeof out, &w), PBW_E_ARG);
    c.connection_state = B("");
    c.user_id = B("\x01");
    CHECK_STATUS(wps_cloudevent_headers(&c, B("e"), &b, out, sizeof out, &w), PBW_E_ARG);
    c.user_id = B("");
    b.content_type.len = 0;
    CHECK_STATUS(wps_cloudevent_headers(&c, B("e"), &b, out, sizeof out, &w), PBW_E_ARG);
}

/* Every payload kind for every receiver kind, from one decoded message. */
static void test_every_kind_every_receiver(void)
{
    static const struct {
        int payload;
        const char *json_data;      /* what the json client's dataType/data read */
        wps_frame_type frame;
        const char *ct;
    } t[] = {
        {P_TEXT, "\"dataType\":\"text\",\"data\":\"hello, group\"", WPS_FRAME_TEXT,
         "text/plain"},
        {P_JSON, "\"dataType\":\"json\",\"data\":{\"a\":[1,2,{\"b\":null}]}", WPS_FRAME_TEXT,
         "application/json"},
        {P_BIN0, "\"dataType\":\"binary\",\"data\":\"\"", WPS_FRAME_BINARY,
         "application/octet-stream"},
        {P_ANY, "\"dataType\":\"protobuf\",\"data\":\"Ci90eXBlLmdvb2dsZWFwaXMuY29tL2F6dXJlLndl"
                "YnB1YnN1Yi5UZXN0TWVzc2FnZRICCAE=\"",
         WPS_FRAME_BINARY, "application/x-protobuf"},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        wps_upstream up, dec;
        wps_data_message dm;
        wps_body b;
        uint8_t frame[256], head[WPS_BODY_HEAD_MAX];
        char want[512];
        size_t n;
        test_context("every receiver, payload %d", t[i].payload);
        memset(&up, 0, sizeof up);
        up.kind = WPS_UP_SEND_TO_GROUP;
        up.u.send_to_group.group = B("g");
        set_payload(&up.u.send_to_group, t[i].payload);
        CHECK_STATUS(wps_upstream_encode(&up, frame, sizeof frame, &n), PBW_OK);
        CHECK_STATUS(wps_upstream_decode(frame, n, &dec, 0, NULL), PBW_OK);
        wps_group_message(&dm, &dec.u.send_to_group);
        check_fanout(&dm, frame, n, NULL, 1);                                /* protobuf */
        snprintf(want, sizeof want, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",%s}",
                 t[i].json_data);
        check_json(&dm, NULL, want);                                         /* json */
        CHECK_STATUS(wps_body_of(&dm.data, head, &b), PBW_OK);               /* plain, CE */
        CHECK_EQ(b.frame, t[i].frame);
        CHECK_VIEW(b.content_type, t[i].ct);
    }
}

void suite_service(void)
{
    test_fanout_matrix();
    test_fanout_noncanonical();
    test_fanout_streamed();
    test_fanout_misc();
    test_json_render();
    test_json_validate();
    test_bodies();
    test_cloudevents();
    test_every_kind_every_receiver();
}

#ifdef WPS_SERVICE_STANDALONE
/* This suite alone (linked with tests/harness.c). */
int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--emit") == 0 && !(emit = fopen(argv[2], "w"))) {
        perror(argv[2]);
        return 2;
    }
    suite_service();
    if (emit)
        fclose(emit);
    printf("service    %lu passed, %lu failed\n", test_passed, test_failed);
    printf("%lu passed, %lu failed\n", test_passed, test_failed);
    return test_failed != 0;
}
#endif
