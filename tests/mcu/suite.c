/* SPDX-License-Identifier: MIT */
/*
 * tests/mcu/suite.c - the codec on a microcontroller, under qemu-system-arm
 * (tests/mcu/run.sh builds and runs it; see tests/mcu/README).
 *
 * The library objects are those `make cross` measures (-Os, freestanding);
 * the vectors are compiled in (vectors.c, generated from tests/vectors).
 *   - the unit suites of the host (tests/test_pbwire.c, test_messages.c),
 *     without the exhaustive UTF-8 loops (make portability runs those on
 *     32-bit targets);
 *   - every golden vector: decode (fields compared as canonical JSON,
 *     with and without UTF-8 checks), size == bytes encoded, encoding ==
 *     libprotobuf's bytes, capacity size-1 -> PBW_E_NOSPACE with nothing
 *     written, split encoding == head + payload + tail, map and items
 *     iterators, the canonical bytes decoded and re-encoded;
 *   - every malformed vector: status and offset, the message reset;
 *   - every vector streamed in 1, 7 and 64-byte chunks, length known and
 *     unknown: the same JSON or the same status and offset;
 *   - 100,000-byte payloads (binary up, UTF-8 text down) streamed through
 *     a 512-byte window, compared byte for byte;
 *   - the stack: every call of a public function is measured by painting
 *     (MEASURE); the deepest use of each must stay within the static bound
 *     of make cross (bounds.h, from the same objects) plus the deepest
 *     frame of the libc mem* functions, which that bound does not count;
 *   - instructions per decode and encode of a few frames (the clock of
 *     SysTick is the instruction count under qemu -icount).
 * Ends with "N passed, M failed"; exit status 1 on any failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../test.h"
#include "../../tools/wps_json.h"
#include "bounds.h"
#include "mcu.h"
#include "vectors.h"

typedef union any_msg {
    wps_upstream up;
    wps_downstream down;
} any_msg;

/* ---- stack measurement ---- */

enum {
    E_UP_DECODE, E_DOWN_DECODE, E_UP_SIZE, E_DOWN_SIZE, E_UP_ENCODE, E_DOWN_ENCODE,
    E_UP_SPLIT, E_DOWN_SPLIT, E_UP_DATA, E_DOWN_DATA, E_STREAM_INIT_UP, E_STREAM_INIT_DOWN,
    E_STREAM_NEXT, E_STREAM_FINISH, E_STREAM_OFFSET, E_MAP_BEGIN, E_MAP_NEXT, E_MAP_FIND,
    E_ITEMS_BEGIN, E_ITEMS_NEXT, E_READ_TAG, E_SKIP_FIELD, E_UTF8_VALID, E_COUNT
};

static const char *const entry_name[E_COUNT] = {
    "wps_upstream_decode", "wps_downstream_decode", "wps_upstream_size", "wps_downstream_size",
    "wps_upstream_encode", "wps_downstream_encode", "wps_upstream_encode_split",
    "wps_downstream_encode_split", "wps_upstream_data", "wps_downstream_data",
    "wps_stream_init_upstream", "wps_stream_init_downstream", "wps_stream_next",
    "wps_stream_finish", "wps_stream_offset", "wps_map_begin", "wps_map_next", "wps_map_find",
    "wps_items_begin", "wps_items_next", "pbw_read_tag", "pbw_skip_field", "pbw_utf8_valid",
};

static uint32_t entry_static[E_COUNT];  /* bytes, from bounds.h */
static uint32_t entry_window[E_COUNT];  /* words painted below the caller's sp */
static uint32_t entry_deepest[E_COUNT]; /* bytes */
static unsigned long entry_calls[E_COUNT];
static uint32_t mem_deepest; /* the libc mem* functions, measured */

/* Past the static bound by more than this, the paint no longer shows how
 * far: the call is reported as using all of its window (and fails). */
#define WINDOW_MARGIN 128u

static void noted(int id, const uint32_t *sp, const uint32_t *low)
{
    uint32_t used = (uint32_t)((uintptr_t)sp - (uintptr_t)low);
    if (used > entry_deepest[id])
        entry_deepest[id] = used;
    entry_calls[id]++;
}

