/* SPDX-License-Identifier: MIT */
/*
 * tests/test_hardening.c - regression tests for issue 12: huge sizes,
 * 32-bit overflow, overlapping buffers, 2 GiB lengths, NULL views, header
 * values, presence flags.  Each case names the defect it pins down; they
 * run in the -m32 build too (make portability).
 *
 * The 2 GiB and 4 GiB inputs cost no memory: one-shot inputs are anonymous
 * MAP_NORESERVE mappings whose pages are never touched (binary payloads are
 * not read), streamed inputs are one small chunk fed again and again.
 */
#define _DEFAULT_SOURCE 1
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test.h"
#include "../wps_service.h"

/* An untouched, zero-filled region of n bytes, or NULL when the address
 * space has no room (reported by the caller). */
static uint8_t *big_region(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    return p == MAP_FAILED ? NULL : (uint8_t *)p;
}

/* Two pages, the second inaccessible: a buffer of n bytes that ends right
 * at the guard, so any write past n faults. */
typedef struct guarded {
    uint8_t *map, *buf;
    size_t maplen;
} guarded;

static int guard_alloc(guarded *g, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (n + page - 1) / page * page;
    g->maplen = body + page;
    g->map = big_region(g->maplen);
    if (!g->map)
        return 0;
    mprotect(g->map + body, page, PROT_NONE);
    g->buf = g->map + body - n;
    return 1;
}

static void guard_free(guarded *g)
{
    munmap(g->map, g->maplen);
}

/* ---- defect 2: length prefixes of 2^31 and above ---------------------- */

/* SendToGroup { data { binary_data: 2^31 bytes } }, the frame. */
static const uint8_t huge_head[] = {0x0a, 0x8c, 0x80, 0x80, 0x80, 0x08, 0x1a, 0x86, 0x80,
                                    0x80, 0x80, 0x08, 0x12, 0x80, 0x80, 0x80, 0x80, 0x08};

static void len_limit_oneshot(void)
{
    const size_t n = sizeof huge_head + ((size_t)1 << 31);
    uint8_t *buf;
    wps_upstream m;
    size_t off = 0;

    test_context("defect 2: one-shot, a 2^31 length with 2^31 bytes behind it");
    if (sizeof(size_t) < 8 && n < sizeof huge_head) {
        CHECK(0);
        return;
    }
    buf = big_region(n + 64);
    if (!buf) {
        test_context("defect 2: one-shot: no room for a 2 GiB mapping");
        CHECK(buf != NULL);
        return;
    }
    memcpy(buf, huge_head, sizeof huge_head);
    /* longer than INT_MAX: refused whole, at the limit */
    CHECK_STATUS(wps_upstream_decode(buf, n, &m, 0, &off), PBW_E_TOO_BIG);
    CHECK_EQ(off, PBW_MSG_MAX);
    CHECK_EQ(m.kind, WPS_UP_NONE);
    /* cut to INT_MAX bytes: the first length is refused before it is
     * compared with what follows */
    CHECK_STATUS(wps_upstream_decode(buf, PBW_MSG_MAX, &m, 0, &off), PBW_E_TOO_BIG);
    CHECK_EQ(off, 1);

    /* libprotobuf's boundary: an unknown field of 2^31-17 bytes is read, of
     * 2^31-16 is not (ReadSize: INT_MAX - 16). */
    test_context("defect 2: one-shot, the 2^31-17 boundary");
    {
        static const uint8_t ok[] = {0xa2, 0x01, 0xef, 0xff, 0xff, 0xff, 0x07};
        static const uint8_t bad[] = {0xa2, 0x01, 0xf0, 0xff, 0xff, 0xff, 0x07};
        const size_t body = 0x7fffffefu;
        memcpy(buf, ok, sizeof ok);
        CHECK_STATUS(wps_upstream_decode(buf, sizeof ok + body, &m, 0, &off), PBW_OK);
        CHECK_EQ(off, sizeof ok + body);
        memcpy(buf, bad, sizeof bad);
        CHECK_STATUS(wps_upstream_decode(buf, sizeof bad + body + 1, &m, 0, &off),
                     PBW_E_TOO_BIG);
        CHECK_EQ(off, 2);
    }
    /* A whole message above INT_MAX bytes. */
    test_context("defect 2: one-shot, a message of INT_MAX + 1 bytes");
    memset(buf, 0, 16);
    CHECK_STATUS(wps_downstream_decode(buf, (size_t)PBW_MSG_MAX + 1, (wps_downstream *)&m, 0,
                                       &off),
                 PBW_E_TOO_BIG);
    CHECK_EQ(off, PBW_MSG_MAX);

    /* The encoders' boundary: a message of exactly PBW_LEN_MAX bytes has
     * that size; one byte more is refused.  The payload is never read. */
    test_context("defect 1: a message of PBW_LEN_MAX bytes");
    {
        size_t L = PBW_LEN_MAX - 18, w = 1; /* send_to_group { data { binary } } */
        memset(&m, 0, sizeof m);
        m.kind = WPS_UP_SEND_TO_GROUP;
        m.u.send_to_group.has_data = 1;
        m.u.send_to_group.data.kind = WPS_DATA_BINARY;
        m.u.send_to_group.data.bytes.ptr = buf;
        m.u.send_to_group.data.bytes.len = L;
        CHECK_EQ(wps_upstream_size(&m), PBW_LEN_MAX);
        m.u.send_to_group.data.bytes.len = L + 1;
        CHECK_EQ(wps_upstream_size(&m), 0);
        CHECK_STATUS(wps_upstream_encode(&m, NULL, 0, &w), PBW_E_TOO_BIG);
        CHECK_EQ(w, 0);
    }
    munmap(buf, n + 64);
}

