/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_build.c - messages built by hand, not decoded: the encoders'
 * and renderings' inputs as a careless or hostile caller makes them.
 *
 * The input drives a builder: which message (valid kinds and stray ones),
 * which presence flags, and every view - {NULL, 0}, {NULL, n > 0}, a slice
 * of one shared pool (so views alias each other), or an extreme length
 * (2^31 - 17 and around, 2^32 + 5, SIZE_MAX) over an untouched reserved
 * region.  Then:
 *   - size and encode agree: size n > 0 means encode succeeds with exactly
 *     n bytes; n == 0 means the empty message or a refusal (PBW_E_ARG,
 *     PBW_E_TOO_BIG), and encode says which;
 *   - encode writes nothing past cap: every output buffer is malloc'd to
 *     exactly cap bytes, so ASan sees one byte too many; PBW_E_NOSPACE
 *     reports n;
 *   - the output decodes back (UTF-8 unchecked: the pool is random bytes),
 *     and re-encodes to the same bytes;
 *   - encoding into the pool itself (the views' own memory) either is
 *     refused (PBW_E_ARG) or gives the same bytes;
 *   - the split encoder's head + payload + tail is the encoding;
 *   - the json rendering and the CloudEvents headers: size equals what is
 *     written, into exact-size buffers, or a clean refusal.
 */
#define _DEFAULT_SOURCE 1
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz_common.h"
#include "../wps_service.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define POOL 512
#define FAIL(r, ...) fz_fail((r)->in, (r)->insz, __VA_ARGS__)

typedef struct rd {
    const uint8_t *in, *p, *end;
    size_t insz;
    uint8_t pool[POOL];
    int huge; /* a view of an extreme length was made */
} rd;

static unsigned byte(rd *r)
{
    return r->p < r->end ? *r->p++ : 0;
}

static uint64_t u64(rd *r)
{
    unsigned k = byte(r);
    uint64_t v = 0;
    switch (k & 3) {
    case 0:
        return k >> 2;
    case 1:
        return byte(r) | (uint64_t)byte(r) << 8;
    case 2:
        v = UINT64_MAX - (k >> 2);
        return v;
    default:
        for (k = 0; k < 8; k++)
            v = v << 8 | byte(r);
        return v;
    }
}

/* An untouched region that views of extreme lengths point at (never read:
 * only sizes are asked of them).  NULL where the address space is short. */
static const uint8_t *huge_region(size_t *len)
{
    static void *region;
    static size_t rlen;
    if (!region) {
        rlen = sizeof(size_t) >= 8 ? ((size_t)1 << 32) + 64 : ((size_t)1 << 31);
        region = mmap(NULL, rlen, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (region == MAP_FAILED)
            region = NULL, rlen = 0;
    }
    *len = rlen;
    return (const uint8_t *)region;
}

static pbw_bytes view(rd *r)
{
    pbw_bytes b = {NULL, 0};
    unsigned k = byte(r);
    switch (k % 8) {
    case 0: /* {NULL, 0} */
        break;
    case 1: /* {NULL, n > 0}: must be refused wherever it is read */
        b.len = 1 + (k >> 3);
        break;
    case 2: { /* extreme lengths over the reserved region */
        static const uint64_t lens[] = {0x7fffffefu - 18, 0x7fffffefu - 17, 0x7fffffefu,
                                        0x7ffffff0u, 0x80000000u, 0xffffffffu,
                                        0x100000005ull, (uint64_t)-1};
        size_t have;
        const uint8_t *reg = huge_region(&have);
        uint64_t n = lens[(k >> 3) % 8];
        if (reg && n <= have) {
            b.ptr = reg;
            b.len = (size_t)n;
            r->huge = 1;
        } else if (n == (uint64_t)-1) {
            b.ptr = (const uint8_t *)r->pool; /* a lie, never read: size only */
            b.len = SIZE_MAX;
            r->huge = 1;
        }
        break;
    }
    default: { /* a slice of the pool: views alias each other */
        unsigned off = byte(r) % POOL;
        unsigned len = byte(r) % 40;
        if (off + len > POOL)
            len = POOL - off;
        b.ptr = r->pool + off;
        b.len = len;
        break;
    }
    }
    return b;
}

static void data(rd *r, wps_data *d)
{
    unsigned k = byte(r);
    memset(d, 0, sizeof *d);
    d->kind = (wps_data_kind)(k % 7); /* 5 and 6: outside the enum */
    d->bytes = view(r);
    if (d->kind == WPS_DATA_PROTOBUF || (k & 0x80))
        d->type_url = view(r);
}

static void map(rd *r, wps_map *m, wps_kv *kv, size_t cap)
{
    size_t i, n = byte(r) % (cap + 1);
    memset(m, 0, sizeof *m);
    for (i = 0; i < n; i++) {
        kv[i].key = view(r);
        kv[i].value = view(r);
    }
    m->count = n;
    m->entries = (byte(r) % 16) ? kv : NULL; /* sometimes a count with nothing */
    if (n == 0)
        m->entries = NULL;
}

#define FLAG(r) ((uint8_t)(byte(r) & 1))

static void build_up(rd *r, wps_upstream *m, wps_kv *kv)
{
    unsigned k = byte(r) % 19; /* 18: a stray kind */
    memset(m, 0, sizeof *m);
    m->kind = (wps_up_kind)k;
    switch (m->kind) {
    case WPS_UP_SEND_TO_GROUP: {
        wps_send_to_group *s = &m->u.send_to_group;
        s->group = view(r);
        s->ack_id = u64(r);
        s->has_ack_id = FLAG(r);
        s->has_data = FLAG(r);
        data(r, &s->data);
        s->has_no_echo = FLAG(r);
        s->no_echo = FLAG(r);
        s->ttl_seconds = (uint32_t)u64(r);
        s->has_ttl_seconds = FLAG(r);
        if (byte(r) & 1)
            map(r, &s->metadata, kv, 8);
        s->has_stream = FLAG(r);
        s->stream.stream_id = view(r);
        break;
    }
    case WPS_UP_EVENT: {
        wps_event_message *e = &m->u.event;
        e->event = view(r);
        e->has_data = FLAG(r);
        data(r, &e->data);
        e->ack_id = u64(r);
        e->has_ack_id = FLAG(r);
        map(r, &e->metadata, kv, 8);
        break;
    }
    case WPS_UP_JOIN_GROUP:
    case WPS_UP_LEAVE_GROUP:
    case WPS_UP_SUBSCRIBE_GROUP_STATE:
    case WPS_UP_UNSUBSCRIBE_GROUP_STATE:
        m->u.join_group.group = view(r);
        m->u.join_group.ack_id = u64(r);
        m->u.join_group.has_ack_id = FLAG(r);
        break;
    case WPS_UP_SEQUENCE_ACK:
        m->u.sequence_ack.sequence_id = u64(r);
        break;
    case WPS_UP_STREAM_DATA:
        m->u.stream_data.stream_id = view(r);
        m->u.stream_data.stream_sequence_id = u64(r);
        m->u.stream_data.has_stream_sequence_id = FLAG(r);
        m->u.stream_data.has_data = FLAG(r);
        data(r, &m->u.stream_data.data);
        break;
    case WPS_UP_SET_GROUP_STATE:
        m->u.set_group_state.group = view(r);
        m->u.set_group_state.ack_id = u64(r);
        m->u.set_group_state.has_ack_id = FLAG(r);
        m->u.set_group_state.has_state = FLAG(r);
        map(r, &m->u.set_group_state.state.entries, kv, 8);
        break;
    default:
        break;
    }
}

static void build_down(rd *r, wps_downstream *m, wps_kv *kv, wps_group_state_item *items)
{
    unsigned k = byte(r) % 12; /* 11: a stray kind */
    memset(m, 0, sizeof *m);
    m->kind = (wps_down_kind)k;
    switch (m->kind) {
    case WPS_DOWN_ACK:
        m->u.ack.ack_id = u64(r);
        m->u.ack.success = FLAG(r);
        m->u.ack.has_error = FLAG(r);
        m->u.ack.error.name = view(r);
        m->u.ack.error.message = view(r);
        break;
    case WPS_DOWN_DATA: {
        wps_data_message *d = &m->u.data;
        d->from = view(r);
        d->group = view(r);
        d->has_group = FLAG(r);
        d->has_data = FLAG(r);
        data(r, &d->data);
        d->sequence_id = u64(r);
        d->has_sequence_id = FLAG(r);
        if (byte(r) & 1)
            map(r, &d->metadata, kv, 8);
        d->has_stream = FLAG(r);
        d->stream.stream_id = view(r);
        d->stream.has_error = FLAG(r);
        d->stream.error.name = view(r);
        d->stream.has_end_of_stream = FLAG(r);
        d->stream.end_of_stream = FLAG(r);
        break;
    }
    case WPS_DOWN_SYSTEM:
        m->u.system.kind = (wps_system_kind)(byte(r) % 4);
        m->u.system.u.connected.connection_id = view(r);
        m->u.system.u.connected.user_id = view(r);
        m->u.system.u.connected.reconnection_token = view(r);
        m->u.system.u.connected.has_reconnection_token = FLAG(r);
        break;
    case WPS_DOWN_GROUP_STATE_SNAPSHOT: {
        size_t i, n = byte(r) % 5;
        m->u.group_state_snapshot.group = view(r);
        for (i = 0; i < n; i++) {
            memset(&items[i], 0, sizeof items[i]);
            items[i].connection_id = view(r);
            items[i].user_id = view(r);
            items[i].has_user_id = FLAG(r);
            items[i].has_state = FLAG(r);
            map(r, &items[i].state.entries, kv + 8 * i, 8);
            items[i].updated_at = (int64_t)u64(r);
        }
        m->u.group_state_snapshot.items.items = n ? items : NULL;
        m->u.group_state_snapshot.items.count = n;
        break;
    }
    default:
        break;
    }
}

/* Encodes into an exact-size heap buffer (ASan sees a byte too many). */
static pbw_status enc(int down, const void *m, size_t cap, uint8_t **out, size_t *written)
{
    pbw_status st;
    *out = (uint8_t *)malloc(cap ? cap : 1);
    if (!*out)
        abort();
    st = down ? wps_downstream_encode((const wps_downstream *)m, cap ? *out : NULL, cap, written)
              : wps_upstream_encode((const wps_upstream *)m, cap ? *out : NULL, cap, written);
    return st;
}

static void check_message(rd *r, int down, const void *m)
{
    size_t n = down ? wps_downstream_size((const wps_downstream *)m)
                    : wps_upstream_size((const wps_upstream *)m);
    size_t w = 7, w2, head, tail;
    uint8_t *out, *again;
    pbw_status st;
    unsigned pick = byte(r);

    /* Too small: NOSPACE with the size, or a refusal, never a write. */
    st = enc(down, m, n ? (pick % n) : 0, &out, &w);
    if (n > 0 && !(st == PBW_E_NOSPACE && w == n))
        FAIL(r, "size %zu but encode with less room: %s, %zu", n, pbw_status_name(st), w);
    if (n == 0 && !(st == PBW_OK && w == 0) && !(st == PBW_E_ARG && w == 0) &&
        !(st == PBW_E_TOO_BIG && w == 0))
        FAIL(r, "size 0 but encode: %s, %zu", pbw_status_name(st), w);
    free(out);
    if (n == 0 || n > ((size_t)1 << 20))
        return; /* refused, or a size only (the huge views are never read) */

    st = enc(down, m, n + pick % 3, &out, &w);
    if (st != PBW_OK || w != n)
        FAIL(r, "size %zu, encode: %s, %zu", n, pbw_status_name(st), w);
    /* decodes back, and re-encodes to the same bytes */
    {
        wps_upstream u;
        wps_downstream d;
        st = down ? wps_downstream_decode(out, w, &d, WPS_DECODE_NO_UTF8, NULL)
                  : wps_upstream_decode(out, w, &u, WPS_DECODE_NO_UTF8, NULL);
        if (st != PBW_OK)
            FAIL(r, "the encoding does not decode: %s", pbw_status_name(st));
        st = enc(down, down ? (const void *)&d : (const void *)&u, w, &again, &w2);
        if (st != PBW_OK || w2 != w || memcmp(again, out, w) != 0)
            FAIL(r, "decode + encode differs: %s, %zu vs %zu", pbw_status_name(st), w2, w);
        free(again);
    }
    /* into the pool, where the views are: refused, or the same bytes */
    if (n <= POOL) {
        uint8_t save[POOL];
        size_t off = (size_t)byte(r) % (POOL - n + 1);
        memcpy(save, r->pool, POOL);
        st = down ? wps_downstream_encode((const wps_downstream *)m, r->pool + off, n, &w2)
                  : wps_upstream_encode((const wps_upstream *)m, r->pool + off, n, &w2);
        if (st == PBW_OK && (w2 != n || memcmp(r->pool + off, out, n) != 0))
            FAIL(r, "encoding over the views gave other bytes");
        if (st != PBW_OK && (st != PBW_E_ARG || memcmp(save, r->pool, POOL) != 0))
            FAIL(r, "encoding over the views: %s, or wrote while refusing", pbw_status_name(st));
        memcpy(r->pool, save, POOL);
    }
    /* split: head + payload + tail is the encoding */
    {
        const wps_data *pd = down ? wps_downstream_data((const wps_downstream *)m)
                                  : wps_upstream_data((const wps_upstream *)m);
        uint8_t *ht = (uint8_t *)malloc(n);
        if (!ht)
            abort();
        st = down ? wps_downstream_encode_split((const wps_downstream *)m, ht, n, &head, &tail)
                  : wps_upstream_encode_split((const wps_upstream *)m, ht, n, &head, &tail);
        if (st == PBW_OK) {
            if (!pd || head + pd->bytes.len + tail != n || memcmp(ht, out, head) != 0 ||
                (pd->bytes.len && memcmp(out + head, pd->bytes.ptr, pd->bytes.len) != 0) ||
                memcmp(ht + head, out + head + pd->bytes.len, tail) != 0)
                FAIL(r, "split differs from the encoding");
        } else if (st != PBW_E_ARG || (pd && pd->kind != WPS_DATA_NONE)) {
            FAIL(r, "split: %s", pbw_status_name(st));
        }
        free(ht);
    }
    free(out);
}

static void check_renderings(rd *r, const wps_data_message *dm)
{
    size_t n = 0, w = 0, cap;
    uint8_t *out;
    pbw_status st;
    pbw_bytes uid = view(r);
    int with_uid = byte(r) & 1;

    if (r->huge) /* the renderings read every byte: extreme views are for sizes */
        return;
    st = wps_json_client_size(dm, with_uid ? &uid : NULL, &n);
    if (st != PBW_OK) {
        if (n != 0)
            FAIL(r, "json size %zu with %s", n, pbw_status_name(st));
        return;
    }
    cap = n - (n ? byte(r) % 2 : 0);
    out = (uint8_t *)malloc(cap ? cap : 1);
    if (!out)
        abort();
    st = wps_json_client_write(dm, with_uid ? &uid : NULL, cap ? out : NULL, cap, &w);
    if (cap < n ? !(st == PBW_E_NOSPACE && w == n) : !(st == PBW_OK && w == n))
        FAIL(r, "json: size %zu, write into %zu: %s, %zu", n, cap, pbw_status_name(st), w);
    free(out);

    {
        wps_cloudevent_conn c;
        wps_body body;
        uint8_t head[WPS_BODY_HEAD_MAX];
        if (!dm->has_data || wps_body_of(&dm->data, head, &body) != PBW_OK)
            return;
        c.hub = view(r);
        c.connection_id = view(r);
        c.user_id = view(r);
        c.event_id = view(r);
        c.time = view(r);
        c.signature = view(r);
        c.subprotocol = view(r);
        c.connection_state = view(r);
        c.origin = view(r);
        if (r->huge)
            return;
        st = wps_cloudevent_headers(&c, dm->group, &body, NULL, 0, &n);
        if (st == PBW_OK || (st != PBW_E_NOSPACE && n != 0))
            FAIL(r, "cloudevent count: %s, %zu", pbw_status_name(st), n);
        if (st != PBW_E_NOSPACE)
            return;
        out = (uint8_t *)malloc(n);
        if (!out)
            abort();
        st = wps_cloudevent_headers(&c, dm->group, &body, out, n, &w);
        if (st != PBW_OK || w != n)
            FAIL(r, "cloudevent: needed %zu, wrote %s %zu", n, pbw_status_name(st), w);
        free(out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
    static wps_kv kv[8 * 5];
    static wps_group_state_item items[5];
    rd r;
    size_t plen = size < POOL ? size : POOL;

    /* the pool: the input's bytes (its tail, so the choices differ) */
    memset(r.pool, 0, POOL);
    memcpy(r.pool, input + size - plen, plen);
    r.in = r.p = input;
    r.insz = size;
    r.end = input + size;
    r.huge = 0;
    if (byte(&r) & 1) {
        wps_downstream m;
        build_down(&r, &m, kv, items);
        check_message(&r, 1, &m);
        if (m.kind == WPS_DOWN_DATA && !r.huge)
            check_renderings(&r, &m.u.data);
    } else {
        wps_upstream m;
        build_up(&r, &m, kv);
        check_message(&r, 0, &m);
    }
    return 0;
}
