/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_stream.c - the streaming decoder against the one-shot decoder,
 * and the split encoder against the one-shot encoder.
 *
 * Input layout (so that the fuzzer mutates the plan along with the frame):
 *   byte 0   options
 *              bit 0    DownstreamMessage (else UpstreamMessage)
 *              bit 1    declare the total length (else WPS_LEN_UNKNOWN and
 *                       wps_stream_finish at the end)
 *              bit 2    WPS_DECODE_NO_UTF8
 *              bits 3-4 scratch: 0 as large as the frame, 1 the frame + 64,
 *                       2 smaller than the frame (byte 1's high nibble
 *                       sixteenths of it), 3 none (NULL, 0)
 *              bit 5    after every chunk, also an empty call and a call
 *                       without input
 *              bit 6    WPS_STREAM_COLLECT: payloads that fit the scratch
 *                       are in the struct, as views into it
 *   byte 1   low nibble: k, the number of chunk-plan bytes that follow
 *   k bytes  the chunk plan, used cyclically until the frame is all fed:
 *              0x00 an empty chunk (*p == end)
 *              0xFE a call with *p and end NULL
 *              0xFF a call with p NULL
 *              else a chunk of that many bytes (the rest, if fewer remain)
 *            k == 0: the whole frame in one chunk
 *   the rest the frame
 *
 * Checks:
 *   - the result is the one-shot decoder's: the same status and
 *     wps_stream_offset() == its error offset; on success the same struct
 *     (the same dump) once the payload is put back from the PAYLOAD_*
 *     events, as the header tells a caller to: BEGIN starts anew, DISCARD
 *     drops, and at MESSAGE_END the payload's view is {NULL, len} and the
 *     collected bytes are the payload;
 *   - PBW_E_NOSPACE only when the scratch is smaller than the frame (the
 *     header promises that as large as the frame is always enough);
 *   - every event follows the header's rules (chunks are never empty, lie
 *     in the input of the call, count down `length`; END comes with every
 *     byte); views of the struct lie in the scratch buffer; NEED_MORE means
 *     the chunk was consumed; errors are sticky and leave the empty
 *     message; after MESSAGE_END nothing more is consumed; with a declared
 *     length decoding ends by itself;
 *   - on a one-shot success: wps_*_encode_split gives head + payload + tail
 *     == wps_*_encode, refuses one byte less with the room needed, and is
 *     PBW_E_ARG when there is no payload.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *g_in; /* the whole fuzz input, for reports */
static size_t g_n;
static const uint8_t *g_scratch; /* chunks of a gathered frame point here */
static size_t g_scratch_cap;

#define FAIL(...) fz_fail(g_in, g_n, __VA_ARGS__)

/* What a caller keeps of the payload events. */
typedef struct sink {
    uint8_t *buf;
    size_t len, cap;
    uint64_t expect;
    wps_data *data; /* NULL: no payload held */
    int ended;
} sink;

/* Checks one event; returns 1 at MESSAGE_END.  lo..hi is the input of the
 * call that produced it (NULL, NULL for a call without input). */