/* Runs `call` (a call of a public function) on a painted stack and notes
 * how deep it went: the words below the stack pointer of the calling
 * function are painted, then the lowest one no longer painted is found.
 * Neither mcu_paint nor mcu_unpainted uses any stack. */
#define MEASURE(id, call)                                    \
    do {                                                     \
        uint32_t *sp_, *lo_;                                 \
        if (!measuring) {                                    \
            call;                                            \
            break;                                           \
        }                                                    \
        MCU_SP(sp_);                                         \
        lo_ = sp_ - entry_window[id];                        \
        mcu_paint(lo_, sp_);                                 \
        call;                                                \
        noted(id, sp_, mcu_unpainted(lo_, sp_));             \
    } while (0)

/* Painting costs more than most calls: the streaming of the malformed
 * vectors (some 600,000 calls, none deeper than those of the golden
 * vectors, which include the deepest nesting) runs unmeasured. */
static int measuring = 1;

static void stack_setup(void)
{
    int i;
    size_t k;
    for (i = 0; i < E_COUNT; i++) {
        for (k = 0; k < sizeof mcu_static_bounds / sizeof *mcu_static_bounds; k++)
            if (strcmp(mcu_static_bounds[k].name, entry_name[i]) == 0)
                entry_static[i] = mcu_static_bounds[k].bytes;
        entry_window[i] = (entry_static[i] + WINDOW_MARGIN) / 4;
    }
}

/* The mem* functions of the C library run below the library's deepest
 * frames, and the static bound leaves them out: measured here, they are
 * allowed on top of it. */
static void *(*volatile memcpy_p)(void *, const void *, size_t) = memcpy;
static void *(*volatile memmove_p)(void *, const void *, size_t) = memmove;
static void *(*volatile memset_p)(void *, int, size_t) = memset;
static int (*volatile memcmp_p)(const void *, const void *, size_t) = memcmp;

static void mem_note(const uint32_t *sp, const uint32_t *low)
{
    uint32_t used = (uint32_t)((uintptr_t)sp - (uintptr_t)low);
    if (used > mem_deepest)
        mem_deepest = used;
}

#define MEASURE_MEM(call)                                    \
    do {                                                     \
        uint32_t *sp_, *lo_;                                 \
        MCU_SP(sp_);                                         \
        lo_ = sp_ - 64;                                      \
        mcu_paint(lo_, sp_);                                 \
        call;                                                \
        mem_note(sp_, mcu_unpainted(lo_, sp_));              \
    } while (0)