/* Feeds `chunk` again and again (up to `times`), collecting events; returns
 * the first status that is not PBW_OK or PBW_NEED_MORE, or PBW_NEED_MORE.
 * *payload: the payload bytes delivered. */
static pbw_status feed_repeat(wps_stream *s, const uint8_t *chunk, size_t n, unsigned long times,
                              uint64_t *payload)
{
    unsigned long i;
    wps_stream_event ev;
    pbw_status st = PBW_NEED_MORE;
    for (i = 0; i < times; i++) {
        const uint8_t *p = chunk;
        while ((st = wps_stream_next(s, &p, chunk + n, &ev)) == PBW_OK) {
            if (ev.type == WPS_EV_PAYLOAD_BEGIN || ev.type == WPS_EV_PAYLOAD_CHUNK)
                *payload += ev.chunk.len;
            if (ev.type == WPS_EV_MESSAGE_END)
                return PBW_OK;
        }
        if (st != PBW_NEED_MORE)
            return st;
    }
    return st;
}

static void len_limit_stream(void)
{
    static uint8_t zeros[1 << 20];
    uint8_t scratch[64];
    wps_upstream m;
    wps_stream s;
    uint64_t got = 0;
    const uint8_t *p;
    wps_stream_event ev;
    /* SendToGroup { data { binary_data: 2^32 + 5 bytes } }: on 32-bit the
     * length used to be cut to 5 while 2^32 + 5 bytes went out as events. */
    static const uint8_t four_gib[] = {0x0a, 0x91, 0x80, 0x80, 0x80, 0x10, 0x1a, 0x8b, 0x80,
                                       0x80, 0x80, 0x10, 0x12, 0x85, 0x80, 0x80, 0x80, 0x10};

    test_context("defect 2: streamed, unknown length, a 2^31 length");
    wps_stream_init_upstream(&s, &m, scratch, sizeof scratch, WPS_LEN_UNKNOWN, 0);
    p = huge_head;
    CHECK_STATUS(wps_stream_next(&s, &p, huge_head + sizeof huge_head, &ev), PBW_E_TOO_BIG);
    CHECK_EQ(wps_stream_offset(&s), 1);
    /* and nothing is delivered, however much follows */
    CHECK_STATUS(feed_repeat(&s, zeros, sizeof zeros, 4, &got), PBW_E_TOO_BIG);
    CHECK_EQ(got, 0);

    test_context("defect 2: streamed, unknown length, a 2^32+5 payload");
    wps_stream_init_upstream(&s, &m, scratch, sizeof scratch, WPS_LEN_UNKNOWN, 0);
    p = four_gib;
    CHECK_STATUS(wps_stream_next(&s, &p, four_gib + sizeof four_gib, &ev), PBW_E_TOO_BIG);
    CHECK_EQ(wps_stream_offset(&s), 1);

    test_context("defect 2: streamed, declared length above INT_MAX");
    wps_stream_init_upstream(&s, &m, scratch, sizeof scratch, (uint64_t)PBW_MSG_MAX + 1, 0);
    p = zeros;
    CHECK_STATUS(wps_stream_next(&s, &p, zeros + 16, &ev), PBW_E_TOO_BIG);
    CHECK_EQ(wps_stream_offset(&s), PBW_MSG_MAX);

    /* 2048 unknown fields of 1 MiB each: exactly 2^31 bytes of valid wire,
     * one more than libprotobuf reads. */
    test_context("defect 2: streamed, unknown length, more than INT_MAX bytes");
    {
        static uint8_t field[1 << 20];
        size_t body = sizeof field - 5;
        field[0] = 0xa2;
        field[1] = 0x01;
        field[2] = (uint8_t)(body | 0x80);
        field[3] = (uint8_t)(body >> 7 | 0x80);
        field[4] = (uint8_t)(body >> 14);
        wps_stream_init_upstream(&s, &m, scratch, sizeof scratch, WPS_LEN_UNKNOWN, 0);
        CHECK_STATUS(feed_repeat(&s, field, sizeof field, 2047, &got), PBW_NEED_MORE);
        CHECK_EQ(wps_stream_offset(&s), (uint64_t)2047 << 20);
        CHECK_STATUS(feed_repeat(&s, field, sizeof field, 1, &got), PBW_E_TOO_BIG);
        CHECK_EQ(wps_stream_offset(&s), PBW_MSG_MAX);
    }

    /* A payload of 2^31-17 bytes, the largest, streams through whole and
     * its length is exact on 32-bit too. */
    test_context("defect 2: streamed, the largest payload (2^31-29 bytes)");
    {
        /* binary_data of L inside data inside send_to_group: the root's
         * length, L + 12, is the largest there is */
        const uint64_t L = 0x7fffffefu - 12;
        uint8_t head[18], *w = head;
        uint64_t total, left = L;
        pbw_status st;
        *w++ = 0x0a;
        w = pbw_write_varint(w, L + 12);
        *w++ = 0x1a;
        w = pbw_write_varint(w, L + 6);
        *w++ = 0x12;
        w = pbw_write_varint(w, L);
        total = sizeof head + L;
        wps_stream_init_upstream(&s, &m, scratch, sizeof scratch, total, 0);
        got = 0;
        p = head;
        st = wps_stream_next(&s, &p, head + sizeof head, &ev);
        CHECK_STATUS(st, PBW_OK);
        CHECK_EQ(ev.remaining, L);
        while (left) {
            size_t n = left < sizeof zeros ? (size_t)left : sizeof zeros;
            p = zeros;
            while ((st = wps_stream_next(&s, &p, zeros + n, &ev)) == PBW_OK &&
                   ev.type != WPS_EV_MESSAGE_END)
                got += ev.chunk.len;
            left -= n;
        }
        CHECK_STATUS(wps_stream_next(&s, NULL, NULL, &ev), PBW_OK);
        CHECK_EQ(got, L);
        CHECK_EQ(m.u.send_to_group.data.bytes.len, L);
    }
}


