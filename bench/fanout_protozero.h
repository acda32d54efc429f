/* SPDX-License-Identifier: MIT */
/*
 * bench/fanout_protozero.h - the protozero columns of bench/fanout.c: what a
 * protozero user writes to turn a SendToGroupMessage frame into the
 * DataMessage a protobuf receiver gets.  protozero is the fastest peer of
 * bench/peers; its code is C++ (bench/fanout_protozero.cc), called from C.
 */
#ifndef BENCH_FANOUT_PROTOZERO_H
#define BENCH_FANOUT_PROTOZERO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The fields of a SendToGroupMessage that a DataMessage carries, as views
 * into the frame. */
typedef struct fanout_pz_group_msg {
    const uint8_t *group;
    size_t group_len;
    int has_data;          /* the data field was present */
    unsigned data_field;   /* MessageData's oneof member (1..4), 0 if none */
    const uint8_t *data;   /* that member's bytes (an Any's whole message) */
    size_t data_len;
} fanout_pz_group_msg;

/* Decodes an UpstreamMessage frame holding a SendToGroupMessage with a
 * protozero pull loop (every field visited, unknown ones skipped).
 * Returns 1, or 0 when protozero rejects the frame or it is another kind. */
int fanout_pz_decode(const uint8_t *frame, size_t len, fanout_pz_group_msg *m);

/* Encodes DownstreamMessage{data_message{from "group", group, data,
 * sequence_id seq}} with protozero's writer into out[0..cap).  Returns the
 * frame's length, 0 when it does not fit. */
size_t fanout_pz_encode(const fanout_pz_group_msg *m, uint64_t seq, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* BENCH_FANOUT_PROTOZERO_H */
