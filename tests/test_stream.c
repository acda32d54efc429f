/* SPDX-License-Identifier: MIT */
/*
 * tests/test_stream.c - the streaming decoder against the one-shot decoder,
 * and the payload-streaming (split) encoder against the one-shot encoder.
 *
 * Every golden and malformed vector is streamed split at every byte into
 * two chunks, one byte at a time with empty calls in between, and in random
 * chunkings with empty and NULL chunks; with the length declared and with
 * it unknown (finish).  The result must be the one-shot result: the same
 * status and offset, or the same JSON once the payload is reassembled from
 * the events, as a caller would.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "../tools/wps_json.h"

#define GOLDEN_TSV "tests/vectors/golden.tsv"
#define MALFORMED_TSV "tests/vectors/malformed.tsv"

typedef union any_msg {
    wps_upstream up;
    wps_downstream down;
} any_msg;

typedef struct result {
    pbw_status st;
    uint64_t off;
    char *json; /* malloc'd, on success */
} result;

static result one_shot(int down, const uint8_t *in, size_t n)
{
    result r;
    any_msg m;
    size_t off = 0;
    r.st = down ? wps_downstream_decode(in, n, &m.down, 0, &off)
                : wps_upstream_decode(in, n, &m.up, 0, &off);
    r.off = off;
    r.json = r.st == PBW_OK ? wps_json_of(down, &m) : NULL;
    return r;
}

/* What a caller keeps of the payload events. */
typedef struct sink {
    uint8_t *buf;
    size_t len, cap;
    uint64_t expect;
    wps_data *data; /* NULL: no payload held */
    int ended;
    const uint8_t *scratch; /* chunks point into the input or into this */
    size_t scratch_cap;
    int collect_all; /* WPS_STREAM_COLLECT with room for everything: no payload events */
} sink;

/* Checks one event against the rules of the header; returns 1 at
 * MESSAGE_END. */
static int on_event(sink *k, const wps_stream_event *ev, const uint8_t *in, size_t n)
{
    if (k->collect_all)
        CHECK(ev->type == WPS_EV_MESSAGE_END);
    switch (ev->type) {
    case WPS_EV_PAYLOAD_BEGIN: /* a new payload, with the bytes at hand */
        k->len = 0;
        k->expect = ev->remaining;
        k->data = ev->data;
        k->ended = 0;
        CHECK(ev->data != NULL && ev->kind >= WPS_DATA_TEXT && ev->kind <= WPS_DATA_JSON);
        CHECK(ev->chunk.len <= ev->remaining);
        if (ev->chunk.len == 0) {
            CHECK(ev->chunk.ptr == NULL);
            break;
        }
        /* fall through - append its bytes */
    case WPS_EV_PAYLOAD_CHUNK:
        CHECK(k->data != NULL && ev->data == k->data && !k->ended);
        CHECK(ev->chunk.len > 0 &&
              ((ev->chunk.ptr >= in && ev->chunk.ptr + ev->chunk.len <= in + n) ||
               (ev->chunk.ptr >= k->scratch &&
                ev->chunk.ptr + ev->chunk.len <= k->scratch + k->scratch_cap)));
        if (k->len + ev->chunk.len > k->cap) {
            k->cap = (k->len + ev->chunk.len) * 2;
            k->buf = realloc(k->buf, k->cap);
            if (!k->buf)
                abort();
        }
        memcpy(k->buf + k->len, ev->chunk.ptr, ev->chunk.len);
        k->len += ev->chunk.len;
        break;
    case WPS_EV_PAYLOAD_END:
        CHECK(k->data != NULL && ev->data == k->data && k->len == k->expect);
        k->ended = 1;
        break;
    case WPS_EV_PAYLOAD_DISCARD:
        k->len = 0;
        k->data = NULL;
        break;
    case WPS_EV_MESSAGE_END:
        if (k->data) {
            /* the struct says "streamed": no bytes, the right length */
            CHECK(k->ended && k->data->bytes.ptr == NULL && k->data->bytes.len == k->len);
            k->data->bytes.ptr = k->len ? k->buf : NULL;
        }
        return 1;
    default:
        CHECK(!"unknown event type");
    }
    return 0;
}

typedef struct plan {
    const size_t *cuts; /* chunk ends, ascending, the last == n */
    size_t ncuts;
    int known;          /* declare the length */
    int empty_calls;    /* an empty and a NULL call after every chunk */
    size_t scratch;     /* scratch capacity */
    unsigned flags;     /* 0 or WPS_STREAM_COLLECT */
    uint64_t declared;  /* when known: the declared length (n, or more: cut short) */
    int valid;          /* the input is a valid message */
} plan;