/* ---- defect 1: size sums that wrap on 32-bit --------------------------- */

/* Encodes into a buffer that ends at a guard page, when the size claims a
 * small enough message: a wrong size faults instead of passing. */
static pbw_status encode_guarded_up(const wps_upstream *m, size_t cap, size_t *written)
{
    guarded g;
    pbw_status st;
    if (!guard_alloc(&g, cap ? cap : 1))
        return PBW_E_NOSPACE;
    st = wps_upstream_encode(m, g.buf, cap, written);
    guard_free(&g);
    return st;
}

static void size_sums(void)
{
    const size_t big = (size_t)1 << 20, nkv = 4200;
    uint8_t *buf = calloc(big, 1);
    wps_kv *kv = calloc(nkv, sizeof *kv);
    wps_group_state_item *items = calloc(nkv, sizeof *items);
    wps_upstream m;
    wps_downstream d;
    size_t i, n, w = 12345;

    if (!buf || !kv || !items) {
        CHECK(0);
        return;
    }
    for (i = 0; i < nkv; i++) {
        kv[i].key.ptr = kv[i].value.ptr = buf;
        kv[i].key.len = kv[i].value.len = big;
        items[i].connection_id = kv[i].key;
        items[i].user_id = kv[i].key;
        items[i].has_user_id = 1;
    }
    test_context("defect 1: 4200 map entries of 2 MiB (8.8 GB; wraps a 32-bit size)");
    memset(&m, 0, sizeof m);
    m.kind = WPS_UP_EVENT;
    m.u.event.event.ptr = (const uint8_t *)"e";
    m.u.event.event.len = 1;
    m.u.event.metadata.entries = kv;
    m.u.event.metadata.count = nkv;
    n = wps_upstream_size(&m);
    CHECK_EQ(n, 0);
    CHECK_STATUS(encode_guarded_up(&m, n < ((size_t)64 << 20) ? n : 4096, &w), PBW_E_TOO_BIG);
    CHECK_EQ(w, 0);

    test_context("defect 1: 4200 group-state items of 2 MiB");
    memset(&d, 0, sizeof d);
    d.kind = WPS_DOWN_GROUP_STATE_SNAPSHOT;
    d.u.group_state_snapshot.items.items = items;
    d.u.group_state_snapshot.items.count = nkv;
    CHECK_EQ(wps_downstream_size(&d), 0);
    CHECK_STATUS(wps_downstream_encode(&d, NULL, 0, &w), PBW_E_TOO_BIG);
    /* 1023 of them (2,145,399,801 bytes) are within the limit: a size, not
     * a wrap */
    d.u.group_state_snapshot.items.count = 1023;
    CHECK_EQ(wps_downstream_size(&d), 6 + 1023 * (1 + 4 + 2 * (1 + 3 + big)));

    free(items);
    free(kv);
    free(buf);
}

/* ---- defect 6: the split encoder's root length ------------------------- */

