/* SPDX-License-Identifier: MIT */
/*
 * bench/fanout.c - one group message delivered to 10,000 receivers.
 *
 *   make bench-fanout          (tests/service.mk)
 *   build/bench_fanout [--receivers N] [--reps N] [--payload N] [--text]
 *
 * The message: SendToGroupMessage{group "chat-room-42", ack_id, data{a 1 KiB
 * binary payload}}, decoded once, as a service does.  Every receiver is on
 * the reliable subprotocol and gets its own sequence id (1000 + 37 r: 2 or
 * 3 varint bytes).  Each column is one way of producing every receiver's
 * frame; what the socket then does with the bytes (writev, or write of a
 * contiguous buffer) is left out, being the same for all.
 *
 *   fanout          wps_fanout_prepare once, wps_fanout_receiver per
 *                   receiver: head bytes + views of the shared and the
 *                   sender's bytes, ready for writev
 *   fanout+gather   the same, then the views copied into one contiguous
 *                   buffer per receiver (for a transport without writev)
 *   re-encode       the DataMessage built once, wps_downstream_encode per
 *                   receiver with its sequence id
 *   decode+encode   wps_upstream_decode + wps_downstream_encode per receiver
 *   json fanout     wps_json_client_write once, wps_json_client_seq_head
 *                   per receiver
 *   json render     wps_json_client_write per receiver
 * With -DFANOUT_PROTOBUF_C (tests/service.mk does it when protobuf-c is
 * installed), two more:
 *   protobuf-c re-encode       unpack once; per receiver set sequence_id
 *                              and pack into a buffer known to be big enough
 *   protobuf-c decode+encode   unpack + pack + free_unpacked per receiver
 * With -DFANOUT_PROTOZERO (when libprotozero-dev is installed), the fastest
 * peer of bench/peers, two more (bench/fanout_protozero.cc):
 *   protozero re-encode        pull-loop decode once; per receiver a
 *                              pbf_writer into the output buffer
 *   protozero decode+encode    both per receiver
 *
 * Figures: ns per receiver, min and median over the repetitions (each
 * repetition: the once-per-message work plus every receiver); bytes each
 * receiver's frame cost in writes by the code under test (copied or
 * encoded), and the frame's size.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../wps_messages.h"
#include "../wps_service.h"

#ifdef FANOUT_PROTOBUF_C
#include "webpubsub.pb-c.h"
#endif
#ifdef FANOUT_PROTOZERO
#include "fanout_protozero.h"
#endif

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct ctx {
    const uint8_t *frame; /* the upstream frame */
    size_t frame_len;
    wps_upstream up;      /* decoded once */
    wps_data_message dm;  /* what receivers get */
    size_t receivers;
    uint8_t *out;         /* a per-receiver output buffer */
    size_t out_cap;
    double written;       /* bytes written by the column, all receivers */
    double frame_bytes;   /* bytes of the receivers' frames */
#ifdef FANOUT_PROTOBUF_C
    Azure__Webpubsub__UpstreamMessage *pbc_up;
#endif
#ifdef FANOUT_PROTOZERO
    fanout_pz_group_msg pz;
#endif
} ctx;

static volatile uint64_t sink;

static uint64_t seq_of(size_t r)
{
    return 1000 + 37 * (uint64_t)r;
}

/* A column wrote a whole frame of n bytes into c->out. */
static uint8_t count_frame(ctx *c, size_t n)
{
    c->written += (double)n;
    c->frame_bytes += (double)n;
    return c->out[n - 1];
}

static void col_fanout(ctx *c, int gather)
{
    static uint8_t shared[1024];
    uint8_t head[WPS_FANOUT_RECEIVER_MAX];
    pbw_bytes iov[WPS_FANOUT_IOV_MAX];
    wps_fanout f;
    size_t used, r, i, n, len;
    uint64_t acc = 0;

    if (wps_fanout_prepare(&f, &c->dm, shared, sizeof shared, &used) != PBW_OK)
        abort();
    c->written = (double)used;
    c->frame_bytes = 0;
    for (r = 0; r < c->receivers; r++) {
        n = wps_fanout_receiver(&f, 1, seq_of(r), head, iov, &len);
        c->written += (double)(len - f.prefix.len - f.payload.len - f.suffix.len);
        c->frame_bytes += (double)len;
        if (gather) {
            uint8_t *w = c->out;
            for (i = 0; i < n; i++) {
                memcpy(w, iov[i].ptr, iov[i].len);
                w += iov[i].len;
            }
            c->written += (double)len;
            acc += c->out[len - 1];
        } else {
            acc += n + iov[0].len + head[1];
        }
    }
    sink += acc;
}

static void col_fanout_views(ctx *c)
{
    col_fanout(c, 0);
}