static result streamed(int down, const uint8_t *in, size_t n, const plan *pl)
{
    result r;
    any_msg m;
    wps_stream s;
    wps_stream_event ev;
    sink k;
    uint8_t *scratch = malloc(pl->scratch ? pl->scratch : 1);
    size_t start = 0, i;
    int done = 0;
    pbw_status st = PBW_NEED_MORE;
    uint64_t total = pl->known ? (pl->declared ? pl->declared : n) : WPS_LEN_UNKNOWN;

    memset(&k, 0, sizeof k);
    k.scratch = scratch;
    k.scratch_cap = pl->scratch;
    /* a scratch buffer as large as the frame holds every payload too */
    k.collect_all = (pl->flags & WPS_STREAM_COLLECT) && pl->scratch >= n && pl->valid;
    memset(&m, 0xA5, sizeof m);
    if (down)
        wps_stream_init_downstream(&s, &m.down, scratch, pl->scratch, total, pl->flags);
    else
        wps_stream_init_upstream(&s, &m.up, scratch, pl->scratch, total, pl->flags);
    for (i = 0; i < pl->ncuts && !done; i++) {
        const uint8_t *p = in + start, *end = in + pl->cuts[i];
        int call;
        for (call = 0; call < (pl->empty_calls ? 3 : 1) && !done; call++) {
            const uint8_t *q = p, *qend = end;
            if (call == 1)
                q = qend = end; /* an empty chunk */
            if (call == 2)
                q = qend = NULL; /* no chunk at all */
            while ((st = wps_stream_next(&s, &q, qend, &ev)) == PBW_OK)
                if (on_event(&k, &ev, in, n)) {
                    done = 1;
                    break;
                }
            if (call == 0) {
                /* NEED_MORE means everything was consumed */
                if (st == PBW_NEED_MORE)
                    CHECK(q == end);
                p = q;
            }
            if (st != PBW_OK && st != PBW_NEED_MORE)
                break;
        }
        if (st != PBW_OK && st != PBW_NEED_MORE)
            break;
        start = pl->cuts[i];
    }
    if (!done && (st == PBW_OK || st == PBW_NEED_MORE)) {
        for (;;) {
            st = pl->known ? wps_stream_next(&s, NULL, NULL, &ev) : wps_stream_finish(&s, &ev);
            if (st != PBW_OK || on_event(&k, &ev, in, n))
                break;
        }
        if (pl->known && st == PBW_NEED_MORE)
            st = wps_stream_finish(&s, &ev); /* every byte fed, yet not done */
    }
    r.st = st;
    r.off = st == PBW_OK ? n : wps_stream_offset(&s);
    r.json = st == PBW_OK ? wps_json_of(down, &m) : NULL;
    if (st != PBW_OK) {
        wps_stream_event again;
        /* sticky, and the message is reset */
        CHECK_STATUS(wps_stream_next(&s, NULL, NULL, &again), st);
        CHECK_STATUS(wps_stream_finish(&s, &again), st);
        CHECK(down ? m.down.kind == WPS_DOWN_NONE : m.up.kind == WPS_UP_NONE);
    } else {
        /* after MESSAGE_END: MESSAGE_END again, nothing consumed */
        const uint8_t *q = in, *qend = in + n;
        CHECK_STATUS(wps_stream_next(&s, &q, qend, &ev), PBW_OK);
        CHECK(ev.type == WPS_EV_MESSAGE_END && q == in);
    }
    free(k.buf);
    free(scratch);
    return r;
}

static unsigned long compared;

static void same(const result *want, const result *got, const char *how)
{
    compared++;
    if (want->st == got->st && want->off == got->off &&
        (want->st != PBW_OK || (got->json && strcmp(want->json, got->json) == 0))) {
        test_passed++;
        return;
    }
    test_fail_at(__FILE__, __LINE__, "%s: one-shot %s@%llu, streamed %s@%llu%s%s%s%s", how,
                 pbw_status_name(want->st), (unsigned long long)want->off,
                 pbw_status_name(got->st), (unsigned long long)got->off,
                 want->json ? "\n  want " : "", want->json ? want->json : "",
                 got->json ? "\n  got  " : "", got->json ? got->json : "");
}

