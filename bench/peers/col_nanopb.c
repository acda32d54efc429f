/* SPDX-License-Identifier: MIT */
/*
 * bench/peers/col_nanopb.c - nanopb 0.4 (the generator from Debian's
 * `nanopb` package, the runtime pb_*.c from Debian's source package), built
 * twice from this one file:
 *
 *   NPB_CB undefined: nanopb.static-*  every field a static struct member,
 *       sized for the corpus by bench/peers/nanopb_static.options (strings
 *       and bytes 128 B, payloads 4 KiB, 4 map entries / items).  Classes
 *       whose payload exceeds those sizes (bin64k, bin1m) are n/a.
 *   NPB_CB defined: nanopb.cb-*  the payloads (text_data, binary_data,
 *       json_data, Any.value) are name-bound callbacks
 *       (bench/peers/nanopb_cb.options) that record a zero-copy view of the
 *       payload and skip it; everything else static as above.  The encoder
 *       writes the payload from that view.
 *
 * Both decode with pb_decode() and encode with pb_encode() (which sizes each
 * sub-message with a sizing pass first, as nanopb always does).  The
 * runtime is compiled with PB_BUFFER_ONLY (memory buffers only: nanopb's
 * fast configuration).  nanopb does not check UTF-8 (no PB_VALIDATE_UTF8).
 *
 * The two variants are generated from copies of shared/spec/webpubsub.proto
 * and any.proto whose packages are renamed (npbs / npbcb) so that both link
 * into one program; nothing else differs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include "harness.h"

#ifdef NPB_CB
#include "npbcb_wps.pb.h"
#define NPB(x) npbcb_##x
#define NPB_FN(x) bp_col_npb_cb_##x
#define NPB_ID "nanopb.cb"
#define NPB_LABEL "nanopb cb"
#else
#include "npbs_wps.pb.h"
#define NPB(x) npbs_##x
#define NPB_FN(x) bp_col_npb_static_##x
#define NPB_ID "nanopb.static"
#define NPB_LABEL "nanopb static"
/* Must match the largest max_size of a payload in nanopb_static.options. */
#define NPB_STATIC_PAYLOAD_MAX 4096
#endif

#define STR2(x) #x
#define STR(x) STR2(x)

typedef NPB(UpstreamMessage) up_t;
typedef NPB(DownstreamMessage) down_t;

#ifdef NPB_CB
/* The payload callbacks, bound by name (callback_function defaults to
 * <Message>_callback).  Decode: select the oneof member (nanopb leaves
 * which_* to the callback for callback members), keep a view of the bytes
 * (the input stream is a memory buffer: its state is the read position),
 * skip them.  Encode: write the view back. */
static bool view_cb(pb_istream_t *is, pb_ostream_t *os, const pb_field_t *field)
{
    npb_view *v = (npb_view *)field->pData;
    int oneof = PB_HTYPE(field->type) == PB_HTYPE_ONEOF;
    if (is) {
        if (oneof)
            *(pb_size_t *)field->pSize = field->tag;
        v->ptr = (const uint8_t *)is->state;
        v->len = is->bytes_left;
        return pb_read(is, NULL, is->bytes_left);
    }
    if (os) {
        if (!oneof && v->len == 0)
            return true; /* proto3 singular bytes: empty is not written */
        return pb_encode_tag_for_field(os, field) && pb_encode_string(os, v->ptr, v->len);
    }
    return true;
}

bool npbcb_MessageData_callback(pb_istream_t *is, pb_ostream_t *os, const pb_field_t *field)
{
    return view_cb(is, os, field);
}

bool npbcb_any_Any_callback(pb_istream_t *is, pb_ostream_t *os, const pb_field_t *field)
{
    return view_cb(is, os, field);
}
#endif

static up_t up_scratch;
static down_t down_scratch;

static int decode_one(int down, const uint8_t *p, size_t n, void *dst, const char **err)
{
    pb_istream_t is = pb_istream_from_buffer(p, n);
    int ok = pb_decode(&is, down ? NPB(DownstreamMessage_fields) : NPB(UpstreamMessage_fields), dst);
    *err = PB_GET_ERROR(&is);
    return ok;
}

static size_t encode_one(int down, const void *src, uint8_t *out, size_t cap)
{
    pb_ostream_t os = pb_ostream_from_buffer(out, cap);
    if (!pb_encode(&os, down ? NPB(DownstreamMessage_fields) : NPB(UpstreamMessage_fields), src))
        return (size_t)-1;
    return os.bytes_written;
}

