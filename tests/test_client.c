/* SPDX-License-Identifier: MIT */
/*
 * tests/test_client.c - the client's rules, one row each, against what the
 * official JS client does.  References are to @azure/web-pubsub-client
 * 1.1.0 as published on npm (node_modules/@azure/web-pubsub-client/dist/esm/
 * FILE:LINE); rows marked "ours" are where the issue asks for better.
 * Then the simulated-service property run (client_sim.c).
 *
 *   build/run_tests_client [scenarios [seed]]
 */
#include <stdlib.h>
#include <string.h>

#include "client_drv.h"
#include "test.h"

int client_sim_run(unsigned long count, unsigned long seed);

static drv D;

static void connected(int reliable)
{
    drv_init(&D, reliable, 0);
    drv_connect(&D, "conn1", reliable ? "tok/+=1" : NULL);
    drv_clear(&D);
}

static uint64_t join(const char *g)
{
    uint64_t id = 0;
    CHECK_STATUS(wps_client_join_group(&D.c, drv_s(g), &id), PBW_OK);
    drv_pump(&D);
    return id;
}

static void ack(uint64_t id, int ok, const char *name)
{
    wps_downstream m;
    down_ack(&m, id, ok, name);
    CHECK_STATUS(drv_push(&D, &m), PBW_OK);
}

static void data(const char *g, uint64_t seq, int has)
{
    wps_downstream m;
    down_data(&m, g, seq, has, "hi");
    CHECK_STATUS(drv_push(&D, &m), PBW_OK);
}

/* ackManager.js:14-16 (registerAck: ackId ?? _generateAckId(), counting up) */
static void r_ack_ids_from_1(void)
{
    uint64_t a = 0, b = 0, c = 42;
    connected(0);
    CHECK_STATUS(wps_client_join_group(&D.c, drv_s("g"), &a), PBW_OK);
    CHECK_STATUS(wps_client_join_group(&D.c, drv_s("h"), &b), PBW_OK);
    CHECK_STATUS(wps_client_join_group(&D.c, drv_s("i"), &c), PBW_OK);
    CHECK_EQ(a, 1);
    CHECK_EQ(b, 2);
    CHECK_EQ(c, 42);
    c = 42;
    CHECK_STATUS(wps_client_leave_group(&D.c, drv_s("i"), &c), PBW_E_ARG); /* pending id */
    drv_pump(&D);
    CHECK_EQ(drv_count_up(&D, WPS_UP_JOIN_GROUP), 3);
    CHECK_EQ(D.up[2].u.join_group.ack_id, 42);
}

/* webPubSubClient.js:491-497 (success, or error.name "Duplicate", resolves) */
static void r_ack_success_and_duplicate(void)
{
    uint64_t a, b;
    connected(0);
    a = join("g");
    b = join("h");
    ack(a, 1, NULL);
    ack(b, 0, "Duplicate");
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_ACK), 2);
    CHECK_EQ(D.ev[0].result, WPS_CLIENT_OK);
    CHECK_EQ(D.ev[1].result, WPS_CLIENT_DUPLICATE);
    CHECK_EQ(D.c.groups_n, 2);
    CHECK_EQ(D.st.groups[1].joined, 1);
}

/* webPubSubClient.js:499-502 (any other error rejects with the error) */
static void r_ack_error_fails(void)
{
    uint64_t a;
    const wps_client_event *e;
    connected(0);
    a = join("g");
    ack(a, 0, "Forbidden");
    e = drv_find(&D, WPS_CLIENT_EV_ACK);
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ(e->result, WPS_CLIENT_FAILED);
        CHECK_VIEW(e->name, "Forbidden");
        CHECK_VIEW(e->message, "msg");
    }
    CHECK_EQ(D.c.groups_n, 0); /* never joined: not rejoined later */
}

/* ours (ackManager.js:14-26 has no timer): a pending ack times out once;
 * a late ack is a counted drop */
static void r_ack_timeout(void)
{
    uint64_t a;
    drv_init(&D, 0, 5000);
    drv_connect(&D, "c", NULL);
    drv_clear(&D);
    a = join("g");
    drv_advance(&D, 4900);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_ACK), 0);
    drv_advance(&D, 200);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_ACK), 1);
    CHECK_EQ(D.ev[D.nev - 1].result, WPS_CLIENT_TIMEOUT);
    ack(a, 1, NULL);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_ACK), 1);
    CHECK_EQ(D.c.stats.unknown_acks, 1);
}

/* webPubSubClient.js:498 (resolveAck of an unknown id does nothing) */
static void r_unknown_ack_counted(void)
{
    connected(0);
    ack(777, 1, NULL);
    CHECK_EQ(D.nev, 0);
    CHECK_EQ(D.c.stats.unknown_acks, 1);
}

/* ours (webPubSubClient.js:763-767 rejects every ack on close): with
 * recovery, pending acks are re-sent with their own ids */