static void col_fanout_gather(ctx *c)
{
    col_fanout(c, 1);
}

static void col_reencode(ctx *c)
{
    wps_downstream d;
    size_t r, n;
    uint64_t acc = 0;

    memset(&d, 0, sizeof d);
    d.kind = WPS_DOWN_DATA;
    d.u.data = c->dm;
    d.u.data.has_sequence_id = 1;
    c->written = c->frame_bytes = 0;
    for (r = 0; r < c->receivers; r++) {
        d.u.data.sequence_id = seq_of(r);
        if (wps_downstream_encode(&d, c->out, c->out_cap, &n) != PBW_OK)
            abort();
        acc += count_frame(c, n);
    }
    sink += acc;
}

static void col_decode_encode(ctx *c)
{
    wps_upstream up;
    wps_downstream d;
    size_t r, n;
    uint64_t acc = 0;

    c->written = c->frame_bytes = 0;
    for (r = 0; r < c->receivers; r++) {
        if (wps_upstream_decode(c->frame, c->frame_len, &up, 0, NULL) != PBW_OK)
            abort();
        memset(&d, 0, sizeof d);
        d.kind = WPS_DOWN_DATA;
        wps_group_message(&d.u.data, &up.u.send_to_group);
        d.u.data.has_sequence_id = 1;
        d.u.data.sequence_id = seq_of(r);
        if (wps_downstream_encode(&d, c->out, c->out_cap, &n) != PBW_OK)
            abort();
        acc += count_frame(c, n);
    }
    sink += acc;
}

static void col_json_fanout(ctx *c)
{
    static uint8_t body[1 << 16];
    uint8_t head[WPS_JSON_SEQ_HEAD_MAX];
    size_t r, n, h;
    uint64_t acc = 0;

    if (wps_json_client_write(&c->dm, NULL, body, sizeof body, &n) != PBW_OK)
        abort();
    c->written = (double)n;
    c->frame_bytes = 0;
    for (r = 0; r < c->receivers; r++) {
        h = wps_json_client_seq_head(seq_of(r), head);
        c->written += (double)h;
        c->frame_bytes += (double)(h + n - 1);
        acc += h + head[h - 2];
    }
    sink += acc;
}

static void col_json_render(ctx *c)
{
    wps_data_message dm = c->dm;
    size_t r, n;
    uint64_t acc = 0;

    dm.has_sequence_id = 1;
    c->written = c->frame_bytes = 0;
    for (r = 0; r < c->receivers; r++) {
        dm.sequence_id = seq_of(r);
        if (wps_json_client_write(&dm, NULL, c->out, c->out_cap, &n) != PBW_OK)
            abort();
        c->written += (double)n;
        c->frame_bytes += (double)n;
        acc += c->out[n - 2];
    }
    sink += acc;
}

#ifdef FANOUT_PROTOBUF_C
/* The DataMessage a protobuf-c user builds from the unpacked upstream
 * message: the sender's MessageData object reused, not copied. */
static void pbc_data_message(Azure__Webpubsub__DownstreamMessage *down,
                             Azure__Webpubsub__DownstreamMessage__DataMessage *dm,
                             const Azure__Webpubsub__UpstreamMessage *up)
{
    Azure__Webpubsub__DownstreamMessage init = AZURE__WEBPUBSUB__DOWNSTREAM_MESSAGE__INIT;
    Azure__Webpubsub__DownstreamMessage__DataMessage dinit =
        AZURE__WEBPUBSUB__DOWNSTREAM_MESSAGE__DATA_MESSAGE__INIT;
    *down = init;
    *dm = dinit;
    dm->from = (char *)"group";
    dm->_group_case = AZURE__WEBPUBSUB__DOWNSTREAM_MESSAGE__DATA_MESSAGE___GROUP_GROUP;
    dm->group = up->send_to_group_message->group;
    dm->data = up->send_to_group_message->data;
    dm->_sequence_id_case =
        AZURE__WEBPUBSUB__DOWNSTREAM_MESSAGE__DATA_MESSAGE___SEQUENCE_ID_SEQUENCE_ID;
    down->message_case = AZURE__WEBPUBSUB__DOWNSTREAM_MESSAGE__MESSAGE_DATA_MESSAGE;
    down->data_message = dm;
}

static void col_pbc_reencode(ctx *c)
{
    Azure__Webpubsub__DownstreamMessage down;
    Azure__Webpubsub__DownstreamMessage__DataMessage dm;
    size_t r, n;
    uint64_t acc = 0;

    pbc_data_message(&down, &dm, c->pbc_up);
    c->written = c->frame_bytes = 0;
    for (r = 0; r < c->receivers; r++) {
        dm.sequence_id = seq_of(r);
        n = azure__webpubsub__downstream_message__pack(&down, c->out);
        acc += count_frame(c, n);
    }
    sink += acc;
}

