/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_common.h - what the fuzz harnesses share.
 *
 * Test code, not library code: it allocates, prints and aborts.
 *
 *   - A canonical text rendering ("dump") of decoded messages, written by
 *     hand from the schema: every field the struct holds, presence flags
 *     included, so that two structs are equal exactly when their dumps are.
 *     fuzz_diff.cc renders libprotobuf's messages in the same syntax.
 *   - While dumping, every view is checked against the memory it may point
 *     into (the input for the one-shot decoder: zero copy), every map and
 *     item list is walked through its iterator and its count checked, and
 *     wps_data.raw is checked to hold the MessageData it came from.
 *   - fz_fail(): report a finding and abort(), which libFuzzer records as a
 *     crash (with the input saved) and the replay runner counts as a failure.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "../wps_messages.h"
#include "../tools/wps_json.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A growing, NUL-terminated text buffer: the tools' (wps_json_put appends,
 * wps_json_free frees). */
typedef wps_json_buf fz_buf;

void fz_puts(fz_buf *b, const char *s);
void fz_printf(fz_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A string or bytes value: "..." with printable ASCII as is, except " and \,
 * and everything else as \xHH (the same escaping as fuzz_diff.cc's). */
void fz_quote(fz_buf *b, const uint8_t *s, size_t n);

/*
 * How maps are rendered:
 *   FZ_MAP_WIRE      every entry in wire order, repeated keys included: what
 *                    the struct holds and the encoder writes back;
 *   FZ_MAP_SEMANTIC  libprotobuf's map: the last entry of each key wins,
 *                    sorted by key bytewise.
 */
typedef enum fz_map_mode { FZ_MAP_WIRE, FZ_MAP_SEMANTIC } fz_map_mode;

#define FZ_MAX_RANGES 3

/* A dump's settings and what it found wrong on the way. */
typedef struct fz_dump {
    fz_map_mode maps;
    /* The memory views may point into (ptr .. ptr + len); none: no check. */
    const uint8_t *range_ptr[FZ_MAX_RANGES];
    size_t range_len[FZ_MAX_RANGES];
    unsigned nranges;
    /* Check wps_data.raw (one-shot decoding only): flags of the decode. */
    int check_raw;
    unsigned flags;
    /* The first problem found, or NULL. */
    const char *problem;
    char problem_buf[256];
} fz_dump;

void fz_dump_init(fz_dump *d, fz_map_mode maps);
void fz_dump_allow(fz_dump *d, const uint8_t *ptr, size_t len);

/* Appends the rendering of the message to b (which it starts when empty). */
void fz_dump_upstream(fz_dump *d, fz_buf *b, const wps_upstream *m);
void fz_dump_downstream(fz_dump *d, fz_buf *b, const wps_downstream *m);
void fz_dump_data(fz_dump *d, fz_buf *b, const wps_data *data);

/* Convenience: the rendering as a malloc'd string (free()), aborting with
 * the problem when a check fails.  `what` names the struct in reports. */
char *fz_render(int down, const void *msg, fz_map_mode maps, const uint8_t *lo, size_t len,
                int check_raw, unsigned flags, const char *what);

/* The MessageData a message carries (NULL: none).  Non-const on purpose: the
 * stream harness fills in reassembled payloads. */
wps_data *fz_data_of(int down, void *msg);

/* The harness's input, for reports made where it is not at hand. */
void fz_current_input(const uint8_t *in, size_t n);

/* Reports a finding: what went wrong and the input, then abort(). */
void fz_fail(const uint8_t *in, size_t n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4), noreturn))
#endif
    ;

/* malloc that aborts on failure; and one that returns a distinct pointer
 * for 0 bytes too, so that ASan checks every access against the exact size. */
void *fz_malloc(size_t n);

/* 1 if the status is one the one-shot decoders may return. */
int fz_decode_status_ok(pbw_status st);

/* Decoding either direction through one interface. */
typedef union fz_msg {
    wps_upstream up;
    wps_downstream down;
} fz_msg;

pbw_status fz_decode(int down, const uint8_t *buf, size_t n, fz_msg *m, unsigned flags,
                     size_t *off);
size_t fz_size(int down, const fz_msg *m);
pbw_status fz_encode(int down, const fz_msg *m, uint8_t *dst, size_t cap, size_t *written);

#ifdef __cplusplus
}
#endif

#endif