static void split_limits(void)
{
    uint8_t out[64];
    size_t head = 1, tail = 1;
    wps_upstream m;
    wps_upstream back;
    size_t L = PBW_LEN_MAX - 18; /* the whole frame is at most PBW_LEN_MAX */

    memset(&m, 0, sizeof m);
    m.kind = WPS_UP_SEND_TO_GROUP;
    m.u.send_to_group.has_data = 1;
    m.u.send_to_group.data.kind = WPS_DATA_BINARY;
    test_context("defect 6: split encoder, a 2^31 payload");
    m.u.send_to_group.data.bytes.len = (size_t)1 << 31;
    CHECK_STATUS(wps_upstream_encode_split(&m, out, sizeof out, &head, &tail), PBW_E_TOO_BIG);
    CHECK_EQ(head + tail, 0);
    test_context("defect 6: split encoder, a SIZE_MAX - 5 payload");
    m.u.send_to_group.data.bytes.len = SIZE_MAX - 5;
    CHECK_STATUS(wps_upstream_encode_split(&m, out, sizeof out, &head, &tail), PBW_E_TOO_BIG);
    test_context("defect 6: split encoder, the largest payload");
    m.u.send_to_group.data.bytes.len = L;
    CHECK_STATUS(wps_upstream_encode_split(&m, out, sizeof out, &head, &tail), PBW_OK);
    CHECK_EQ(head, 18);
    CHECK_EQ(tail, 0);
    {
        /* the head's lengths are the right ones: the streaming decoder,
         * told the frame's length, reads them and starts the payload */
        wps_stream s;
        wps_stream_event ev;
        uint8_t scratch[8];
        const uint8_t *p = out;
        wps_stream_init_upstream(&s, &back, scratch, sizeof scratch, head + (uint64_t)L, 0);
        CHECK_STATUS(wps_stream_next(&s, &p, out + head, &ev), PBW_OK);
        CHECK_EQ(ev.type, WPS_EV_PAYLOAD_BEGIN);
        CHECK_EQ(ev.remaining, L);
    }
}

/* ---- defect 7: one rule for validity, views and presence --------------- */

static void api_rules(void)
{
    uint8_t out[256], *frame;
    size_t n, w;
    wps_upstream m, back;
    wps_downstream d;
    static const uint8_t text[] = "hello";

    test_context("defect 7: size is 0 for what encode refuses: data kind 99");
    memset(&m, 0, sizeof m);
    m.kind = WPS_UP_SEND_TO_GROUP;
    m.u.send_to_group.has_data = 1;
    m.u.send_to_group.data.kind = (wps_data_kind)99;
    CHECK_EQ(wps_upstream_size(&m), 0);
    CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &w), PBW_E_ARG);
    m.kind = WPS_UP_EVENT; /* the general encoder */
    m.u.event.has_data = 1;
    m.u.event.data.kind = (wps_data_kind)99;
    CHECK_EQ(wps_upstream_size(&m), 0);
    CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &w), PBW_E_ARG);

    test_context("defect 7: size is 0 for what encode refuses: system kind 7");
    memset(&d, 0, sizeof d);
    d.kind = WPS_DOWN_SYSTEM;
    d.u.system.kind = (wps_system_kind)7;
    CHECK_EQ(wps_downstream_size(&d), 0);
    CHECK_STATUS(wps_downstream_encode(&d, out, sizeof out, &w), PBW_E_ARG);

    test_context("defect 7: {NULL, 5} views are PBW_E_ARG, fast and general paths");
    memset(&m, 0, sizeof m);
    m.kind = WPS_UP_JOIN_GROUP;
    m.u.join_group.group.len = 5;
    CHECK_EQ(wps_upstream_size(&m), 0);
    CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &w), PBW_E_ARG);
    m.kind = WPS_UP_SET_GROUP_STATE;
    CHECK_EQ(wps_upstream_size(&m), 0);
    CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &w), PBW_E_ARG);
    memset(&m, 0, sizeof m);
    m.kind = WPS_UP_SEND_TO_GROUP;
    m.u.send_to_group.has_data = 1;
    m.u.send_to_group.data.kind = WPS_DATA_TEXT;
    m.u.send_to_group.data.bytes.len = 3;
    CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &w), PBW_E_ARG);
    {
        wps_kv kv;
        memset(&kv, 0, sizeof kv);
        kv.value.len = 2;
        memset(&m, 0, sizeof m);
        m.kind = WPS_UP_EVENT;
        m.u.event.metadata.entries = &kv;
        m.u.event.metadata.count = 1;
        CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &w), PBW_E_ARG);
        /* a count with neither entries nor a wire region */
        m.u.event.metadata.entries = NULL;
        CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &w), PBW_E_ARG);
    }
    /* but {NULL, 0} is the empty view, everywhere */
    memset(&m, 0, sizeof m);
    m.kind = WPS_UP_SEND_TO_GROUP;
    m.u.send_to_group.has_data = 1;
    m.u.send_to_group.data.kind = WPS_DATA_TEXT;
    CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &w), PBW_OK);
    CHECK_EQ(w, 6);

    test_context("defect 7: has_ack_id = 0 leaves ack_id out, fast and general paths");
    {
        static const wps_up_kind kinds[] = {WPS_UP_SEND_TO_GROUP, WPS_UP_JOIN_GROUP,
                                            WPS_UP_EVENT, WPS_UP_SET_GROUP_STATE};
        size_t k;
        for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            wps_kv kv = {{text, 1}, {text, 1}};
            memset(&m, 0, sizeof m);
            m.kind = kinds[k];
            switch (kinds[k]) {
            case WPS_UP_SEND_TO_GROUP:
                m.u.send_to_group.ack_id = 77;
                m.u.send_to_group.ttl_seconds = 9; /* has_ttl_seconds 0 too */
                break;
            case WPS_UP_JOIN_GROUP:
                m.u.join_group.ack_id = 77;
                break;
            case WPS_UP_EVENT:
                m.u.event.ack_id = 77;
                m.u.event.metadata.entries = &kv;
                m.u.event.metadata.count = 1;
                break;
            default:
                m.u.set_group_state.ack_id = 77;
                break;
            }
            n = wps_upstream_size(&m);
            CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &w), PBW_OK);
            CHECK_EQ(w, n);
            CHECK_STATUS(wps_upstream_decode(out, w, &back, 0, NULL), PBW_OK);
            CHECK_EQ(back.kind, kinds[k]);
            /* ack_id sits at the same place in none of them: compare bytes */
            CHECK(memchr(out, 77, w) == NULL && memchr(out, 9, w) == NULL);
        }
    }
    test_context("defect 7: has_group = 0 leaves group out (DataMessage, fast and general)");
    memset(&d, 0, sizeof d);
    d.kind = WPS_DOWN_DATA;
    d.u.data.group.ptr = text;
    d.u.data.group.len = 5;
    d.u.data.sequence_id = 5;
    CHECK_STATUS(wps_downstream_encode(&d, out, sizeof out, &w), PBW_OK);
    CHECK_EQ(w, 2);
    d.u.data.has_stream = 1; /* general path */
    CHECK_STATUS(wps_downstream_encode(&d, out, sizeof out, &w), PBW_OK);
    CHECK_EQ(w, 4);
    CHECK_EQ(wps_downstream_size(&d), 4);

    /* ---- defect 3: re-encoding into the input's own buffer ---------- */
    test_context("defect 3: re-encoding a frame into its own buffer is PBW_E_ARG");
    {
        static const char *frames[] = {
            "0a0c0a0567726f75701a030a0161",      /* send_to_group: fast path */
            "32070a0567726f7570",                 /* join_group: fast path */
            "2a100a016512030a016122060a016b120176", /* event with metadata: general */
        };
        size_t k;
        for (k = 0; k < sizeof frames / sizeof frames[0]; k++) {
            uint8_t copy[64];
            size_t len;
            frame = test_unhex_alloc(frames[k], &len);
            if (wps_upstream_decode(frame, len, &m, 0, NULL) != PBW_OK) {
                CHECK(0);
                free(frame);
                continue;
            }
            memcpy(copy, frame, len);
            w = 99;
            CHECK_STATUS(wps_upstream_encode(&m, frame, len, &w), PBW_E_ARG);
            CHECK_MEM(frame, len, copy, len); /* nothing written */
            /* into a buffer of its own: fine */
            CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &w), PBW_OK);
            free(frame);
        }
    }
}