static int on_event(sink *k, const wps_stream_event *ev, const fz_msg *m, const uint8_t *lo,
                    const uint8_t *hi)
{
    uintptr_t mlo = (uintptr_t)m, mhi = mlo + sizeof *m;
    switch (ev->type) {
    case WPS_EV_PAYLOAD_BEGIN:
        if (ev->data == NULL || (uintptr_t)ev->data < mlo ||
            (uintptr_t)(ev->data + 1) > mhi || ev->kind < WPS_DATA_TEXT ||
            ev->kind > WPS_DATA_JSON)
            FAIL("stream: PAYLOAD_BEGIN with data %p (struct %p) and kind %d",
                 (void *)ev->data, (const void *)m, (int)ev->kind);
        k->len = 0;
        k->expect = ev->remaining;
        k->data = ev->data;
        k->ended = 0;
        /* BEGIN may carry the payload's first bytes: {NULL, 0} for none */
        if (ev->chunk.len == 0) {
            if (ev->chunk.ptr != NULL)
                FAIL("stream: PAYLOAD_BEGIN without bytes but chunk.ptr %p, not NULL",
                     (const void *)ev->chunk.ptr);
            break;
        }
        /* its bytes are checked and collected like a chunk's */
        /* fall through */
    case WPS_EV_PAYLOAD_CHUNK:
        if (k->data == NULL || ev->data != k->data || k->ended)
            FAIL("stream: PAYLOAD_CHUNK outside a payload");
        if (ev->chunk.len == 0 || ev->chunk.ptr == NULL ||
            ((lo == NULL || (uintptr_t)ev->chunk.ptr < (uintptr_t)lo ||
              ev->chunk.len > (uintptr_t)hi - (uintptr_t)ev->chunk.ptr ||
              (uintptr_t)ev->chunk.ptr > (uintptr_t)hi) &&
             (g_scratch == NULL || ev->chunk.ptr < g_scratch ||
              ev->chunk.len > g_scratch_cap ||
              ev->chunk.ptr > g_scratch + (g_scratch_cap - ev->chunk.len))))
            FAIL("stream: payload bytes {%p, %zu} not a non-empty view into the call's input "
                 "[%p, %p)", (const void *)ev->chunk.ptr, ev->chunk.len, (const void *)lo,
                 (const void *)hi);
        if (ev->remaining != k->expect - k->len)
            FAIL("stream: event %d says %llu bytes to come, the payload has %llu left",
                 (int)ev->type,
                 (unsigned long long)ev->remaining, (unsigned long long)(k->expect - k->len));
        if (ev->chunk.len > ev->remaining)
            FAIL("stream: %zu payload bytes, only %llu to come", ev->chunk.len,
                 (unsigned long long)ev->remaining);
        if (k->len + ev->chunk.len > k->cap) {
            k->cap = (k->len + ev->chunk.len) * 2;
            k->buf = (uint8_t *)realloc(k->buf, k->cap);
            if (k->buf == NULL)
                abort();
        }
        memcpy(k->buf + k->len, ev->chunk.ptr, ev->chunk.len);
        k->len += ev->chunk.len;
        break;
    case WPS_EV_PAYLOAD_END:
        if (k->data == NULL || ev->data != k->data || k->len != k->expect || k->ended)
            FAIL("stream: PAYLOAD_END after %zu of %llu bytes", k->len,
                 (unsigned long long)k->expect);
        k->ended = 1;
        break;
    case WPS_EV_PAYLOAD_DISCARD:
        k->len = 0;
        k->data = NULL;
        k->ended = 0;
        break;
    case WPS_EV_MESSAGE_END:
        return 1;
    default:
        FAIL("stream: unknown event type %d", (int)ev->type);
    }
    return 0;
}

typedef struct result {
    pbw_status st;
    uint64_t off;
    char *dump; /* on success */
} result;

typedef struct plan {
    const uint8_t *steps; /* the chunk plan */
    size_t nsteps;
    int known, empty_calls, down;
    unsigned flags;
    size_t scratch;
    int scratch_null;
} plan;

