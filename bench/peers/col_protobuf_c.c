/* SPDX-License-Identifier: MIT */
/*
 * bench/peers/col_protobuf_c.c - protobuf-c (Debian's libprotobuf-c-dev),
 * with code that protoc-c generates at build time.
 *
 * protoc-gen-c 1.4.1 refuses proto3 `optional`, so the build feeds it a copy
 * of shared/spec/webpubsub.proto in which every `optional T x = N;` is
 * written as `oneof _x { T x = N; }` - the synthetic oneof that proto3
 * `optional` is defined to be (same wire format, same presence).
 *
 *   protobuf-c.unpack  *_unpack with the default allocator (malloc), then
 *                      *_free_unpacked, per message
 *   protobuf-c.pack    *_pack into a buffer known to be big enough, from
 *                      messages unpacked beforehand (no get_packed_size call)
 * protobuf-c does not check UTF-8.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webpubsub.pb-c.h"
#include "harness.h"

typedef Azure__Webpubsub__UpstreamMessage up_t;
typedef Azure__Webpubsub__DownstreamMessage down_t;

static void *unpack(int down, const uint8_t *p, size_t n)
{
    return down ? (void *)azure__webpubsub__downstream_message__unpack(NULL, n, p)
                : (void *)azure__webpubsub__upstream_message__unpack(NULL, n, p);
}

static void free_msg(int down, void *m)
{
    if (down)
        azure__webpubsub__downstream_message__free_unpacked(m, NULL);
    else
        azure__webpubsub__upstream_message__free_unpacked(m, NULL);
}

static size_t pack(int down, const void *m, uint8_t *out)
{
    return down ? azure__webpubsub__downstream_message__pack(m, out)
                : azure__webpubsub__upstream_message__pack(m, out);
}

static size_t packed_size(int down, const void *m)
{
    return down ? azure__webpubsub__downstream_message__get_packed_size(m)
                : azure__webpubsub__upstream_message__get_packed_size(m);
}

/* Unpacks every message, checks that packing gives back the corpus bytes.
 * Keeps the unpacked messages in *keep when keep is not NULL. */
static int verify(const bp_corpus *c, char *why, size_t wl, void **keep)
{
    size_t i;
    for (i = 0; i < c->count; i++) {
        void *m = unpack(c->down, c->msg[i], c->len[i]);
        size_t n;
        if (!m) {
            bp_fail(why, wl, "#%zu rejected by unpack", i);
            return 0;
        }
        n = packed_size(c->down, m);
        if (n != c->len[i] || pack(c->down, m, bp_out) != n || memcmp(bp_out, c->msg[i], n) != 0) {
            free_msg(c->down, m);
            bp_fail(why, wl, "#%zu: unpack then pack does not give the corpus bytes", i);
            return 0;
        }
        if (keep)
            keep[i] = m;
        else
            free_msg(c->down, m);
    }
    return 1;
}

static void *prep_unpack(const bp_corpus *c, char *why, size_t wl, int *na)
{
    (void)na;
    return verify(c, why, wl, NULL) ? &bp_nostate : NULL;
}

uint64_t bp_col_pbc_unpack(void *st, const bp_corpus *c)
{
    uint64_t sum = 0;
    size_t i;
    (void)st;
    if (c->down) {
        for (i = 0; i < c->count; i++) {
            down_t *m = azure__webpubsub__downstream_message__unpack(NULL, c->len[i], c->msg[i]);
            sum += m->message_case;
            azure__webpubsub__downstream_message__free_unpacked(m, NULL);
        }
    } else {
        for (i = 0; i < c->count; i++) {
            up_t *m = azure__webpubsub__upstream_message__unpack(NULL, c->len[i], c->msg[i]);
            sum += m->message_case;
            azure__webpubsub__upstream_message__free_unpacked(m, NULL);
        }
    }
    return sum;
}

typedef struct pack_state {
    int down;
    size_t count;
    void **msgs;
} pack_state;

static void release_pack(void *st)
{
    pack_state *s = st;
    size_t i;
    for (i = 0; i < s->count; i++)
        if (s->msgs[i])
            free_msg(s->down, s->msgs[i]);
    free(s->msgs);
    free(s);
}

static void *prep_pack(const bp_corpus *c, char *why, size_t wl, int *na)
{
    pack_state *s = calloc(1, sizeof *s);
    (void)na;
    if (!s || !(s->msgs = calloc(c->count ? c->count : 1, sizeof *s->msgs))) {
        free(s);
        return bp_fail(why, wl, "out of memory");
    }
    s->down = c->down;
    s->count = c->count;
    if (!verify(c, why, wl, s->msgs)) {
        release_pack(s);
        return NULL;
    }
    return s;
}

uint64_t bp_col_pbc_pack(void *st, const bp_corpus *c)
{
    const pack_state *s = st;
    uint64_t sum = 0;
    size_t i;
    if (c->down) {
        for (i = 0; i < c->count; i++)
            sum += azure__webpubsub__downstream_message__pack(s->msgs[i], bp_out);
    } else {
        for (i = 0; i < c->count; i++)
            sum += azure__webpubsub__upstream_message__pack(s->msgs[i], bp_out);
    }
    return sum;
}

static void release_none(void *st)
{
    (void)st;
}

const bp_column bp_cols_protobuf_c[] = {
    {"protobuf-c.unpack", "protobuf-c", "protobuf-c", BP_DECODE, 1, "bp_col_pbc_unpack",
     prep_unpack, bp_col_pbc_unpack, release_none},
    {"protobuf-c.pack", "protobuf-c", "protobuf-c", BP_ENCODE, 1, "bp_col_pbc_pack", prep_pack,
     bp_col_pbc_pack, release_pack},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL}};