static void r_recovery_resends_same_ack_id(void)
{
    uint64_t a;
    connected(1);
    a = join("g");
    drv_clear(&D);
    wps_client_closed(&D.c, 1006, D.now);
    drv_pump(&D);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_OPEN), 1);
    wps_client_opened(&D.c, D.now);
    drv_pump(&D);
    CHECK_EQ(drv_count_up(&D, WPS_UP_JOIN_GROUP), 1);
    if (drv_find_up(&D, WPS_UP_JOIN_GROUP))
        CHECK_EQ(drv_find_up(&D, WPS_UP_JOIN_GROUP)->u.join_group.ack_id, a);
    ack(a, 0, "Duplicate");
    CHECK_EQ(D.ev[D.nev - 1].result, WPS_CLIENT_DUPLICATE);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_CONNECTED), 0);
    CHECK_EQ(D.c.stats.resent, 1);
}

/* webPubSubClient.js:536-541 (tryUpdate returns 0: drop the duplicate) */
static void r_replay_dropped(void)
{
    connected(1);
    data("g", 5, 1);
    data("g", 5, 1);
    data("g", 3, 1);
    data("g", 6, 1);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_GROUP_MESSAGE), 2);
    CHECK_EQ(D.c.stats.replays_dropped, 2);
}

/* webPubSubClient.js:462-464 (sequence ack task every 1000 ms) and
 * :1163-1168 (only when updated) */
static void r_seq_ack_once_per_second(void)
{
    connected(1);
    data("g", 1, 1);
    CHECK_EQ(drv_count_up(&D, WPS_UP_SEQUENCE_ACK), 1); /* none sent in the last second */
    data("g", 2, 1);
    data("g", 3, 1);
    CHECK_EQ(drv_count_up(&D, WPS_UP_SEQUENCE_ACK), 1);
    drv_advance(&D, 1000);
    CHECK_EQ(drv_count_up(&D, WPS_UP_SEQUENCE_ACK), 2);
    CHECK_EQ(D.up[D.nout - 1].u.sequence_ack.sequence_id, 3);
    drv_advance(&D, 5000);
    CHECK_EQ(drv_count_up(&D, WPS_UP_SEQUENCE_ACK), 2); /* unchanged: nothing */
}

/* webPubSubClient.js:37, 542-545 (quick ack beyond 300) */
static void r_seq_ack_burst(void)
{
    uint64_t s;
    connected(1);
    data("g", 1, 1);
    drv_clear(&D);
    for (s = 2; s <= 301; s++)
        data("g", s, 1);
    CHECK_EQ(drv_count_up(&D, WPS_UP_SEQUENCE_ACK), 0);
    data("g", 302, 1);
    CHECK_EQ(drv_count_up(&D, WPS_UP_SEQUENCE_ACK), 1);
}

/* webPubSubClient.js:785-788 (plain subprotocol: no sequence ids, no recovery) */
static void r_plain_no_seq_no_recovery(void)
{
    connected(0);
    data("g", 5, 1);
    data("g", 5, 1);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_GROUP_MESSAGE), 2);
    drv_advance(&D, 2000);
    CHECK_EQ(drv_count_up(&D, WPS_UP_SEQUENCE_ACK), 0);
    drv_clear(&D);
    wps_client_closed(&D.c, 1006, D.now);
    drv_pump(&D);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_DISCONNECTED), 1);
    CHECK(drv_find(&D, WPS_CLIENT_EV_OPEN) && drv_find(&D, WPS_CLIENT_EV_OPEN)->recovery == 0);
}

/* webPubSubClient.js:506-529 (store id and token; rejoin joined groups;
 * connected emitted once per new connection) */
static void r_connected_and_rejoin(void)
{
    uint64_t a;
    wps_downstream m;
    connected(0);
    CHECK(D.c.was_connected);
    a = join("g");
    ack(a, 1, NULL);
    join("h"); /* never acked: not joined, not rejoined */
    drv_clear(&D);
    wps_client_closed(&D.c, 1006, D.now);
    drv_pump(&D);
    wps_client_opened(&D.c, D.now);
    down_connected(&m, "conn2", "user", NULL);
    drv_clear(&D);
    drv_push(&D, &m);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_CONNECTED), 1);
    CHECK_EQ(drv_count_up(&D, WPS_UP_JOIN_GROUP), 1);
    if (drv_find_up(&D, WPS_UP_JOIN_GROUP))
        CHECK_VIEW(drv_find_up(&D, WPS_UP_JOIN_GROUP)->u.join_group.group, "g");
    /* the rejoin's ack is not the application's */
    ack(drv_find_up(&D, WPS_UP_JOIN_GROUP)->u.join_group.ack_id, 1, NULL);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_ACK), 0);
}

