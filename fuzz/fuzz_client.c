/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_client.c - random event sequences and random frames through the
 * client engine (wps_client).
 *
 * Input: byte 0 picks the memory (bit 0: tiny tables and buffers, so that
 * every bound is reached; else the defaults) and the subprotocol (bit 1:
 * reliable).  The rest is a program, one instruction per byte, its operands
 * in the following bytes (missing operands read as 0):
 *   0 start  1 opened  2 closed(code16)  3 frame(len8, bytes)
 *   4 chunk(len8, bytes, last8)  5 tick(+ms16 * 4)  6 join(name)  7 leave(name)
 *   8 send to group(name, mode8)  9 event(name)  10 invoke(name)
 *   11 cancel(id8)  12 stream start(slot-ish id8, event8)  13 stream data(slot8)
 *   14 stream end(slot8)  15 stop  16 set group state(name)
 *   17..23 a well-formed downstream message built from operands: connected,
 *      ack(id8, mode8), data(seq16, flags8), stream ack/nack/closed(id8,
 *      seq8), invoke response(id8)
 * After every instruction all frames and events are pulled.
 * Checks (abort on failure): every frame decodes with the codec and fits;
 * every view in an event is readable (summed, so ASan sees a dangling one);
 * tables and buffers stay within their bounds; next_deadline is consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../wps_client.h"

typedef struct prog {
    const uint8_t *p, *end;
} prog;

static unsigned byte(prog *g)
{
    return g->p < g->end ? *g->p++ : 0;
}

static pbw_bytes take(prog *g, size_t n)
{
    pbw_bytes b;
    size_t left = (size_t)(g->end - g->p);
    if (n > left)
        n = left;
    b.ptr = g->p;
    b.len = n;
    g->p += n;
    return b;
}

static volatile unsigned sink;

static void touch(pbw_bytes b)
{
    size_t i;
    unsigned s = 0;
    for (i = 0; i < b.len; i++)
        s += b.ptr[i];
    sink += s;
}

static pbw_bytes s_(const char *s)
{
    pbw_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = strlen(s);
    return b;
}

static void drain(wps_client *c)
{
    int guard;
    for (guard = 0; guard < 10000; guard++) {
        static uint8_t out[1 << 16];
        size_t len;
        wps_client_event ev;
        wps_client_frame f;
        int moved = 0;
        if (guard & 1) {
            if (wps_client_next_frame_copy(c, out, sizeof out, &len) == PBW_OK) {
                wps_upstream up;
                if (wps_upstream_decode(out, len, &up, 0, NULL) != PBW_OK)
                    abort();
                moved = 1;
            }
        } else if (wps_client_next_frame(c, &f) == PBW_OK) {
            wps_upstream up;
            if (f.len != f.head.len + f.payload.len + f.tail.len || f.len > sizeof out)
                abort();
            memcpy(out, f.head.ptr, f.head.len);
            if (f.payload.len)
                memcpy(out + f.head.len, f.payload.ptr, f.payload.len);
            if (f.tail.len)
                memcpy(out + f.head.len + f.payload.len, f.tail.ptr, f.tail.len);
            if (wps_upstream_decode(out, f.len, &up, 0, NULL) != PBW_OK)
                abort();
            moved = 1;
        }
        wps_client_next_event(c, &ev);
        if (ev.type != WPS_CLIENT_EV_NONE) {
            moved = 1;
            touch(ev.text), touch(ev.user_id), touch(ev.group), touch(ev.name);
            touch(ev.message);
            if (ev.data_message)
                touch(ev.data_message->data.bytes), touch(ev.data_message->from);
            if (ev.type > WPS_CLIENT_EV_ERROR)
                abort();
        }
        if (!moved)
            return;
    }
    abort(); /* the outputs never ran dry: unbounded */
}

