/* SPDX-License-Identifier: MIT */
/*
 * tests/test_vectors.c - the checked-in vectors made by tests/gen_vectors.py
 * (which checked every one of them against libprotobuf and
 * tests/wire_model.py).  Paths are relative to the repo root, where the
 * runner runs.
 *
 * golden.tsv     dir name hex json canon_hex exact
 *   decode -> PBW_OK at len; JSON (tools/wps_json.c) == json, also with
 *   WPS_DECODE_NO_UTF8; every view points inside the input (zero copy) and
 *   every map / items walk yields `count` entries; size == bytes encoded;
 *   encode == canon_hex when exact; decode(encode) gives the same JSON;
 *   encode into one byte too few -> PBW_E_NOSPACE, needed size, nothing
 *   written; canon_hex decodes to the same JSON and re-encodes to itself.
 * malformed.tsv  dir name hex status offset
 *   decode -> exactly that status and err_offset (len for PBW_OK); on
 *   failure the output is reset (kind NONE); the same status without an
 *   err_offset pointer; with WPS_DECODE_NO_UTF8 the same verdict, except
 *   that a PBW_E_UTF8 row is accepted (the generator checked those rows have
 *   no other error).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "../tools/wps_json.h"

#define GOLDEN_TSV "tests/vectors/golden.tsv"
#define MALFORMED_TSV "tests/vectors/malformed.tsv"

/* ---- one message of either direction ---- */

typedef struct msg {
    int down;
    wps_upstream up;
    wps_downstream dn;
} msg;

static pbw_status msg_decode(msg *m, int down, const uint8_t *buf, size_t len, unsigned flags,
                             size_t *err)
{
    m->down = down;
    /* poison: the decoder must (re)initialise everything it reports */
    memset(&m->up, 0xA5, sizeof m->up);
    memset(&m->dn, 0xA5, sizeof m->dn);
    return down ? wps_downstream_decode(buf, len, &m->dn, flags, err)
                : wps_upstream_decode(buf, len, &m->up, flags, err);
}

static int msg_is_none(const msg *m)
{
    return m->down ? m->dn.kind == WPS_DOWN_NONE : m->up.kind == WPS_UP_NONE;
}

/* The canonical JSON, malloc'd (free it). */
static char *msg_json(const msg *m)
{
    wps_json_buf b = {NULL, 0, 0};
    if (m->down)
        wps_json_downstream(&b, &m->dn);
    else
        wps_json_upstream(&b, &m->up);
    return b.ptr;
}

static size_t msg_size(const msg *m)
{
    return m->down ? wps_downstream_size(&m->dn) : wps_upstream_size(&m->up);
}

static pbw_status msg_encode(const msg *m, uint8_t *dst, size_t cap, size_t *written)
{
    return m->down ? wps_downstream_encode(&m->dn, dst, cap, written)
                   : wps_upstream_encode(&m->up, dst, cap, written);
}

/* ---- zero copy: every view inside the input ---- */

typedef struct span {
    uintptr_t lo, hi;      /* the input buffer [lo, hi) */
    unsigned long views;   /* non-empty views seen */
    unsigned long outside; /* of those, not inside [lo, hi) */
    unsigned long miscount; /* maps / items whose walk disagrees with count */
} span;

static void view(span *s, pbw_bytes v)
{
    uintptr_t p = (uintptr_t)v.ptr;
    if (v.len == 0)
        return;
    s->views++;
    if (v.ptr == NULL || p < s->lo || p >= s->hi || v.len > s->hi - p)
        s->outside++;
}

static void walk_map(span *s, const wps_map *map)
{
    wps_map_iter it;
    wps_kv kv;
    size_t n = 0;
    wps_map_begin(&it, map);
    while (wps_map_next(&it, &kv)) {
        view(s, kv.key);
        view(s, kv.value);
        n++;
    }
    if (n != map->count)
        s->miscount++;
}

static void walk_items(span *s, const wps_items *items)
{
    wps_items_iter it;
    wps_group_state_item item;
    size_t n = 0;
    wps_items_begin(&it, items);
    while (wps_items_next(&it, &item)) {
        view(s, item.connection_id);
        view(s, item.user_id);
        walk_map(s, &item.state.entries);
        n++;
    }
    if (n != items->count)
        s->miscount++;
}

static void walk_data(span *s, const wps_data *d)
{
    view(s, d->bytes);
    view(s, d->type_url);
    view(s, d->raw);
}

static void walk_error(span *s, const wps_error *e)
{
    view(s, e->name);
    view(s, e->message);
}

