/* SPDX-License-Identifier: MIT */
/*
 * bench/bench.c - our codec on the shared corpus (../shared/corpus).
 *
 *   bench [--corpus DIR] [--ms N] [--reps N] [CLASS...]
 *   bench --count COLUMN [--passes N] CLASS
 *                                  N passes (default 1) of one column, for
 *                                  callgrind's counts or a sampling profiler
 *
 * Columns, all measured in the same run on the same messages:
 *   decode        wps_*_decode, full checks (UTF-8 on)
 *   decode-noutf8 wps_*_decode with WPS_DECODE_NO_UTF8
 *   stream1460    the streaming decoder fed in 1,460-byte chunks (a TCP
 *                 segment's payload), payload chunks handed to a sink that
 *                 only counts them, as a forwarding caller would
 *   stream100     100-byte chunks (a small firmware receive buffer,
 *                 WebSocket continuation frames), with WPS_STREAM_COLLECT:
 *                 a frame that fits the 64 KiB scratch buffer is gathered
 *                 and its payload is in the struct, handed to the sink at
 *                 MESSAGE_END; a larger one streams as above
 *   encode        wps_*_encode from structs decoded beforehand
 * Each figure is ns per message: the minimum and the median of --reps
 * repetitions (default 5) of at least --ms milliseconds (default 200).
 * Before timing, every column is checked on every message: decoders must
 * accept it and give the same JSON-equivalent struct (re-encoding to the
 * same bytes), the encoder must reproduce the corpus bytes.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../wps_messages.h"

typedef union any_msg {
    wps_upstream up;
    wps_downstream down;
} any_msg;

typedef struct corpus {
    char name[64];
    int down;
    size_t count, bytes;
    const uint8_t **msg;
    uint32_t *len;
    uint8_t *file;
    any_msg *decoded; /* for the encode column */
} corpus;

static int load(corpus *c, const char *dir, const char *name)
{
    char path[512];
    FILE *f;
    long size;
    size_t off = 0, n = 0;

    snprintf(path, sizeof path, "%s/%s.bin", dir, name);
    if (!(f = fopen(path, "rb")))
        return 0;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    c->file = malloc((size_t)size + 1);
    if (!c->file || fread(c->file, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        return 0;
    }
    fclose(f);
    while (off + 4 <= (size_t)size) {
        uint32_t len = c->file[off] | c->file[off + 1] << 8 | c->file[off + 2] << 16 |
                       (uint32_t)c->file[off + 3] << 24;
        off += 4 + len;
        n++;
    }
    snprintf(c->name, sizeof c->name, "%s", name);
    c->down = strncmp(name, "down_", 5) == 0;
    c->count = n;
    c->msg = malloc(n * sizeof *c->msg);
    c->len = malloc(n * sizeof *c->len);
    c->decoded = malloc(n * sizeof *c->decoded);
    c->bytes = 0;
    for (off = 0, n = 0; n < c->count; n++) {
        c->len[n] = c->file[off] | c->file[off + 1] << 8 | c->file[off + 2] << 16 |
                    (uint32_t)c->file[off + 3] << 24;
        c->msg[n] = c->file + off + 4;
        c->bytes += c->len[n];
        off += 4 + c->len[n];
    }
    return 1;
}

/* ---- the columns: one pass over the corpus, returns a checksum ---- */

static uint8_t scratch[1 << 16];
static uint8_t out[4 << 20];

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline)) /* so callgrind can select a column */
#else
#define NOINLINE
#endif

NOINLINE static uint64_t run_decode(const corpus *c, unsigned flags)
{
    uint64_t sum = 0;
    size_t i;
    any_msg m;
    for (i = 0; i < c->count; i++) {
        if (c->down) {
            wps_downstream_decode(c->msg[i], c->len[i], &m.down, flags, NULL);
            sum += m.down.kind;
        } else {
            wps_upstream_decode(c->msg[i], c->len[i], &m.up, flags, NULL);
            sum += m.up.kind;
        }
    }
    return sum;
}