static void check(const wps_client *c)
{
    size_t end = c->ops_n ? (size_t)c->m.ops[c->ops_n - 1].off + c->m.ops[c->ops_n - 1].len : 0;
    uint32_t when;
    if (c->ops_n > c->m.ops_max || c->groups_n > c->m.groups_max || end > c->m.frames_cap ||
        c->rx_len > c->m.rx_cap ||
        c->session_conn_len + c->session_user_len + c->session_token_len > c->m.session_cap)
        abort();
    if (wps_client_next_deadline(c, &when) && (uint32_t)(when - c->now) > 0x80000000u)
        abort(); /* a deadline in the past */
}

static void down_frame(wps_client *c, uint32_t now, const wps_downstream *m)
{
    static uint8_t buf[4096];
    size_t n;
    if (wps_downstream_encode(m, buf, sizeof buf, &n) == PBW_OK)
        (void)wps_client_push_frame(c, buf, n, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static wps_client c;
    static wps_client_storage big;
    static wps_client_op ops[3];
    static wps_client_group groups[2];
    static wps_client_stream_out streams[2];
    static wps_client_stream_in in_streams[1];
    static uint8_t frames[200], names[16], session[40], rx[96], tx[96];
    static const char *const ids[] = {"s0", "s1", "s2"};
    wps_client_config cfg;
    wps_client_memory m;
    prog g;
    uint32_t now = 0xFFFF0000u; /* wraps during the run */
    unsigned mode;
    if (size == 0)
        return 0;
    g.p = data + 1;
    g.end = data + size;
    mode = data[0];
    memset(&cfg, 0, sizeof cfg);
    cfg.url = s_("wss://h/client/hubs/x?access_token=t");
    cfg.reliable = (uint8_t)((mode >> 1) & 1);
    cfg.ack_timeout_ms = (mode & 4) ? 500 : 0;
    if (mode & 1) {
        memset(&m, 0, sizeof m);
        m.ops = ops, m.ops_max = 3, m.frames = frames, m.frames_cap = sizeof frames;
        m.groups = groups, m.groups_max = 2, m.names = names, m.names_cap = sizeof names;
        m.streams = streams, m.streams_max = 2, m.in_streams = in_streams, m.in_streams_max = 1;
        m.session = session, m.session_cap = sizeof session, m.rx = rx, m.rx_cap = sizeof rx;
        m.tx = tx, m.tx_cap = sizeof tx;
    } else {
        m = wps_client_storage_memory(&big);
    }
    if (wps_client_init(&c, &cfg, &m, now) != PBW_OK)
        abort();
    while (g.p < g.end) {
        unsigned op = byte(&g) % 24;
        uint64_t id = 0;
        wps_data d;
        wps_downstream dm;
        size_t slot;
        memset(&d, 0, sizeof d);
        memset(&dm, 0, sizeof dm);
        d.kind = WPS_DATA_BINARY;
        switch (op) {
        case 0: (void)wps_client_start(&c, now); break;
        case 1: (void)wps_client_opened(&c, now); break;
        case 2: (void)wps_client_closed(&c, (uint16_t)(byte(&g) << 8 | byte(&g)), now); break;
        case 3: {
            pbw_bytes f = take(&g, byte(&g));
            (void)wps_client_push_frame(&c, f.ptr, f.len, now);
            break;
        }
        case 4: {
            pbw_bytes f = take(&g, byte(&g));
            (void)wps_client_push_chunk(&c, f.ptr, f.len, (int)(byte(&g) & 1), now);
            break;
        }
        case 5:
            now += (uint32_t)(byte(&g) << 8 | byte(&g)) * 4u;
            (void)wps_client_tick(&c, now);
            break;
        case 6: (void)wps_client_join_group(&c, take(&g, byte(&g) % 8), &id); break;
        case 7: (void)wps_client_leave_group(&c, take(&g, byte(&g) % 8), &id); break;
        case 8: {
            unsigned md = byte(&g);
            d.bytes = take(&g, byte(&g) % 64);
            id = md & 2 ? md : 0;
            (void)wps_client_send_to_group(&c, take(&g, 1 + byte(&g) % 4), &d, (int)(md & 4),
                                           md & 1 ? NULL : &id);
            break;
        }
        case 9:
            d.bytes = take(&g, byte(&g) % 32);
            (void)wps_client_send_event(&c, take(&g, 1 + byte(&g) % 4), &d, &id);
            break;
        case 10:
            d.bytes = take(&g, byte(&g) % 32);
            (void)wps_client_invoke(&c, take(&g, 1 + byte(&g) % 4), &d, &id);
            break;
        case 11: (void)wps_client_cancel_invocation(&c, byte(&g)); break;
        case 12:
            (void)wps_client_stream_start(&c, (int)(byte(&g) & 1), s_("grp"),
                                          s_(ids[byte(&g) % 3]), byte(&g), &slot);
            break;
        case 13:
            slot = byte(&g) % 3;
            d.bytes = take(&g, byte(&g) % 64);
            (void)wps_client_stream_data(&c, slot, &d, &id);
            break;
        case 14:
            (void)wps_client_stream_end(&c, byte(&g) % 3, take(&g, byte(&g) % 8), s_(""));
            break;
        case 15: (void)wps_client_stop(&c, now); break;
        case 16: (void)wps_client_set_group_state(&c, take(&g, 1 + byte(&g) % 8), NULL, &id); break;
        case 17:
            dm.kind = WPS_DOWN_SYSTEM;
            dm.u.system.kind = WPS_SYSTEM_CONNECTED;
            dm.u.system.u.connected.connection_id = take(&g, byte(&g) % 24);
            dm.u.system.u.connected.user_id = s_("u");
            dm.u.system.u.connected.reconnection_token = take(&g, byte(&g) % 24);
            dm.u.system.u.connected.has_reconnection_token = 1;
            down_frame(&c, now, &dm);
            break;
        case 18: {
            unsigned md;
            dm.kind = WPS_DOWN_ACK;
            dm.u.ack.ack_id = byte(&g) % 16;
            md = byte(&g);
            dm.u.ack.success = (uint8_t)(md & 1);
            dm.u.ack.has_error = (uint8_t)((md >> 1) & 1);
            dm.u.ack.error.name = s_(md & 4 ? "Duplicate" : "Forbidden");
            down_frame(&c, now, &dm);
            break;
        }
        case 19: {
            unsigned fl;
            dm.kind = WPS_DOWN_DATA;
            dm.u.data.sequence_id = byte(&g) << 8 | byte(&g);
            fl = byte(&g);
            dm.u.data.has_sequence_id = (uint8_t)(fl & 1);
            dm.u.data.from = s_(fl & 2 ? "server" : "group");
            dm.u.data.has_stream = (uint8_t)((fl >> 2) & 1);
            dm.u.data.stream.stream_id = s_(ids[(fl >> 3) % 3]);
            dm.u.data.stream.stream_sequence_id = (fl >> 5);
            dm.u.data.stream.has_end_of_stream = (uint8_t)(fl >> 7);
            dm.u.data.stream.end_of_stream = (uint8_t)(fl >> 7);
            down_frame(&c, now, &dm);
            break;
        }
        case 20:
        case 21:
        case 22:
            dm.kind = op == 20 ? WPS_DOWN_STREAM_ACK : op == 21 ? WPS_DOWN_STREAM_NACK
                                                              : WPS_DOWN_STREAM_CLOSED;
            /* the three share stream_id first */
            dm.u.stream_ack.stream_id = s_(ids[byte(&g) % 3]);
            if (op == 20)
                dm.u.stream_ack.expected_sequence_id = byte(&g);
            else if (op == 21)
                dm.u.stream_nack.expected_sequence_id = byte(&g);
            else
                dm.u.stream_closed.has_error = (uint8_t)(byte(&g) & 1);
            down_frame(&c, now, &dm);
            break;
        default: {
            char dec[4];
            unsigned v = byte(&g) % 100;
            dec[0] = (char)('0' + v / 10), dec[1] = (char)('0' + v % 10), dec[2] = 0;
            dm.kind = WPS_DOWN_INVOKE_RESPONSE;
            dm.u.invoke_response.invocation_id = s_(v < 10 ? dec + 1 : dec);
            dm.u.invoke_response.success = (uint8_t)(v & 1);
            down_frame(&c, now, &dm);
            break;
        }
        }
        check(&c);
        drain(&c);
        check(&c);
    }
    return 0;
}