static void col_pbc_decode_encode(ctx *c)
{
    Azure__Webpubsub__DownstreamMessage down;
    Azure__Webpubsub__DownstreamMessage__DataMessage dm;
    size_t r, n;
    uint64_t acc = 0;

    c->written = c->frame_bytes = 0;
    for (r = 0; r < c->receivers; r++) {
        Azure__Webpubsub__UpstreamMessage *up =
            azure__webpubsub__upstream_message__unpack(NULL, c->frame_len, c->frame);
        if (up == NULL)
            abort();
        pbc_data_message(&down, &dm, up);
        dm.sequence_id = seq_of(r);
        n = azure__webpubsub__downstream_message__pack(&down, c->out);
        azure__webpubsub__upstream_message__free_unpacked(up, NULL);
        acc += count_frame(c, n);
    }
    sink += acc;
}
#endif

#ifdef FANOUT_PROTOZERO
static void col_pz_reencode(ctx *c)
{
    size_t r, n;
    uint64_t acc = 0;

    c->written = c->frame_bytes = 0;
    for (r = 0; r < c->receivers; r++) {
        n = fanout_pz_encode(&c->pz, seq_of(r), c->out, c->out_cap);
        if (n == 0)
            abort();
        acc += count_frame(c, n);
    }
    sink += acc;
}

static void col_pz_decode_encode(ctx *c)
{
    fanout_pz_group_msg m;
    size_t r, n;
    uint64_t acc = 0;

    c->written = c->frame_bytes = 0;
    for (r = 0; r < c->receivers; r++) {
        if (!fanout_pz_decode(c->frame, c->frame_len, &m))
            abort();
        n = fanout_pz_encode(&m, seq_of(r), c->out, c->out_cap);
        if (n == 0)
            abort();
        acc += count_frame(c, n);
    }
    sink += acc;
}
#endif

typedef struct column {
    const char *name;
    void (*run)(ctx *);
} column;

static const column columns[] = {
    {"ours: fanout (views)", col_fanout_views},
    {"ours: fanout + gather", col_fanout_gather},
    {"ours: re-encode", col_reencode},
    {"ours: decode + encode", col_decode_encode},
#ifdef FANOUT_PROTOBUF_C
    {"protobuf-c: re-encode", col_pbc_reencode},
    {"protobuf-c: decode + encode", col_pbc_decode_encode},
#endif
#ifdef FANOUT_PROTOZERO
    {"protozero: re-encode", col_pz_reencode},
    {"protozero: decode + encode", col_pz_decode_encode},
#endif
    {"ours: json fanout", col_json_fanout},
    {"ours: json render", col_json_render},
};
#define NCOL (sizeof columns / sizeof columns[0])

/* Every column must give the frames the canonical encoder gives. */
static void verify(ctx *c)
{
    static uint8_t shared[1024], want[1 << 16], got[1 << 16];
    uint8_t head[WPS_FANOUT_RECEIVER_MAX];
    pbw_bytes iov[WPS_FANOUT_IOV_MAX];
    wps_fanout f;
    wps_downstream d;
    size_t used, n, i, k, at, len, r;

    if (wps_fanout_prepare(&f, &c->dm, shared, sizeof shared, &used) != PBW_OK || !f.verbatim)
        abort();
    memset(&d, 0, sizeof d);
    d.kind = WPS_DOWN_DATA;
    d.u.data = c->dm;
    d.u.data.has_sequence_id = 1;
    for (r = 0; r < c->receivers; r += c->receivers / 7 + 1) {
        d.u.data.sequence_id = seq_of(r);
        if (wps_downstream_encode(&d, want, sizeof want, &n) != PBW_OK)
            abort();
        k = wps_fanout_receiver(&f, 1, seq_of(r), head, iov, &len);
        for (i = at = 0; i < k; i++) {
            memcpy(got + at, iov[i].ptr, iov[i].len);
            at += iov[i].len;
        }
        if (at != n || len != n || memcmp(got, want, n) != 0) {
            fprintf(stderr, "VERIFICATION FAILED: fan-out frame %zu differs\n", r);
            exit(1);
        }
#ifdef FANOUT_PROTOBUF_C
        {
            Azure__Webpubsub__DownstreamMessage down;
            Azure__Webpubsub__DownstreamMessage__DataMessage dm;
            pbc_data_message(&down, &dm, c->pbc_up);
            dm.sequence_id = seq_of(r);
            if (azure__webpubsub__downstream_message__pack(&down, got) != n ||
                memcmp(got, want, n) != 0) {
                fprintf(stderr, "VERIFICATION FAILED: protobuf-c frame %zu differs\n", r);
                exit(1);
            }
        }
#endif
#ifdef FANOUT_PROTOZERO
        {
            fanout_pz_group_msg m;
            if (!fanout_pz_decode(c->frame, c->frame_len, &m) ||
                fanout_pz_encode(&m, seq_of(r), got, sizeof got) != n || memcmp(got, want, n) != 0) {
                fprintf(stderr, "VERIFICATION FAILED: protozero frame %zu differs\n", r);
                exit(1);
            }
        }
#endif
    }
}