static result streamed(const uint8_t *in, size_t n, const plan *pl)
{
    result r;
    fz_msg m, m2;
    wps_stream s;
    wps_stream_event ev;
    sink k;
    size_t off2 = 0;
    uint8_t *scratch = pl->scratch_null ? NULL : (uint8_t *)fz_malloc(pl->scratch);
    uint8_t *payload = NULL;
    size_t at = 0, step = 0;
    unsigned long calls = 0;
    int done = 0, progress = 0;
    pbw_status st = PBW_NEED_MORE;
    uint64_t total = pl->known ? (uint64_t)n : WPS_LEN_UNKNOWN;

    g_scratch = scratch;
    g_scratch_cap = pl->scratch_null ? 0 : pl->scratch;
    memset(&k, 0, sizeof k);
    memset(&m, 0xA5, sizeof m);
    if (pl->down)
        wps_stream_init_downstream(&s, &m.down, scratch, pl->scratch, total, pl->flags);
    else
        wps_stream_init_upstream(&s, &m.up, scratch, pl->scratch, total, pl->flags);

    /* feed the frame as planned */
    while (!done && (at < n || calls == 0)) {
        uint8_t c = pl->nsteps ? pl->steps[step % pl->nsteps] : 0x01;
        size_t take;
        int call, ncalls = pl->empty_calls ? 3 : 1;

        if (pl->nsteps == 0 || (step >= pl->nsteps && !progress) || calls > 4 * n + 64)
            take = n - at; /* no plan, or one that never moves: the rest */
        else if (c == 0x00 || c == 0xFE || c == 0xFF)
            take = 0;
        else
            take = c < n - at ? c : n - at;
        if (take)
            progress = 1;
        step++;
        for (call = 0; call < ncalls && !done; call++) {
            const uint8_t *q = in + at, *end = in + at + take, *lo = q, *hi = end;
            const uint8_t **pq = &q;
            if (call == 1 || (call == 0 && c == 0x00 && take == 0)) {
                q = end = lo = hi = in + at; /* an empty chunk (at: past the last one) */
            } else if (call == 2 || (call == 0 && c == 0xFE && take == 0)) {
                q = end = lo = hi = NULL; /* no chunk */
            } else if (call == 0 && c == 0xFF && take == 0) {
                pq = NULL; /* no cursor at all */
                lo = hi = NULL;
            }
            calls++;
            while ((st = wps_stream_next(&s, pq, end, &ev)) == PBW_OK) {
                if (on_event(&k, &ev, &m, lo, hi)) {
                    done = 1;
                    break;
                }
            }
            if (call == 0) {
                if (st == PBW_NEED_MORE && pq != NULL && q != end)
                    FAIL("stream: PBW_NEED_MORE with %zu bytes of the chunk not consumed",
                         (size_t)(end - q));
                if (pq != NULL && lo != NULL)
                    at = (size_t)(q - in);
            }
            if (st != PBW_OK && st != PBW_NEED_MORE)
                break;
        }
        if (st != PBW_OK && st != PBW_NEED_MORE)
            break;
    }
    /* the input is over */
    if (!done && (st == PBW_OK || st == PBW_NEED_MORE)) {
        for (;;) {
            st = pl->known ? wps_stream_next(&s, NULL, NULL, &ev) : wps_stream_finish(&s, &ev);
            if (st != PBW_OK)
                break;
            if (on_event(&k, &ev, &m, NULL, NULL)) {
                done = 1;
                break;
            }
        }
        if (pl->known && st == PBW_NEED_MORE)
            FAIL("stream: the declared %zu bytes were all fed, yet PBW_NEED_MORE", n);
        if (!pl->known && st == PBW_NEED_MORE) {
            pbw_status one = fz_decode(pl->down, in, n, &m2, pl->flags & WPS_DECODE_NO_UTF8, &off2);
            FAIL("stream: wps_stream_finish returned PBW_NEED_MORE (after %zu bytes; the "
                 "one-shot decoder says %s at %zu)", n, pbw_status_name(one), off2);
        }
    }
    r.st = st;
    r.off = wps_stream_offset(&s);
    r.dump = NULL;
    if (st != PBW_OK) {
        wps_stream_event again;
        /* sticky, and the message is reset */
        if (wps_stream_next(&s, NULL, NULL, &again) != st || wps_stream_finish(&s, &again) != st ||
            wps_stream_offset(&s) != r.off)
            FAIL("stream: the error %s is not sticky", pbw_status_name(st));
        if ((pl->down ? (int)m.down.kind : (int)m.up.kind) != 0)
            FAIL("stream: %s but the struct is not the empty message", pbw_status_name(st));
    } else {
        /* after MESSAGE_END: MESSAGE_END again, nothing consumed */
        const uint8_t *q = in, *qend = in + n;
        wps_data *d = fz_data_of(pl->down, &m);
        fz_dump dd;
        fz_buf b = {NULL, 0, 0};

        if (wps_stream_next(&s, &q, qend, &ev) != PBW_OK || ev.type != WPS_EV_MESSAGE_END ||
            q != in)
            FAIL("stream: after MESSAGE_END the decoder does not stay done");
        /* put the payload back as a caller would */
        if (k.data != NULL) {
            if (k.data != d || !k.ended || d->bytes.ptr != NULL || d->bytes.len != k.len)
                FAIL("stream: at MESSAGE_END the held payload (%zu bytes, %s) is not the "
                     "struct's data {%p, %zu}", k.len, k.ended ? "ended" : "not ended",
                     d ? (const void *)d->bytes.ptr : NULL, d ? d->bytes.len : 0);
            if (k.len) {
                payload = (uint8_t *)fz_malloc(k.len);
                memcpy(payload, k.buf, k.len);
                d->bytes.ptr = payload;
            }
        } else if (d != NULL && d->bytes.len != 0 &&
                   !((pl->flags & WPS_STREAM_COLLECT) && d->bytes.ptr != NULL)) {
            FAIL("stream: the struct has a %zu-byte payload that no event delivered",
                 d->bytes.len);
        }
        if (d != NULL && (d->raw.ptr != NULL || d->raw.len != 0))
            FAIL("stream: data.raw is set");
        fz_dump_init(&dd, FZ_MAP_WIRE);
        fz_dump_allow(&dd, scratch, pl->scratch_null ? 0 : pl->scratch);
        if (payload)
            fz_dump_allow(&dd, payload, k.len);
        /* Views point into the scratch buffer, never into the input, not even
         * empty ones (regressions/fuzz_stream/empty-view-into-input-*). */
        if (pl->down)
            fz_dump_downstream(&dd, &b, &m.down);
        else
            fz_dump_upstream(&dd, &b, &m.up);
        if (dd.problem)
            FAIL("stream: streamed struct: %s\n  dump: %.2000s", dd.problem, b.ptr);
        r.dump = b.ptr;
        if (r.off != n)
            FAIL("stream: MESSAGE_END with wps_stream_offset %llu, not %zu",
                 (unsigned long long)r.off, n);
    }
    free(k.buf);
    free(payload);
    free(scratch);
    return r;
}

