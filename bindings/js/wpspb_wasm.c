/* SPDX-License-Identifier: MIT */
/*
 * wpspb_wasm.c - the WebAssembly face of the library, for bindings/js.
 *
 * One call per frame.  Decoding fills a flat record of 32-bit words that
 * wpspb.mjs reads through a Uint32Array: strings and payloads as (offset,
 * length) pairs into the frame, 64-bit integers as (low, high) halves, the
 * has_ flags packed in one word.  Encoding reads the same record, written by
 * JavaScript, with the strings' UTF-8 bytes in the io region.  The layout
 * of every message kind is defined once here, by one visitor used in both
 * directions, and mirrored by the tables in wpspb.mjs.
 *
 * Memory: three regions (io: the frame to decode or the strings to encode;
 * rec: the record; out: encoded bytes), each grown at the end of the linear
 * memory when too small.  A call whose region moved reports it (bit 8 of its
 * result) so JavaScript refreshes its views.  This file is the binding's
 * only state; the library itself has none.
 */
#include "../../wps_messages.h"
#include "../../wps_service.h"

/* The four mem* functions the library calls: -mbulk-memory turns memcpy,
 * memmove and memset into memory.copy / memory.fill, which cost a call
 * into the engine; below 64 bytes (most calls: struct resets, short
 * strings) a word loop is cheaper. */
#define SMALL 64u
void *memcpy(void *dst, const void *src, size_t n)
{
    if (n < SMALL) {
        uint8_t *d = dst;
        const uint8_t *s = src;
        while (n--)
            *d++ = *s++;
        return dst;
    }
    return __builtin_memcpy(dst, src, n);
}
void *memmove(void *dst, const void *src, size_t n)
{
    return __builtin_memmove(dst, src, n);
}
void *memset(void *dst, int c, size_t n)
{
    if (n < SMALL) {
        uint8_t *d = dst;
        while (n--)
            *d++ = (uint8_t)c;
        return dst;
    }
    return __builtin_memset(dst, c, n);
}
int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    size_t i;
    for (i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

#define EXPORT(name) __attribute__((export_name(#name)))
#define PAGE 65536u
#define GREW 256u

extern unsigned char __heap_base;

typedef struct region {
    uint8_t *ptr;
    size_t cap;
} region;

static uintptr_t top;
static region io, rec, out, arena;
static unsigned grew;

/* Makes r at least n bytes (contents kept up to `keep` bytes).  0 when the
 * memory cannot grow. */
static int ensure(region *r, size_t n, size_t keep)
{
    uintptr_t start, end, have;
    size_t cap;
    if (n <= r->cap)
        return 1;
    if (!top)
        top = ((uintptr_t)&__heap_base + 15u) & ~(uintptr_t)15u;
    cap = r->cap * 2 > n ? r->cap * 2 : n;
    cap = (cap + 15u) & ~(size_t)15u;
    start = top;
    end = start + cap;
    if (end < start)
        return 0;
    have = (uintptr_t)__builtin_wasm_memory_size(0) * PAGE;
    if (end > have) {
        uintptr_t pages = (end - have + PAGE - 1) / PAGE;
        if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1)
            return 0;
    }
    if (keep && r->ptr)
        memcpy((void *)start, r->ptr, keep < r->cap ? keep : r->cap);
    r->ptr = (uint8_t *)start;
    r->cap = cap;
    top = end;
    grew = GREW;
    return 1;
}

/* The io region, at least n bytes, its first `keep` bytes kept: its
 * address, or 0 when memory is exhausted. */
EXPORT(wpsjs_io)
uint8_t *wpsjs_io(size_t n, size_t keep)
{
    return ensure(&io, n ? n : 1, keep) ? io.ptr : 0;
}
EXPORT(wpsjs_io_cap) size_t wpsjs_io_cap(void) { return io.cap; }
EXPORT(wpsjs_rec) uint8_t *wpsjs_rec(void) { return rec.ptr; }
EXPORT(wpsjs_rec_cap) size_t wpsjs_rec_cap(void) { return rec.cap; }
EXPORT(wpsjs_rec_need)
uint8_t *wpsjs_rec_need(size_t words)
{
    return ensure(&rec, words * 4, rec.cap) ? rec.ptr : 0;
}
EXPORT(wpsjs_out) uint8_t *wpsjs_out(void) { return out.ptr; }
/* pbw_status_name(), for the JavaScript error class: a NUL-terminated static string. */
EXPORT(wpsjs_status_name) const char *wpsjs_status_name(unsigned s) { return pbw_status_name((pbw_status)s); }