int main(int argc, char **argv)
{
    static uint8_t payload[1 << 20], frame[(1 << 20) + 256];
    size_t receivers = 10000, reps = 31, plen = 1024, i, k;
    int text = 0;
    wps_upstream up;
    ctx c;
    double times[NCOL][256];

    for (i = 1; i < (size_t)argc; i++) {
        if (!strcmp(argv[i], "--receivers") && i + 1 < (size_t)argc)
            receivers = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--reps") && i + 1 < (size_t)argc)
            reps = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--payload") && i + 1 < (size_t)argc)
            plen = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--text"))
            text = 1;
        else {
            fprintf(stderr, "usage: bench_fanout [--receivers N] [--reps N (<= 256)] "
                            "[--payload BYTES] [--text]\n");
            return 2;
        }
    }
    if (reps == 0 || reps > 256 || receivers == 0 || plen > sizeof payload)
        return 2;
    for (i = 0; i < plen; i++)
        payload[i] = text ? (uint8_t)('a' + i % 26) : (uint8_t)(i * 131 + 7);

    memset(&up, 0, sizeof up);
    up.kind = WPS_UP_SEND_TO_GROUP;
    up.u.send_to_group.group.ptr = (const uint8_t *)"chat-room-42";
    up.u.send_to_group.group.len = 12;
    up.u.send_to_group.has_ack_id = 1;
    up.u.send_to_group.ack_id = 12345;
    up.u.send_to_group.has_data = 1;
    up.u.send_to_group.data.kind = text ? WPS_DATA_TEXT : WPS_DATA_BINARY;
    up.u.send_to_group.data.bytes.ptr = payload;
    up.u.send_to_group.data.bytes.len = plen;

    memset(&c, 0, sizeof c);
    if (wps_upstream_encode(&up, frame, sizeof frame, &c.frame_len) != PBW_OK)
        return 1;
    c.frame = frame;
    if (wps_upstream_decode(frame, c.frame_len, &c.up, 0, NULL) != PBW_OK)
        return 1;
    wps_group_message(&c.dm, &c.up.u.send_to_group);
    c.receivers = receivers;
    c.out_cap = 4 * plen + 4096;
    c.out = malloc(c.out_cap);
    if (c.out == NULL)
        return 1;
#ifdef FANOUT_PROTOZERO
    if (!fanout_pz_decode(frame, c.frame_len, &c.pz))
        return 1;
#endif
#ifdef FANOUT_PROTOBUF_C
    c.pbc_up = azure__webpubsub__upstream_message__unpack(NULL, c.frame_len, frame);
    if (c.pbc_up == NULL)
        return 1;
#endif
    verify(&c);

    /* Columns interleaved within each repetition: all see the same noise. */
    for (k = 0; k < NCOL; k++)
        columns[k].run(&c); /* warm-up */
    for (i = 0; i < reps; i++) {
        for (k = 0; k < NCOL; k++) {
            double t0 = now_ns();
            columns[k].run(&c);
            times[k][i] = (now_ns() - t0) / (double)receivers;
        }
    }

    printf("Fan-out of one %zu-byte %s group message (upstream frame %zu B) to %zu reliable "
           "receivers; %zu repetitions\n\n",
           plen, text ? "text" : "binary", c.frame_len, receivers, reps);
    printf("| column | ns/receiver, min | median | bytes written per receiver | frame B |\n");
    printf("|---|---|---|---|---|\n");
    for (k = 0; k < NCOL; k++) {
        qsort(times[k], reps, sizeof times[k][0], cmp_double);
        columns[k].run(&c); /* for the byte counts */
        printf("| %s | %.1f | %.1f | %.1f | %.0f |\n", columns[k].name, times[k][0],
               times[k][reps / 2], c.written / (double)receivers,
               c.frame_bytes / (double)receivers);
    }
    printf("\nbytes written: by the code under test, per receiver, once-per-message work "
           "included (amortised); the payload itself is never copied by the fan-out columns "
           "except \"+ gather\".\n");
#ifndef FANOUT_PROTOBUF_C
    printf("protobuf-c columns: not built (tests/service.mk builds them when protoc-gen-c and "
           "libprotobuf-c-dev are installed).\n");
#endif
#ifndef FANOUT_PROTOZERO
    printf("protozero columns: not built (tests/service.mk builds them when libprotozero-dev "
           "is installed).\n");
#endif
    free(c.out);
    return (int)(sink & 0);
}
