/* SPDX-License-Identifier: MIT */
/*
 * bench/peers/col_ours.c - our codec's columns (links ../../pbwire.c and
 * ../../wps_messages.c as they are in the tree).
 *
 *   ours.decode         wps_*_decode, full checks (UTF-8 on)
 *   ours.decode-noutf8  wps_*_decode with WPS_DECODE_NO_UTF8
 *   ours.stream1460     the streaming decoder fed 1,460-byte chunks, payload
 *                       bytes (PAYLOAD_BEGIN's and PAYLOAD_CHUNK's) handed to
 *                       a sink that only counts them (as bench/bench.c does)
 *   ours.encode         wps_*_encode from structs decoded beforehand
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../wps_messages.h"
#include "harness.h"

typedef union any_msg {
    wps_upstream up;
    wps_downstream down;
} any_msg;

static uint8_t scratch[1 << 16];
static uint8_t payload_buf[4 << 20];

static size_t encode_any(int down, const any_msg *m, uint8_t *dst, size_t cap)
{
    size_t n = 0;
    pbw_status st = down ? wps_downstream_encode(&m->down, dst, cap, &n)
                         : wps_upstream_encode(&m->up, dst, cap, &n);
    return st == PBW_OK ? n : (size_t)-1;
}

static int round_trips(const bp_corpus *c, size_t i, const any_msg *m)
{
    size_t n = encode_any(c->down, m, bp_out, BP_OUT_CAP);
    return n == c->len[i] && memcmp(bp_out, c->msg[i], n) == 0;
}

/* ---- decode ---- */

static void *prep_decode_flags(const bp_corpus *c, char *why, size_t wl, unsigned flags)
{
    size_t i, off = 0;
    for (i = 0; i < c->count; i++) {
        any_msg m;
        pbw_status st = c->down ? wps_downstream_decode(c->msg[i], c->len[i], &m.down, flags, &off)
                                : wps_upstream_decode(c->msg[i], c->len[i], &m.up, flags, &off);
        if (st != PBW_OK)
            return bp_fail(why, wl, "#%zu rejected: %s at byte %zu", i, pbw_status_name(st), off);
        if (!round_trips(c, i, &m))
            return bp_fail(why, wl, "#%zu: decode then encode does not give the corpus bytes", i);
    }
    return &bp_nostate;
}

static void *prep_decode(const bp_corpus *c, char *why, size_t wl, int *na)
{
    (void)na;
    return prep_decode_flags(c, why, wl, 0);
}

static void *prep_noutf8(const bp_corpus *c, char *why, size_t wl, int *na)
{
    (void)na;
    return prep_decode_flags(c, why, wl, WPS_DECODE_NO_UTF8);
}

static uint64_t decode_pass(const bp_corpus *c, unsigned flags)
{
    uint64_t sum = 0;
    size_t i;
    any_msg m;
    if (c->down) {
        for (i = 0; i < c->count; i++) {
            wps_downstream_decode(c->msg[i], c->len[i], &m.down, flags, NULL);
            sum += m.down.kind;
        }
    } else {
        for (i = 0; i < c->count; i++) {
            wps_upstream_decode(c->msg[i], c->len[i], &m.up, flags, NULL);
            sum += m.up.kind;
        }
    }
    return sum;
}

uint64_t bp_col_ours_decode(void *st, const bp_corpus *c)
{
    (void)st;
    return decode_pass(c, 0);
}

uint64_t bp_col_ours_decode_noutf8(void *st, const bp_corpus *c)
{
    (void)st;
    return decode_pass(c, WPS_DECODE_NO_UTF8);
}

/* ---- streaming decode, 1,460-byte chunks ---- */

/* A caller that forwards payloads: counts the chunk bytes.  With `collect`
 * (verification only) it also gathers the payload so the message can be
 * re-encoded.  Returns 0 on failure. */