/* webPubSubClient.js:519-521 (a failed rejoin is an event) */
static void r_rejoin_failed_event(void)
{
    uint64_t a;
    wps_downstream m;
    connected(0);
    a = join("g");
    ack(a, 1, NULL);
    wps_client_closed(&D.c, 1006, D.now);
    drv_pump(&D);
    wps_client_opened(&D.c, D.now);
    down_connected(&m, "conn2", "user", NULL);
    drv_clear(&D);
    drv_push(&D, &m);
    ack(drv_find_up(&D, WPS_UP_JOIN_GROUP)->u.join_group.ack_id, 0, "Forbidden");
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_REJOIN_FAILED), 1);
    if (drv_find(&D, WPS_CLIENT_EV_REJOIN_FAILED))
        CHECK_VIEW(drv_find(&D, WPS_CLIENT_EV_REJOIN_FAILED)->group, "g");
}

/* webPubSubClient.js:1068-1072 (recovery URI: awps_connection_id,
 * awps_reconnection_token, encoded by URLSearchParams) */
static void r_recovery_url(void)
{
    const wps_client_event *e;
    connected(1);
    wps_client_closed(&D.c, 1001, D.now);
    drv_pump(&D);
    e = drv_find(&D, WPS_CLIENT_EV_OPEN);
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ(e->recovery, 1);
        CHECK_VIEW(e->text, "wss://example.org/client/hubs/chat?awps_connection_id=conn1"
                            "&awps_reconnection_token=tok%2F%2B%3D1");
        CHECK_VIEW(e->name, "protobuf.reliable.webpubsub.azure.v1");
    }
}

/* webPubSubClient.js:801-812 (retry every 1000 ms for 30 s, then give up) */
static void r_recovery_retry_30s(void)
{
    uint64_t a;
    size_t opens = 0, i;
    drv_init(&D, 1, 60000); /* so that the ack outlives the recovery */
    drv_connect(&D, "conn1", "tok");
    a = join("g");
    (void)a;
    drv_clear(&D);
    wps_client_closed(&D.c, 1006, D.now);
    drv_pump(&D);
    for (i = 0; i < 40; i++) {
        const wps_client_event *e = drv_find(&D, WPS_CLIENT_EV_OPEN);
        if (e && e->recovery) {
            opens++;
            drv_clear(&D);
            wps_client_closed(&D.c, 1011, D.now); /* attempt fails */
        } else if (e) {
            break;
        }
        drv_advance(&D, 1000);
    }
    CHECK(opens >= 29 && opens <= 31);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_DISCONNECTED), 1);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_ACK), 1);
    CHECK_EQ(drv_find(&D, WPS_CLIENT_EV_ACK)->result, WPS_CLIENT_CONNECTION_LOST);
    CHECK(drv_find(&D, WPS_CLIENT_EV_OPEN) && drv_find(&D, WPS_CLIENT_EV_OPEN)->recovery == 0);
    CHECK_EQ(D.c.largest_seq, 0);
}

/* webPubSubClient.js:780-783 (1008: no recovery) and :654-662 */
static void r_1008_new_connection(void)
{
    connected(1);
    data("g", 4, 1);
    drv_clear(&D);
    wps_client_closed(&D.c, 1008, D.now);
    drv_pump(&D);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_DISCONNECTED), 1);
    CHECK(drv_find(&D, WPS_CLIENT_EV_OPEN) && drv_find(&D, WPS_CLIENT_EV_OPEN)->recovery == 0);
    CHECK_EQ(D.c.largest_seq, 0);
}

/* webPubSubClient.js:666-690 and :1055-1057 (reconnect every 1000 ms) */
static void r_reconnect_every_second(void)
{
    connected(0);
    wps_client_closed(&D.c, 1006, D.now);
    drv_pump(&D);
    drv_clear(&D);
    wps_client_closed(&D.c, 1006, D.now); /* the new connection fails */
    drv_pump(&D);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_OPEN), 0);
    drv_advance(&D, 900);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_OPEN), 0);
    drv_advance(&D, 100);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_OPEN), 1);
}

/* webPubSubClient.js:660-663 (no auto reconnect: stopped) */
static void r_no_auto_reconnect_stops(void)
{
    wps_client_memory m;
    drv_init(&D, 0, 0);
    D.cfg.no_auto_reconnect = 1;
    m = wps_client_storage_memory(&D.st);
    wps_client_init(&D.c, &D.cfg, &m, D.now);
    drv_connect(&D, "c", NULL);
    drv_clear(&D);
    wps_client_closed(&D.c, 1006, D.now);
    drv_pump(&D);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_DISCONNECTED), 1);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_STOPPED), 1);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_OPEN), 0);
}

/* webPubSubClient.js:77, 705-717 (ping every 20 s) */
static void r_ping_after_20s(void)
{
    connected(0);
    drv_advance(&D, 19900);
    CHECK_EQ(drv_count_up(&D, WPS_UP_PING), 0);
    drv_advance(&D, 100);
    CHECK_EQ(drv_count_up(&D, WPS_UP_PING), 1);
}

