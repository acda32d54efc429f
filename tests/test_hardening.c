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
        CHECK_EQ(ev.length, L);
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

void suite_hardening(void)
{
    len_limit_oneshot();
    len_limit_stream();
}