static void walk_up(span *s, const wps_upstream *m)
{
    switch (m->kind) {
    case WPS_UP_SEND_TO_GROUP:
        view(s, m->u.send_to_group.group);
        walk_data(s, &m->u.send_to_group.data);
        walk_map(s, &m->u.send_to_group.metadata);
        view(s, m->u.send_to_group.stream.stream_id);
        break;
    case WPS_UP_EVENT:
        view(s, m->u.event.event);
        walk_data(s, &m->u.event.data);
        walk_map(s, &m->u.event.metadata);
        view(s, m->u.event.stream.stream_id);
        break;
    case WPS_UP_JOIN_GROUP:
        view(s, m->u.join_group.group);
        break;
    case WPS_UP_LEAVE_GROUP:
        view(s, m->u.leave_group.group);
        break;
    case WPS_UP_SUBSCRIBE_GROUP_STATE:
        view(s, m->u.subscribe_group_state.group);
        break;
    case WPS_UP_UNSUBSCRIBE_GROUP_STATE:
        view(s, m->u.unsubscribe_group_state.group);
        break;
    case WPS_UP_INVOKE_EVENT:
        view(s, m->u.invoke_event.event);
        view(s, m->u.invoke_event.invocation_id);
        walk_data(s, &m->u.invoke_event.data);
        walk_map(s, &m->u.invoke_event.metadata);
        view(s, m->u.invoke_event.stream.stream_id);
        break;
    case WPS_UP_CANCEL_INVOCATION:
        view(s, m->u.cancel_invocation.invocation_id);
        break;
    case WPS_UP_STREAM_DATA:
        view(s, m->u.stream_data.stream_id);
        walk_data(s, &m->u.stream_data.data);
        break;
    case WPS_UP_STREAM_END:
        view(s, m->u.stream_end.stream_id);
        view(s, m->u.stream_end.error.message);
        view(s, m->u.stream_end.error.user_error_code);
        break;
    case WPS_UP_SET_GROUP_STATE:
        view(s, m->u.set_group_state.group);
        walk_map(s, &m->u.set_group_state.state.entries);
        break;
    default: /* none, ping, sequence ack: no views */
        break;
    }
}

static void walk_down(span *s, const wps_downstream *m)
{
    switch (m->kind) {
    case WPS_DOWN_ACK:
        walk_error(s, &m->u.ack.error);
        break;
    case WPS_DOWN_DATA: {
        const wps_data_message *d = &m->u.data;
        view(s, d->from);
        view(s, d->group);
        walk_data(s, &d->data);
        walk_map(s, &d->metadata);
        view(s, d->stream.stream_id);
        view(s, d->stream.error.name);
        view(s, d->stream.error.message);
        view(s, d->stream.error.user_error_code);
        break;
    }
    case WPS_DOWN_SYSTEM:
        if (m->u.system.kind == WPS_SYSTEM_CONNECTED) {
            view(s, m->u.system.u.connected.connection_id);
            view(s, m->u.system.u.connected.user_id);
            view(s, m->u.system.u.connected.reconnection_token);
        } else if (m->u.system.kind == WPS_SYSTEM_DISCONNECTED) {
            view(s, m->u.system.u.disconnected.reason);
        }
        break;
    case WPS_DOWN_INVOKE_RESPONSE:
        view(s, m->u.invoke_response.invocation_id);
        walk_data(s, &m->u.invoke_response.data);
        walk_error(s, &m->u.invoke_response.error);
        walk_map(s, &m->u.invoke_response.metadata);
        break;
    case WPS_DOWN_STREAM_ACK:
        view(s, m->u.stream_ack.stream_id);
        break;
    case WPS_DOWN_STREAM_NACK:
        view(s, m->u.stream_nack.stream_id);
        view(s, m->u.stream_nack.name);
        view(s, m->u.stream_nack.message);
        break;
    case WPS_DOWN_STREAM_CLOSED:
        view(s, m->u.stream_closed.stream_id);
        walk_error(s, &m->u.stream_closed.error);
        break;
    case WPS_DOWN_GROUP_STATE_UPDATE:
        view(s, m->u.group_state_update.group);
        walk_items(s, &m->u.group_state_update.items);
        break;
    case WPS_DOWN_GROUP_STATE_SNAPSHOT:
        view(s, m->u.group_state_snapshot.group);
        walk_items(s, &m->u.group_state_snapshot.items);
        break;
    default: /* none, pong: no views */
        break;
    }
}

static void check_json_at(int line, const char *what, const char *got, const char *want)
{
    if (got != NULL && strcmp(got, want) == 0)
        test_passed++;
    else
        test_fail_at(__FILE__, line, "%s\n    got  %s\n    want %s", what, got ? got : "(null)",
                     want);
}
#define CHECK_JSON(what, got, want) check_json_at(__LINE__, what, got, want)