/* webPubSubClient.js:76, 718-726 (close after 120 s without a message) */
static void r_silence_close(void)
{
    connected(1);
    drv_advance(&D, 119000);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_CLOSE), 0);
    drv_advance(&D, 1000);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_CLOSE), 1);
    drv_clear(&D);
    wps_client_closed(&D.c, 1006, D.now);
    drv_pump(&D);
    CHECK(drv_find(&D, WPS_CLIENT_EV_OPEN) && drv_find(&D, WPS_CLIENT_EV_OPEN)->recovery == 1);
}

/* outboundStreamSession.js:116-123, 156-172 (start, data 1,2,..., ack) */
static void r_stream_publish(void)
{
    size_t slot;
    uint64_t seq;
    wps_data d;
    wps_downstream m;
    connected(1);
    memset(&d, 0, sizeof d);
    d.kind = WPS_DATA_BINARY;
    d.bytes = drv_s("frag");
    CHECK_STATUS(wps_client_stream_start(&D.c, 0, drv_s("g"), drv_s("s1"), 0, &slot), PBW_OK);
    CHECK_STATUS(wps_client_stream_data(&D.c, slot, &d, &seq), PBW_OK);
    CHECK_EQ(seq, 1);
    CHECK_STATUS(wps_client_stream_data(&D.c, slot, &d, &seq), PBW_E_NOSPACE);
    drv_pump(&D);
    CHECK_STATUS(wps_client_stream_data(&D.c, slot, &d, &seq), PBW_OK);
    CHECK_EQ(seq, 2);
    drv_pump(&D);
    CHECK_EQ(D.nout, 3);
    CHECK(D.up[0].kind == WPS_UP_SEND_TO_GROUP && D.up[0].u.send_to_group.has_stream &&
          !D.up[0].u.send_to_group.has_ack_id && !D.up[0].u.send_to_group.has_data);
    CHECK(D.up[2].kind == WPS_UP_STREAM_DATA && D.up[2].u.stream_data.stream_sequence_id == 2);
    memset(&m, 0, sizeof m);
    m.kind = WPS_DOWN_STREAM_ACK;
    m.u.stream_ack.stream_id = drv_s("s1");
    m.u.stream_ack.expected_sequence_id = 3;
    drv_push(&D, &m);
    CHECK(drv_find(&D, WPS_CLIENT_EV_STREAM_ACK) && drv_find(&D, WPS_CLIENT_EV_STREAM_ACK)->seq == 3);
    m.kind = WPS_DOWN_STREAM_NACK;
    m.u.stream_nack.stream_id = drv_s("s1");
    m.u.stream_nack.expected_sequence_id = 3;
    drv_push(&D, &m);
    CHECK(drv_find(&D, WPS_CLIENT_EV_STREAM_RESEND) != NULL);
    CHECK_STATUS(wps_client_stream_end(&D.c, slot, drv_s(""), drv_s("")), PBW_OK);
    drv_pump(&D);
    CHECK_EQ(drv_count_up(&D, WPS_UP_STREAM_END), 1);
    memset(&m, 0, sizeof m);
    m.kind = WPS_DOWN_STREAM_CLOSED;
    m.u.stream_closed.stream_id = drv_s("s1");
    drv_push(&D, &m);
    CHECK(drv_find(&D, WPS_CLIENT_EV_STREAM_CLOSED) &&
          drv_find(&D, WPS_CLIENT_EV_STREAM_CLOSED)->result == WPS_CLIENT_OK);
    drv_push(&D, &m); /* again: unknown now */
    CHECK_EQ(D.c.stats.unknown_streams, 1);
}

/* outboundStreamSession.js:94-114 and webPubSubClient.js:796, 508 (pause
 * during recovery; resume from the oldest unacknowledged fragment) */
static void r_stream_pause_resume(void)
{
    size_t slot;
    uint64_t seq;
    wps_data d;
    const wps_client_event *e;
    connected(1);
    memset(&d, 0, sizeof d);
    d.kind = WPS_DATA_TEXT;
    d.bytes = drv_s("x");
    wps_client_stream_start(&D.c, 1, drv_s("ev"), drv_s("s"), 1000, &slot);
    wps_client_stream_data(&D.c, slot, &d, &seq);
    drv_pump(&D);
    wps_client_stream_data(&D.c, slot, &d, &seq);
    drv_pump(&D);
    wps_client_closed(&D.c, 1006, D.now);
    drv_pump(&D);
    wps_client_stream_data(&D.c, slot, &d, &seq);
    CHECK_EQ(seq, 3);
    drv_clear(&D);
    drv_pump(&D);
    CHECK_EQ(D.nout, 0); /* paused */
    wps_client_opened(&D.c, D.now);
    drv_pump(&D);
    e = drv_find(&D, WPS_CLIENT_EV_STREAM_RESEND);
    CHECK(e && e->seq == 1);
    CHECK_STATUS(wps_client_stream_data(&D.c, slot, &d, &seq), PBW_OK);
    CHECK_EQ(seq, 1);
}