static uint64_t rng_state = 0x243F6A8885A308D3ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Streams one input in every way and compares with the one-shot result. */
static void check_all_ways(int down, const uint8_t *in, size_t n)
{
    result want = one_shot(down, in, n), got;
    size_t *cuts = malloc((n + 2) * 2 * sizeof *cuts), c, i;
    plan pl;
    int known;

    pl.scratch = n; /* the header's promise: as large as the frame is enough */
    pl.flags = 0;
    pl.declared = 0;
    pl.valid = want.st == PBW_OK;
    for (known = 0; known < 4; known++) {
        /* 2, 3: the same splits in WPS_STREAM_COLLECT mode */
        pl.flags = known >= 2 ? WPS_STREAM_COLLECT : 0;
        pl.known = known & 1;
        pl.empty_calls = 0;
        /* one chunk */
        cuts[0] = n;
        pl.cuts = cuts;
        pl.ncuts = 1;
        got = streamed(down, in, n, &pl);
        same(&want, &got, pl.known ? "one chunk, length known" : "one chunk");
        free(got.json);
        if (pl.known && n > 0) {
            /* the same, field by field: a scratch buffer smaller than the
             * frame (it still suffices: the root member's own tag and length
             * are never copied) rules out decoding the frame at once */
            pl.scratch = n - 1;
            got = streamed(down, in, n, &pl);
            same(&want, &got, "one chunk, field by field");
            free(got.json);
            pl.scratch = n;
        }
        /* two chunks, split at every byte */
        for (c = 0; c <= n; c++) {
            cuts[0] = c;
            cuts[1] = n;
            pl.ncuts = 2;
            got = streamed(down, in, n, &pl);
            same(&want, &got, "two chunks");
            free(got.json);
        }
        /* one byte at a time, with empty and NULL calls in between */
        for (i = 0; i < n; i++)
            cuts[i] = i + 1;
        pl.ncuts = n;
        pl.empty_calls = 1;
        got = streamed(down, in, n, &pl);
        same(&want, &got, "byte by byte");
        free(got.json);
        /* random chunk sizes, empty chunks included */
        for (c = 0; c < 4; c++) {
            size_t at = 0;
            pl.ncuts = 0;
            while (at < n) {
                size_t step = rng() % 4 == 0 ? 0 : 1 + (size_t)(rng() % (n / 3 + 2));
                at = at + step > n ? n : at + step;
                cuts[pl.ncuts++] = at;
            }
            if (pl.ncuts == 0)
                cuts[pl.ncuts++] = 0;
            pl.empty_calls = (int)(rng() & 1);
            got = streamed(down, in, n, &pl);
            same(&want, &got, "random chunks");
            free(got.json);
        }
    }
    /* A declared length the input never reaches, collecting: the frame fits
     * the scratch buffer (so it is gathered, then handed to the
     * field-by-field path at finish) or not (field by field from the start);
     * the same error, at every split. */
    pl.known = 1;
    pl.empty_calls = 0;
    pl.flags = WPS_STREAM_COLLECT;
    pl.declared = n + 3;
    for (c = 0; c <= n; c++) {
        result a, b;
        cuts[0] = c;
        cuts[1] = n;
        pl.ncuts = 2;
        pl.scratch = n + 3;
        a = streamed(down, in, n, &pl);
        pl.scratch = n + 2;
        b = streamed(down, in, n, &pl);
        same(&b, &a, "cut short, gathered vs field by field");
        CHECK(a.st != PBW_OK);
        free(a.json);
        free(b.json);
    }
    free(want.json);
    free(cuts);
}

static void vector_row(void *ctx, char **cols, int ncols, const char *where)
{
    int down;
    size_t n;
    uint8_t *in;
    (void)ctx;
    (void)ncols;
    if (!test_parse_dir(cols[0], &down)) {
        test_fail_at(__FILE__, __LINE__, "%s: bad direction", where);
        return;
    }
    in = test_unhex_alloc(cols[2], &n);
    test_context("%s %s", where, cols[1]);
    check_all_ways(down, in, n);
    free(in);
}

static void test_vectors_streamed(void)
{
    unsigned long rows = test_each_row(GOLDEN_TSV, 6, vector_row, NULL);
    rows += test_each_row(MALFORMED_TSV, 5, vector_row, NULL);
    test_context("streamed vectors");
    CHECK(rows > 9000);
    CHECK(compared > 1800000); /* 9,389 vectors x every split, both length modes, both
                                  collect modes */
}

/* ---- events and their semantics ---- */

static pbw_bytes str(const char *s)
{
    pbw_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = strlen(s);
    return b;
}

/* Feeds the whole input at once and records the event types. */
static pbw_status run_events(int down, const char *hex, char *types, size_t cap,
                             uint8_t *scratch, size_t scratch_cap, uint64_t *off)
{
    static uint8_t in[256];
    size_t n = test_unhex(hex, in), k = 0;
    any_msg m;
    wps_stream s;
    wps_stream_event ev;
    const uint8_t *p = in;
    pbw_status st;

    if (down)
        wps_stream_init_downstream(&s, &m.down, scratch, scratch_cap, n, 0);
    else
        wps_stream_init_upstream(&s, &m.up, scratch, scratch_cap, n, 0);
    while ((st = wps_stream_next(&s, &p, in + n, &ev)) == PBW_OK && k + 1 < cap) {
        types[k++] = "?BCEDM"[ev.type];
        if (ev.type == WPS_EV_MESSAGE_END)
            break;
    }
    types[k] = '\0';
    *off = wps_stream_offset(&s);
    return st;
}

/* Event sequences on both paths: with a scratch buffer smaller than the
 * frame the decoder goes field by field and delivers every payload
 * occurrence (then discards the ones replaced); with the whole frame in one
 * chunk and room for it, it decodes the frame at once and delivers only the
 * payload that counts.  Either way, what is held at MESSAGE_END is the
 * payload. */
static void check_events(const char *hex, const char *field_by_field, const char *whole)
{
    char t[64];
    uint8_t scratch[64], in[64];
    uint64_t off;
    size_t n = test_unhex(hex, in);

    test_context("events of %s", hex);
    CHECK_STATUS(run_events(0, hex, t, sizeof t, scratch, n - 1, &off), PBW_OK);
    CHECK(strcmp(t, field_by_field) == 0);
    CHECK_STATUS(run_events(0, hex, t, sizeof t, scratch, n, &off), PBW_OK);
#if defined(WPS_SMALL) && WPS_SMALL
    (void)whole; /* built without the fast paths: always field by field */
    CHECK(strcmp(t, field_by_field) == 0);
#else
    CHECK(strcmp(t, whole) == 0);
#endif
}