static void mem_measure(void)
{
    static uint8_t a[1100], b[1100];
    static const size_t sizes[] = {0, 1, 3, 4, 7, 8, 15, 16, 31, 64, 100, 1000};
    size_t i, da, db;
    int r = 0;
    for (i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (da = 0; da < 4; da++)
            for (db = 0; db < 4; db++) {
                MEASURE_MEM(memcpy_p(a + da, b + db, sizes[i]));
                MEASURE_MEM(memmove_p(a + da, a + db, sizes[i]));
                MEASURE_MEM(memset_p(a + da, (int)db, sizes[i]));
                MEASURE_MEM(r += memcmp_p(a + da, b + db, sizes[i]));
                b[db + sizes[i] / 2] ^= 1;
                MEASURE_MEM(r += memcmp_p(a + da, b + db, sizes[i]));
            }
    (void)r;
}

static void stack_report(void)
{
    int i;
    printf("mem* deepest %lu\n", (unsigned long)mem_deepest);
    for (i = 0; i < E_COUNT; i++) {
        printf("stack %s calls %lu measured %lu static %lu\n", entry_name[i], entry_calls[i],
               (unsigned long)entry_deepest[i], (unsigned long)entry_static[i]);
        test_context("stack of %s", entry_name[i]);
        CHECK(entry_static[i] > 0 || entry_deepest[i] == 0); /* a bound was found */
        CHECK(entry_calls[i] > 0);
        if (entry_deepest[i] > entry_static[i] + mem_deepest)
            test_fail_at(__FILE__, __LINE__, "%s used %lu bytes of stack, static bound %lu + %lu",
                         entry_name[i], (unsigned long)entry_deepest[i],
                         (unsigned long)entry_static[i], (unsigned long)mem_deepest);
        else
            test_passed++;
    }
    test_context("");
}

/* ---- the calls, measured ---- */

static pbw_status decode(int down, const uint8_t *in, size_t n, any_msg *m, unsigned flags,
                         size_t *err)
{
    pbw_status st;
    memset(m, 0xA5, sizeof *m); /* the decoder must set everything it reports */
    if (down)
        MEASURE(E_DOWN_DECODE, st = wps_downstream_decode(in, n, &m->down, flags, err));
    else
        MEASURE(E_UP_DECODE, st = wps_upstream_decode(in, n, &m->up, flags, err));
    return st;
}

static size_t size_of(int down, const any_msg *m)
{
    size_t n;
    if (down)
        MEASURE(E_DOWN_SIZE, n = wps_downstream_size(&m->down));
    else
        MEASURE(E_UP_SIZE, n = wps_upstream_size(&m->up));
    return n;
}

static pbw_status encode(int down, const any_msg *m, uint8_t *dst, size_t cap, size_t *written)
{
    pbw_status st;
    if (down)
        MEASURE(E_DOWN_ENCODE, st = wps_downstream_encode(&m->down, dst, cap, written));
    else
        MEASURE(E_UP_ENCODE, st = wps_upstream_encode(&m->up, dst, cap, written));
    return st;
}

static pbw_status encode_split(int down, const any_msg *m, uint8_t *dst, size_t cap,
                               size_t *head, size_t *tail)
{
    pbw_status st;
    if (down)
        MEASURE(E_DOWN_SPLIT, st = wps_downstream_encode_split(&m->down, dst, cap, head, tail));
    else
        MEASURE(E_UP_SPLIT, st = wps_upstream_encode_split(&m->up, dst, cap, head, tail));
    return st;
}

static const wps_data *data_of(int down, const any_msg *m)
{
    const wps_data *d;
    if (down)
        MEASURE(E_DOWN_DATA, d = wps_downstream_data(&m->down));
    else
        MEASURE(E_UP_DATA, d = wps_upstream_data(&m->up));
    return d;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        printf("mcu: out of memory\n");
        mcu_exit(1);
    }
    return p;
}

static void check_json(const char *what, const char *got, const char *want)
{
    if (got != NULL && strcmp(got, want) == 0) {
        test_passed++;
        return;
    }
    test_fail_at(__FILE__, __LINE__, "%s\n    got  %s\n    want %s", what, got ? got : "(null)",
                 want);
}

/* ---- maps and items: every entry, and lookups ---- */

static void walk_map(const wps_map *map)
{
    wps_map_iter it;
    wps_kv kv, kv2;
    pbw_bytes found;
    size_t n = 0, i;
    int ok, more;
    MEASURE(E_MAP_BEGIN, wps_map_begin(&it, map));
    for (;;) {
        MEASURE(E_MAP_NEXT, more = wps_map_next(&it, &kv));
        if (!more)
            break;
        n++;
        /* find gives the value of the last entry with this key */
        MEASURE(E_MAP_FIND, ok = wps_map_find(map, kv.key.ptr, kv.key.len, &found));
        CHECK(ok);
        {
            wps_map_iter it2;
            pbw_bytes last = kv.value;
            wps_map_begin(&it2, map);
            for (i = 0; wps_map_next(&it2, &kv2); i++)
                if (i >= n && kv2.key.len == kv.key.len &&
                    (kv.key.len == 0 || memcmp(kv2.key.ptr, kv.key.ptr, kv.key.len) == 0))
                    last = kv2.value;
            CHECK(ok && found.len == last.len &&
                  (last.len == 0 || memcmp(found.ptr, last.ptr, last.len) == 0));
        }
    }
    CHECK_EQ(n, map->count);
    MEASURE(E_MAP_FIND, ok = wps_map_find(map, (const uint8_t *)"\377no such key", 12, &found));
    CHECK(!ok);
}

static void walk_items(const wps_items *items)
{
    wps_items_iter it;
    wps_group_state_item item;
    size_t n = 0;
    int more;
    MEASURE(E_ITEMS_BEGIN, wps_items_begin(&it, items));
    for (;;) {
        MEASURE(E_ITEMS_NEXT, more = wps_items_next(&it, &item));
        if (!more)
            break;
        n++;
        walk_map(&item.state.entries);
    }
    CHECK_EQ(n, items->count);
}