/* a nack after the end was asked for: the fragments go again, then the end */
static void r_stream_end_after_nack(void)
{
    size_t slot, i;
    uint64_t seq;
    wps_data d;
    wps_downstream m;
    connected(1);
    memset(&d, 0, sizeof d);
    d.kind = WPS_DATA_BINARY;
    d.bytes = drv_s("f");
    wps_client_stream_start(&D.c, 0, drv_s("g"), drv_s("s"), 0, &slot);
    for (i = 0; i < 3; i++) {
        wps_client_stream_data(&D.c, slot, &d, &seq);
        drv_pump(&D);
    }
    CHECK_STATUS(wps_client_stream_end(&D.c, slot, drv_s(""), drv_s("")), PBW_OK);
    drv_pump(&D);
    drv_clear(&D);
    memset(&m, 0, sizeof m);
    m.kind = WPS_DOWN_STREAM_NACK;
    m.u.stream_nack.stream_id = drv_s("s");
    m.u.stream_nack.expected_sequence_id = 2;
    drv_push(&D, &m);
    CHECK(drv_find(&D, WPS_CLIENT_EV_STREAM_RESEND) != NULL);
    CHECK_EQ(drv_count_up(&D, WPS_UP_STREAM_END), 0); /* not before the fragments */
    CHECK_STATUS(wps_client_stream_data(&D.c, slot, &d, &seq), PBW_OK);
    CHECK_EQ(seq, 2);
    drv_pump(&D);
    CHECK_STATUS(wps_client_stream_data(&D.c, slot, &d, &seq), PBW_OK);
    CHECK_EQ(seq, 3);
    drv_pump(&D);
    CHECK_STATUS(wps_client_stream_data(&D.c, slot, &d, &seq), PBW_E_ARG); /* no more */
    CHECK_EQ(D.nout, 3);
    CHECK(D.nout == 3 && D.up[2].kind == WPS_UP_STREAM_END);
}

/* ours: a StreamClosed lost in a drop is not replayed; the end times out */
static void r_stream_end_timeout(void)
{
    size_t slot;
    const wps_client_event *e;
    drv_init(&D, 1, 5000);
    drv_connect(&D, "c", "t");
    wps_client_stream_start(&D.c, 0, drv_s("g"), drv_s("s"), 0, &slot);
    wps_client_stream_end(&D.c, slot, drv_s("bye"), drv_s("E1"));
    drv_pump(&D);
    CHECK(drv_find_up(&D, WPS_UP_STREAM_END) &&
          drv_find_up(&D, WPS_UP_STREAM_END)->u.stream_end.has_error);
    drv_clear(&D);
    drv_advance(&D, 4900);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_STREAM_CLOSED), 0);
    drv_advance(&D, 200);
    e = drv_find(&D, WPS_CLIENT_EV_STREAM_CLOSED);
    CHECK(e && e->result == WPS_CLIENT_TIMEOUT && e->slot == slot);
}

/* a request re-queued by a recovery and then lost with its connection
 * fails: a new connection would execute it a second time */
static void r_requeued_then_lost_fails(void)
{
    uint64_t a;
    connected(1);
    a = join("g");
    wps_client_closed(&D.c, 1006, D.now);
    drv_pump(&D);
    wps_client_opened(&D.c, D.now); /* recovered: the join is re-queued */
    wps_client_closed(&D.c, 1008, D.now); /* lost before it went again */
    drv_clear(&D);
    drv_pump(&D);
    CHECK(drv_find(&D, WPS_CLIENT_EV_ACK) && drv_find(&D, WPS_CLIENT_EV_ACK)->id == a &&
          drv_find(&D, WPS_CLIENT_EV_ACK)->result == WPS_CLIENT_CONNECTION_LOST);
    CHECK_EQ(D.c.ops_n, 0);
}

/* webPubSubClient.js:655 (streams abort when the connection is lost) */
static void r_stream_fails_on_loss(void)
{
    size_t slot;
    connected(0);
    wps_client_stream_start(&D.c, 0, drv_s("g"), drv_s("s"), 0, &slot);
    drv_pump(&D);
    wps_client_closed(&D.c, 1006, D.now);
    drv_pump(&D);
    CHECK(drv_find(&D, WPS_CLIENT_EV_STREAM_CLOSED) &&
          drv_find(&D, WPS_CLIENT_EV_STREAM_CLOSED)->result == WPS_CLIENT_CONNECTION_LOST);
}