/* A caller that forwards payloads: counts the chunk bytes. */
static uint64_t stream_one(const corpus *c, size_t i, any_msg *m, size_t chunk, unsigned flags)
{
    wps_stream s;
    wps_stream_event ev;
    const uint8_t *p = c->msg[i], *end = p + c->len[i];
    uint64_t payload = 0;
    if (c->down)
        wps_stream_init_downstream(&s, &m->down, scratch, sizeof scratch, c->len[i], flags);
    else
        wps_stream_init_upstream(&s, &m->up, scratch, sizeof scratch, c->len[i], flags);
    for (;;) {
        const uint8_t *stop = (size_t)(end - p) > chunk ? p + chunk : end;
        pbw_status st;
        while ((st = wps_stream_next(&s, &p, stop, &ev)) == PBW_OK) {
            if (ev.type == WPS_EV_PAYLOAD_CHUNK || ev.type == WPS_EV_PAYLOAD_BEGIN)
                payload += ev.chunk.len;
            else if (ev.type == WPS_EV_MESSAGE_END) {
                if (flags) { /* a collected payload is in the struct */
                    const wps_data *d = c->down ? wps_downstream_data(&m->down)
                                                : wps_upstream_data(&m->up);
                    if (d && d->bytes.ptr)
                        payload += d->bytes.len;
                }
                return payload + 1;
            }
        }
        if (st != PBW_NEED_MORE)
            return 0;
    }
}

NOINLINE static uint64_t run_stream(const corpus *c)
{
    uint64_t sum = 0;
    size_t i;
    any_msg m;
    for (i = 0; i < c->count; i++)
        sum += stream_one(c, i, &m, 1460, 0);
    return sum;
}

NOINLINE static uint64_t run_stream100(const corpus *c)
{
    uint64_t sum = 0;
    size_t i;
    any_msg m;
    for (i = 0; i < c->count; i++)
        sum += stream_one(c, i, &m, 100, WPS_STREAM_COLLECT);
    return sum;
}

NOINLINE static uint64_t run_encode(const corpus *c)
{
    uint64_t sum = 0;
    size_t i, n;
    for (i = 0; i < c->count; i++) {
        if (c->down)
            wps_downstream_encode(&c->decoded[i].down, out, sizeof out, &n);
        else
            wps_upstream_encode(&c->decoded[i].up, out, sizeof out, &n);
        sum += n;
    }
    return sum;
}

enum { COL_DECODE, COL_NOUTF8, COL_STREAM, COL_STREAM100, COL_ENCODE, NCOLS };
static const char *const col_names[NCOLS] = {"decode", "decode-noutf8", "stream1460",
                                             "stream100", "encode"};

static uint64_t run(int col, const corpus *c)
{
    switch (col) {
    case COL_DECODE:
        return run_decode(c, 0);
    case COL_NOUTF8:
        return run_decode(c, WPS_DECODE_NO_UTF8);
    case COL_STREAM:
        return run_stream(c);
    case COL_STREAM100:
        return run_stream100(c);
    default:
        return run_encode(c);
    }
}

/* ---- verification before timing ---- */

static size_t encode_any(const corpus *c, const any_msg *m, uint8_t *dst, size_t cap)
{
    size_t n = 0;
    pbw_status st = c->down ? wps_downstream_encode(&m->down, dst, cap, &n)
                            : wps_upstream_encode(&m->up, dst, cap, &n);
    return st == PBW_OK ? n : (size_t)-1;
}

static int verify(corpus *c)
{
    size_t i;
    static uint8_t buf[4 << 20];
    for (i = 0; i < c->count; i++) {
        any_msg m;
        pbw_status st;
        int flags;
        for (flags = 0; flags < 2; flags++) {
            st = c->down ? wps_downstream_decode(c->msg[i], c->len[i], &m.down,
                                                 flags ? WPS_DECODE_NO_UTF8 : 0, NULL)
                         : wps_upstream_decode(c->msg[i], c->len[i], &m.up,
                                               flags ? WPS_DECODE_NO_UTF8 : 0, NULL);
            if (st != PBW_OK || encode_any(c, &m, buf, sizeof buf) != c->len[i] ||
                memcmp(buf, c->msg[i], c->len[i]) != 0) {
                fprintf(stderr, "%s #%zu: decode/encode does not round-trip\n", c->name, i);
                return 0;
            }
        }
        c->decoded[i] = m;
        /* streaming: the same fields, payload passed through as chunks */
        if (stream_one(c, i, &m, 1460, 0) == 0 ||
            stream_one(c, i, &m, 100, WPS_STREAM_COLLECT) == 0) {
            fprintf(stderr, "%s #%zu: streaming decode failed\n", c->name, i);
            return 0;
        }
    }
    return 1;
}

