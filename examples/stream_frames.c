/* SPDX-License-Identifier: MIT */
/*
 * examples/stream_frames.c - decoding a sequence of frames from a
 * socket-like source with the streaming decoder (also in README.md).
 *
 * The source hands out bytes in pieces of any size, and one piece may hold
 * the end of one frame and the start of the next.  The decoder is
 * initialised once per frame; after MESSAGE_END the rest of the piece
 * belongs to the next frame.  With WPS_STREAM_COLLECT, payloads that fit
 * the scratch buffer land in the struct like any other field; the large
 * one streams through as events.
 */
#include <stdio.h>
#include <string.h>
#include "wps_messages.h"

/* The wire: each frame preceded by its length in 2 bytes, as a WebSocket
 * layer would tell it (the frame header); handed out 1..29 bytes at a time. */
typedef struct source {
    uint8_t buf[1024];
    size_t len, at, turn;
} source;

static size_t recv_some(source *src, uint8_t *dst, size_t cap)
{
    size_t n = 1 + src->turn++ * 7 % 29;
    if (n > cap)
        n = cap;
    if (n > src->len - src->at)
        n = src->len - src->at;
    memcpy(dst, src->buf + src->at, n);
    src->at += n;
    return n;
}

static int put_frame(source *src, const wps_downstream *m)
{
    size_t n;
    if (wps_downstream_encode(m, src->buf + src->len + 2, sizeof src->buf - src->len - 2, &n) !=
        PBW_OK)
        return 0;
    src->buf[src->len] = (uint8_t)(n >> 8);
    src->buf[src->len + 1] = (uint8_t)n;
    src->len += 2 + n;
    return 1;
}

int main(void)
{
    static uint8_t big[300];
    source src;
    wps_downstream m;
    uint8_t window[32], scratch[96]; /* all the memory the decoder gets */
    wps_stream s;
    wps_stream_event ev;
    size_t frames = 0, streamed = 0, i;
    uint8_t head[2];
    size_t have_head = 0, n = 0;
    const uint8_t *p = window, *end = window;
    int in_frame = 0;

    /* the sender: a connected message, two group texts, a big binary */
    memset(&src, 0, sizeof src);
    for (i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)i;
    wps_down_connected(&m, pbw_str("conn-1"), pbw_str("user-1"), pbw_mem(NULL, 0));
    put_frame(&src, &m);
    wps_down_group_data(&m, pbw_str("chat"), wps_text(pbw_str("hello")));
    wps_down_set_sequence_id(&m, 1);
    put_frame(&src, &m);
    wps_down_group_data(&m, pbw_str("chat"), wps_text(pbw_str("world")));
    wps_down_set_sequence_id(&m, 2);
    put_frame(&src, &m);
    wps_down_server_data(&m, wps_binary(pbw_mem(big, sizeof big)));
    if (!put_frame(&src, &m))
        return 1;

    /* the receiver */
    for (;;) {
        pbw_status st;
        if (p == end) { /* the piece is used up: the next one */
            if (src.at == src.len)
                break;
            n = recv_some(&src, window, sizeof window);
            p = window;
            end = window + n;
        }
        if (!in_frame) { /* the frame header, itself possibly split */
            while (have_head < 2 && p < end)
                head[have_head++] = *p++;
            if (have_head < 2)
                continue;
            wps_stream_init_downstream(&s, &m, scratch, sizeof scratch,
                                       (uint64_t)(head[0] << 8 | head[1]), WPS_STREAM_COLLECT);
            have_head = 0;
            in_frame = 1;
        }
        while ((st = wps_stream_next(&s, &p, end, &ev)) == PBW_OK) {
            if (ev.type == WPS_EV_PAYLOAD_BEGIN || ev.type == WPS_EV_PAYLOAD_CHUNK) {
                streamed += ev.chunk.len; /* forward it, write it to flash... */
            } else if (ev.type == WPS_EV_MESSAGE_END) {
                const wps_data *d = wps_downstream_data(&m);
                printf("%s", wps_downstream_kind_name(m.kind));
                if (d && d->bytes.ptr) /* collected: in the struct */
                    printf(" %s \"%.*s\"", wps_data_kind_name(d->kind), (int)d->bytes.len,
                           (const char *)d->bytes.ptr);
                else if (d) /* streamed: the events carried it */
                    printf(" %s, %zu bytes streamed", wps_data_kind_name(d->kind), streamed);
                printf("\n");
                frames++;
                in_frame = 0; /* the rest of the piece is the next frame's */
                break;
            }
        }
        if (st != PBW_OK && st != PBW_NEED_MORE) {
            fprintf(stderr, "%s at byte %llu\n", pbw_status_name(st),
                    (unsigned long long)wps_stream_offset(&s));
            return 1;
        }
    }
    return frames == 4 && streamed == sizeof big && !in_frame ? 0 : 1;
}
