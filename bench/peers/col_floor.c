/* SPDX-License-Identifier: MIT */
/*
 * bench/peers/col_floor.c - the floors: what no decoder can beat.
 *
 *   floor.memcpy   memcpy of the message into an output buffer.
 *   floor.tagwalk  a minimal hand-written loop that reads every tag and
 *                  every varint of the message and descends into every
 *                  known sub-message (the schema as a table), skipping
 *                  strings, bytes and fixed-width values by their length.
 *                  No bounds checks beyond the loop conditions, no error
 *                  handling, no output: valid input only.
 *
 * Verification: memcpy must copy every byte (memcmp); the tag walk must end
 * exactly at the end of every (sub-)message and meet exactly as many tags as
 * libprotobuf's reflection counts set fields (descending the same way).
 */
#include <string.h>

#include "harness.h"

/* ---- memcpy ---- */

static void *prep_memcpy(const bp_corpus *c, char *why, size_t wl, int *na)
{
    size_t i;
    (void)na;
    for (i = 0; i < c->count; i++) {
        memcpy(bp_out, c->msg[i], c->len[i]);
        if (memcmp(bp_out, c->msg[i], c->len[i]) != 0)
            return bp_fail(why, wl, "#%zu: memcpy mismatch", i);
    }
    return &bp_nostate;
}

uint64_t bp_col_floor_memcpy(void *st, const bp_corpus *c)
{
    uint64_t sum = 0;
    size_t i;
    (void)st;
    for (i = 0; i < c->count; i++) {
        memcpy(bp_out, c->msg[i], c->len[i]);
        sum += c->len[i];
    }
    return sum;
}

/* ---- tag walk ---- */

/* Message types of the schema (0: not a message). */
enum {
    T_NONE, T_UP, T_DOWN, T_LEAF, T_SEND, T_EVENT, T_INVOKE, T_STREAMDATA, T_STREAMEND,
    T_SETGS, T_GS, T_DATA, T_ACK, T_DATAMSG, T_STREAMINFO, T_SYSTEM, T_INVRESP,
    T_STREAMCLOSED, T_GSLIST, T_GSITEM, T_COUNT
};
#define MAXF 18

/* sub[type][field] = type of the sub-message in that field.  T_LEAF is a
 * message without sub-messages (its fields are walked, nothing deeper):
 * map entries, Any, StreamStartInfo, error messages, ... */
static const unsigned char sub[T_COUNT][MAXF] = {
    [T_UP] = {[1] = T_SEND, [5] = T_EVENT, [6] = T_LEAF, [7] = T_LEAF, [8] = T_LEAF,
              [9] = T_LEAF, [10] = T_INVOKE, [11] = T_LEAF, [13] = T_STREAMDATA,
              [14] = T_STREAMEND, [15] = T_SETGS, [16] = T_LEAF, [17] = T_LEAF},
    [T_SEND] = {[3] = T_DATA, [6] = T_LEAF, [7] = T_LEAF},
    [T_EVENT] = {[2] = T_DATA, [4] = T_LEAF, [5] = T_LEAF},
    [T_INVOKE] = {[3] = T_DATA, [4] = T_LEAF, [5] = T_LEAF},
    [T_STREAMDATA] = {[3] = T_DATA},
    [T_STREAMEND] = {[2] = T_LEAF},
    [T_SETGS] = {[3] = T_GS},
    [T_GS] = {[1] = T_LEAF},
    [T_DATA] = {[3] = T_LEAF},
    [T_DOWN] = {[1] = T_ACK, [2] = T_DATAMSG, [3] = T_SYSTEM, [4] = T_LEAF, [5] = T_INVRESP,
                [6] = T_LEAF, [7] = T_LEAF, [8] = T_STREAMCLOSED, [9] = T_GSLIST,
                [10] = T_GSLIST},
    [T_ACK] = {[3] = T_LEAF},
    [T_DATAMSG] = {[3] = T_DATA, [5] = T_LEAF, [6] = T_STREAMINFO},
    [T_STREAMINFO] = {[4] = T_LEAF},
    [T_SYSTEM] = {[1] = T_LEAF, [2] = T_LEAF},
    [T_INVRESP] = {[3] = T_DATA, [4] = T_LEAF, [5] = T_LEAF},
    [T_STREAMCLOSED] = {[2] = T_LEAF},
    [T_GSLIST] = {[2] = T_GSITEM},
    [T_GSITEM] = {[3] = T_GS},
};

#define VARINT(p, v)                                                                     \
    do {                                                                                 \
        uint64_t b_ = *(p)++;                                                            \
        (v) = b_;                                                                        \
        if (b_ & 0x80) {                                                                 \
            unsigned s_ = 7;                                                             \
            (v) &= 0x7f;                                                                 \
            do {                                                                         \
                b_ = *(p)++;                                                             \
                (v) |= (b_ & 0x7f) << s_;                                                \
                s_ += 7;                                                                 \
            } while (b_ & 0x80);                                                         \
        }                                                                                \
    } while (0)

/* Walks p..end as a message of type t; returns where it stopped (end on
 * valid input, NULL when a sub-message did not end where its length says). */
static const uint8_t *walk(const uint8_t *p, const uint8_t *end, unsigned t, uint64_t *tags)
{
    while (p < end) {
        uint64_t key, v;
        VARINT(p, key);
        ++*tags;
        switch (key & 7) {
        case 0:
            while (*p++ & 0x80)
                ;
            break;
        case 1:
            p += 8;
            break;
        case 5:
            p += 4;
            break;
        case 2: {
            uint64_t f = key >> 3;
            unsigned ct;
            VARINT(p, v);
            ct = f < MAXF ? sub[t][f] : 0;
            if (ct && walk(p, p + v, ct, tags) != p + v)
                return NULL;
            p += v;
            break;
        }
        default: /* groups: not in this schema */
            return NULL;
        }
    }
    return p;
}

static void *prep_tagwalk(const bp_corpus *c, char *why, size_t wl, int *na)
{
    size_t i;
    (void)na;
    for (i = 0; i < c->count; i++) {
        uint64_t tags = 0;
        long want = bp_lpb_count_tags(c->down, c->msg[i], c->len[i]);
        if (walk(c->msg[i], c->msg[i] + c->len[i], c->down ? T_DOWN : T_UP, &tags) !=
            c->msg[i] + c->len[i])
            return bp_fail(why, wl, "#%zu: the walk does not end at the end of the message", i);
        if (want < 0 || tags != (uint64_t)want)
            return bp_fail(why, wl, "#%zu: walked %llu tags, libprotobuf counts %ld fields", i,
                           (unsigned long long)tags, want);
    }
    return &bp_nostate;
}

uint64_t bp_col_floor_tagwalk(void *st, const bp_corpus *c)
{
    uint64_t tags = 0;
    size_t i;
    unsigned t = c->down ? T_DOWN : T_UP;
    (void)st;
    for (i = 0; i < c->count; i++)
        walk(c->msg[i], c->msg[i] + c->len[i], t, &tags);
    return tags;
}

static void release_none(void *st)
{
    (void)st;
}

const bp_column bp_cols_floor[] = {
    {"floor.memcpy", "floor", "memcpy", BP_DECODE, 0, "bp_col_floor_memcpy", prep_memcpy,
     bp_col_floor_memcpy, release_none},
    {"floor.tagwalk", "floor", "tag walk", BP_DECODE, 0, "bp_col_floor_tagwalk", prep_tagwalk,
     bp_col_floor_tagwalk, release_none},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL}};