/* Decodes message i into dst and checks that encoding gives it back. */
static void *check_one(const bp_corpus *c, size_t i, void *dst, char *why, size_t wl, int *na)
{
    const char *err;
    size_t n;
    (void)na;
    if (!decode_one(c->down, c->msg[i], c->len[i], dst, &err)) {
#ifndef NPB_CB
        if (c->len[i] > NPB_STATIC_PAYLOAD_MAX && err && strstr(err, "overflow")) {
            *na = 1;
            return bp_fail(why, wl, "#%zu (%u B) does not fit the static structs (payloads <= %d B): %s",
                           i, (unsigned)c->len[i], NPB_STATIC_PAYLOAD_MAX, err);
        }
#endif
        return bp_fail(why, wl, "#%zu rejected by pb_decode: %s", i, err);
    }
    n = encode_one(c->down, dst, bp_out, BP_OUT_CAP);
    if (n != c->len[i] || memcmp(bp_out, c->msg[i], n) != 0)
        return bp_fail(why, wl, "#%zu: pb_decode then pb_encode does not give the corpus bytes", i);
    return &bp_nostate;
}

static void *prep_decode(const bp_corpus *c, char *why, size_t wl, int *na)
{
    size_t i;
    for (i = 0; i < c->count; i++)
        if (!check_one(c, i, c->down ? (void *)&down_scratch : (void *)&up_scratch, why, wl, na))
            return NULL;
    return &bp_nostate;
}

uint64_t NPB_FN(decode)(void *st, const bp_corpus *c)
{
    uint64_t sum = 0;
    size_t i;
    (void)st;
    if (c->down) {
        for (i = 0; i < c->count; i++) {
            pb_istream_t is = pb_istream_from_buffer(c->msg[i], c->len[i]);
            sum += pb_decode(&is, NPB(DownstreamMessage_fields), &down_scratch);
            sum += down_scratch.which_message;
        }
    } else {
        for (i = 0; i < c->count; i++) {
            pb_istream_t is = pb_istream_from_buffer(c->msg[i], c->len[i]);
            sum += pb_decode(&is, NPB(UpstreamMessage_fields), &up_scratch);
            sum += up_scratch.which_message;
        }
    }
    return sum;
}

/* encode: from structs decoded beforehand, one per message */
static void *prep_encode(const bp_corpus *c, char *why, size_t wl, int *na)
{
    size_t sz = c->down ? sizeof(down_t) : sizeof(up_t), i;
    uint8_t *msgs = malloc((c->count ? c->count : 1) * sz);
    if (!msgs)
        return bp_fail(why, wl, "out of memory");
    for (i = 0; i < c->count; i++)
        if (!check_one(c, i, msgs + i * sz, why, wl, na)) {
            free(msgs);
            return NULL;
        }
    return msgs;
}

uint64_t NPB_FN(encode)(void *st, const bp_corpus *c)
{
    uint64_t sum = 0;
    size_t i;
    if (c->down) {
        const down_t *m = st;
        for (i = 0; i < c->count; i++) {
            pb_ostream_t os = pb_ostream_from_buffer(bp_out, BP_OUT_CAP);
            sum += pb_encode(&os, NPB(DownstreamMessage_fields), &m[i]);
            sum += os.bytes_written;
        }
    } else {
        const up_t *m = st;
        for (i = 0; i < c->count; i++) {
            pb_ostream_t os = pb_ostream_from_buffer(bp_out, BP_OUT_CAP);
            sum += pb_encode(&os, NPB(UpstreamMessage_fields), &m[i]);
            sum += os.bytes_written;
        }
    }
    return sum;
}

static void release_none(void *st)
{
    (void)st;
}

#ifdef NPB_CB
const bp_column bp_cols_nanopb_cb[] = {
#else
const bp_column bp_cols_nanopb_static[] = {
#endif
    {NPB_ID ".decode", "nanopb", NPB_LABEL, BP_DECODE, 1, STR(NPB_FN(decode)), prep_decode,
     NPB_FN(decode), release_none},
    {NPB_ID ".encode", "nanopb", NPB_LABEL, BP_ENCODE, 1, STR(NPB_FN(encode)), prep_encode,
     NPB_FN(encode), free},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL}};
