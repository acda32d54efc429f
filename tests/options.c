/* SPDX-License-Identifier: MIT */
/*
 * tests/options.c - the library built with its compile-time options
 * (WPS_SMALL, WPS_NO_ENCODER, WPS_NO_STREAM): what each build still offers
 * must give the results of the full build on every vector.  Built and run
 * once per option set by tests/run_all.sh.
 */
#include <stdlib.h>

#include "test.h"
#include "../tools/wps_json.h"

#ifndef WPS_SMALL
#define WPS_SMALL 0
#endif
#ifndef WPS_NO_ENCODER
#define WPS_NO_ENCODER 0
#endif
#ifndef WPS_NO_STREAM
#define WPS_NO_STREAM 0
#endif

typedef union any_msg {
    wps_upstream up;
    wps_downstream down;
} any_msg;

static pbw_status decode(int down, const uint8_t *in, size_t n, any_msg *m, size_t *off)
{
    return down ? wps_downstream_decode(in, n, &m->down, 0, off)
                : wps_upstream_decode(in, n, &m->up, 0, off);
}

#if !WPS_NO_STREAM
/* One chunk, length declared; the payload gathered from the events. */
static pbw_status streamed(int down, const uint8_t *in, size_t n, any_msg *m, uint64_t *off,
                           uint8_t *payload)
{
    uint8_t *scratch = malloc(n ? n : 1);
    const uint8_t *p = in;
    wps_stream s;
    wps_stream_event ev;
    wps_data *data = NULL;
    size_t got = 0;
    pbw_status st;

    if (down)
        wps_stream_init_downstream(&s, &m->down, scratch, n, n, 0);
    else
        wps_stream_init_upstream(&s, &m->up, scratch, n, n, 0);
    while ((st = wps_stream_next(&s, &p, in + n, &ev)) == PBW_OK) {
        if (ev.type == WPS_EV_PAYLOAD_BEGIN || ev.type == WPS_EV_PAYLOAD_DISCARD) {
            got = 0;
            data = ev.data;
        }
        if (ev.chunk.len) {
            memcpy(payload + got, ev.chunk.ptr, ev.chunk.len);
            got += ev.chunk.len;
        }
        if (ev.type == WPS_EV_MESSAGE_END)
            break;
    }
    if (st == PBW_NEED_MORE)
        st = wps_stream_finish(&s, &ev);
    if (st == PBW_OK && data)
        data->bytes.ptr = got ? payload : NULL;
    *off = st == PBW_OK ? n : wps_stream_offset(&s);
    /* scratch must outlive the JSON: freed by the caller's exit */
    return st;
}
#endif

static void golden_row(void *ctx, char **cols, int ncols, const char *where)
{
    int down;
    size_t n, off;
    uint8_t *in;
    any_msg m;
    char *json;
    (void)ctx;
    (void)ncols;
    if (!test_parse_dir(cols[0], &down))
        return;
    in = test_unhex_alloc(cols[2], &n);
    test_context("%s %s", where, cols[1]);
    CHECK_STATUS(decode(down, in, n, &m, &off), PBW_OK);
    json = wps_json_of(down, &m);
    CHECK(json && strcmp(json, cols[3]) == 0);
    free(json);
#if !WPS_NO_ENCODER
    {
        uint8_t want[4096], got[4096];
        size_t wn = test_unhex(cols[4], want), gn = 0;
        pbw_status st = down ? wps_downstream_encode(&m.down, got, sizeof got, &gn)
                             : wps_upstream_encode(&m.up, got, sizeof got, &gn);
        CHECK_STATUS(st, PBW_OK);
        if (cols[5][0] == '1')
            CHECK_MEM(got, gn, want, wn);
    }
#endif
#if !WPS_NO_STREAM
    {
        uint8_t *payload = malloc(n + 1);
        uint64_t soff;
        CHECK_STATUS(streamed(down, in, n, &m, &soff, payload), PBW_OK);
        json = wps_json_of(down, &m);
        CHECK(json && strcmp(json, cols[3]) == 0);
        free(json);
        free(payload);
    }
#endif
    free(in);
}

static void malformed_row(void *ctx, char **cols, int ncols, const char *where)
{
    int down;
    size_t n, off;
    uint8_t *in;
    any_msg m;
    pbw_status want;
    (void)ctx;
    (void)ncols;
    if (!test_parse_dir(cols[0], &down) || !test_status_from_name(cols[3], &want))
        return;
    in = test_unhex_alloc(cols[2], &n);
    test_context("%s %s", where, cols[1]);
    CHECK_STATUS(decode(down, in, n, &m, &off), want);
    CHECK_EQ(off, strtoull(cols[4], NULL, 10));
#if !WPS_NO_STREAM
    {
        uint8_t *payload = malloc(n + 1);
        uint64_t soff;
        CHECK_STATUS(streamed(down, in, n, &m, &soff, payload), want);
        CHECK_EQ(soff, strtoull(cols[4], NULL, 10));
        free(payload);
    }
#endif
    free(in);
}

int main(void)
{
    unsigned long rows = test_each_row("tests/vectors/golden.tsv", 6, golden_row, NULL);
    rows += test_each_row("tests/vectors/malformed.tsv", 5, malformed_row, NULL);
    test_context("options");
    CHECK(rows > 9000);
    printf("options (WPS_SMALL=%d WPS_NO_ENCODER=%d WPS_NO_STREAM=%d): %lu passed, %lu failed\n",
           WPS_SMALL, WPS_NO_ENCODER, WPS_NO_STREAM, test_passed, test_failed);
    printf("%lu passed, %lu failed\n", test_passed, test_failed);
    return test_failed != 0;
}