static void walk(int down, const any_msg *m)
{
    const wps_map *map = NULL;
    const wps_items *items = NULL;
    if (!down) {
        switch (m->up.kind) {
        case WPS_UP_SEND_TO_GROUP: map = &m->up.u.send_to_group.metadata; break;
        case WPS_UP_EVENT: map = &m->up.u.event.metadata; break;
        case WPS_UP_INVOKE_EVENT: map = &m->up.u.invoke_event.metadata; break;
        case WPS_UP_SET_GROUP_STATE: map = &m->up.u.set_group_state.state.entries; break;
        default: break;
        }
    } else {
        switch (m->down.kind) {
        case WPS_DOWN_DATA: map = &m->down.u.data.metadata; break;
        case WPS_DOWN_INVOKE_RESPONSE: map = &m->down.u.invoke_response.metadata; break;
        case WPS_DOWN_GROUP_STATE_UPDATE: items = &m->down.u.group_state_update.items; break;
        case WPS_DOWN_GROUP_STATE_SNAPSHOT: items = &m->down.u.group_state_snapshot.items; break;
        default: break;
        }
    }
    if (map)
        walk_map(map);
    if (items)
        walk_items(items);
}

/* ---- the wire layer on its own: every top-level field skipped ---- */

static pbw_status wire_walk(const uint8_t *in, size_t n)
{
    const uint8_t *p = in, *end = in + n, *at;
    pbw_status st = PBW_OK;
    size_t bad;
    int valid;
    MEASURE(E_UTF8_VALID, valid = pbw_utf8_valid(in, n, &bad));
    (void)valid;
    while (p < end && st == PBW_OK) {
        const uint8_t *q = p;
        uint32_t tag;
        MEASURE(E_READ_TAG, st = pbw_read_tag(&q, end, &tag));
        if (st == PBW_OK)
            MEASURE(E_SKIP_FIELD, st = pbw_skip_field(&p, end, PBW_MAX_DEPTH, &at));
    }
    return st;
}

/* ---- streaming ---- */

typedef struct sink {
    uint8_t *buf;
    size_t len, cap;
    wps_data *data;
} sink;

static void sink_take(sink *k, pbw_bytes chunk)
{
    if (chunk.len == 0)
        return;
    if (k->len + chunk.len > k->cap) {
        k->cap = (k->len + chunk.len) * 2;
        k->buf = realloc(k->buf, k->cap);
        if (k->buf == NULL) {
            printf("mcu: out of memory\n");
            mcu_exit(1);
        }
    }
    memcpy(k->buf + k->len, chunk.ptr, chunk.len);
    k->len += chunk.len;
}

/* Returns 1 at MESSAGE_END. */
static int on_event(sink *k, const wps_stream_event *ev)
{
    switch (ev->type) {
    case WPS_EV_PAYLOAD_BEGIN:
        k->len = 0;
        k->data = ev->data;
        sink_take(k, ev->chunk);
        break;
    case WPS_EV_PAYLOAD_CHUNK:
        CHECK(k->data != NULL && ev->data == k->data && ev->chunk.len > 0);
        sink_take(k, ev->chunk);
        break;
    case WPS_EV_PAYLOAD_END:
        CHECK(k->data != NULL && k->len == k->data->bytes.len);
        break;
    case WPS_EV_PAYLOAD_DISCARD:
        k->len = 0;
        k->data = NULL;
        break;
    case WPS_EV_MESSAGE_END:
        if (k->data) {
            CHECK(k->data->bytes.ptr == NULL && k->data->bytes.len == k->len);
            k->data->bytes.ptr = k->len ? k->buf : NULL;
        }
        return 1;
    default:
        CHECK(!"unknown event type");
    }
    return 0;
}

/* Streams in[0..n) in chunks of `chunk` bytes; *json (malloc'd) on success,
 * *off the error's offset otherwise. */