static void test_events(void)
{
    char t[64];
    uint8_t scratch[64];
    uint64_t off;

    /* send_to_group{group "g", data{text "hi"}}: begin (with the bytes at
     * hand, here all of them), end, done */
    check_events("0a090a01671a040a026869", "BEM", "BEM");
    /* an empty payload: begin, end */
    check_events("0a041a020a00", "BEM", "BEM");
    /* text "hi", then text "yo": the second begin replaces the first */
    check_events("0a0a1a080a0268690a02796f", "BEBEM", "BEM");
    /* text "hi", then protobuf_data{type_url "t"}: the text is discarded */
    check_events("0a0b1a090a0268691a030a0174", "BEDM", "M");
    /* send_to_group{data{binary "z"}} then event{}: a oneof switch at the
     * root discards it too */
    check_events("0a051a0312017a2a00", "BEDM", "M");
    /* text, then binary: discard, then the new payload */
    check_events("0a091a070a02686912017a", "BEDBEM", "BEM");
    /* Any{type_url "t", value "xy"}: type_url is short, value the payload */
    check_events("0a0b1a091a070a017412027879", "BEM", "BEM");

    test_context("event sequences");
    /* a pong: no payload at all */
    CHECK_STATUS(run_events(1, "2200", t, sizeof t, scratch, sizeof scratch, &off), PBW_OK);
    CHECK(strcmp(t, "M") == 0);
    /* UTF-8 across the payload: the error is at the bad byte, both ways */
    CHECK_STATUS(run_events(0, "0a071a050a0361c0af", t, sizeof t, scratch, sizeof scratch, &off),
                 PBW_E_UTF8);
    CHECK_EQ(off, 7);
    CHECK_STATUS(run_events(0, "0a071a050a0361c0af", t, sizeof t, scratch, 4, &off),
                 PBW_E_UTF8);
    CHECK_EQ(off, 7);

    test_context("scratch space");
    /* send_to_group{group "chat"}: the group takes a 6-byte record */
    CHECK_STATUS(run_events(0, "0a060a0463686174", t, sizeof t, scratch, 6, &off), PBW_OK);
    CHECK_STATUS(run_events(0, "0a060a0463686174", t, sizeof t, scratch, 5, &off),
                 PBW_E_NOSPACE);
    CHECK_EQ(off, 3); /* the group's length prefix */
    CHECK_STATUS(run_events(0, "0a060a0463686174", t, sizeof t, NULL, 0, &off), PBW_E_NOSPACE);
    /* no short fields: no scratch needed */
    CHECK_STATUS(run_events(0, "4a00", t, sizeof t, NULL, 0, &off), PBW_OK);
}

static void test_lengths_and_finish(void)
{
    static const uint8_t stg[] = {0x0a, 0x06, 0x0a, 0x04, 'c', 'h', 'a', 't'};
    uint8_t scratch[32];
    wps_upstream m;
    wps_stream s;
    wps_stream_event ev;
    const uint8_t *p;

    test_context("declared length");
    /* declared length shorter than the input: decoding stops there */
    wps_stream_init_upstream(&s, &m, scratch, sizeof scratch, 2, 0);
    p = stg;
    CHECK_STATUS(wps_stream_next(&s, &p, stg + sizeof stg, &ev), PBW_E_LENGTH);
    CHECK_EQ(wps_stream_offset(&s), 1);
    /* ...and exactly right: MESSAGE_END, input consumed to the end */
    wps_stream_init_upstream(&s, &m, scratch, sizeof scratch, sizeof stg, 0);
    p = stg;
    CHECK_STATUS(wps_stream_next(&s, &p, stg + sizeof stg, &ev), PBW_OK);
    CHECK(ev.type == WPS_EV_MESSAGE_END && p == stg + sizeof stg);
    CHECK_VIEW(m.u.send_to_group.group, "chat");
    CHECK(m.u.send_to_group.group.ptr >= scratch && m.u.send_to_group.group.ptr < scratch + 32);
    /* the input stops before the declared length */
    wps_stream_init_upstream(&s, &m, scratch, sizeof scratch, 20, 0);
    p = stg;
    CHECK_STATUS(wps_stream_next(&s, &p, stg + sizeof stg, &ev), PBW_NEED_MORE);
    CHECK_STATUS(wps_stream_finish(&s, &ev), PBW_E_TRUNCATED);
    CHECK_EQ(wps_stream_offset(&s), sizeof stg);

    test_context("unknown length, held errors");
    {
        /* send_to_group of declared length 16 with invalid UTF-8 in its
         * group: if the input ends before byte 18, the length is the first
         * error (as the one-shot decoder sees it); once it gets there, the
         * UTF-8 error is */
        static const uint8_t bad[] = {0x0a, 0x10, 0x0a, 0x02, 0xc0, 0xaf, 0x10, 0x01, 0x10, 0x01,
                                      0x10, 0x01, 0x10, 0x01, 0x10, 0x01, 0x10, 0x01};
        wps_stream_init_upstream(&s, &m, scratch, sizeof scratch, WPS_LEN_UNKNOWN, 0);
        p = bad;
        CHECK_STATUS(wps_stream_next(&s, &p, bad + 10, &ev), PBW_NEED_MORE);
        CHECK_STATUS(wps_stream_finish(&s, &ev), PBW_E_LENGTH);
        CHECK_EQ(wps_stream_offset(&s), 1);
        wps_stream_init_upstream(&s, &m, scratch, sizeof scratch, WPS_LEN_UNKNOWN, 0);
        p = bad;
        CHECK_STATUS(wps_stream_next(&s, &p, bad + 17, &ev), PBW_NEED_MORE);
        CHECK_STATUS(wps_stream_next(&s, &p, bad + 18, &ev), PBW_E_UTF8);
        CHECK_EQ(wps_stream_offset(&s), 4);
    }
    {
        /* the held error is inside a payload whose BEGIN had not gone out
         * (found by fuzz_stream): finish must give the length error, not
         * ask for more */
        static const uint8_t cut[] = {0x0a, 0x0e, 0x1a, 0x0c, 0x0a, 0x0a, 0xff};
        wps_stream_init_upstream(&s, &m, scratch, sizeof scratch, WPS_LEN_UNKNOWN, 0);
        p = cut;
        CHECK_STATUS(wps_stream_next(&s, &p, cut + sizeof cut, &ev), PBW_NEED_MORE);
        CHECK_STATUS(wps_stream_finish(&s, &ev), PBW_E_LENGTH);
        CHECK_EQ(wps_stream_offset(&s), 1);
    }
}