/* ------------------------------------------------------------------------
 * The record.  Word 0: status, 1: error offset (decode) or output length
 * (encode), 2: kind, 3: index of the first free word for maps and items,
 * from 4: the fields of the kind, as the visitor below lists them.
 * ------------------------------------------------------------------------ */

#define FIXED_WORDS 48u /* record words before maps and items (the longest kind, DataMessage, uses 4 + 26) */

typedef struct walk {
    uint32_t *r;         /* the next field's words */
    uint32_t *w;         /* the record */
    uint32_t var;        /* next free word for map entries and items */
    uint32_t cap;        /* words in the record */
    uint32_t *flag_word; /* the current flags word */
    unsigned bit;
    const uint8_t *base; /* offsets are relative to it */
    size_t limit;        /* encode: io bytes the offsets must stay within */
    size_t used;         /* encode: arena bytes handed out */
    int enc;             /* 0: struct -> record (decode); 1: record -> struct */
    int bad;             /* encode: an offset or count out of range;
                          * decode: the record is too small */
} walk;

static void flags(walk *k)
{
    k->flag_word = k->r++;
    k->bit = 0;
    if (!k->enc)
        *k->flag_word = 0;
}

static void flag(walk *k, uint8_t *v)
{
    if (k->enc)
        *v = (uint8_t)((*k->flag_word >> k->bit) & 1u);
    else if (*v)
        *k->flag_word |= 1u << k->bit;
    k->bit++;
}

/*
 * Short strings (ids, groups, event names, map keys and values) repeat from
 * frame to frame, and making a JavaScript string costs more than finding
 * it again.  The decoder keeps the bytes of the last short string seen in
 * each of SC_SLOTS slots, with a generation number bumped whenever a slot
 * takes new bytes; a string's length word then carries its slot and that
 * generation, and wpspb.mjs reuses the string it made for the same slot
 * and generation (same bytes).  Word layout: bit 31 set, bits 0-5 length
 * (1..SC_MAX), bits 6-15 slot, bits 16-29 generation.  Other strings: the
 * plain length (< 2^30: frames are limited to 1 GiB).
 */
#define SC_SLOTS 1024u
#define SC_MAX 32u
static struct {
    uint32_t len;
    uint32_t gen;
    uint8_t bytes[SC_MAX];
} sc[SC_SLOTS];