static pbw_status streamed(int down, const uint8_t *in, size_t n, size_t chunk, int known,
                           char **json, uint64_t *off)
{
    any_msg m;
    wps_stream s;
    wps_stream_event ev;
    sink k = {NULL, 0, 0, NULL};
    uint8_t *scratch = xmalloc(n); /* as large as the frame is always enough */
    uint64_t total = known ? n : WPS_LEN_UNKNOWN;
    size_t at = 0;
    int done = 0;
    pbw_status st = PBW_NEED_MORE;

    memset(&m, 0xA5, sizeof m);
    if (down)
        MEASURE(E_STREAM_INIT_DOWN,
                wps_stream_init_downstream(&s, &m.down, scratch, n, total, 0));
    else
        MEASURE(E_STREAM_INIT_UP, wps_stream_init_upstream(&s, &m.up, scratch, n, total, 0));
    while (!done && at < n) {
        const uint8_t *p = in + at, *end = in + (n - at < chunk ? n : at + chunk);
        for (;;) {
            MEASURE(E_STREAM_NEXT, st = wps_stream_next(&s, &p, end, &ev));
            if (st != PBW_OK)
                break;
            if (on_event(&k, &ev)) {
                done = 1;
                break;
            }
        }
        if (st == PBW_NEED_MORE)
            CHECK(p == end);
        else if (st != PBW_OK)
            break;
        at = (size_t)(end - in);
    }
    if (!done && (st == PBW_OK || st == PBW_NEED_MORE)) {
        for (;;) {
            if (known)
                MEASURE(E_STREAM_NEXT, st = wps_stream_next(&s, NULL, NULL, &ev));
            else
                MEASURE(E_STREAM_FINISH, st = wps_stream_finish(&s, &ev));
            if (st != PBW_OK || on_event(&k, &ev))
                break;
        }
        if (known && st == PBW_NEED_MORE)
            MEASURE(E_STREAM_FINISH, st = wps_stream_finish(&s, &ev));
    }
    MEASURE(E_STREAM_OFFSET, *off = wps_stream_offset(&s));
    *json = NULL;
    if (st == PBW_OK) {
        *json = wps_json_of(down, &m);
    } else {
        /* sticky, and the message reset */
        CHECK_STATUS(wps_stream_next(&s, NULL, NULL, &ev), st);
        CHECK(down ? m.down.kind == WPS_DOWN_NONE : m.up.kind == WPS_UP_NONE);
    }
    free(k.buf);
    free(scratch);
    return st;
}

static const size_t chunks[] = {1, 7, 64};

static void stream_golden(const mcu_golden *g)
{
    size_t c;
    int known;
    for (c = 0; c < sizeof chunks / sizeof *chunks; c++)
        for (known = 0; known < 2; known++) {
            char *js;
            uint64_t off;
            test_context("golden %s streamed in %u-byte chunks, length %s", g->name,
                         (unsigned)chunks[c], known ? "known" : "unknown");
            CHECK_STATUS(streamed(g->down, g->in, g->len, chunks[c], known, &js, &off), PBW_OK);
            check_json("streamed JSON", js, g->json);
            free(js);
        }
}

static void stream_malformed(const mcu_malformed *v)
{
    size_t c;
    int known;
    for (c = 0; c < sizeof chunks / sizeof *chunks; c++)
        for (known = 0; known < 2; known++) {
            char *js;
            uint64_t off;
            pbw_status st = streamed(v->down, v->in, v->len, chunks[c], known, &js, &off);
            test_context("malformed %s streamed in %u-byte chunks, length %s", v->name,
                         (unsigned)chunks[c], known ? "known" : "unknown");
            CHECK_STATUS(st, v->status);
            CHECK_EQ(st == PBW_OK ? v->len : off, v->offset);
            free(js);
        }
}

/* ---- golden and malformed vectors ---- */