/* ---- defect 4: arithmetic on NULL views -------------------------------- */

static void null_views(void)
{
    wps_data_message dm;
    wps_data data;
    size_t n = 1;
    uint8_t out[128];
    wps_upstream m;

    test_context("defect 4: {NULL, 0} views");
    CHECK_EQ(pbw_utf8_valid(NULL, 0, NULL), 1);
    {
        pbw_utf8 u = PBW_UTF8_INIT;
        CHECK_EQ(pbw_utf8_feed(&u, NULL, 0), 0);
    }
    memset(&data, 0, sizeof data);
    data.kind = WPS_DATA_TEXT; /* text {NULL, 0} */
    wps_server_message(&dm, &data);
    CHECK_STATUS(wps_json_client_size(&dm, NULL, &n), PBW_OK);
    CHECK_STATUS(wps_json_client_write(&dm, NULL, out, sizeof out, &n), PBW_OK);
    CHECK_STATUS(wps_json_validate(NULL, 0, &n), PBW_E_JSON);
    CHECK_STATUS(wps_upstream_decode(NULL, 0, &m, 0, &n), PBW_OK);
    memset(&m, 0, sizeof m);
    m.kind = WPS_UP_EVENT; /* every view {NULL, 0}, general encoder */
    m.u.event.has_data = 1;
    m.u.event.data.kind = WPS_DATA_PROTOBUF;
    CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &n), PBW_OK);
    CHECK_STATUS(wps_upstream_encode(&m, NULL, 0, &n), PBW_E_NOSPACE);
}

/* ---- defect 5: CloudEvents header values, read back per the spec -------- */