/* head + payload + tail must be the one-shot encoding, byte for byte. */
static void check_split(int down, const fz_msg *m)
{
    const wps_data *d = fz_data_of(down, (void *)(uintptr_t)m);
    size_t full_n = fz_size(down, m), written, head = 0, tail = 0, need;
    uint8_t *full, *ht, *joined;
    pbw_status st;

    if (d == NULL || d->kind == WPS_DATA_NONE) {
        uint8_t out[64];
        st = down ? wps_downstream_encode_split(&m->down, out, sizeof out, &head, &tail)
                  : wps_upstream_encode_split(&m->up, out, sizeof out, &head, &tail);
        if (st != PBW_E_ARG)
            FAIL("split encode of a message without payload: %s, not PBW_E_ARG",
                 pbw_status_name(st));
        return;
    }
    full = (uint8_t *)fz_malloc(full_n);
    ht = (uint8_t *)fz_malloc(full_n);
    joined = (uint8_t *)fz_malloc(full_n);
    if (fz_encode(down, m, full, full_n, &written) != PBW_OK || written != full_n)
        FAIL("encode of a decoded message failed");
    st = down ? wps_downstream_encode_split(&m->down, ht, full_n, &head, &tail)
              : wps_upstream_encode_split(&m->up, ht, full_n, &head, &tail);
    if (st != PBW_OK || head + tail + d->bytes.len != full_n)
        FAIL("split encode: %s, head %zu + payload %zu + tail %zu, encode %zu",
             pbw_status_name(st), head, d->bytes.len, tail, full_n);
    memcpy(joined, ht, head);
    if (d->bytes.len)
        memcpy(joined + head, d->bytes.ptr, d->bytes.len);
    memcpy(joined + head + d->bytes.len, ht + head, tail);
    if (memcmp(joined, full, full_n) != 0)
        FAIL("split encode: head + payload + tail differs from encode");
    /* one byte short: refused, and told the room needed */
    need = head + tail;
    head = tail = 0;
    st = down ? wps_downstream_encode_split(&m->down, ht, need - 1, &head, &tail)
              : wps_upstream_encode_split(&m->up, ht, need - 1, &head, &tail);
    if (st != PBW_E_NOSPACE || head + tail != need)
        FAIL("split encode into %zu bytes: %s, needs %zu (%zu)", need - 1, pbw_status_name(st),
             head + tail, need);
    free(full);
    free(ht);
    free(joined);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    plan pl;
    const uint8_t *in;
    size_t n, off = 0, k;
    unsigned scratch_mode;
    fz_msg m;
    pbw_status st;
    result got;
    char *want_dump = NULL;

    if (size < 2)
        return 0;
    g_in = data;
    g_n = size;
    fz_current_input(data, size);
    k = data[1] & 15u;
    if (size < 2 + k)
        return 0;
    pl.down = data[0] & 1;
    pl.known = (data[0] >> 1) & 1;
    pl.flags = ((data[0] & 4) ? WPS_DECODE_NO_UTF8 : 0) | ((data[0] & 64) ? WPS_STREAM_COLLECT : 0);
    scratch_mode = (data[0] >> 3) & 3u;
    pl.empty_calls = (data[0] >> 5) & 1;
    pl.steps = data + 2;
    pl.nsteps = k;
    in = data + 2 + k;
    n = size - 2 - k;
    pl.scratch_null = 0;
    switch (scratch_mode) {
    case 0:
        pl.scratch = n;
        break;
    case 1:
        pl.scratch = n + 64;
        break;
    case 2:
        pl.scratch = n * (data[1] >> 4) / 16;
        break;
    default:
        pl.scratch = 0;
        pl.scratch_null = 1;
        break;
    }

    st = fz_decode(pl.down, in, n, &m, pl.flags & WPS_DECODE_NO_UTF8, &off);
    if (st == PBW_OK) {
        want_dump = fz_render(pl.down, &m, FZ_MAP_WIRE, in, n, 0, pl.flags & WPS_DECODE_NO_UTF8, "one-shot");
        check_split(pl.down, &m);
    }
    got = streamed(in, n, &pl);
    if (got.st == PBW_E_NOSPACE && pl.scratch < n) {
        /* allowed: the scratch is smaller than the frame */
    } else if (got.st != st || (st != PBW_OK && got.off != off)) {
        FAIL("stream (%s, length %s, flags %u, scratch %zu of %zu): %s at %llu, one-shot %s "
             "at %zu", pl.down ? "down" : "up", pl.known ? "declared" : "unknown", pl.flags,
             pl.scratch, n, pbw_status_name(got.st), (unsigned long long)got.off,
             pbw_status_name(st), off);
    } else if (st == PBW_OK && strcmp(got.dump, want_dump) != 0) {
        FAIL("stream (%s): another struct than the one-shot decoder's\n  one-shot %.2000s\n"
             "  streamed %.2000s", pl.down ? "down" : "up", want_dump, got.dump);
    }
    free(got.dump);
    free(want_dump);
    return 0;
}