/* A frame that fits the scratch buffer is gathered there as it comes, then
 * decoded at once: nothing happens until its last byte, whatever the
 * chunks (none, empty, one byte); then the events, with the payload's bytes
 * in the scratch buffer. */
static void test_gathered_frame(void)
{
    /* send_to_group{data{text "hi"}, no_echo true}: 2 bytes after the payload */
    static const uint8_t f[] = {0x0a, 0x08, 0x1a, 0x04, 0x0a, 0x02, 'h', 'i', 0x20, 0x01};
    uint8_t scratch[sizeof f];
    wps_upstream m;
    wps_stream s;
    wps_stream_event ev;
    const uint8_t *p = f, *none = NULL;

    test_context("collected payload");
    wps_stream_init_upstream(&s, &m, scratch, sizeof scratch, sizeof f, WPS_STREAM_COLLECT);
    CHECK_STATUS(wps_stream_next(&s, &p, f + 3, &ev), PBW_NEED_MORE);
    CHECK_STATUS(wps_stream_next(&s, &p, f + sizeof f, &ev), PBW_OK);
    CHECK(ev.type == WPS_EV_MESSAGE_END);
    CHECK(m.u.send_to_group.data.bytes.ptr >= scratch &&
          m.u.send_to_group.data.bytes.ptr < scratch + sizeof scratch);
    CHECK_VIEW(m.u.send_to_group.data.bytes, "hi");
#if defined(WPS_SMALL) && WPS_SMALL
    (void)none; /* no gathering without the fast paths: field by field */
#else
    test_context("gathered frame");
    p = f;
    wps_stream_init_upstream(&s, &m, scratch, sizeof scratch, sizeof f, WPS_STREAM_COLLECT);
    CHECK_STATUS(wps_stream_next(&s, &p, f + 8, &ev), PBW_NEED_MORE);
    CHECK(p == f + 8);
    CHECK_EQ(wps_stream_offset(&s), 8);
    CHECK_STATUS(wps_stream_next(&s, &none, NULL, &ev), PBW_NEED_MORE);
    CHECK_STATUS(wps_stream_next(&s, NULL, NULL, &ev), PBW_NEED_MORE);
    CHECK_STATUS(wps_stream_next(&s, &p, p, &ev), PBW_NEED_MORE);
    CHECK_STATUS(wps_stream_next(&s, &p, f + 9, &ev), PBW_NEED_MORE);
    CHECK(p == f + 9);
    CHECK_EQ(wps_stream_offset(&s), 9);
    CHECK_STATUS(wps_stream_next(&s, &p, f + sizeof f, &ev), PBW_OK);
    CHECK(p == f + sizeof f && ev.type == WPS_EV_MESSAGE_END);
    /* a view into the frame's copy */
    CHECK(m.u.send_to_group.data.bytes.ptr == scratch + 6);
    CHECK(m.u.send_to_group.has_no_echo && m.u.send_to_group.no_echo);
    CHECK_STATUS(wps_stream_finish(&s, &ev), PBW_OK);
    CHECK(ev.type == WPS_EV_MESSAGE_END);
    /* and MESSAGE_END for ever, consuming nothing */
    p = f;
    CHECK_STATUS(wps_stream_next(&s, &p, f + sizeof f, &ev), PBW_OK);
    CHECK(ev.type == WPS_EV_MESSAGE_END && p == f);
    CHECK_EQ(wps_stream_offset(&s), sizeof f);

    test_context("gathered empty frame without a scratch buffer");
    {
        /* total 0 fits a NULL scratch of capacity 0: complete with nothing
         * copied (found by fuzz_stream: a NULL + 0 copy destination) */
        wps_downstream dm;
        p = f;
        wps_stream_init_downstream(&s, &dm, NULL, 0, 0, WPS_STREAM_COLLECT);
        CHECK_STATUS(wps_stream_next(&s, &p, f + sizeof f, &ev), PBW_OK);
        CHECK(ev.type == WPS_EV_MESSAGE_END && p == f && dm.kind == WPS_DOWN_NONE);
        wps_stream_init_upstream(&s, &m, NULL, 0, 0, WPS_STREAM_COLLECT);
        CHECK_STATUS(wps_stream_finish(&s, &ev), PBW_OK);
        CHECK(ev.type == WPS_EV_MESSAGE_END && m.kind == WPS_UP_NONE);
    }

    test_context("not collecting: no gathering, the payload streams from the input");
    p = f;
    wps_stream_init_upstream(&s, &m, scratch, sizeof scratch, sizeof f, 0);
    CHECK_STATUS(wps_stream_next(&s, &p, f + 8, &ev), PBW_OK);
    CHECK(ev.type == WPS_EV_PAYLOAD_BEGIN && ev.remaining == 2 && ev.chunk.ptr == f + 6);

    test_context("gathered frame cut short");
    {
        /* a UTF-8 error in bytes gathered before the input ends is the
         * error, not the truncation (found by the field-by-field path the
         * gathered bytes are handed to at finish) */
        static const uint8_t bad[] = {0x0a, 0x10, 0x0a, 0x02, 0xc0, 0xaf, 0x10, 0x01};
        uint8_t big[64];
        wps_stream_init_upstream(&s, &m, big, sizeof big, 40, WPS_STREAM_COLLECT);
        p = bad;
        CHECK_STATUS(wps_stream_next(&s, &p, bad + sizeof bad, &ev), PBW_NEED_MORE);
        CHECK_STATUS(wps_stream_finish(&s, &ev), PBW_E_UTF8);
        CHECK_EQ(wps_stream_offset(&s), 4);
        CHECK(m.kind == WPS_UP_NONE);
        CHECK_STATUS(wps_stream_next(&s, NULL, NULL, &ev), PBW_E_UTF8);
        /* and without one: truncated where the input stopped */
        wps_stream_init_upstream(&s, &m, big, sizeof big, 40, WPS_STREAM_COLLECT);
        p = f;
        CHECK_STATUS(wps_stream_next(&s, &p, f + sizeof f, &ev), PBW_NEED_MORE);
        CHECK_STATUS(wps_stream_finish(&s, &ev), PBW_E_TRUNCATED);
        CHECK_EQ(wps_stream_offset(&s), sizeof f);
    }
#endif
}