static uint32_t cached_len(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u, slot, i;
    for (i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    slot = (h ^ (h >> 15)) & (SC_SLOTS - 1);
    if (sc[slot].len != n || memcmp(sc[slot].bytes, p, n) != 0) {
        sc[slot].len = (uint32_t)n;
        memcpy(sc[slot].bytes, p, n);
        sc[slot].gen = (sc[slot].gen + 1) & 0x3fffu;
    }
    return 0x80000000u | sc[slot].gen << 16 | slot << 6 | (uint32_t)n;
}

static int cache_on; /* this decode call uses the string cache */

static void str(walk *k, pbw_bytes *b)
{
    if (k->enc) {
        uint32_t o = k->r[0], n = k->r[1];
        if (o > k->limit || n > k->limit - o)
            k->bad = 1, o = 0, n = 0;
        b->ptr = k->base + o;
        b->len = n;
    } else {
        k->r[0] = b->len ? (uint32_t)(b->ptr - k->base) : 0;
        k->r[1] = cache_on && b->len && b->len <= SC_MAX ? cached_len(b->ptr, b->len) : (uint32_t)b->len;
    }
    k->r += 2;
}

static int split_on; /* encode: the payload is not in io (head and tail only) */

/* A payload: never cached (it is a view, or a string made once); when
 * encoding with split_on, only its length is known. */
static void payload(walk *k, pbw_bytes *b)
{
    int on = cache_on;
    if (k->enc && split_on) {
        b->ptr = 0;
        b->len = k->r[1];
        k->r += 2;
        return;
    }
    cache_on = 0;
    str(k, b);
    cache_on = on;
}

static void u64(walk *k, uint64_t *v)
{
    if (k->enc)
        *v = (uint64_t)k->r[1] << 32 | k->r[0];
    else
        k->r[0] = (uint32_t)*v, k->r[1] = (uint32_t)(*v >> 32);
    k->r += 2;
}

static void i64(walk *k, int64_t *v)
{
    uint64_t u = (uint64_t)*v;
    u64(k, &u);
    if (k->enc)
        *v = (int64_t)u;
}

static void u32(walk *k, uint32_t *v)
{
    if (k->enc)
        *v = *k->r;
    else
        *k->r = *v;
    k->r++;
}

/* MessageData: kind, bytes, type_url (5 words). */
static void data(walk *k, wps_data *d)
{
    uint32_t kind = (uint32_t)d->kind;
    u32(k, &kind);
    if (k->enc) {
        if (kind > WPS_DATA_JSON)
            k->bad = 1, kind = 0;
        d->kind = (wps_data_kind)kind;
    }
    payload(k, &d->bytes);
    str(k, &d->type_url);
}

/* Encode: `n` objects of `size` bytes from the arena (sized by the caller
 * before the walk), or NULL with k->bad set. */
static void *take(walk *k, size_t n, size_t size)
{
    void *p;
    if (n > (arena.cap - k->used) / size) {
        k->bad = 1;
        return 0;
    }
    p = arena.ptr + k->used;
    k->used += n * size;
    return p;
}

/* Decode: `n` words at the end of the record, or NULL with k->bad set. */
static uint32_t *append(walk *k, size_t n)
{
    uint32_t *p;
    if (n > k->cap - k->var) {
        k->bad = 1;
        return 0;
    }
    p = k->w + k->var;
    k->var += (uint32_t)n;
    return p;
}

/* Map: count, index of its entries (4 words each: key, value). */
static void map(walk *k, wps_map *m)
{
    uint32_t *r = k->r;
    k->r += 2;
    if (k->enc) {
        uint32_t n = r[0], at = r[1], i;
        wps_kv *kv;
        uint32_t *saved = k->r;
        memset(m, 0, sizeof *m);
        if (!n)
            return;
        if (at < FIXED_WORDS || at > k->var || n > (k->var - at) / 4 ||
            !(kv = take(k, n, sizeof *kv))) {
            k->bad = 1;
            return;
        }
        k->r = k->w + at;
        for (i = 0; i < n; i++) {
            str(k, &kv[i].key);
            str(k, &kv[i].value);
        }
        k->r = saved;
        m->entries = kv;
        m->count = n;
    } else {
        wps_map_iter it;
        wps_kv kv;
        uint32_t *e = append(k, m->count * 4), *saved = k->r;
        r[0] = (uint32_t)m->count;
        r[1] = e ? (uint32_t)(e - k->w) : 0;
        if (!e)
            return;
        k->r = e;
        wps_map_begin(&it, m);
        while (wps_map_next(&it, &kv)) {
            str(k, &kv.key);
            str(k, &kv.value);
        }
        k->r = saved;
    }
}

/* GroupStateItem: 9 words. */
static void item(walk *k, wps_group_state_item *it)
{
    str(k, &it->connection_id);
    flags(k);
    flag(k, &it->has_user_id);
    flag(k, &it->has_state);
    str(k, &it->user_id);
    i64(k, &it->updated_at);
    map(k, &it->state.entries);
}

#define ITEM_WORDS 9u

/* Items: count, index of the items (ITEM_WORDS each). */
static void items(walk *k, wps_items *l)
{
    uint32_t *r = k->r, *saved;
    uint32_t i;
    k->r += 2;
    saved = k->r;
    if (k->enc) {
        uint32_t n = r[0], at = r[1];
        wps_group_state_item *v;
        memset(l, 0, sizeof *l);
        if (!n)
            return;
        if (at < FIXED_WORDS || at > k->var || n > (k->var - at) / ITEM_WORDS ||
            !(v = take(k, n, sizeof *v))) {
            k->bad = 1;
            return;
        }
        memset(v, 0, n * sizeof *v);
        for (i = 0; i < n; i++) {
            k->r = k->w + at + i * ITEM_WORDS;
            item(k, &v[i]);
        }
        l->items = v;
        l->count = n;
    } else {
        wps_items_iter it;
        wps_group_state_item v;
        uint32_t *e = append(k, l->count * ITEM_WORDS);
        r[0] = (uint32_t)l->count;
        r[1] = e ? (uint32_t)(e - k->w) : 0;
        if (!e)
            return;
        wps_items_begin(&it, l);
        for (i = 0; wps_items_next(&it, &v); i++) {
            k->r = e + i * ITEM_WORDS;
            item(k, &v);
        }
    }
    k->r = saved;
}

static void group_request(walk *k, wps_group_request *g)
{
    flags(k);
    flag(k, &g->has_ack_id);
    str(k, &g->group);
    u64(k, &g->ack_id);
}

static void upstream(walk *k, wps_upstream *m)
{
    switch (m->kind) {
    case WPS_UP_SEND_TO_GROUP: {
        wps_send_to_group *s = &m->u.send_to_group;
        flags(k);
        flag(k, &s->has_ack_id);
        flag(k, &s->has_data);
        flag(k, &s->has_no_echo);
        flag(k, &s->no_echo);
        flag(k, &s->has_ttl_seconds);
        flag(k, &s->has_stream);
        flag(k, &s->stream.has_idle_timeout_ms);
        str(k, &s->group);
        u64(k, &s->ack_id);
        data(k, &s->data);
        u32(k, &s->ttl_seconds);
        map(k, &s->metadata);
        str(k, &s->stream.stream_id);
        u32(k, &s->stream.idle_timeout_ms);
        break;
    }
    case WPS_UP_EVENT: {
        wps_event_message *e = &m->u.event;
        flags(k);
        flag(k, &e->has_data);
        flag(k, &e->has_ack_id);
        flag(k, &e->has_stream);
        flag(k, &e->stream.has_idle_timeout_ms);
        str(k, &e->event);
        data(k, &e->data);
        u64(k, &e->ack_id);
        map(k, &e->metadata);
        str(k, &e->stream.stream_id);
        u32(k, &e->stream.idle_timeout_ms);
        break;
    }
    case WPS_UP_JOIN_GROUP:
        group_request(k, &m->u.join_group);
        break;
    case WPS_UP_LEAVE_GROUP:
        group_request(k, &m->u.leave_group);
        break;
    case WPS_UP_SUBSCRIBE_GROUP_STATE:
        group_request(k, &m->u.subscribe_group_state);
        break;
    case WPS_UP_UNSUBSCRIBE_GROUP_STATE:
        group_request(k, &m->u.unsubscribe_group_state);
        break;
    case WPS_UP_SEQUENCE_ACK:
        u64(k, &m->u.sequence_ack.sequence_id);
        break;
    case WPS_UP_INVOKE_EVENT: {
        wps_invoke_event *e = &m->u.invoke_event;
        flags(k);
        flag(k, &e->has_data);
        flag(k, &e->has_stream);
        flag(k, &e->stream.has_idle_timeout_ms);
        str(k, &e->event);
        str(k, &e->invocation_id);
        data(k, &e->data);
        map(k, &e->metadata);
        str(k, &e->stream.stream_id);
        u32(k, &e->stream.idle_timeout_ms);
        break;
    }
    case WPS_UP_CANCEL_INVOCATION:
        str(k, &m->u.cancel_invocation.invocation_id);
        break;
    case WPS_UP_STREAM_DATA: {
        wps_stream_data *d = &m->u.stream_data;
        flags(k);
        flag(k, &d->has_stream_sequence_id);
        flag(k, &d->has_data);
        str(k, &d->stream_id);
        u64(k, &d->stream_sequence_id);
        data(k, &d->data);
        break;
    }
    case WPS_UP_STREAM_END: {
        wps_stream_end *e = &m->u.stream_end;
        flags(k);
        flag(k, &e->has_error);
        flag(k, &e->error.has_message);
        flag(k, &e->error.has_user_error_code);
        str(k, &e->stream_id);
        str(k, &e->error.message);
        str(k, &e->error.user_error_code);
        break;
    }
    case WPS_UP_SET_GROUP_STATE: {
        wps_set_group_state *g = &m->u.set_group_state;
        flags(k);
        flag(k, &g->has_ack_id);
        flag(k, &g->has_state);
        str(k, &g->group);
        u64(k, &g->ack_id);
        map(k, &g->state.entries);
        break;
    }
    default: /* NONE, PING: no fields */
        break;
    }
}

static void error2(walk *k, wps_error *e)
{
    str(k, &e->name);
    str(k, &e->message);
}

/* Downstream kinds; the system message's own oneof is the kind's second
 * byte (kind 3 | connected 1 << 8, ...). */
static void downstream(walk *k, wps_downstream *m)
{
    switch (m->kind) {
    case WPS_DOWN_ACK: {
        wps_ack *a = &m->u.ack;
        flags(k);
        flag(k, &a->success);
        flag(k, &a->has_error);
        u64(k, &a->ack_id);
        error2(k, &a->error);
        break;
    }
    case WPS_DOWN_DATA: {
        wps_data_message *d = &m->u.data;
        flags(k);
        flag(k, &d->has_group);
        flag(k, &d->has_data);
        flag(k, &d->has_sequence_id);
        flag(k, &d->has_stream);
        flag(k, &d->stream.has_end_of_stream);
        flag(k, &d->stream.end_of_stream);
        flag(k, &d->stream.has_error);
        str(k, &d->from);
        str(k, &d->group);
        data(k, &d->data);
        u64(k, &d->sequence_id);
        map(k, &d->metadata);
        str(k, &d->stream.stream_id);
        u64(k, &d->stream.stream_sequence_id);
        str(k, &d->stream.error.name);
        str(k, &d->stream.error.message);
        str(k, &d->stream.error.user_error_code);
        break;
    }
    case WPS_DOWN_SYSTEM: {
        wps_system *s = &m->u.system;
        uint32_t sk = (uint32_t)s->kind;
        u32(k, &sk);
        if (k->enc) {
            if (sk > WPS_SYSTEM_DISCONNECTED)
                k->bad = 1, sk = 0;
            s->kind = (wps_system_kind)sk;
        }
        if (s->kind == WPS_SYSTEM_CONNECTED) {
            wps_connected *c = &s->u.connected;
            flags(k);
            flag(k, &c->has_reconnection_token);
            str(k, &c->connection_id);
            str(k, &c->user_id);
            str(k, &c->reconnection_token);
        } else if (s->kind == WPS_SYSTEM_DISCONNECTED) {
            str(k, &s->u.disconnected.reason);
        }
        break;
    }
    case WPS_DOWN_INVOKE_RESPONSE: {
        wps_invoke_response *r = &m->u.invoke_response;
        flags(k);
        flag(k, &r->success);
        flag(k, &r->has_data);
        flag(k, &r->has_error);
        str(k, &r->invocation_id);
        data(k, &r->data);
        error2(k, &r->error);
        map(k, &r->metadata);
        break;
    }
    case WPS_DOWN_STREAM_ACK:
        str(k, &m->u.stream_ack.stream_id);
        u64(k, &m->u.stream_ack.expected_sequence_id);
        break;
    case WPS_DOWN_STREAM_NACK:
        str(k, &m->u.stream_nack.stream_id);
        str(k, &m->u.stream_nack.name);
        str(k, &m->u.stream_nack.message);
        u64(k, &m->u.stream_nack.expected_sequence_id);
        break;
    case WPS_DOWN_STREAM_CLOSED:
        flags(k);
        flag(k, &m->u.stream_closed.has_error);
        str(k, &m->u.stream_closed.stream_id);
        error2(k, &m->u.stream_closed.error);
        break;
    case WPS_DOWN_GROUP_STATE_UPDATE:
    case WPS_DOWN_GROUP_STATE_SNAPSHOT: {
        wps_group_state_list *g = m->kind == WPS_DOWN_GROUP_STATE_UPDATE
                                      ? &m->u.group_state_update
                                      : &m->u.group_state_snapshot;
        flags(k);
        flag(k, &g->has_sequence_id);
        str(k, &g->group);
        items(k, &g->items);
        u64(k, &g->sequence_id);
        break;
    }
    default: /* NONE, PONG: no fields */
        break;
    }
}

/* ------------------------------------------------------------------------
 * Decode: the frame is in io[0..len).  Returns the status, plus GREW when
 * the record moved.
 * ------------------------------------------------------------------------ */

static void walk_init(walk *k, int enc, const uint8_t *base, size_t limit)
{
    memset(k, 0, sizeof *k);
    k->w = (uint32_t *)rec.ptr;
    k->cap = (uint32_t)(rec.cap / 4);
    k->r = k->w + 4;
    k->var = FIXED_WORDS;
    k->enc = enc;
    k->base = base;
    k->limit = limit;
}

static union {
    wps_upstream up;
    wps_downstream down;
} dm; /* the message being decoded */

/* The decoded dm into the record (offsets relative to io), growing the
 * record until it fits. */
static unsigned fill(int down)
{
    walk k;
    for (;;) {
        walk_init(&k, 0, io.ptr, 0);
        k.w[0] = PBW_OK;
        if (down) {
            k.w[2] = (uint32_t)dm.down.kind |
                     (dm.down.kind == WPS_DOWN_SYSTEM ? (uint32_t)dm.down.u.system.kind << 8 : 0);
            downstream(&k, &dm.down);
        } else {
            k.w[2] = (uint32_t)dm.up.kind;
            upstream(&k, &dm.up);
        }
        k.w[3] = k.var;
        if (!k.bad)
            return grew | PBW_OK;
        if (!ensure(&rec, rec.cap * 2, 0))
            return grew | PBW_E_NOSPACE;
    }
}

static unsigned fail(pbw_status st, uint64_t off)
{
    ((uint32_t *)rec.ptr)[0] = (uint32_t)st;
    ((uint32_t *)rec.ptr)[1] = (uint32_t)off;
    return grew | st;
}

static unsigned decode(size_t len, unsigned flags_, int down)
{
    size_t off = 0;
    pbw_status st;
    grew = 0;
    if (!ensure(&rec, 4 * (FIXED_WORDS + 64), 0))
        return PBW_E_NOSPACE;
    if (len >= 0x40000000u)
        return fail(PBW_E_NOSPACE, 0); /* the record's length words hold 30 bits */
    cache_on = !(flags_ & 2u);
    st = down ? wps_downstream_decode(io.ptr, len, &dm.down, flags_ & WPS_DECODE_NO_UTF8, &off)
              : wps_upstream_decode(io.ptr, len, &dm.up, flags_ & WPS_DECODE_NO_UTF8, &off);
    if (st != PBW_OK)
        return fail(st, off);
    return fill(down);
}

/* ------------------------------------------------------------------------
 * Large frames: the streaming decoder, fed by windows of the frame that
 * JavaScript copies in on request, so that a binary payload (binary_data,
 * Any.value: bytes nobody checks) is never copied: its region of io is fed
 * to the decoder as it is, unread, and the record points the payload at its
 * place in the caller's frame.  The cost no longer grows with the payload.
 * io holds the frame at its own offsets in [0, len) and the scratch buffer
 * for short fields in [len, 2 len - 1).
 * Each call returns NEED (the record's words 1 and 2: the frame range to
 * copy in before the next call), or the final status.
 * ------------------------------------------------------------------------ */

#define NEED 253u
#define WINDOW 512u /* the bytes copied in per request, beside a text payload */

static wps_stream ss;
static const uint8_t *s_at;  /* the decoder's position in io */
static size_t s_len, s_fed;  /* frame length; bytes of io fed so far */
static wps_data *s_data;     /* the payload that counts, and where it is */
static size_t s_start;
static int s_down;

static unsigned need(size_t from, size_t to)
{
    uint32_t *w = (uint32_t *)rec.ptr;
    w[1] = (uint32_t)from;
    w[2] = (uint32_t)(to < s_len ? to : s_len);
    return grew | NEED;
}

EXPORT(wpsjs_sdecode_begin)
unsigned wpsjs_sdecode_begin(size_t len, int down, unsigned flags_)
{
    grew = 0;
    if (!ensure(&rec, 4 * (FIXED_WORDS + 64), 0))
        return PBW_E_NOSPACE;
    if (len < 2 || len >= 0x40000000u || io.cap / 2 < len)
        return fail(PBW_E_NOSPACE, 0);
    cache_on = !(flags_ & 2u);
    /* A scratch buffer one byte short of the frame: with one as large as
     * the frame the decoder would gather the whole frame into it (a copy
     * of the payload).  The short fields of a frame with a payload fit;
     * one without may not (PBW_E_NOSPACE): JavaScript then decodes the
     * frame in one piece. */
    if (down)
        wps_stream_init_downstream(&ss, &dm.down, io.ptr + len, len - 1, len, flags_ & WPS_DECODE_NO_UTF8);
    else
        wps_stream_init_upstream(&ss, &dm.up, io.ptr + len, len - 1, len, flags_ & WPS_DECODE_NO_UTF8);
    s_down = down;
    s_len = len;
    s_fed = 0;
    s_at = io.ptr;
    s_data = 0;
    return need(0, WINDOW);
}

EXPORT(wpsjs_sdecode_next)
unsigned wpsjs_sdecode_next(void)
{
    wps_stream_event ev;
    pbw_status st;
    grew = 0;
    s_fed = ((uint32_t *)rec.ptr)[2];
    for (;;) {
        st = wps_stream_next(&ss, &s_at, io.ptr + s_fed, &ev);
        if (st == PBW_NEED_MORE) {
            if (s_fed >= s_len) /* cannot happen: the decoder ends at the declared length */
                return fail(PBW_E_TRUNCATED, s_len);
            return need(s_fed, s_fed + WINDOW);
        }
        if (st != PBW_OK)
            return fail(st, wps_stream_offset(&ss));
        if (ev.type == WPS_EV_PAYLOAD_BEGIN) {
            size_t end;
            s_data = ev.data;
            s_start = (size_t)((ev.chunk.len ? ev.chunk.ptr : s_at) - io.ptr);
            end = s_start + (size_t)ev.remaining; /* on BEGIN: the total */
            if (end > s_fed) {
                if (ev.kind == WPS_DATA_BINARY || ev.kind == WPS_DATA_PROTOBUF) {
                    s_fed = end; /* fed unread: the decoder does not look at these bytes */
                    if (end < s_len)
                        return need(end, end + WINDOW);
                } else {
                    return need(s_fed, end + WINDOW); /* text is checked: all of it */
                }
            }
        } else if (ev.type == WPS_EV_PAYLOAD_DISCARD) {
            s_data = 0;
        } else if (ev.type == WPS_EV_MESSAGE_END) {
            if (s_data && s_data->bytes.ptr == 0)
                s_data->bytes.ptr = io.ptr + s_start;
            return fill(s_down);
        }
    }
}

EXPORT(wpsjs_decode_up)
unsigned wpsjs_decode_up(size_t len, unsigned flags_)
{
    return decode(len, flags_, 0);
}

EXPORT(wpsjs_decode_down)
unsigned wpsjs_decode_down(size_t len, unsigned flags_)
{
    return decode(len, flags_, 1);
}

/* ------------------------------------------------------------------------
 * Encode: the record (w[2] kind, w[3] words used) and the strings in
 * io[0..strings) come from JavaScript; arena_bytes bounds the map entries
 * and items.  The encoding goes to out; w[1] is its length.
 * ------------------------------------------------------------------------ */

/* flags_ 1: split - the payload (binary or Any.value) stays in JavaScript;
 * out receives the bytes before it (w[1] of them) and after it (w[2]). */
static unsigned encode(size_t strings, size_t arena_bytes, unsigned flags_, int down)
{
    static union {
        wps_upstream up;
        wps_downstream down;
    } m;
    size_t n = 0;
    pbw_status st;
    walk k;
    uint32_t kind;
    grew = 0;
    cache_on = 0;
    split_on = (int)(flags_ & 1u);
    if (!ensure(&arena, arena_bytes, 0))
        return PBW_E_NOSPACE;
    walk_init(&k, 1, io.ptr, strings < io.cap ? strings : io.cap);
    k.var = k.w[3] <= k.cap ? k.w[3] : k.cap;
    kind = k.w[2];
    memset(&m, 0, sizeof m);
    if (down) {
        if (kind > WPS_DOWN_GROUP_STATE_SNAPSHOT && (kind & 0xffu) != WPS_DOWN_SYSTEM)
            return grew | PBW_E_ARG;
        m.down.kind = (wps_down_kind)(kind & 0xffu);
        downstream(&k, &m.down);
        if (!k.bad && !split_on)
            n = wps_downstream_size(&m.down);
    } else {
        if (kind > WPS_UP_UNSUBSCRIBE_GROUP_STATE)
            return grew | PBW_E_ARG;
        m.up.kind = (wps_up_kind)kind;
        upstream(&k, &m.up);
        if (!k.bad && !split_on)
            n = wps_upstream_size(&m.up);
    }
    if (k.bad)
        return grew | PBW_E_ARG;
    if (split_on) {
        size_t head = 0, tail = 0;
        if (!ensure(&out, 256, 0))
            return grew | PBW_E_NOSPACE;
        st = down ? wps_downstream_encode_split(&m.down, out.ptr, out.cap, &head, &tail)
                  : wps_upstream_encode_split(&m.up, out.ptr, out.cap, &head, &tail);
        if (st == PBW_E_NOSPACE) {
            if (!ensure(&out, head + tail, 0))
                return grew | PBW_E_NOSPACE;
            st = down ? wps_downstream_encode_split(&m.down, out.ptr, out.cap, &head, &tail)
                      : wps_upstream_encode_split(&m.up, out.ptr, out.cap, &head, &tail);
        }
        ((uint32_t *)rec.ptr)[1] = (uint32_t)head;
        ((uint32_t *)rec.ptr)[2] = (uint32_t)tail;
        return grew | st;
    }
    if (!ensure(&out, n ? n : 1, 0))
        return grew | PBW_E_NOSPACE;
    st = down ? wps_downstream_encode(&m.down, out.ptr, out.cap, &n)
              : wps_upstream_encode(&m.up, out.ptr, out.cap, &n);
    ((uint32_t *)rec.ptr)[1] = (uint32_t)n;
    ((uint32_t *)rec.ptr)[2] = 0;
    return grew | st;
}

EXPORT(wpsjs_encode_up)
unsigned wpsjs_encode_up(size_t strings, size_t arena_bytes, unsigned flags_)
{
    return encode(strings, arena_bytes, flags_, 0);
}

EXPORT(wpsjs_encode_down)
unsigned wpsjs_encode_down(size_t strings, size_t arena_bytes, unsigned flags_)
{
    return encode(strings, arena_bytes, flags_, 1);
}

/* Bytes of the arena a map entry and an item take (for JavaScript's
 * sizing of arena_bytes). */
EXPORT(wpsjs_kv_size) size_t wpsjs_kv_size(void) { return sizeof(wps_kv); }
EXPORT(wpsjs_item_size) size_t wpsjs_item_size(void) { return sizeof(wps_group_state_item); }
EXPORT(wpsjs_fixed_words) size_t wpsjs_fixed_words(void) { return FIXED_WORDS; }

/* ------------------------------------------------------------------------
 * What each kind of receiver gets for a frame (wps_service.h), for the
 * inspector: the frame is in io[0..len).  Record words from 4: the json
 * client rendering (status, offset in out, length), the raw body (status,
 * frame type, offset, length, content type offset, length), the CloudEvents
 * header lines (status, offset, length).  A status of NOT_FOR_IT (255)
 * means "this receiver gets nothing for this message".
 * ------------------------------------------------------------------------ */

static pbw_bytes lit(const char *s)
{
    pbw_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = 0;
    while (s[b.len])
        b.len++;
    return b;
}

#define NOT_FOR_IT 255u

EXPORT(wpsjs_render)
unsigned wpsjs_render(size_t len, int down)
{
    static union {
        wps_upstream up;
        wps_downstream down;
    } m;
    wps_data_message dm;
    const wps_data_message *msg = 0;
    const wps_data *body_data = 0;
    const pbw_bytes *event = 0;
    wps_body body;
    wps_cloudevent_conn conn;
    uint8_t head[WPS_BODY_HEAD_MAX];
    size_t off = 0, json_len = 0, ce_len = 0, need, i, at;
    pbw_status st, json_st = PBW_E_ARG, body_st = PBW_E_ARG, ce_st = PBW_E_ARG;
    uint32_t *w;
    grew = 0;
    if (!ensure(&rec, 4 * (FIXED_WORDS + 64), 0))
        return PBW_E_NOSPACE;
    w = (uint32_t *)rec.ptr;
    memset(w, 0, 20 * sizeof *w);
    st = down ? wps_downstream_decode(io.ptr, len, &m.down, 0, &off)
              : wps_upstream_decode(io.ptr, len, &m.up, 0, &off);
    w[0] = (uint32_t)st;
    w[1] = (uint32_t)off;
    if (st != PBW_OK)
        return grew | st;
    if (down && m.down.kind == WPS_DOWN_DATA) {
        msg = &m.down.u.data;
    } else if (!down && m.up.kind == WPS_UP_SEND_TO_GROUP) {
        wps_group_message(&dm, &m.up.u.send_to_group);
        msg = &dm;
    } else if (!down && m.up.kind == WPS_UP_EVENT && m.up.u.event.has_data &&
               m.up.u.event.data.kind != WPS_DATA_NONE) {
        body_data = &m.up.u.event.data;
        event = &m.up.u.event.event;
    }
    if (msg && msg->has_data && msg->data.kind != WPS_DATA_NONE) /* NONE: nothing to deliver */
        body_data = &msg->data;
    memset(&conn, 0, sizeof conn);
    conn.hub = lit("hub");
    conn.connection_id = lit("conn-1");
    conn.user_id = lit("user-1");
    conn.event_id = lit("1");
    conn.time = lit("2026-01-01T00:00:00Z");
    conn.subprotocol = lit("protobuf.webpubsub.azure.v1");
    if (msg)
        json_st = wps_json_client_size(msg, 0, &json_len);
    if (body_data)
        body_st = wps_body_of(body_data, head, &body);
    if (event && body_st == PBW_OK) {
        ce_st = wps_cloudevent_headers(&conn, *event, &body, 0, 0, &ce_len);
        if (ce_st == PBW_E_NOSPACE)
            ce_st = PBW_OK;
    }
    need = (json_st == PBW_OK ? json_len : 0) + (body_st == PBW_OK ? body.len + body.content_type.len : 0) +
           (ce_st == PBW_OK ? ce_len : 0);
    if (!ensure(&out, need ? need : 1, 0))
        return grew | PBW_E_NOSPACE;
    w = (uint32_t *)rec.ptr;
    at = 0;
    if (json_st == PBW_OK)
        json_st = wps_json_client_write(msg, 0, out.ptr, json_len, &json_len);
    w[4] = msg ? (uint32_t)json_st : NOT_FOR_IT;
    if (json_st == PBW_OK) {
        w[5] = 0;
        w[6] = (uint32_t)json_len;
        at = json_len;
    }
    w[7] = body_data ? (uint32_t)body_st : NOT_FOR_IT;
    if (body_st == PBW_OK) {
        w[8] = (uint32_t)body.frame;
        w[9] = (uint32_t)at;
        for (i = 0; i < body.niov; i++) {
            memcpy(out.ptr + at, body.iov[i].ptr, body.iov[i].len);
            at += body.iov[i].len;
        }
        w[10] = (uint32_t)body.len;
        w[11] = (uint32_t)at;
        memcpy(out.ptr + at, body.content_type.ptr, body.content_type.len);
        w[12] = (uint32_t)body.content_type.len;
        at += body.content_type.len;
    }
    if (ce_st == PBW_OK)
        ce_st = wps_cloudevent_headers(&conn, *event, &body, out.ptr + at, ce_len, &ce_len);
    w[13] = event && body_st == PBW_OK ? (uint32_t)ce_st : NOT_FOR_IT;
    if (ce_st == PBW_OK) {
        w[14] = (uint32_t)at;
        w[15] = (uint32_t)ce_len;
    }
    return grew | PBW_OK;
}