/* ours (inboundStreamSession.ts orders fragments; we report): gaps and
 * duplicates of stream_sequence_id */
static void r_receiver_gap_duplicate(void)
{
    wps_downstream m;
    static const uint64_t seqs[] = {1, 2, 2, 5, 6};
    static const int want[] = {WPS_CLIENT_STREAM_IN_ORDER, WPS_CLIENT_STREAM_IN_ORDER,
                               WPS_CLIENT_STREAM_DUPLICATE, WPS_CLIENT_STREAM_GAP,
                               WPS_CLIENT_STREAM_IN_ORDER};
    size_t i;
    connected(0);
    for (i = 0; i < 5; i++) {
        down_data(&m, "g", 0, 0, "f");
        m.u.data.has_stream = 1;
        m.u.data.stream.stream_id = drv_s("in1");
        m.u.data.stream.stream_sequence_id = seqs[i];
        drv_clear(&D);
        drv_push(&D, &m);
        CHECK(D.nev == 1 && D.ev[0].stream_check == (wps_client_stream_check)want[i]);
    }
}

/* hostile input: a malformed frame is an ERROR event with status and offset */
static void r_hostile_malformed(void)
{
    static const uint8_t bad[] = {0x0a, 0x05, 0x08};
    connected(1);
    CHECK_STATUS(wps_client_push_frame(&D.c, bad, sizeof bad, D.now), PBW_OK);
    /* the event must be pulled before the next frame */
    CHECK_STATUS(wps_client_push_frame(&D.c, bad, sizeof bad, D.now), PBW_E_NOSPACE);
    drv_pump(&D);
    CHECK(D.nev == 1 && D.ev[0].type == WPS_CLIENT_EV_ERROR && D.ev[0].status == PBW_E_LENGTH &&
          D.ev[0].offset == 1);
    CHECK_EQ(D.c.stats.bad_frames, 1);
}

/* hostile input: a 10 KB token does not fit: connected, but not recoverable */
static void r_hostile_big_token(void)
{
    static char tok[10241];
    wps_downstream m;
    memset(tok, 'A', sizeof tok - 1);
    drv_init(&D, 1, 0);
    wps_client_start(&D.c, D.now);
    drv_pump(&D);
    wps_client_opened(&D.c, D.now);
    down_connected(&m, "c", "u", tok);
    drv_push(&D, &m);
    CHECK(drv_find(&D, WPS_CLIENT_EV_CONNECTED) &&
          drv_find(&D, WPS_CLIENT_EV_CONNECTED)->status == PBW_E_NOSPACE);
    drv_clear(&D);
    wps_client_closed(&D.c, 1006, D.now);
    drv_pump(&D);
    CHECK(drv_find(&D, WPS_CLIENT_EV_OPEN) && drv_find(&D, WPS_CLIENT_EV_OPEN)->recovery == 0);
}

/* bounds: a full table or buffer is PBW_E_NOSPACE and changes nothing */
static void r_bounds(void)
{
    size_t i;
    uint64_t id;
    wps_data d;
    static uint8_t big[WPS_CLIENT_DEFAULT_FRAMES];
    connected(0);
    for (i = 0; i < WPS_CLIENT_DEFAULT_OPS; i++) {
        char g[8] = "g0";
        g[1] = (char)('a' + i);
        id = 0;
        CHECK_STATUS(wps_client_subscribe_group_state(&D.c, drv_s(g), &id), PBW_OK);
    }
    id = 0;
    CHECK_STATUS(wps_client_subscribe_group_state(&D.c, drv_s("x"), &id), PBW_E_NOSPACE);
    CHECK_EQ(D.c.ops_n, WPS_CLIENT_DEFAULT_OPS);
    connected(0);
    memset(&d, 0, sizeof d);
    d.kind = WPS_DATA_BINARY;
    d.bytes.ptr = big;
    d.bytes.len = sizeof big;
    id = 0;
    CHECK_STATUS(wps_client_send_to_group(&D.c, drv_s("g"), &d, 0, &id), PBW_E_NOSPACE);
    CHECK_EQ(D.c.ops_n, 0);
    CHECK_STATUS(wps_client_join_group(&D.c, drv_s(""), &id), PBW_E_ARG);
}

/* hostile arguments: strings that are not UTF-8 are refused, not sent */
static void r_hostile_utf8_args(void)
{
    uint64_t id = 0;
    size_t slot;
    wps_data d;
    pbw_bytes bad;
    bad.ptr = (const uint8_t *)"\xff\xfe";
    bad.len = 2;
    connected(0);
    memset(&d, 0, sizeof d);
    d.kind = WPS_DATA_TEXT;
    d.bytes = bad;
    CHECK_STATUS(wps_client_join_group(&D.c, bad, &id), PBW_E_UTF8);
    CHECK_STATUS(wps_client_send_to_group(&D.c, drv_s("g"), &d, 0, &id), PBW_E_UTF8);
    CHECK_STATUS(wps_client_send_event(&D.c, bad, &d, &id), PBW_E_UTF8);
    CHECK_STATUS(wps_client_stream_start(&D.c, 0, drv_s("g"), bad, 0, &slot), PBW_E_UTF8);
    d.kind = WPS_DATA_BINARY; /* binary bytes are anything */
    CHECK_STATUS(wps_client_send_to_group(&D.c, drv_s("g"), &d, 0, &id), PBW_OK);
    CHECK_EQ(D.c.ops_n, 1);
    CHECK_EQ(D.c.groups_n, 0);
}