/* A 1 MiB binary payload through a 512-byte input window and a 256-byte
 * scratch buffer. */
static void test_big_payload(void)
{
    enum { PAYLOAD = 1 << 20, WINDOW = 512 };
    uint8_t *payload = malloc(PAYLOAD), *frame, window[WINDOW], scratch[256];
    wps_upstream msg, got;
    size_t i, n, at = 0, chunks = 0, events = 0;
    uint64_t received = 0, sum_want = 0, sum_got = 0;
    wps_stream s;
    wps_stream_event ev;
    pbw_status st = PBW_NEED_MORE;
    int done = 0;

    test_context("1 MiB payload");
    for (i = 0; i < PAYLOAD; i++) {
        payload[i] = (uint8_t)(rng() >> 24);
        sum_want = sum_want * 31 + payload[i];
    }
    memset(&msg, 0, sizeof msg);
    msg.kind = WPS_UP_SEND_TO_GROUP;
    msg.u.send_to_group.group = str("firmware-updates");
    msg.u.send_to_group.has_ack_id = 1;
    msg.u.send_to_group.ack_id = 77;
    msg.u.send_to_group.has_data = 1;
    msg.u.send_to_group.data.kind = WPS_DATA_BINARY;
    msg.u.send_to_group.data.bytes.ptr = payload;
    msg.u.send_to_group.data.bytes.len = PAYLOAD;
    msg.u.send_to_group.has_no_echo = 1;
    msg.u.send_to_group.no_echo = 1;
    n = wps_upstream_size(&msg);
    frame = malloc(n);
    CHECK_STATUS(wps_upstream_encode(&msg, frame, n, &i), PBW_OK);

    wps_stream_init_upstream(&s, &got, scratch, sizeof scratch, WPS_LEN_UNKNOWN, 0);
    while (at < n && !done) {
        /* the window is all the input memory there is */
        size_t take = n - at < WINDOW ? n - at : WINDOW;
        const uint8_t *p = window, *end = window + take;
        memcpy(window, frame + at, take);
        at += take;
        while ((st = wps_stream_next(&s, &p, end, &ev)) == PBW_OK) {
            events++;
            if (ev.type == WPS_EV_PAYLOAD_CHUNK || ev.type == WPS_EV_PAYLOAD_BEGIN) {
                for (i = 0; i < ev.chunk.len; i++)
                    sum_got = sum_got * 31 + ev.chunk.ptr[i];
                received += ev.chunk.len;
                chunks++;
            }
        }
        CHECK_STATUS(st, PBW_NEED_MORE);
        CHECK(p == end);
    }
    while ((st = wps_stream_finish(&s, &ev)) == PBW_OK && ev.type != WPS_EV_MESSAGE_END)
        events++;
    CHECK_STATUS(st, PBW_OK);
    CHECK(ev.type == WPS_EV_MESSAGE_END);
    CHECK_EQ(received, PAYLOAD);
    CHECK(sum_got == sum_want);
    CHECK(chunks >= PAYLOAD / WINDOW);
    CHECK_VIEW(got.u.send_to_group.group, "firmware-updates");
    CHECK(got.u.send_to_group.has_ack_id && got.u.send_to_group.ack_id == 77);
    CHECK(got.u.send_to_group.has_no_echo && got.u.send_to_group.no_echo);
    CHECK(got.u.send_to_group.data.kind == WPS_DATA_BINARY);
    CHECK(got.u.send_to_group.data.bytes.ptr == NULL);
    CHECK_EQ(got.u.send_to_group.data.bytes.len, PAYLOAD);
    free(frame);
    free(payload);
}

