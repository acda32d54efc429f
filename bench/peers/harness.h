/* SPDX-License-Identifier: MIT */
/*
 * bench/peers/harness.h - the column interface of bench_peers.
 *
 * A column is one library doing one thing (decode, encode, or a floor) to
 * every message of one corpus class.  Every column lives in its own
 * translation unit (col_*.c / col_*.cc) and exports a NULL-terminated array
 * of `column`s; main.cc runs them all on the same messages in one process.
 *
 * The `run` function of a column is the only code that is timed and the
 * only code callgrind counts (--toggle-collect='bp_col_*'): every column's
 * run function is named bp_col_<something>, takes the state its `prepare`
 * built and makes one pass over the corpus.
 */
#ifndef BENCH_PEERS_HARNESS_H
#define BENCH_PEERS_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One corpus class: the messages of one <class>.bin, in file order. */
typedef struct bp_corpus {
    char name[64];
    int down;        /* 1: DownstreamMessage, 0: UpstreamMessage */
    size_t count;    /* messages */
    size_t bytes;    /* total message bytes, without the length prefixes */
    size_t max_len;  /* longest message */
    const uint8_t **msg;
    uint32_t *len;
    uint8_t *file;
} bp_corpus;

enum bp_kind { BP_DECODE = 0, BP_ENCODE = 1 };

typedef struct bp_column {
    const char *id;    /* "lib.what", e.g. "ours.decode" */
    const char *lib;   /* "ours", "libprotobuf", "protobuf-c", "nanopb", "protozero", "floor" */
    const char *label; /* short label for tables */
    int kind;          /* BP_DECODE or BP_ENCODE */
    int peer;          /* 1 for a peer library's column (candidate for "fastest peer") */
    const char *fn;    /* name of the run function (for callgrind --toggle-collect) */
    /*
     * Builds the column's state for corpus c and verifies the column on every
     * message (decode, then encode with the same library, must give back the
     * corpus bytes; floors must walk/copy every byte).  Returns the state, or
     * NULL with a reason in why[]; *na = 1 means "does not apply to this
     * class" (e.g. a payload larger than nanopb's static max_size), not a
     * failure.
     */
    void *(*prepare)(const bp_corpus *c, char *why, size_t whylen, int *na);
    /* One pass over every message of c.  Returns a checksum. */
    uint64_t (*run)(void *state, const bp_corpus *c);
    void (*release)(void *state);
} bp_column;

/* Scratch output buffer shared by the encoders (big enough for any message
 * of the corpus). */
#define BP_OUT_CAP (4u << 20)
extern uint8_t bp_out[BP_OUT_CAP];

/* Non-NULL dummy state for stateless columns. */
extern char bp_nostate;

/* printf into why[] and return NULL: for prepare functions. */
void *bp_fail(char *why, size_t whylen, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Column tables, one per translation unit. */
extern const bp_column bp_cols_ours[];
extern const bp_column bp_cols_libprotobuf[];
extern const bp_column bp_cols_protobuf_c[];
extern const bp_column bp_cols_nanopb_static[];
extern const bp_column bp_cols_nanopb_cb[];
extern const bp_column bp_cols_protozero[];
extern const bp_column bp_cols_floor[];

/* From col_libprotobuf.cc: the number of tags a full walk of the message
 * meets (every set field, descending into sub-messages), counted with
 * libprotobuf's reflection; -1 if libprotobuf rejects the message.  Used to
 * check the tag-walk floor independently. */
long bp_lpb_count_tags(int down, const uint8_t *msg, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* BENCH_PEERS_HARNESS_H */