static void hex_of(char *out, size_t cap, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t i, o = 0;
    for (i = 0; i < n && o + 6 < cap; i++) {
        out[o++] = digits[p[i] >> 4];
        out[o++] = digits[p[i] & 15];
    }
    if (i < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

static void check_bytes_at(int line, const char *what, const uint8_t *got, size_t glen,
                           const uint8_t *want, size_t wlen)
{
    char g[330], w[330];
    if (glen == wlen && (glen == 0 || memcmp(got, want, glen) == 0)) {
        test_passed++;
        return;
    }
    hex_of(g, sizeof g, got, glen);
    hex_of(w, sizeof w, want, wlen);
    test_fail_at(__FILE__, line, "%s\n    got  %s (%zu bytes)\n    want %s (%zu bytes)", what, g,
                 glen, w, wlen);
}
#define CHECK_BYTES(what, got, glen, want, wlen) check_bytes_at(__LINE__, what, got, glen, want, wlen)

/* ---- golden ---- */

static unsigned long golden_rows, golden_views;

static void golden_one(int down, const char *name, const char *hex, const char *json,
                       const char *canon_hex, int exact)
{
    size_t len, clen, err = 12345, size, written, i;
    uint8_t *in = test_unhex_alloc(hex, &len), *canon = test_unhex_alloc(canon_hex, &clen);
    uint8_t *enc = NULL, *small = NULL;
    msg m, m2;
    char *js = NULL, *js2 = NULL;
    span s;
    pbw_status st;

    test_context("golden %s", name);
    golden_rows++;

    st = msg_decode(&m, down, in, len, 0, &err);
    CHECK_STATUS(st, PBW_OK);
    if (st != PBW_OK) {
        test_fail_at(__FILE__, __LINE__, "rejected at offset %zu: %s", err, hex);
        goto out;
    }
    CHECK_EQ(err, len);
    js = msg_json(&m);
    CHECK_JSON("decoded JSON", js, json);

    /* zero copy: every string / bytes view (maps and items included) lies
     * inside the input; every walk yields its count */
    s.lo = (uintptr_t)in;
    s.hi = (uintptr_t)in + len;
    s.views = s.outside = s.miscount = 0;
    if (down)
        walk_down(&s, &m.dn);
    else
        walk_up(&s, &m.up);
    CHECK_EQ(s.outside, 0);
    CHECK_EQ(s.miscount, 0);
    golden_views += s.views;

    /* without UTF-8 checks: the same message */
    err = 12345;
    CHECK_STATUS(msg_decode(&m2, down, in, len, WPS_DECODE_NO_UTF8, &err), PBW_OK);
    CHECK_EQ(err, len);
    js2 = msg_json(&m2);
    CHECK_JSON("JSON with WPS_DECODE_NO_UTF8", js2, json);
    free(js2);
    js2 = NULL;

    /* size and encode */
    size = msg_size(&m);
    enc = malloc(size ? size : 1);
    if (enc == NULL)
        abort();
    written = 0;
    CHECK_STATUS(msg_encode(&m, enc, size, &written), PBW_OK);
    CHECK_EQ(written, size);
    if (exact)
        CHECK_BYTES("encoding of the decoded message", enc, written, canon, clen);

    /* one byte too few: PBW_E_NOSPACE, the size needed, nothing written */
    if (size > 0) {
        small = malloc(size);
        if (small == NULL)
            abort();
        memset(small, 0x5A, size);
        written = 0;
        CHECK_STATUS(msg_encode(&m, small, size - 1, &written), PBW_E_NOSPACE);
        CHECK_EQ(written, size);
        for (i = 0; i < size - 1 && small[i] == 0x5A; i++)
            ;
        CHECK_EQ(i, size - 1);
    }

    /* semantic round trip: decode(encode(decoded)) is the same message */
    err = 12345;
    CHECK_STATUS(msg_decode(&m2, down, enc, size, 0, &err), PBW_OK);
    CHECK_EQ(err, size);
    js2 = msg_json(&m2);
    CHECK_JSON("JSON after encode and decode", js2, json);
    free(js2);
    js2 = NULL;

    /* libprotobuf's canonical bytes: the same message, re-encoded exactly */
    err = 12345;
    CHECK_STATUS(msg_decode(&m2, down, canon, clen, 0, &err), PBW_OK);
    CHECK_EQ(err, clen);
    js2 = msg_json(&m2);
    CHECK_JSON("JSON of canon_hex", js2, json);
    size = msg_size(&m2);
    CHECK_EQ(size, clen);
    free(enc);
    enc = malloc(size ? size : 1);
    if (enc == NULL)
        abort();
    written = 0;
    CHECK_STATUS(msg_encode(&m2, enc, size, &written), PBW_OK);
    CHECK_BYTES("re-encoding of canon_hex", enc, written, canon, clen);

out:
    free(js);
    free(js2);
    free(enc);
    free(small);
    free(in);
    free(canon);
}

static void golden_row(void *ctx, char **cols, int ncols, const char *where)
{
    int down;
    (void)ctx;
    (void)ncols;
    if (!test_parse_dir(cols[0], &down) || (strcmp(cols[5], "0") && strcmp(cols[5], "1"))) {
        test_fail_at(__FILE__, __LINE__, "%s: malformed row", where);
        return;
    }
    golden_one(down, cols[1], cols[2], cols[3], cols[4], cols[5][0] == '1');
}

static void golden_file(void)
{
    test_each_row(GOLDEN_TSV, 6, golden_row, NULL);
    test_context("golden file");
    CHECK(golden_rows > 0);
    CHECK(golden_views > 0); /* the zero-copy walk saw real views */
}

/* ---- malformed ---- */

static unsigned long malformed_rows;

static void malformed_one(int down, const char *name, const char *hex, pbw_status want,
                          size_t want_off)
{
    size_t len, err = 12345;
    uint8_t *in = test_unhex_alloc(hex, &len);
    msg m;
    pbw_status st;

    test_context("malformed %s", name);
    malformed_rows++;

    st = msg_decode(&m, down, in, len, 0, &err);
    CHECK_STATUS(st, want);
    CHECK_EQ(err, want_off);
    if (want != PBW_OK) {
        CHECK(msg_is_none(&m)); /* reset on failure */
    } else {
        CHECK_EQ(err, len);
    }

    /* no err_offset pointer: the same verdict */
    CHECK_STATUS(msg_decode(&m, down, in, len, 0, NULL), want);

    /* without UTF-8 checks: accepted when UTF-8 was the only problem,
     * otherwise the same status and offset */
    err = 12345;
    st = msg_decode(&m, down, in, len, WPS_DECODE_NO_UTF8, &err);
    if (want == PBW_E_UTF8) {
        CHECK_STATUS(st, PBW_OK);
        CHECK_EQ(err, len);
    } else {
        CHECK_STATUS(st, want);
        CHECK_EQ(err, want_off);
    }
    free(in);
}

static void malformed_row(void *ctx, char **cols, int ncols, const char *where)
{
    int down;
    pbw_status want;
    unsigned long long off;
    char *end;
    (void)ctx;
    (void)ncols;
    if (!test_parse_dir(cols[0], &down) || !test_status_from_name(cols[3], &want)) {
        test_fail_at(__FILE__, __LINE__, "%s: malformed row", where);
        return;
    }
    off = strtoull(cols[4], &end, 10);
    if (end == cols[4] || *end != '\0') {
        test_fail_at(__FILE__, __LINE__, "%s: bad offset", where);
        return;
    }
    malformed_one(down, cols[1], cols[2], want, (size_t)off);
}

static void malformed_file(void)
{
    test_each_row(MALFORMED_TSV, 5, malformed_row, NULL);
    test_context("malformed file");
    CHECK(malformed_rows > 0);
}

/* The zero-copy walk itself must be able to fail: a view just outside the
 * buffer, one straddling its end and a NULL one with a length count as
 * outside; views inside and empty views do not. */
static pbw_bytes bytes_at(const uint8_t *p, size_t n)
{
    pbw_bytes v;
    v.ptr = p;
    v.len = n;
    return v;
}

static void span_self_test(void)
{
    static const uint8_t buf[8] = {0};
    span s;
    test_context("zero-copy walk self-test");
    s.lo = (uintptr_t)buf + 2;
    s.hi = (uintptr_t)buf + 6;
    s.views = s.outside = s.miscount = 0;
    view(&s, bytes_at(buf + 2, 4));
    view(&s, bytes_at(buf + 5, 1));
    view(&s, bytes_at(NULL, 0));
    CHECK_EQ(s.outside, 0);
    view(&s, bytes_at(buf + 1, 1)); /* before */
    view(&s, bytes_at(buf + 6, 1)); /* just after */
    view(&s, bytes_at(buf + 4, 3)); /* straddles the end */
    view(&s, bytes_at(NULL, 1));
    CHECK_EQ(s.outside, 4);
    CHECK_EQ(s.views, 6);
}

void suite_vectors(void)
{
    golden_rows = golden_views = malformed_rows = 0;
    span_self_test();
    golden_file();
    malformed_file();
    test_context("");
}