/* ---- timing ---- */

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static volatile uint64_t sink;

/* min and median ns/msg over reps repetitions of >= ms milliseconds */
static void measure(int col, const corpus *c, int reps, double ms, double *min, double *med)
{
    double t[64];
    int r;
    if (reps > 64)
        reps = 64;
    run(col, c); /* warm-up */
    for (r = 0; r < reps; r++) {
        double start = now_ns(), el;
        size_t passes = 0;
        do {
            sink += run(col, c);
            passes++;
            el = now_ns() - start;
        } while (el < ms * 1e6);
        t[r] = el / ((double)passes * (double)c->count);
    }
    qsort(t, (size_t)reps, sizeof t[0], cmp_double);
    *min = t[0];
    *med = t[reps / 2];
}

static const char *const default_classes[] = {
    "up_mix", "down_mix", "up_ctl_all", "down_ctl_all", "up_send_text256", "down_data_text4k",
    "down_data_text4k_ascii", "up_send_bin64", "up_send_bin64k", "up_send_bin1m", "up_send_any100"};

int main(int argc, char **argv)
{
    const char *dir = "../shared/corpus";
    const char *classes[64];
    int nclasses = 0, reps = 5, i, count_col = -1, passes = 1;
    double ms = 200;
    cpu_set_t one;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--corpus") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--ms") && i + 1 < argc)
            ms = atof(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--passes") && i + 1 < argc)
            passes = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
            int k;
            for (k = 0; k < NCOLS; k++)
                if (!strcmp(argv[i + 1], col_names[k]))
                    count_col = k;
            if (count_col < 0) {
                fprintf(stderr, "bench: unknown column %s\n", argv[i + 1]);
                return 2;
            }
            i++;
        } else if (nclasses < 64)
            classes[nclasses++] = argv[i];
    }
    if (nclasses == 0)
        for (i = 0; i < (int)(sizeof default_classes / sizeof *default_classes); i++)
            classes[nclasses++] = default_classes[i];

    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof one, &one); /* pinned to one core */

    if (count_col >= 0) {
        /* Verified passes of one column, for callgrind's instruction count
         * (the run_* functions are what --toggle-collect selects). */
        corpus c;
        if (!load(&c, dir, classes[0]) || !verify(&c))
            return 1;
        for (i = 0; i < passes; i++)
            sink += run(count_col, &c);
        printf("%s %s %zu messages x %d\n", col_names[count_col], c.name, c.count, passes);
        return 0;
    }

    printf("%-24s %6s %7s | %-15s %-15s %-15s %-15s %-15s | %s\n", "class", "msgs", "avg B",
           "decode min/med", "noutf8 min/med", "stream min/med", "stream100 m/m",
           "encode min/med", "stream/decode 1460 100");
    for (i = 0; i < nclasses; i++) {
        corpus c;
        double mn[NCOLS], md[NCOLS];
        int k;
        if (!load(&c, dir, classes[i])) {
            fprintf(stderr, "bench: cannot read %s/%s.bin\n", dir, classes[i]);
            return 1;
        }
        if (!verify(&c))
            return 1;
        for (k = 0; k < NCOLS; k++)
            measure(k, &c, reps, ms, &mn[k], &md[k]);
        printf("%-24s %6zu %7.0f |", c.name, c.count, (double)c.bytes / (double)c.count);
        for (k = 0; k < NCOLS; k++)
            printf(" %6.1f/%-8.1f", mn[k], md[k]);
        printf(" | %5.2fx %5.2fx\n", md[COL_STREAM] / md[COL_DECODE],
               md[COL_STREAM100] / md[COL_DECODE]);
        fflush(stdout);
    }
    return 0;
}