static void golden_one(const mcu_golden *g)
{
    any_msg m, m2;
    size_t err = 12345, size, written, i, head, tail;
    uint8_t *enc, *small, *split;
    char *js;
    const wps_data *d;
    pbw_status st;

    test_context("golden %s", g->name);
    CHECK_STATUS(wire_walk(g->in, g->len), PBW_OK);
    st = decode(g->down, g->in, g->len, &m, 0, &err);
    CHECK_STATUS(st, PBW_OK);
    if (st != PBW_OK)
        return;
    CHECK_EQ(err, g->len);
    js = wps_json_of(g->down, &m);
    check_json("decoded JSON", js, g->json);
    free(js);
    walk(g->down, &m);

    CHECK_STATUS(decode(g->down, g->in, g->len, &m2, WPS_DECODE_NO_UTF8, &err), PBW_OK);
    js = wps_json_of(g->down, &m2);
    check_json("JSON with WPS_DECODE_NO_UTF8", js, g->json);
    free(js);

    /* size, encode, one byte too few */
    size = size_of(g->down, &m);
    enc = xmalloc(size);
    small = xmalloc(size);
    written = 0;
    CHECK_STATUS(encode(g->down, &m, enc, size, &written), PBW_OK);
    CHECK_EQ(written, size);
    if (g->exact)
        CHECK_MEM(enc, written, g->canon, g->canon_len);
    if (size > 0) {
        memset(small, 0x5A, size);
        written = 0;
        CHECK_STATUS(encode(g->down, &m, small, size - 1, &written), PBW_E_NOSPACE);
        CHECK_EQ(written, size);
        for (i = 0; i < size - 1 && small[i] == 0x5A; i++)
            ;
        CHECK_EQ(i, size - 1);
    }

    /* split: head + payload + tail is the encoding */
    d = data_of(g->down, &m);
    split = xmalloc(size);
    st = encode_split(g->down, &m, split, size, &head, &tail);
    if (d == NULL || d->kind == WPS_DATA_NONE) {
        CHECK_STATUS(st, PBW_E_ARG);
    } else {
        CHECK_STATUS(st, PBW_OK);
        if (st == PBW_OK) {
            CHECK_EQ(head + d->bytes.len + tail, size);
            CHECK_MEM(split, head, enc, head);
            if (d->bytes.len > 0)
                CHECK_MEM(d->bytes.ptr, d->bytes.len, enc + head, d->bytes.len);
            CHECK_MEM(split + head, tail, enc + head + d->bytes.len, tail);
        }
    }
    free(split);
    free(small);
    free(enc);

    /* libprotobuf's bytes: the same message, re-encoded exactly */
    st = decode(g->down, g->canon, g->canon_len, &m2, 0, &err);
    CHECK_STATUS(st, PBW_OK);
    js = wps_json_of(g->down, &m2);
    check_json("JSON of the canonical bytes", js, g->json);
    free(js);
    size = size_of(g->down, &m2);
    CHECK_EQ(size, g->canon_len);
    enc = xmalloc(size);
    CHECK_STATUS(encode(g->down, &m2, enc, size, &written), PBW_OK);
    CHECK_MEM(enc, written, g->canon, g->canon_len);
    free(enc);

    stream_golden(g);
}

static void malformed_one(const mcu_malformed *v)
{
    any_msg m;
    size_t err = 12345;
    pbw_status st;

    test_context("malformed %s", v->name);
    wire_walk(v->in, v->len);
    st = decode(v->down, v->in, v->len, &m, 0, &err);
    CHECK_STATUS(st, v->status);
    CHECK_EQ(err, v->offset);
    if (v->status != PBW_OK)
        CHECK(v->down ? m.down.kind == WPS_DOWN_NONE : m.up.kind == WPS_UP_NONE);
    CHECK_STATUS(decode(v->down, v->in, v->len, &m, 0, NULL), v->status);
    err = 12345;
    st = decode(v->down, v->in, v->len, &m, WPS_DECODE_NO_UTF8, &err);
    if (v->status == PBW_E_UTF8) {
        CHECK_STATUS(st, PBW_OK);
        CHECK_EQ(err, v->len);
    } else {
        CHECK_STATUS(st, v->status);
        CHECK_EQ(err, v->offset);
    }
    measuring = 0;
    stream_malformed(v);
    measuring = 1;
}

/* ---- 100,000 bytes through a 512-byte window ---- */

#define BIG_LEN 100000u
#define WINDOW 512u

/* Payload byte i: binary, or UTF-8 text whose characters of 1 to 4 bytes
 * straddle the window's edges. */
static uint8_t big_byte(int text, uint32_t i)
{
    static const uint8_t utf8[10] = {'a', 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80};
    return text ? utf8[i % 10] : (uint8_t)((i * 2654435761u) >> 13);
}