/* ---- the split encoder ---- */

/* head + payload + tail must be the one-shot encoding, byte for byte. */
static void check_split(int down, const any_msg *m, const wps_data *d)
{
    size_t full_n = down ? wps_downstream_size(&m->down) : wps_upstream_size(&m->up);
    uint8_t *full = malloc(full_n + 1), *ht = malloc(full_n + 1), *joined = malloc(full_n + 1);
    size_t written, head = 0, tail = 0;
    pbw_status st;

    CHECK_STATUS(down ? wps_downstream_encode(&m->down, full, full_n, &written)
                      : wps_upstream_encode(&m->up, full, full_n, &written),
                 PBW_OK);
    st = down ? wps_downstream_encode_split(&m->down, ht, full_n, &head, &tail)
              : wps_upstream_encode_split(&m->up, ht, full_n, &head, &tail);
    CHECK_STATUS(st, PBW_OK);
    if (st == PBW_OK) {
        CHECK_EQ(head + d->bytes.len + tail, full_n);
        memcpy(joined, ht, head);
        if (d->bytes.len)
            memcpy(joined + head, d->bytes.ptr, d->bytes.len);
        memcpy(joined + head + d->bytes.len, ht + head, tail);
        CHECK_MEM(joined, full_n, full, full_n);
        /* one byte short: refused, and told the room needed */
        st = down ? wps_downstream_encode_split(&m->down, ht, head + tail - 1, &head, &tail)
                  : wps_upstream_encode_split(&m->up, ht, head + tail - 1, &head, &tail);
        CHECK_STATUS(st, PBW_E_NOSPACE);
        CHECK_EQ(head + tail, full_n - d->bytes.len);
    }
    free(full);
    free(ht);
    free(joined);
}

static unsigned long split_checked, split_refused;

static void split_row(void *ctx, char **cols, int ncols, const char *where)
{
    int down;
    size_t n, off;
    uint8_t *in;
    any_msg m;
    const wps_data *d;
    pbw_status st;
    (void)ctx;
    (void)ncols;
    if (!test_parse_dir(cols[0], &down))
        return;
    in = test_unhex_alloc(cols[2], &n);
    test_context("split %s %s", where, cols[1]);
    st = down ? wps_downstream_decode(in, n, &m.down, 0, &off)
              : wps_upstream_decode(in, n, &m.up, 0, &off);
    CHECK_STATUS(st, PBW_OK);
    d = st != PBW_OK ? NULL : down ? wps_downstream_data(&m.down) : wps_upstream_data(&m.up);
    if (d && d->kind != WPS_DATA_NONE) {
        check_split(down, &m, d);
        split_checked++;
    } else if (st == PBW_OK) {
        size_t head, tail;
        uint8_t out[8];
        /* no payload to leave out */
        CHECK_STATUS(down ? wps_downstream_encode_split(&m.down, out, sizeof out, &head, &tail)
                          : wps_upstream_encode_split(&m.up, out, sizeof out, &head, &tail),
                     PBW_E_ARG);
        split_refused++;
    }
    free(in);
}

