/* SPDX-License-Identifier: MIT */
/* tests/client_drv.h - drives one wps_client in memory for the rule table
 * and the simulated service: frames pulled and decoded, events pulled. */
#ifndef CLIENT_DRV_H
#define CLIENT_DRV_H

#include "../wps_client.h"

#define DRV_MAX 256

typedef struct drv {
    wps_client c;
    wps_client_storage st;
    wps_client_config cfg;
    uint32_t now;
    size_t nout, nev;
    wps_upstream up[DRV_MAX];     /* frames pulled, decoded */
    uint8_t out[DRV_MAX][512];
    size_t out_len[DRV_MAX];
    int out_bad;                  /* frames that did not decode */
    wps_client_event ev[DRV_MAX]; /* events pulled (views valid until the next push) */
    uint8_t in[16384];            /* the last frame pushed */
} drv;

void drv_init(drv *d, int reliable, uint32_t ack_timeout_ms);
/* Pulls every frame and every event. */
void drv_pump(drv *d);
void drv_clear(drv *d);
/* Encodes m into d->in and pushes it; then pumps. */
pbw_status drv_push(drv *d, const wps_downstream *m);
/* start/opened/connected: the client connected as conn id `conn`. */
void drv_connect(drv *d, const char *conn, const char *token);
/* advance time by ms (ticking every 100 ms) */
void drv_advance(drv *d, uint32_t ms);
/* the number of pulled events of type t, and the first one */
size_t drv_count(const drv *d, wps_client_event_type t);
const wps_client_event *drv_find(const drv *d, wps_client_event_type t);
size_t drv_count_up(const drv *d, wps_up_kind k);
const wps_upstream *drv_find_up(const drv *d, wps_up_kind k);

pbw_bytes drv_s(const char *s);
void down_connected(wps_downstream *m, const char *conn, const char *user, const char *token);
void down_ack(wps_downstream *m, uint64_t id, int success, const char *err_name);
void down_data(wps_downstream *m, const char *group, uint64_t seq, int has_seq, const char *text);

#endif
