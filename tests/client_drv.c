/* SPDX-License-Identifier: MIT */
/* tests/client_drv.c - see client_drv.h. */
#include <string.h>

#include "client_drv.h"

pbw_bytes drv_s(const char *s)
{
    pbw_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = strlen(s);
    return b;
}

void drv_init(drv *d, int reliable, uint32_t ack_timeout_ms)
{
    wps_client_memory m;
    memset(d, 0, sizeof *d);
    d->cfg.url = drv_s("wss://example.org/client/hubs/chat?access_token=abc");
    d->cfg.reliable = (uint8_t)reliable;
    d->cfg.ack_timeout_ms = ack_timeout_ms;
    d->now = 1000;
    m = wps_client_storage_memory(&d->st);
    wps_client_init(&d->c, &d->cfg, &m, d->now);
}

void drv_clear(drv *d)
{
    d->nout = d->nev = 0;
    d->out_bad = 0;
}

void drv_pump(drv *d)
{
    for (;;) {
        size_t len;
        wps_client_event ev;
        int moved = 0;
        while (d->nout < DRV_MAX &&
               wps_client_next_frame_copy(&d->c, d->out[d->nout], sizeof d->out[0], &len) ==
                   PBW_OK) {
            d->out_len[d->nout] = len;
            if (wps_upstream_decode(d->out[d->nout], len, &d->up[d->nout], 0, NULL) != PBW_OK)
                d->out_bad++;
            d->nout++;
            moved = 1;
        }
        wps_client_next_event(&d->c, &ev);
        if (ev.type != WPS_CLIENT_EV_NONE) {
            if (d->nev < DRV_MAX)
                d->ev[d->nev++] = ev;
            moved = 1;
        }
        if (!moved)
            return;
    }
}

pbw_status drv_push(drv *d, const wps_downstream *m)
{
    size_t n;
    pbw_status st = wps_downstream_encode(m, d->in, sizeof d->in, &n);
    if (st != PBW_OK)
        return st;
    st = wps_client_push_frame(&d->c, d->in, n, d->now);
    drv_pump(d);
    return st;
}

void drv_connect(drv *d, const char *conn, const char *token)
{
    wps_downstream m;
    if (d->c.state == 0)
        wps_client_start(&d->c, d->now);
    drv_pump(d);
    wps_client_opened(&d->c, d->now);
    down_connected(&m, conn, "user", token);
    drv_push(d, &m);
}

void drv_advance(drv *d, uint32_t ms)
{
    while (ms) {
        uint32_t step = ms < 100 ? ms : 100;
        d->now += step;
        ms -= step;
        wps_client_tick(&d->c, d->now);
        drv_pump(d);
    }
}

size_t drv_count(const drv *d, wps_client_event_type t)
{
    size_t i, n = 0;
    for (i = 0; i < d->nev; i++)
        n += d->ev[i].type == t;
    return n;
}

const wps_client_event *drv_find(const drv *d, wps_client_event_type t)
{
    size_t i;
    for (i = 0; i < d->nev; i++)
        if (d->ev[i].type == t)
            return &d->ev[i];
    return NULL;
}

size_t drv_count_up(const drv *d, wps_up_kind k)
{
    size_t i, n = 0;
    for (i = 0; i < d->nout; i++)
        n += d->up[i].kind == k;
    return n;
}

const wps_upstream *drv_find_up(const drv *d, wps_up_kind k)
{
    size_t i;
    for (i = 0; i < d->nout; i++)
        if (d->up[i].kind == k)
            return &d->up[i];
    return NULL;
}

void down_connected(wps_downstream *m, const char *conn, const char *user, const char *token)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_DOWN_SYSTEM;
    m->u.system.kind = WPS_SYSTEM_CONNECTED;
    m->u.system.u.connected.connection_id = drv_s(conn);
    m->u.system.u.connected.user_id = drv_s(user);
    if (token) {
        m->u.system.u.connected.reconnection_token = drv_s(token);
        m->u.system.u.connected.has_reconnection_token = 1;
    }
}

void down_ack(wps_downstream *m, uint64_t id, int success, const char *err_name)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_DOWN_ACK;
    m->u.ack.ack_id = id;
    m->u.ack.success = (uint8_t)success;
    if (err_name) {
        m->u.ack.has_error = 1;
        m->u.ack.error.name = drv_s(err_name);
        m->u.ack.error.message = drv_s("msg");
    }
}

void down_data(wps_downstream *m, const char *group, uint64_t seq, int has_seq, const char *text)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_DOWN_DATA;
    m->u.data.from = drv_s(group ? "group" : "server");
    if (group) {
        m->u.data.group = drv_s(group);
        m->u.data.has_group = 1;
    }
    m->u.data.has_data = 1;
    m->u.data.data.kind = WPS_DATA_TEXT;
    m->u.data.data.bytes = drv_s(text);
    m->u.data.sequence_id = seq;
    m->u.data.has_sequence_id = (uint8_t)has_seq;
}