static void big_payload(int down, int known)
{
    any_msg m, out;
    wps_data *d;
    uint8_t ht[64], window[WINDOW], scratch[32];
    size_t head = 0, tail = 0, len;
    uint32_t pos = 0, checked = 0, bad = 0;
    wps_stream s;
    wps_stream_event ev;
    pbw_status st = PBW_NEED_MORE;
    int done = 0, text = down;

    test_context("100,000-byte %s payload, %s, length %s", text ? "text" : "binary",
                 down ? "downstream" : "upstream", known ? "known" : "unknown");
    memset(&m, 0, sizeof m);
    if (down) {
        m.down.kind = WPS_DOWN_DATA;
        m.down.u.data.from = (pbw_bytes){(const uint8_t *)"group", 5};
        m.down.u.data.group = (pbw_bytes){(const uint8_t *)"g", 1};
        m.down.u.data.has_group = 1;
        m.down.u.data.has_data = 1;
        d = &m.down.u.data.data;
        d->kind = WPS_DATA_TEXT;
    } else {
        m.up.kind = WPS_UP_SEND_TO_GROUP;
        m.up.u.send_to_group.group = (pbw_bytes){(const uint8_t *)"g", 1};
        m.up.u.send_to_group.has_data = 1;
        m.up.u.send_to_group.ack_id = 7;
        m.up.u.send_to_group.has_ack_id = 1;
        d = &m.up.u.send_to_group.data;
        d->kind = WPS_DATA_BINARY;
    }
    d->bytes.len = BIG_LEN; /* the payload is never in memory */
    CHECK_STATUS(encode_split(down, &m, ht, sizeof ht, &head, &tail), PBW_OK);
    len = head + BIG_LEN + tail;

    if (down)
        wps_stream_init_downstream(&s, &out.down, scratch, sizeof scratch,
                                   known ? len : WPS_LEN_UNKNOWN, 0);
    else
        wps_stream_init_upstream(&s, &out.up, scratch, sizeof scratch,
                                 known ? len : WPS_LEN_UNKNOWN, 0);
    while (!done && pos < len) {
        /* the next window of the frame: head, payload, tail */
        uint32_t n = 0;
        const uint8_t *p = window, *end;
        for (; n < WINDOW && pos + n < len; n++) {
            uint32_t at = pos + n;
            window[n] = at < head ? ht[at]
                      : at < head + BIG_LEN ? big_byte(text, (uint32_t)(at - head))
                      : ht[head + (at - head - BIG_LEN)];
        }
        end = window + n;
        for (;;) {
            MEASURE(E_STREAM_NEXT, st = wps_stream_next(&s, &p, end, &ev));
            if (st != PBW_OK)
                break;
            if (ev.type == WPS_EV_PAYLOAD_BEGIN || ev.type == WPS_EV_PAYLOAD_CHUNK) {
                size_t i;
                for (i = 0; i < ev.chunk.len; i++)
                    bad += ev.chunk.ptr[i] != big_byte(text, checked + (uint32_t)i);
                checked += (uint32_t)ev.chunk.len;
            }
            if (ev.type == WPS_EV_MESSAGE_END) {
                done = 1;
                break;
            }
        }
        if (st != PBW_OK && st != PBW_NEED_MORE)
            break;
        pos += n;
    }
    if (!done && st == PBW_NEED_MORE && !known) {
        while ((st = wps_stream_finish(&s, &ev)) == PBW_OK && ev.type != WPS_EV_MESSAGE_END)
            ;
        done = st == PBW_OK;
    }
    CHECK(done);
    CHECK_STATUS(st, PBW_OK);
    CHECK_EQ(checked, BIG_LEN);
    CHECK_EQ(bad, 0);
    if (down) {
        CHECK(out.down.kind == WPS_DOWN_DATA && out.down.u.data.data.kind == WPS_DATA_TEXT);
        CHECK_EQ(out.down.u.data.data.bytes.len, BIG_LEN);
        CHECK_VIEW(out.down.u.data.group, "g");
        CHECK_VIEW(out.down.u.data.from, "group");
    } else {
        CHECK(out.up.kind == WPS_UP_SEND_TO_GROUP &&
              out.up.u.send_to_group.data.kind == WPS_DATA_BINARY);
        CHECK_EQ(out.up.u.send_to_group.data.bytes.len, BIG_LEN);
        CHECK_EQ(out.up.u.send_to_group.ack_id, 7);
        CHECK_VIEW(out.up.u.send_to_group.group, "g");
    }
}

/* ---- instructions per operation (qemu -icount) ---- */