/* chunked frames are the same frame; too long a frame is refused whole */
static void r_chunks(void)
{
    wps_downstream m;
    size_t n, i;
    static uint8_t big[WPS_CLIENT_DEFAULT_RX + 10];
    connected(0);
    down_data(&m, "g", 0, 0, "chunked");
    wps_downstream_encode(&m, D.in, sizeof D.in, &n);
    for (i = 0; i < n; i++)
        CHECK_STATUS(wps_client_push_chunk(&D.c, D.in + i, 1, i + 1 == n, D.now), PBW_OK);
    drv_pump(&D);
    CHECK(D.nev == 1 && D.ev[0].type == WPS_CLIENT_EV_GROUP_MESSAGE);
    if (D.nev == 1 && D.ev[0].data_message)
        CHECK_VIEW(D.ev[0].data_message->data.bytes, "chunked");
    drv_clear(&D);
    CHECK_STATUS(wps_client_push_chunk(&D.c, big, sizeof big - 5, 0, D.now), PBW_OK);
    CHECK_STATUS(wps_client_push_chunk(&D.c, big, 5, 1, D.now), PBW_OK);
    drv_pump(&D);
    CHECK(D.nev == 1 && D.ev[0].type == WPS_CLIENT_EV_ERROR && D.ev[0].status == PBW_E_NOSPACE);
}

/* invocationManager.js (invoke, response by invocation id, cancel) */
static void r_invoke_cancel(void)
{
    uint64_t a = 0, b = 0;
    wps_data d;
    wps_downstream m;
    connected(0);
    memset(&d, 0, sizeof d);
    d.kind = WPS_DATA_TEXT;
    d.bytes = drv_s("q");
    CHECK_STATUS(wps_client_invoke(&D.c, drv_s("ev"), &d, &a), PBW_OK);
    CHECK_STATUS(wps_client_invoke(&D.c, drv_s("ev"), &d, &b), PBW_OK);
    drv_pump(&D);
    CHECK_EQ(drv_count_up(&D, WPS_UP_INVOKE_EVENT), 2);
    memset(&m, 0, sizeof m);
    m.kind = WPS_DOWN_INVOKE_RESPONSE;
    m.u.invoke_response.invocation_id = drv_s("1");
    m.u.invoke_response.success = 1;
    drv_push(&D, &m);
    CHECK(drv_find(&D, WPS_CLIENT_EV_INVOKE_RESPONSE) &&
          drv_find(&D, WPS_CLIENT_EV_INVOKE_RESPONSE)->id == a);
    CHECK_STATUS(wps_client_cancel_invocation(&D.c, b), PBW_OK);
    CHECK_STATUS(wps_client_cancel_invocation(&D.c, b), PBW_E_ARG);
    drv_pump(&D);
    CHECK_EQ(drv_count_up(&D, WPS_UP_CANCEL_INVOCATION), 1);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_INVOKE_RESPONSE), 2);
    CHECK_EQ(D.c.ops_n, 0);
}

/* invocation ids are the decimal of the id, whatever its size */
static void r_invocation_ids(void)
{
    static const struct {
        uint64_t id;
        const char *dec;
    } cases[] = {{7, "7"}, {10, "10"}, {99, "99"}, {1000000007, "1000000007"},
                 {UINT64_MAX, "18446744073709551615"}};
    size_t i;
    wps_data d;
    wps_downstream m;
    memset(&d, 0, sizeof d);
    d.kind = WPS_DATA_NONE;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t id = cases[i].id;
        connected(0);
        CHECK_STATUS(wps_client_invoke(&D.c, drv_s("ev"), &d, &id), PBW_OK);
        drv_pump(&D);
        CHECK(D.nout == 1 && D.up[0].kind == WPS_UP_INVOKE_EVENT);
        if (D.nout == 1)
            CHECK_VIEW(D.up[0].u.invoke_event.invocation_id, cases[i].dec);
        memset(&m, 0, sizeof m);
        m.kind = WPS_DOWN_INVOKE_RESPONSE;
        m.u.invoke_response.invocation_id = drv_s(cases[i].dec);
        m.u.invoke_response.success = 1;
        drv_push(&D, &m);
        CHECK(D.nev == 1 && D.ev[0].id == cases[i].id && D.ev[0].result == WPS_CLIENT_OK);
    }
}