static int hexval(uint8_t c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One round of percent-decoding (hex in either case); -1 on a bad escape. */
static long pct_decode(const uint8_t *s, size_t n, uint8_t *out)
{
    size_t i, k = 0;
    for (i = 0; i < n; i++) {
        if (s[i] != '%') {
            out[k++] = s[i];
            continue;
        }
        if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
            return -1;
        out[k++] = (uint8_t)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
        i += 2;
    }
    return (long)k;
}

/*
 * A receiver that follows the CloudEvents HTTP binding 1.0.2, 3.1.3.2: the
 * header `name`'s value, optional whitespace around it stripped (RFC 7230),
 * a quoted-string unquoted, then one round of percent-decoding, and the
 * result rejected unless valid UTF-8.  Also checks that every header line
 * is printable US-ASCII.  Returns the value's length in out, or -1.
 */
static long ce_receive(const uint8_t *h, size_t n, const char *name, uint8_t *out)
{
    size_t i = 0, nl = strlen(name);
    long found = -1;
    while (i < n) {
        size_t e = i, a, b, k;
        while (e + 1 < n && !(h[e] == '\r' && h[e + 1] == '\n'))
            e++;
        if (e + 1 >= n)
            return -1; /* every line ends with CRLF */
        for (k = i; k < e; k++)
            if (h[k] < 0x20 || h[k] > 0x7e)
                return -1;
        if (e - i > nl && memcmp(h + i, name, nl) == 0 && h[i + nl] == ':') {
            uint8_t tmp[4096];
            size_t t = 0;
            a = i + nl + 1;
            b = e;
            while (a < b && (h[a] == ' ' || h[a] == '\t'))
                a++;
            while (b > a && (h[b - 1] == ' ' || h[b - 1] == '\t'))
                b--;
            if (b - a >= 2 && h[a] == '"' && h[b - 1] == '"') { /* quoted-string */
                for (k = a + 1; k < b - 1; k++) {
                    if (h[k] == '\\' && k + 1 < b - 1)
                        k++;
                    tmp[t++] = h[k];
                }
            } else {
                memcpy(tmp, h + a, b - a);
                t = b - a;
            }
            found = pct_decode(tmp, t, out);
            if (found < 0 || !pbw_utf8_valid(out, (size_t)found, NULL))
                return -1;
        }
        i = e + 2;
    }
    return found;
}

/* RFC 3986 path segments of a URI reference, each percent-decoded. */
static int uri_segment(const uint8_t *uri, size_t n, unsigned index, uint8_t *out, long *len)
{
    size_t i = 0, start;
    unsigned seg = 0;
    for (;;) {
        start = i;
        while (i < n && uri[i] != '/')
            i++;
        if (seg == index) {
            *len = pct_decode(uri + start, i - start, out);
            return *len >= 0;
        }
        if (i == n)
            return 0;
        i++;
        seg++;
    }
}

static pbw_bytes bv(const char *s)
{
    pbw_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = strlen(s);
    return b;
}

static void cloudevent_values(void)
{
    static const char *values[] = {
        " msg ", "%0D%0A", "a\"b", "100%", "a b", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
        "Euro \xe2\x82\xac \xf0\x9f\x98\x80", "x/y?z#w", "\xc2\xa0nbsp", "plain-ASCII_~!*'()",
        "",
    };
    static uint8_t out[8192], dec[4096];
    wps_cloudevent_conn c;
    wps_body body;
    wps_data d;
    uint8_t head[WPS_BODY_HEAD_MAX];
    size_t i, w;
    long n;

    memset(&d, 0, sizeof d);
    d.kind = WPS_DATA_TEXT;
    d.bytes = bv("hi");
    CHECK_STATUS(wps_body_of(&d, head, &body), PBW_OK);
    for (i = 0; i < sizeof values / sizeof values[0]; i++) {
        pbw_bytes v = bv(values[i]);
        test_context("defect 5: CloudEvents value \"%s\"", values[i]);
        memset(&c, 0, sizeof c);
        c.hub = v.len ? v : bv("h");
        c.connection_id = v.len ? v : bv("c");
        c.user_id = v;
        c.event_id = bv("1");
        c.time = v;
        c.signature = v;
        c.subprotocol = v;
        c.connection_state = v;
        if (wps_cloudevent_headers(&c, v, &body, out, sizeof out, &w) != PBW_OK) {
            CHECK(0);
            continue;
        }
        n = ce_receive(out, w, "ce-eventName", dec);
        CHECK_MEM(dec, (size_t)(n < 0 ? 0 : n), v.ptr, v.len);
        CHECK(n == (long)v.len);
        n = ce_receive(out, w, "ce-type", dec);
        CHECK(n >= 21 && memcmp(dec, "azure.webpubsub.user.", 21) == 0);
        if (n >= 21)
            CHECK_MEM(dec + 21, (size_t)n - 21, v.ptr, v.len);
        if (v.len) {
            static const char *const hdr[] = {"ce-userId", "ce-time", "ce-signature",
                                              "ce-subprotocol", "ce-connectionState",
                                              "ce-hub", "ce-connectionId"};
            size_t k;
            uint8_t seg[4096];
            long sl;
            for (k = 0; k < sizeof hdr / sizeof hdr[0]; k++) {
                n = ce_receive(out, w, hdr[k], dec);
                CHECK_MEM(dec, (size_t)(n < 0 ? 0 : n), v.ptr, v.len);
            }
            /* ce-source: a URI reference whose segments 2 and 4 are hub and
             * connection id, '/' in them included */
            n = ce_receive(out, w, "ce-source", dec);
            CHECK(n > 0);
            if (n > 0) {
                CHECK(uri_segment(dec, (size_t)n, 1, seg, &sl) && sl == 4 &&
                      memcmp(seg, "hubs", 4) == 0);
                CHECK(uri_segment(dec, (size_t)n, 2, seg, &sl));
                CHECK_MEM(seg, (size_t)(sl < 0 ? 0 : sl), v.ptr, v.len);
                CHECK(uri_segment(dec, (size_t)n, 3, seg, &sl) && sl == 6 &&
                      memcmp(seg, "client", 6) == 0);
                CHECK(uri_segment(dec, (size_t)n, 4, seg, &sl));
                CHECK_MEM(seg, (size_t)(sl < 0 ? 0 : sl), v.ptr, v.len);
                CHECK(!uri_segment(dec, (size_t)n, 5, seg, &sl));
            }
        }
    }
    /* the binding's own example, byte for byte */
    test_context("defect 5: the HTTP binding's example");
    memset(&c, 0, sizeof c);
    c.hub = bv("h");
    c.connection_id = bv("c");
    c.event_id = bv("1");
    c.time = bv("t");
    CHECK_STATUS(wps_cloudevent_headers(&c, bv("Euro \xe2\x82\xac \xf0\x9f\x98\x80"), &body, out,
                                        sizeof out, &w),
                 PBW_OK);
    {
        static const char want[] = "ce-eventName: Euro%20%E2%82%AC%20%F0%9F%98%80\r\n";
        CHECK(w >= sizeof want - 1 &&
              memcmp(out + w - (sizeof want - 1), want, sizeof want - 1) == 0);
    }
    /* what no CloudEvents String holds */
    test_context("defect 5: values a CloudEvents String cannot hold");
    CHECK_STATUS(wps_cloudevent_headers(&c, bv("\xc0\xa0"), &body, out, sizeof out, &w),
                 PBW_E_UTF8);
    CHECK_STATUS(wps_cloudevent_headers(&c, bv("\xed\xa0\x80"), &body, out, sizeof out, &w),
                 PBW_E_UTF8); /* a surrogate */
    CHECK_STATUS(wps_cloudevent_headers(&c, bv("a\xc2\x85"), &body, out, sizeof out, &w),
                 PBW_E_ARG); /* U+0085 */
    CHECK_STATUS(wps_cloudevent_headers(&c, bv("\xef\xb7\x90"), &body, out, sizeof out, &w),
                 PBW_E_ARG); /* U+FDD0 */
    CHECK_STATUS(wps_cloudevent_headers(&c, bv("\xef\xbf\xbf"), &body, out, sizeof out, &w),
                 PBW_E_ARG); /* U+FFFF */
    CHECK_STATUS(wps_cloudevent_headers(&c, bv("\xf4\x8f\xbf\xbe"), &body, out, sizeof out, &w),
                 PBW_E_ARG); /* U+10FFFE */
    CHECK_STATUS(wps_cloudevent_headers(&c, bv("\xef\xbf\xbd"), &body, out, sizeof out, &w),
                 PBW_OK); /* U+FFFD is a character */
    c.origin = bv(" origin");
    CHECK_STATUS(wps_cloudevent_headers(&c, bv("e"), &body, out, sizeof out, &w), PBW_E_ARG);
    c.origin.len = 0;
    c.user_id.len = 3; /* {NULL, 3} */
    CHECK_STATUS(wps_cloudevent_headers(&c, bv("e"), &body, out, sizeof out, &w), PBW_E_ARG);
}

/* ---- defects 1 and 3 in the renderings --------------------------------- */

static void rendering_sizes(void)
{
    wps_data d;
    wps_data_message dm;
    size_t n = 0, w;
    /* an Any of two views of 1.65 GB (one untouched region): base64 of
     * 3.3 GB is 4.4 GB, more than a 32-bit size_t holds */
    const size_t L = (size_t)1650 << 20;
    uint8_t *region = big_region(L);

    test_context("defect 1: json rendering of an Any of 3.3 GB");
    CHECK(region != NULL);
    if (region) {
        memset(&d, 0, sizeof d);
        d.kind = WPS_DATA_PROTOBUF;
        d.type_url.ptr = region;
        d.type_url.len = L;
        d.bytes = d.type_url;
        wps_server_message(&dm, &d);
        if (sizeof(size_t) < 8) {
            CHECK_STATUS(wps_json_client_size(&dm, NULL, &n), PBW_E_TOO_BIG);
            CHECK_EQ(n, 0);
            CHECK_STATUS(wps_json_client_write(&dm, NULL, NULL, 0, &w), PBW_E_TOO_BIG);
        } else {
            size_t any = 2 * (1 + pbw_varint_size(L) + L), small;
            wps_data t = d;
            t.type_url.len = t.bytes.len = 1;
            wps_server_message(&dm, &t);
            CHECK_STATUS(wps_json_client_size(&dm, NULL, &small), PBW_OK);
            wps_server_message(&dm, &d);
            CHECK_STATUS(wps_json_client_size(&dm, NULL, &n), PBW_OK);
            CHECK_EQ(n, small - 8 + (any + 2) / 3 * 4); /* 6 bytes of Any: 8 of base64 */
        }
        munmap(region, L);
    }

    /* CloudEvents: every value one view of L bytes of "é" (each byte %XY,
     * and %25XY in ce-source): 40 bytes of headers per byte of L */
    test_context("defect 1: CloudEvents headers of 4.4 GB");
    {
        /* On 32-bit the wrap takes 110 MB of input scanned 12 times (a
         * minute under qemu): set WPSPB_LONG_TESTS=1 to run it; the same
         * saturating counter is checked on 32-bit above, through base64. */
        int wrap = sizeof(size_t) < 8 && getenv("WPSPB_LONG_TESTS") != NULL;
        size_t len = wrap ? (size_t)110 << 20 : (size_t)1 << 16, i;
        uint8_t *buf = malloc(len);
        wps_cloudevent_conn c;
        wps_body body;
        uint8_t head[WPS_BODY_HEAD_MAX];
        pbw_bytes v;
        pbw_status st;
        CHECK(buf != NULL);
        if (!buf)
            return;
        for (i = 0; i + 1 < len; i += 2) {
            buf[i] = 0xc3;
            buf[i + 1] = 0xa9;
        }
        v.ptr = buf;
        v.len = len;
        memset(&d, 0, sizeof d);
        d.kind = WPS_DATA_BINARY;
        CHECK_STATUS(wps_body_of(&d, head, &body), PBW_OK);
        c.hub = c.connection_id = c.user_id = c.event_id = c.time = c.signature =
            c.subprotocol = c.connection_state = v;
        c.origin.ptr = NULL;
        c.origin.len = 0;
        st = wps_cloudevent_headers(&c, v, &body, NULL, 0, &n);
        if (wrap) {
            CHECK_STATUS(st, PBW_E_TOO_BIG);
            CHECK_EQ(n, 0);
        } else {
            size_t half;
            CHECK_STATUS(st, PBW_E_NOSPACE);
            c.hub.len = c.connection_id.len = c.user_id.len = c.event_id.len = c.time.len =
                c.signature.len = c.subprotocol.len = c.connection_state.len = v.len = len / 2;
            CHECK_STATUS(wps_cloudevent_headers(&c, v, &body, NULL, 0, &half), PBW_E_NOSPACE);
            CHECK_EQ(n - half, 40 * (len - len / 2));
        }
        free(buf);
    }
}

static void rendering_overlap(void)
{
    /* DataMessage{from "group", group "g", data{text "hello"}} at buf + 100 */
    static const char *frame_hex = "12130a0567726f75701201671a070a0568656c6c6f";
    uint8_t buf[256], copy[256], frame[64];
    size_t n = test_unhex(frame_hex, frame), w;
    wps_downstream d;
    wps_cloudevent_conn c;
    wps_body body;
    uint8_t head[WPS_BODY_HEAD_MAX];

    test_context("defect 3: json rendering into the buffer its views point into");
    memset(buf, 0, sizeof buf);
    memcpy(buf + 100, frame, n);
    CHECK_STATUS(wps_downstream_decode(buf + 100, n, &d, 0, NULL), PBW_OK);
    memcpy(copy, buf, sizeof buf);
    CHECK_STATUS(wps_json_client_write(&d.u.data, NULL, buf, sizeof buf, &w), PBW_E_ARG);
    CHECK_EQ(w, 0);
    CHECK_MEM(buf, sizeof buf, copy, sizeof copy);
    /* the views just past the output: fine */
    CHECK_STATUS(wps_json_client_write(&d.u.data, NULL, buf, 100, &w), PBW_OK);
    CHECK_STATUS(wps_downstream_encode(&d, buf, 100, &w), PBW_OK);
    CHECK_STATUS(wps_downstream_encode(&d, buf, 105, &w), PBW_E_ARG); /* "group" at 104 */

    test_context("defect 3: CloudEvents headers into the buffer a value points into");
    memcpy(buf + 100, frame, n);
    CHECK_STATUS(wps_downstream_decode(buf + 100, n, &d, 0, NULL), PBW_OK);
    CHECK_STATUS(wps_body_of(&d.u.data.data, head, &body), PBW_OK);
    memset(&c, 0, sizeof c);
    c.hub = d.u.data.group;
    c.connection_id = bv("c");
    c.event_id = bv("1");
    c.time = bv("t");
    memcpy(copy, buf, sizeof buf);
    CHECK_STATUS(wps_cloudevent_headers(&c, bv("e"), &body, buf, sizeof buf, &w), PBW_E_ARG);
    CHECK_MEM(buf, sizeof buf, copy, sizeof copy);
    CHECK_STATUS(wps_cloudevent_headers(&c, bv("e"), &body, buf, 100, &w), PBW_E_NOSPACE);
}

void suite_hardening(void)
{
    cloudevent_values();
    rendering_sizes();
    rendering_overlap();
    size_sums();
    split_limits();
    api_rules();
    null_views();
    len_limit_oneshot();
    len_limit_stream();
}