static void test_split(void)
{
    any_msg m;
    wps_kv meta[3];
    wps_group_state_item items[2];
    wps_kv entries[2];
    uint8_t buf[1024];
    size_t head, tail, strings;
    static const char big_id[] = "0123456789abcdef0123456789abcdef";

    test_each_row(GOLDEN_TSV, 6, split_row, NULL);
    test_context("split over the golden vectors");
    CHECK(split_checked > 30);
    CHECK(split_refused > 30);

    /* The compile-time bound, on the largest shapes of the schema: every
     * field present, every varint at its widest. */
    test_context("WPS_HEAD_TAIL_MAX");
    memset(&m, 0, sizeof m);
    m.down.kind = WPS_DOWN_DATA;
    m.down.u.data.from = str(big_id);
    m.down.u.data.has_group = 1;
    m.down.u.data.group = str(big_id);
    m.down.u.data.has_data = 1;
    m.down.u.data.data.kind = WPS_DATA_PROTOBUF;
    m.down.u.data.data.type_url = str(big_id);
    m.down.u.data.data.bytes.len = 1000000; /* the payload: not in memory */
    m.down.u.data.has_sequence_id = 1;
    m.down.u.data.sequence_id = UINT64_MAX;
    meta[0].key = str(big_id);
    meta[0].value = str(big_id);
    meta[1] = meta[0];
    meta[2] = meta[0];
    m.down.u.data.metadata.entries = meta;
    m.down.u.data.metadata.count = 3;
    m.down.u.data.has_stream = 1;
    m.down.u.data.stream.stream_id = str(big_id);
    m.down.u.data.stream.stream_sequence_id = UINT64_MAX;
    m.down.u.data.stream.has_end_of_stream = 1;
    m.down.u.data.stream.end_of_stream = 1;
    m.down.u.data.stream.has_error = 1;
    m.down.u.data.stream.error.name = str(big_id);
    m.down.u.data.stream.error.message = str(big_id);
    m.down.u.data.stream.error.user_error_code = str(big_id);
    strings = 13 * 32;
    CHECK_STATUS(wps_downstream_encode_split(&m.down, buf, sizeof buf, &head, &tail), PBW_OK);
    CHECK(head + tail <= WPS_HEAD_TAIL_MAX(strings, 3, 0));

    memset(&m, 0, sizeof m);
    m.up.kind = WPS_UP_SEND_TO_GROUP;
    m.up.u.send_to_group.group = str(big_id);
    m.up.u.send_to_group.has_ack_id = 1;
    m.up.u.send_to_group.ack_id = UINT64_MAX;
    m.up.u.send_to_group.has_data = 1;
    m.up.u.send_to_group.data.kind = WPS_DATA_TEXT;
    m.up.u.send_to_group.data.bytes.len = 300000;
    m.up.u.send_to_group.has_no_echo = 1;
    m.up.u.send_to_group.has_ttl_seconds = 1;
    m.up.u.send_to_group.ttl_seconds = UINT32_MAX;
    m.up.u.send_to_group.metadata.entries = meta;
    m.up.u.send_to_group.metadata.count = 3;
    m.up.u.send_to_group.has_stream = 1;
    m.up.u.send_to_group.stream.stream_id = str(big_id);
    m.up.u.send_to_group.stream.has_idle_timeout_ms = 1;
    m.up.u.send_to_group.stream.idle_timeout_ms = UINT32_MAX;
    strings = 8 * 32;
    CHECK_STATUS(wps_upstream_encode_split(&m.up, buf, sizeof buf, &head, &tail), PBW_OK);
    CHECK(head + tail <= WPS_HEAD_TAIL_MAX(strings, 3, 0));

    /* items do not carry payloads, but their messages still have a bound */
    memset(&m, 0, sizeof m);
    memset(items, 0, sizeof items);
    entries[0].key = str(big_id);
    entries[0].value = str(big_id);
    entries[1] = entries[0];
    items[0].connection_id = str(big_id);
    items[0].has_user_id = 1;
    items[0].user_id = str(big_id);
    items[0].has_state = 1;
    items[0].state.entries.entries = entries;
    items[0].state.entries.count = 2;
    items[0].updated_at = -1;
    items[1] = items[0];
    m.down.kind = WPS_DOWN_GROUP_STATE_SNAPSHOT;
    m.down.u.group_state_snapshot.group = str(big_id);
    m.down.u.group_state_snapshot.items.items = items;
    m.down.u.group_state_snapshot.items.count = 2;
    m.down.u.group_state_snapshot.has_sequence_id = 1;
    m.down.u.group_state_snapshot.sequence_id = UINT64_MAX;
    CHECK(wps_downstream_size(&m.down) <= WPS_HEAD_TAIL_MAX(13 * 32, 4, 2));

    test_context("split without a payload");
    memset(&m, 0, sizeof m);
    m.up.kind = WPS_UP_SEND_TO_GROUP;
    m.up.u.send_to_group.group = str("g");
    CHECK_STATUS(wps_upstream_encode_split(&m.up, buf, sizeof buf, &head, &tail), PBW_E_ARG);
    m.up.u.send_to_group.has_data = 1; /* present but empty: no payload */
    CHECK_STATUS(wps_upstream_encode_split(&m.up, buf, sizeof buf, &head, &tail), PBW_E_ARG);
    m.up.kind = (wps_up_kind)2;
    CHECK_STATUS(wps_upstream_encode_split(&m.up, buf, sizeof buf, &head, &tail), PBW_E_ARG);
    /* an empty Any.value is not on the wire: everything is head */
    memset(&m, 0, sizeof m);
    m.up.kind = WPS_UP_STREAM_DATA;
    m.up.u.stream_data.has_data = 1;
    m.up.u.stream_data.data.kind = WPS_DATA_PROTOBUF;
    m.up.u.stream_data.data.type_url = str("t");
    CHECK_STATUS(wps_upstream_encode_split(&m.up, buf, sizeof buf, &head, &tail), PBW_OK);
    CHECK_EQ(head, wps_upstream_size(&m.up));
    CHECK_EQ(tail, 0);
}

void suite_stream(void)
{
    test_context("state size");
    CHECK(sizeof(wps_stream) <= 512 || sizeof(void *) != 8);
    test_events();
    test_lengths_and_finish();
    test_gathered_frame();
    test_big_payload();
    test_split();
    test_vectors_streamed();
}