/* webPubSubClient.js:120-135 (stop: close, reject pending, stopped) */
static void r_stop(void)
{
    connected(0);
    join("g");
    drv_clear(&D);
    wps_client_stop(&D.c, D.now);
    drv_pump(&D);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_CLOSE), 1);
    wps_client_closed(&D.c, 1000, D.now);
    drv_pump(&D);
    CHECK_EQ(drv_count(&D, WPS_CLIENT_EV_STOPPED), 1);
    CHECK(drv_find(&D, WPS_CLIENT_EV_ACK) &&
          drv_find(&D, WPS_CLIENT_EV_ACK)->result == WPS_CLIENT_STOPPED_RESULT);
    CHECK_EQ(wps_client_next_deadline(&D.c, NULL), 0);
}

/* copying a frame into too small a buffer keeps it queued */
static void r_frame_copy_nospace(void)
{
    uint8_t small[2];
    size_t len = 0;
    connected(0);
    wps_client_join_group(&D.c, drv_s("group"), NULL);
    CHECK_STATUS(wps_client_next_frame_copy(&D.c, small, sizeof small, &len), PBW_E_NOSPACE);
    CHECK(len > sizeof small);
    drv_pump(&D);
    CHECK_EQ(drv_count_up(&D, WPS_UP_JOIN_GROUP), 1);
    CHECK(!D.up[0].u.join_group.has_ack_id);
}

static const struct {
    const char *name;
    void (*fn)(void);
} rules[] = {
    {"ack ids from 1, or the caller's", r_ack_ids_from_1},
    {"ack success and Duplicate resolve", r_ack_success_and_duplicate},
    {"ack error fails with name and message", r_ack_error_fails},
    {"ack timeout, late ack counted", r_ack_timeout},
    {"unknown ack counted", r_unknown_ack_counted},
    {"recovery resends with the same ack id", r_recovery_resends_same_ack_id},
    {"replayed data dropped and counted", r_replay_dropped},
    {"sequence ack at most once a second", r_seq_ack_once_per_second},
    {"sequence ack at once beyond 300", r_seq_ack_burst},
    {"plain: no sequence ack, no recovery", r_plain_no_seq_no_recovery},
    {"connected once, rejoin joined groups", r_connected_and_rejoin},
    {"rejoin failure is an event", r_rejoin_failed_event},
    {"recovery URL percent-encoded", r_recovery_url},
    {"recovery every second up to 30 s", r_recovery_retry_30s},
    {"1008: new connection", r_1008_new_connection},
    {"reconnect every second", r_reconnect_every_second},
    {"no auto reconnect: stopped", r_no_auto_reconnect_stops},
    {"ping after 20 s without sending", r_ping_after_20s},
    {"close after 120 s of silence, then recover", r_silence_close},
    {"stream publish, ack, nack, end, closed", r_stream_publish},
    {"stream pause and resume", r_stream_pause_resume},
    {"streams fail when the connection is lost", r_stream_fails_on_loss},
    {"stream end after a nack waits for the fragments", r_stream_end_after_nack},
    {"re-queued request lost with its connection fails", r_requeued_then_lost_fails},
    {"stream end times out without StreamClosed", r_stream_end_timeout},
    {"receiver gap and duplicate", r_receiver_gap_duplicate},
    {"hostile: malformed frame", r_hostile_malformed},
    {"hostile: 10 KB token", r_hostile_big_token},
    {"hostile: arguments that are not UTF-8", r_hostile_utf8_args},
    {"bounds: NOSPACE changes nothing", r_bounds},
    {"chunked frames", r_chunks},
    {"invoke and cancel", r_invoke_cancel},
    {"invocation ids in decimal", r_invocation_ids},
    {"stop", r_stop},
    {"frame copy NOSPACE keeps the frame", r_frame_copy_nospace},
};

int main(int argc, char **argv)
{
    size_t i;
    unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 0) : 10000;
    unsigned long seed = argc > 2 ? strtoul(argv[2], NULL, 0) : 20261202;
    unsigned long rows_failed = 0;
    for (i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        unsigned long f = test_failed;
        test_context("rule %s", rules[i].name);
        rules[i].fn();
        CHECK_EQ(D.out_bad, 0); /* every frame the client wrote decodes */
        if (test_failed != f)
            rows_failed++;
    }
    printf("client rules: %zu rows, %lu failed\n", sizeof rules / sizeof rules[0], rows_failed);
    test_context("%s", "simulation");
    if (count) {
        int bad = client_sim_run(count, seed);
        if (bad)
            test_fail_at(__FILE__, __LINE__, "%d property violations", bad);
        else
            test_passed++;
    }
    printf("%lu passed, %lu failed\n", test_passed, test_failed);
    return test_failed != 0;
}