/* n turns of a two-instruction loop. */
static void spin(uint32_t n)
{
    __asm__ volatile(".syntax unified\n"
                     "1: subs %0, #1\n"
                     "   bne 1b\n"
                     : "+l"(n));
}

static uint32_t ticks_of_spin(uint32_t n)
{
    uint32_t t0 = mcu_ticks();
    spin(n);
    return mcu_ticks() - t0;
}

static const char *const icount_frames[] = {
    "up.ping", "up.corpus.send_text16", "up.send_to_group.full", "up.invoke_event.full",
    "down.ack.success", "down.data.from_group_full", "down.system.connected_full",
    "down.group_state_snapshot.several_items",
};

static void icount_report(void)
{
    /* ticks -> instructions: 20,000 extra instructions of the spin loop */
    uint32_t base = ticks_of_spin(10000), more = ticks_of_spin(20000), t0, t1, empty;
    double per_tick = more > base ? 20000.0 / (double)(more - base) : 0;
    size_t f, k;

    t0 = mcu_ticks();
    t1 = mcu_ticks();
    empty = t1 - t0;
    /* Under -icount the counts repeat exactly; in real time they do not. */
    if (more <= base || ticks_of_spin(20000) != more || ticks_of_spin(10000) != base) {
        printf("icount: the clock does not follow the instruction count (no qemu -icount?); "
               "skipped\n");
        return;
    }
    printf("icount calibration %lu ticks per 20000 instructions\n", (unsigned long)(more - base));
    for (f = 0; f < sizeof icount_frames / sizeof *icount_frames; f++) {
        const mcu_golden *g = NULL;
        any_msg m;
        uint8_t out[512];
        size_t written = 0, err;
        pbw_status st;
        uint32_t dec, enc;
        for (k = 0; k < mcu_golden_count; k++)
            if (strcmp(mcu_golden_vectors[k].name, icount_frames[f]) == 0)
                g = &mcu_golden_vectors[k];
        test_context("icount %s", icount_frames[f]);
        CHECK(g != NULL);
        if (g == NULL)
            continue;
        t0 = mcu_ticks();
        st = g->down ? wps_downstream_decode(g->in, g->len, &m.down, 0, &err)
                     : wps_upstream_decode(g->in, g->len, &m.up, 0, &err);
        t1 = mcu_ticks();
        dec = t1 - t0 - empty;
        CHECK_STATUS(st, PBW_OK);
        t0 = mcu_ticks();
        st = g->down ? wps_downstream_encode(&m.down, out, sizeof out, &written)
                     : wps_upstream_encode(&m.up, out, sizeof out, &written);
        t1 = mcu_ticks();
        enc = t1 - t0 - empty;
        CHECK_STATUS(st, PBW_OK);
        printf("icount %s bytes %lu decode %.0f encode %.0f\n", g->name, (unsigned long)g->len,
               dec * per_tick, enc * per_tick);
    }
    test_context("");
}

int main(void)
{
    extern uint32_t __stack_bottom[];
    uint32_t *sp;
    size_t i;

    MCU_SP(sp);
    mcu_paint(__stack_bottom, sp - 16);
    mcu_ticks_start();
    stack_setup();
    mem_measure();
    icount_report();

    suite_pbwire();
    suite_messages();
    printf("unit suites: %lu passed, %lu failed\n", test_passed, test_failed);
    for (i = 0; i < mcu_golden_count; i++)
        golden_one(&mcu_golden_vectors[i]);
    for (i = 0; i < mcu_malformed_count; i++)
        malformed_one(&mcu_malformed_vectors[i]);
    test_context("vectors");
    CHECK(mcu_golden_count > 300 && mcu_malformed_count > 9000);
    big_payload(0, 1);
    big_payload(0, 0);
    big_payload(1, 1);
    big_payload(1, 0);
    stack_report();
    {
        uint32_t *low = mcu_unpainted(__stack_bottom, sp);
        printf("whole run: deepest stack %lu of %lu bytes\n",
               (unsigned long)((uintptr_t)sp - (uintptr_t)low),
               (unsigned long)((uintptr_t)sp - (uintptr_t)__stack_bottom));
        test_context("stack region");
        CHECK(low - __stack_bottom >= 256); /* never near the heap */
    }
    printf("%lu passed, %lu failed\n", test_passed, test_failed);
    return test_failed != 0;
}