static uint64_t stream_one(const bp_corpus *c, size_t i, any_msg *m, size_t chunk, int collect)
{
    wps_stream s;
    wps_stream_event ev;
    const uint8_t *p = c->msg[i], *end = p + c->len[i];
    uint64_t payload = 0;
    size_t got = 0;
    wps_data *pd = NULL;
    if (c->down)
        wps_stream_init_downstream(&s, &m->down, scratch, sizeof scratch, c->len[i], 0);
    else
        wps_stream_init_upstream(&s, &m->up, scratch, sizeof scratch, c->len[i], 0);
    for (;;) {
        const uint8_t *stop = (size_t)(end - p) > chunk ? p + chunk : end;
        pbw_status st;
        while ((st = wps_stream_next(&s, &p, stop, &ev)) == PBW_OK) {
            if (ev.type == WPS_EV_PAYLOAD_BEGIN || ev.type == WPS_EV_PAYLOAD_CHUNK) {
                /* BEGIN carries the payload's first bytes (possibly none) */
                payload += ev.chunk.len;
                if (collect) {
                    if (ev.type == WPS_EV_PAYLOAD_BEGIN) {
                        got = 0;
                        pd = ev.data;
                    }
                    if (got + ev.chunk.len > sizeof payload_buf)
                        return 0;
                    if (ev.chunk.len)
                        memcpy(payload_buf + got, ev.chunk.ptr, ev.chunk.len);
                    got += ev.chunk.len;
                }
            } else if (ev.type == WPS_EV_PAYLOAD_DISCARD) {
                got = 0;
                pd = NULL;
            } else if (ev.type == WPS_EV_MESSAGE_END) {
                if (collect && pd) {
                    if (pd->bytes.len != got)
                        return 0;
                    pd->bytes.ptr = payload_buf;
                }
                return payload + 1;
            }
        }
        if (st != PBW_NEED_MORE)
            return 0;
    }
}

static void *prep_stream(const bp_corpus *c, char *why, size_t wl, int *na)
{
    size_t i;
    (void)na;
    for (i = 0; i < c->count; i++) {
        any_msg m;
        if (stream_one(c, i, &m, 1460, 1) == 0)
            return bp_fail(why, wl, "#%zu: streaming decode failed", i);
        if (!round_trips(c, i, &m))
            return bp_fail(why, wl, "#%zu: streaming decode then encode does not give the corpus bytes", i);
    }
    return &bp_nostate;
}

uint64_t bp_col_ours_stream1460(void *st, const bp_corpus *c)
{
    uint64_t sum = 0;
    size_t i;
    any_msg m;
    (void)st;
    for (i = 0; i < c->count; i++)
        sum += stream_one(c, i, &m, 1460, 0);
    return sum;
}

/* ---- encode from populated structs ---- */

static void *prep_encode(const bp_corpus *c, char *why, size_t wl, int *na)
{
    any_msg *ms = malloc((c->count ? c->count : 1) * sizeof *ms);
    size_t i;
    (void)na;
    if (!ms)
        return bp_fail(why, wl, "out of memory");
    for (i = 0; i < c->count; i++) {
        pbw_status st = c->down ? wps_downstream_decode(c->msg[i], c->len[i], &ms[i].down, 0, NULL)
                                : wps_upstream_decode(c->msg[i], c->len[i], &ms[i].up, 0, NULL);
        if (st != PBW_OK || !round_trips(c, i, &ms[i])) {
            free(ms);
            return bp_fail(why, wl, "#%zu: decode then encode does not give the corpus bytes", i);
        }
    }
    return ms;
}

uint64_t bp_col_ours_encode(void *st, const bp_corpus *c)
{
    const any_msg *ms = st;
    uint64_t sum = 0;
    size_t i, n;
    if (c->down) {
        for (i = 0; i < c->count; i++) {
            wps_downstream_encode(&ms[i].down, bp_out, BP_OUT_CAP, &n);
            sum += n;
        }
    } else {
        for (i = 0; i < c->count; i++) {
            wps_upstream_encode(&ms[i].up, bp_out, BP_OUT_CAP, &n);
            sum += n;
        }
    }
    return sum;
}

static void release_none(void *st)
{
    (void)st;
}

const bp_column bp_cols_ours[] = {
    {"ours.decode", "ours", "ours", BP_DECODE, 0, "bp_col_ours_decode", prep_decode,
     bp_col_ours_decode, release_none},
    {"ours.decode-noutf8", "ours", "ours no-UTF-8", BP_DECODE, 0, "bp_col_ours_decode_noutf8",
     prep_noutf8, bp_col_ours_decode_noutf8, release_none},
    {"ours.stream1460", "ours", "ours stream 1460", BP_DECODE, 0, "bp_col_ours_stream1460",
     prep_stream, bp_col_ours_stream1460, release_none},
    {"ours.encode", "ours", "ours", BP_ENCODE, 0, "bp_col_ours_encode", prep_encode,
     bp_col_ours_encode, free},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL}};
