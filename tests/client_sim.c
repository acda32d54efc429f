/* SPDX-License-Identifier: MIT */
/*
 * tests/client_sim.c - a deterministic simulated Web PubSub service (seeded
 * RNG, virtual clock) talking to one wps_client over a simulated WebSocket,
 * and the properties checked over thousands of seeded scenarios.
 *
 * The service follows the documented behaviour: ConnectedMessage first (with
 * a reconnection token on the reliable subprotocol), acks with "Duplicate"
 * for an ack id already executed (not executed again), sequence ids on
 * every data message, unacknowledged messages kept (up to 1000; beyond,
 * close 1008 and forget) and replayed after a recovery, state kept 30 s
 * after a drop, 1008 for a recovery it cannot serve, pongs, an occasional
 * Forbidden.  The network: random delays, FIFO within one socket (never
 * reordered inside a WebSocket), abrupt drops losing what is in flight,
 * failed connects.  Hostile frames now and then: garbage, acks for ids never
 * sent, stream acks for unknown streams, sequence ids going backwards.
 *
 * Properties (each violation printed with its seed):
 *   P1 no data message is delivered to the application twice;
 *   P2 none is lost while the service still holds it (reliable: at the end,
 *      after a quiet period, every message the service sent on the current
 *      connection has been delivered);
 *   P3 every operation is resolved exactly once (success, failure, timeout,
 *      connection lost), and a success means the service executed it once;
 *   P4 a recovery keeps the connection id (the recovery URL names the
 *      current connection; CONNECTED only for new connections);
 *   P5 memory never grows past the configured bounds;
 *   P6 every frame the client writes decodes with the codec, and the client
 *      never acknowledges a sequence id the service did not send;
 *   P7 no stuck state: after the quiet period the client is connected;
 *   S1 a publisher stream's fragments reach the service in order, each with
 *      its own bytes (the service acks, nacks a gap, and now and then
 *      rewinds with a TransientError nack);
 *   S2 the service sees the end after every fragment;
 *   S3 acks and resends never point past what was sent, a fragment gets the
 *      sequence id the application expects, and every stream started is
 *      closed exactly once (by the service, by a lost connection, or by the
 *      end's timeout when the StreamClosed was lost in a drop).
 * The service ignores an end that overtook fragments a nack asked for again
 * (the end carries no sequence id: the client sends it again after them),
 * and answers data for a stream it never saw (its start was lost in a drop)
 * with StreamClosed{StreamNotFound}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_drv.h"

#define NET_MAX 512
#define FRAME_MAX 256
#define MSG_MAX 2048
#define IDS_MAX 1024
#define QUEUE_LIMIT 1000
#define KEEP_MS 30000u
#define ACTIVE_MS 30000u
#define QUIET_MS 45000u

typedef struct net_frame {
    uint32_t at;
    uint16_t len;
    uint8_t b[FRAME_MAX];
} net_frame;

typedef struct fifo {
    net_frame f[NET_MAX];
    size_t head, n;
    uint32_t last_at;
} fifo;

enum { SOCK_NONE, SOCK_CONNECTING, SOCK_OPEN, SOCK_CLOSING };

typedef struct sim {
    uint64_t rng;
    unsigned long seed;
    int reliable;
    drv d;
    uint32_t now;
    /* socket */
    int sock, sock_recovery, sock_accept;
    uint32_t sock_at;
    uint16_t close_code;
    fifo up, down;
    /* service: one connection's state */
    int has_state, attached;
    unsigned epoch;
    uint32_t expire_at;
    char conn_id[32], token[32];
    uint64_t seq;
    uint64_t unacked_seq[QUEUE_LIMIT + 1];
    uint32_t unacked_msg[QUEUE_LIMIT + 1];
    size_t unacked_n;
    unsigned groups; /* bit per group joined at the service */
    uint8_t ack_seen[IDS_MAX];
    uint8_t executed[IDS_MAX];
    unsigned new_connections;
    /* messages */
    uint32_t next_msg;
    unsigned msg_epoch[MSG_MAX];
    uint8_t delivered[MSG_MAX];
    /* application */
    uint8_t issued[IDS_MAX];   /* op kind + 1 */
    uint8_t resolved[IDS_MAX];
    uint8_t ok[IDS_MAX];
    uint8_t received[IDS_MAX];  /* the service saw the request */
    unsigned op_epoch[IDS_MAX];
    uint32_t op_up_ms[IDS_MAX];
    uint32_t up_ms;             /* time the client was connected, summed */
    unsigned timeouts;
    /* one publisher stream at a time: the application's side */
    int st_active, st_ending, st_slot;
    unsigned st_count, st_closed;
    uint64_t st_next, st_total;       /* next sequence id; fragments to send */
    char st_id[16];
    uint8_t st_payload[4096][2];      /* fragment seq -> its bytes (kept until acked) */
    /* the service's side of that stream */
    int sv_open;
    char sv_id[16];
    uint64_t sv_expected;
    unsigned sv_epoch;
    int sv_rewinding;                 /* a nack sent, its fragment not back yet */
    unsigned connected_events, connected_epoch;
    int violations;
    int quiet;
} sim;

static sim S;

static uint32_t rnd(sim *s)
{
    /* xorshift64* */
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return (uint32_t)((s->rng * 2685821657736338717ull) >> 32);
}

static int chance(sim *s, unsigned per_10000)
{
    return rnd(s) % 10000 < per_10000;
}

static void violation(sim *s, const char *what, unsigned long long v)
{
    s->violations++;
    if (s->violations <= 3)
        fprintf(stderr, "violation (seed %lu, t=%lu): %s [%llu]\n", s->seed,
                (unsigned long)s->now, what, v);
}

static void fifo_clear(fifo *q)
{
    q->head = q->n = 0;
    q->last_at = 0;
}

static void fifo_push(sim *s, fifo *q, const uint8_t *b, size_t len)
{
    net_frame *f;
    uint32_t at = s->now + rnd(s) % 40;
    if (len > FRAME_MAX || q->n == NET_MAX) {
        violation(s, "simulated network overflow (test bound)", len);
        return;
    }
    if ((uint32_t)(at - q->last_at) > 0x80000000u && q->n)
        at = q->last_at; /* FIFO: never before the previous frame */
    f = &q->f[(q->head + q->n) % NET_MAX];
    f->at = at;
    f->len = (uint16_t)len;
    memcpy(f->b, b, len);
    q->last_at = at;
    q->n++;
}

/* ---- the service ------------------------------------------------------ */

static void svc_send(sim *s, const wps_downstream *m)
{
    uint8_t buf[FRAME_MAX];
    size_t n;
    if (wps_downstream_encode(m, buf, sizeof buf, &n) != PBW_OK) {
        violation(s, "service encode", 0);
        return;
    }
    if (s->sock == SOCK_OPEN && s->attached)
        fifo_push(s, &s->down, buf, n);
}

static void svc_data_frame(sim *s, wps_downstream *m, uint32_t msg, uint64_t seq, int group)
{
    static uint8_t payload[4];
    static char gname[2];
    memset(m, 0, sizeof *m);
    payload[0] = (uint8_t)msg, payload[1] = (uint8_t)(msg >> 8);
    payload[2] = payload[3] = 0;
    gname[0] = (char)('a' + group);
    gname[1] = 0;
    m->kind = WPS_DOWN_DATA;
    m->u.data.from = drv_s("group");
    m->u.data.group = drv_s(gname);
    m->u.data.has_group = 1;
    m->u.data.has_data = 1;
    m->u.data.data.kind = WPS_DATA_BINARY;
    m->u.data.data.bytes.ptr = payload;
    m->u.data.data.bytes.len = 4;
    if (s->reliable) {
        m->u.data.sequence_id = seq;
        m->u.data.has_sequence_id = 1;
    }
}

static void svc_forget(sim *s)
{
    s->has_state = 0;
    s->attached = 0;
    s->unacked_n = 0;
    s->groups = 0;
}

static void svc_close(sim *s, uint16_t code);

static void svc_publish(sim *s, int group)
{
    wps_downstream m;
    uint32_t msg;
    if (!s->has_state || !(s->groups & (1u << group)) || s->next_msg >= MSG_MAX)
        return;
    msg = s->next_msg++;
    s->msg_epoch[msg] = s->epoch;
    if (s->reliable) {
        s->seq++;
        s->unacked_seq[s->unacked_n] = s->seq;
        s->unacked_msg[s->unacked_n] = msg;
        s->unacked_n++;
        if (s->unacked_n > QUEUE_LIMIT) { /* the service gives up on a slow client */
            svc_close(s, 1008);
            svc_forget(s);
            return;
        }
    }
    svc_data_frame(s, &m, msg, s->seq, group);
    svc_send(s, &m);
}

static void svc_ack(sim *s, uint64_t id, const char *err)
{
    wps_downstream m;
    memset(&m, 0, sizeof m);
    m.kind = WPS_DOWN_ACK;
    m.u.ack.ack_id = id;
    m.u.ack.success = err == NULL;
    if (err) {
        m.u.ack.has_error = 1;
        m.u.ack.error.name = drv_s(err);
        m.u.ack.error.message = drv_s("m");
    }
    svc_send(s, &m);
}

/* Handles an acked request: 1 when it is to be executed now. */
static int svc_dedupe(sim *s, int has, uint64_t id)
{
    if (!has)
        return 1;
    if (id >= IDS_MAX) {
        violation(s, "ack id beyond the ids the application issued", id);
        return 0;
    }
    s->received[id] = 1;
    if (s->ack_seen[id]) {
        svc_ack(s, id, "Duplicate");
        return 0;
    }
    if (chance(s, 200)) {
        svc_ack(s, id, "Forbidden");
        return 0;
    }
    s->ack_seen[id] = 1;
    return 1;
}

static int group_of(pbw_bytes g)
{
    return g.len == 1 && g.ptr[0] >= 'a' && g.ptr[0] <= 'd' ? g.ptr[0] - 'a' : -1;
}

static void svc_upstream(sim *s, const uint8_t *b, size_t len)
{
    wps_upstream up;
    wps_downstream m;
    int g;
    if (wps_upstream_decode(b, len, &up, 0, NULL) != PBW_OK) {
        violation(s, "client frame does not decode", len);
        return;
    }
    if (!s->has_state)
        return;
    switch (up.kind) {
    case WPS_UP_JOIN_GROUP:
    case WPS_UP_LEAVE_GROUP:
        g = group_of(up.u.join_group.group);
        if (g < 0) {
            violation(s, "join of a group never named", 0);
            break;
        }
        if (svc_dedupe(s, up.u.join_group.has_ack_id, up.u.join_group.ack_id)) {
            if (up.u.join_group.has_ack_id && s->executed[up.u.join_group.ack_id])
                violation(s, "P3 operation executed twice", up.u.join_group.ack_id);
            if (up.kind == WPS_UP_JOIN_GROUP)
                s->groups |= 1u << g;
            else
                s->groups &= ~(1u << g);
            if (up.u.join_group.has_ack_id) {
                s->executed[up.u.join_group.ack_id]++;
                svc_ack(s, up.u.join_group.ack_id, NULL);
            }
        }
        break;
    case WPS_UP_STREAM_DATA: {
        const wps_stream_data *sd = &up.u.stream_data;
        if (!s->sv_open || s->sv_epoch != s->epoch || sd->stream_id.len != strlen(s->sv_id) ||
            memcmp(sd->stream_id.ptr, s->sv_id, sd->stream_id.len) != 0) {
            /* a stream this connection never started (its start was lost):
             * StreamNotFound; a closed one: ignored */
            if (s->sv_epoch != s->epoch || sd->stream_id.len != strlen(s->sv_id) ||
                memcmp(sd->stream_id.ptr, s->sv_id, sd->stream_id.len) != 0) {
                memset(&m, 0, sizeof m);
                m.kind = WPS_DOWN_STREAM_CLOSED;
                m.u.stream_closed.stream_id = sd->stream_id;
                m.u.stream_closed.has_error = 1;
                m.u.stream_closed.error.name = drv_s("StreamNotFound");
                svc_send(s, &m);
            }
            break;
        }
        if (sd->stream_sequence_id == s->sv_expected) {
            uint64_t q = sd->stream_sequence_id;
            s->sv_rewinding = 0;
            if (sd->data.bytes.len != 2 || sd->data.bytes.ptr[0] != (uint8_t)q ||
                sd->data.bytes.ptr[1] != (uint8_t)(q >> 8))
                violation(s, "S1 stream fragment with another fragment's bytes", q);
            s->sv_expected++;
            if (chance(s, 3000)) {
                memset(&m, 0, sizeof m);
                m.kind = WPS_DOWN_STREAM_ACK;
                m.u.stream_ack.stream_id = drv_s(s->sv_id);
                m.u.stream_ack.expected_sequence_id = s->sv_expected;
                svc_send(s, &m);
            } else if (chance(s, 300)) { /* a transient failure: rewind */
                memset(&m, 0, sizeof m);
                s->sv_expected--;
                s->sv_rewinding = 1;
                m.kind = WPS_DOWN_STREAM_NACK;
                m.u.stream_nack.stream_id = drv_s(s->sv_id);
                m.u.stream_nack.name = drv_s("TransientError");
                m.u.stream_nack.expected_sequence_id = s->sv_expected;
                svc_send(s, &m);
            }
        } else if (sd->stream_sequence_id > s->sv_expected) { /* a gap */
            s->sv_rewinding = 1;
            memset(&m, 0, sizeof m);
            m.kind = WPS_DOWN_STREAM_NACK;
            m.u.stream_nack.stream_id = drv_s(s->sv_id);
            m.u.stream_nack.name = drv_s("InvalidSequenceId");
            m.u.stream_nack.expected_sequence_id = s->sv_expected;
            svc_send(s, &m);
        } /* below: a duplicate, not republished */
        break;
    }
    case WPS_UP_STREAM_END:
        /* An end that overtook fragments a nack asked for again (the
         * protocol's end carries no sequence id) is ignored here: the
         * client sends the end again after those fragments. */
        if (!s->sv_open || s->sv_epoch != s->epoch || s->sv_rewinding)
            break;
        s->sv_open = 0;
        if (s->sv_expected != s->st_total + 1)
            violation(s, "S2 stream ended before all its fragments arrived", s->sv_expected);
        memset(&m, 0, sizeof m);
        m.kind = WPS_DOWN_STREAM_CLOSED;
        m.u.stream_closed.stream_id = drv_s(s->sv_id);
        svc_send(s, &m);
        break;
    case WPS_UP_SEND_TO_GROUP:
        if (up.u.send_to_group.has_stream) {
            const wps_stream_start *ss = &up.u.send_to_group.stream;
            if (ss->stream_id.len < sizeof s->sv_id) {
                memcpy(s->sv_id, ss->stream_id.ptr, ss->stream_id.len);
                s->sv_id[ss->stream_id.len] = 0;
                s->sv_open = 1;
                s->sv_rewinding = 0;
                s->sv_expected = 1;
                s->sv_epoch = s->epoch;
            }
            break;
        }
        g = group_of(up.u.send_to_group.group);
        if (svc_dedupe(s, up.u.send_to_group.has_ack_id, up.u.send_to_group.ack_id)) {
            if (up.u.send_to_group.has_ack_id &&
                s->executed[up.u.send_to_group.ack_id]++)
                violation(s, "P3 operation executed twice", up.u.send_to_group.ack_id);
            if (g >= 0 && !up.u.send_to_group.no_echo)
                svc_publish(s, g);
            if (up.u.send_to_group.has_ack_id)
                svc_ack(s, up.u.send_to_group.ack_id, NULL);
        }
        break;
    case WPS_UP_EVENT:
        if (svc_dedupe(s, up.u.event.has_ack_id, up.u.event.ack_id) && up.u.event.has_ack_id) {
            if (s->executed[up.u.event.ack_id]++)
                violation(s, "P3 operation executed twice", up.u.event.ack_id);
            svc_ack(s, up.u.event.ack_id, NULL);
        }
        break;
    case WPS_UP_SEQUENCE_ACK: {
        size_t i, k = 0;
        if (up.u.sequence_ack.sequence_id > s->seq)
            violation(s, "sequence ack above what the service sent", up.u.sequence_ack.sequence_id);
        for (i = 0; i < s->unacked_n; i++)
            if (s->unacked_seq[i] > up.u.sequence_ack.sequence_id) {
                s->unacked_seq[k] = s->unacked_seq[i];
                s->unacked_msg[k] = s->unacked_msg[i];
                k++;
            }
        s->unacked_n = k;
        break;
    }
    case WPS_UP_PING:
        memset(&m, 0, sizeof m);
        m.kind = WPS_DOWN_PONG;
        svc_send(s, &m);
        break;
    default:
        break;
    }
}

/* The service closes the socket (the client sees the code after a delay). */
static void svc_close(sim *s, uint16_t code)
{
    if (s->sock != SOCK_OPEN && s->sock != SOCK_CLOSING)
        return;
    fifo_clear(&s->up);
    fifo_clear(&s->down);
    s->sock = SOCK_CLOSING;
    s->sock_at = s->now + rnd(s) % 50;
    s->close_code = code;
    s->attached = 0;
    if (s->has_state && s->reliable)
        s->expire_at = s->now + KEEP_MS;
}

static void svc_connected(sim *s)
{
    wps_downstream m;
    down_connected(&m, s->conn_id, "user", s->reliable ? s->token : NULL);
    svc_send(s, &m);
}

/* Percent-decodes the value of `key` in the URL's query into out. */
static int query_param(pbw_bytes url, const char *key, char *out, size_t cap)
{
    size_t i = 0, k = strlen(key), n = 0;
    while (i < url.len && url.ptr[i] != '?')
        i++;
    while (i < url.len) {
        i++; /* past ? or & */
        if (url.len - i > k && memcmp(url.ptr + i, key, k) == 0 && url.ptr[i + k] == '=') {
            i += k + 1;
            while (i < url.len && url.ptr[i] != '&') {
                unsigned ch = url.ptr[i++];
                if (ch == '%' && url.len - i >= 2) {
                    unsigned hi = url.ptr[i], lo = url.ptr[i + 1];
                    hi = hi <= '9' ? hi - '0' : hi - 'A' + 10;
                    lo = lo <= '9' ? lo - '0' : lo - 'A' + 10;
                    ch = hi * 16 + lo;
                    i += 2;
                }
                if (n + 1 >= cap)
                    return 0;
                out[n++] = (char)ch;
            }
            out[n] = 0;
            return 1;
        }
        while (i < url.len && url.ptr[i] != '&')
            i++;
    }
    return 0;
}

/* The connect attempt completes: accept (new or recovery) or refuse. */
static void svc_accept(sim *s)
{
    size_t i;
    wps_downstream m;
    wps_client_opened(&s->d.c, s->now);
    s->sock = SOCK_OPEN;
    fifo_clear(&s->up);
    fifo_clear(&s->down);
    if (s->sock_recovery) {
        if (!s->has_state || (uint32_t)(s->now - s->expire_at) < 0x80000000u ||
            chance(s, 300)) {
            if (s->has_state && (uint32_t)(s->now - s->expire_at) < 0x80000000u)
                svc_forget(s);
            svc_close(s, 1008);
            return;
        }
        s->attached = 1;
        svc_connected(s);
        for (i = 0; i < s->unacked_n; i++) { /* replay */
            svc_data_frame(s, &m, s->unacked_msg[i], s->unacked_seq[i], 0);
            /* the group does not matter to the properties; keep the message's */
            svc_send(s, &m);
        }
        return;
    }
    /* a new connection: the old state is gone */
    svc_forget(s);
    s->has_state = 1;
    s->attached = 1;
    s->epoch++;
    s->new_connections++;
    s->seq = 0;
    memset(s->ack_seen, 0, sizeof s->ack_seen);
    snprintf(s->conn_id, sizeof s->conn_id, "c%u", s->epoch);
    snprintf(s->token, sizeof s->token, "t%u/+=%u", s->epoch, rnd(s) % 1000);
    svc_connected(s);
}

/* ---- the application side ---------------------------------------------- */

static void app_events(sim *s)
{
    for (;;) {
        uint8_t buf[FRAME_MAX];
        size_t len;
        wps_client_event ev;
        int moved = 0;
        while (wps_client_next_frame_copy(&s->d.c, buf, sizeof buf, &len) == PBW_OK) {
            wps_upstream up;
            moved = 1;
            if (wps_upstream_decode(buf, len, &up, 0, NULL) != PBW_OK)
                violation(s, "P6 client frame does not decode", len);
            if (s->sock == SOCK_OPEN)
                fifo_push(s, &s->up, buf, len);
            else if (s->sock != SOCK_CLOSING) /* closing: written into a dead socket, lost */
                violation(s, "frame pulled with no open socket", len);
        }
        wps_client_next_event(&s->d.c, &ev);
        if (ev.type != WPS_CLIENT_EV_NONE)
            moved = 1;
        switch (ev.type) {
        case WPS_CLIENT_EV_OPEN:
            if (s->sock != SOCK_NONE)
                violation(s, "OPEN while a socket exists", (unsigned long long)s->sock);
            s->sock = SOCK_CONNECTING;
            s->sock_recovery = ev.recovery;
            s->sock_accept = !chance(s, 1500);
            s->sock_at = s->now + 10 + rnd(s) % 400;
            if (ev.recovery) {
                char id[64];
                if (!query_param(ev.text, "awps_connection_id", id, sizeof id) ||
                    strcmp(id, s->conn_id) != 0)
                    violation(s, "P4 recovery URL does not name the connection", 0);
                if (!query_param(ev.text, "awps_reconnection_token", id, sizeof id) ||
                    strcmp(id, s->token) != 0)
                    violation(s, "P4 recovery URL does not carry the token", 0);
            }
            break;
        case WPS_CLIENT_EV_CLOSE:
            if (s->sock == SOCK_CONNECTING || s->sock == SOCK_OPEN) {
                if (s->sock == SOCK_OPEN && s->has_state && s->reliable)
                    s->expire_at = s->now + KEEP_MS;
                s->attached = 0;
                s->sock = SOCK_CLOSING;
                s->sock_at = s->now + rnd(s) % 30;
                s->close_code = 1000;
                fifo_clear(&s->up);
                fifo_clear(&s->down);
            }
            break;
        case WPS_CLIENT_EV_CONNECTED:
            /* once per new connection, never for a recovery */
            s->connected_events++;
            if (ev.text.len != strlen(s->conn_id) ||
                memcmp(ev.text.ptr, s->conn_id, ev.text.len) != 0)
                violation(s, "P4 CONNECTED with another connection id", s->epoch);
            if (s->connected_epoch == s->epoch)
                violation(s, "P4 CONNECTED twice for one connection", s->epoch);
            s->connected_epoch = s->epoch;
            break;
        case WPS_CLIENT_EV_GROUP_MESSAGE: {
            const wps_data_message *dm = ev.data_message;
            uint32_t msg;
            if (dm == NULL || dm->data.bytes.len != 4) {
                violation(s, "message without its payload", 0);
                break;
            }
            msg = (uint32_t)dm->data.bytes.ptr[0] | (uint32_t)dm->data.bytes.ptr[1] << 8;
            if (msg >= MSG_MAX || s->delivered[msg])
                violation(s, "P1 message delivered twice", msg);
            else
                s->delivered[msg] = 1;
            break;
        }
        case WPS_CLIENT_EV_STREAM_ACK:
            if (!s->st_active || ev.slot != (size_t)s->st_slot || ev.seq > s->st_next)
                violation(s, "S3 stream ack beyond what was sent", ev.seq);
            break;
        case WPS_CLIENT_EV_STREAM_RESEND:
            if (!s->st_active || ev.slot != (size_t)s->st_slot || ev.seq > s->st_next)
                violation(s, "S3 stream resend from beyond what was sent", ev.seq);
            else
                s->st_next = ev.seq;
            break;
        case WPS_CLIENT_EV_STREAM_CLOSED:
            if (!s->st_active || ev.slot != (size_t)s->st_slot) {
                violation(s, "S3 stream closed twice", ev.slot);
                break;
            }
            if (ev.result == WPS_CLIENT_OK && !(s->st_ending && !s->sv_open))
                violation(s, "S3 stream closed before the service closed it", ev.slot);
            s->st_active = 0;
            s->st_closed++;
            break;
        case WPS_CLIENT_EV_ACK:
            if (ev.id >= IDS_MAX || !s->issued[ev.id]) {
                violation(s, "P3 result for an operation never issued", ev.id);
                break;
            }
            if (s->resolved[ev.id]++)
                violation(s, "P3 operation resolved twice", ev.id);
            /* a request is never lost on a connection that stays (or is
             * recovered): it reaches the service before its timeout */
            if (ev.result == WPS_CLIENT_TIMEOUT) {
                s->timeouts++;
                if (!s->received[ev.id] && s->op_epoch[ev.id] == s->epoch &&
                    s->up_ms - s->op_up_ms[ev.id] > 5000)
                    violation(s, "P3 request lost on a live or recovered connection", ev.id);
            }
            if (ev.result == WPS_CLIENT_OK || ev.result == WPS_CLIENT_DUPLICATE) {
                s->ok[ev.id] = 1;
                if (s->executed[ev.id] != 1)
                    violation(s, "P3 success for an operation the service did not execute",
                              ev.id);
            }
            break;
        default:
            break;
        }
        if (!moved)
            return;
    }
}

static void issue(sim *s, pbw_status st, uint64_t id, int kind)
{
    if (st == PBW_OK) {
        if (id == 0 || id >= IDS_MAX || s->issued[id])
            violation(s, "ack id not fresh", id);
        else {
            s->issued[id] = (uint8_t)(kind + 1);
            s->op_epoch[id] = s->epoch;
            s->op_up_ms[id] = s->up_ms;
        }
    } else if (st != PBW_E_NOSPACE) {
        violation(s, "operation refused with an unexpected status", st);
    }
}

static void app_act(sim *s)
{
    static const char *const names[] = {"a", "b", "c", "d"};
    uint64_t id = 0;
    wps_data d;
    unsigned r = rnd(s) % 100;
    pbw_bytes g = drv_s(names[rnd(s) % 4]);
    memset(&d, 0, sizeof d);
    d.kind = WPS_DATA_TEXT;
    d.bytes = drv_s("hello");
    pbw_status st;
    int kind;
    if (r < 25)
        st = wps_client_join_group(&s->d.c, g, &id), kind = 1;
    else if (r < 35)
        st = wps_client_leave_group(&s->d.c, g, &id), kind = 2;
    else if (r < 75)
        st = wps_client_send_to_group(&s->d.c, g, &d, (int)(rnd(s) & 1), &id), kind = 3;
    else if (r < 85)
        st = wps_client_send_event(&s->d.c, drv_s("ev"), &d, &id), kind = 4;
    else {
        if (r < 90)
            (void)wps_client_send_to_group(&s->d.c, g, &d, 0, NULL); /* fire and forget */
        return;
    }
    issue(s, st, id, kind);
}

/* The application's stream: start, fragments 1..total, end. */
static void app_stream(sim *s)
{
    pbw_status st;
    if (!s->st_active) {
        size_t slot;
        if (s->quiet || !chance(s, 500))
            return;
        snprintf(s->st_id, sizeof s->st_id, "s%u", s->st_count);
        st = wps_client_stream_start(&s->d.c, 0, drv_s("a"), drv_s(s->st_id), 0, &slot);
        if (st != PBW_OK) {
            violation(s, "stream start refused", st);
            return;
        }
        s->st_count++;
        s->st_active = 1;
        s->st_ending = 0;
        s->st_slot = (int)slot;
        s->st_next = 1;
        s->st_total = 3 + rnd(s) % 30;
        return;
    }
    if (s->st_next <= s->st_total) {
        wps_data d;
        uint64_t seq = 0;
        memset(&d, 0, sizeof d);
        d.kind = WPS_DATA_BINARY;
        s->st_payload[s->st_next][0] = (uint8_t)s->st_next;
        s->st_payload[s->st_next][1] = (uint8_t)(s->st_next >> 8);
        d.bytes.ptr = s->st_payload[s->st_next];
        d.bytes.len = 2;
        st = wps_client_stream_data(&s->d.c, (size_t)s->st_slot, &d, &seq);
        if (st == PBW_OK) {
            if (seq != s->st_next)
                violation(s, "S3 fragment got another sequence id", seq);
            s->st_next++;
        } else if (st != PBW_E_NOSPACE) {
            violation(s, "stream data refused", st);
        }
    } else if (!s->st_ending) {
        if (wps_client_stream_end(&s->d.c, (size_t)s->st_slot, drv_s(""), drv_s("")) == PBW_OK)
            s->st_ending = 1;
        else
            violation(s, "stream end refused", 0);
    }
}

/* Hostile frames the client must survive with a defined outcome. */
static void svc_hostile(sim *s)
{
    wps_downstream m;
    uint8_t junk[16];
    size_t i;
    memset(&m, 0, sizeof m);
    switch (rnd(s) % 4) {
    case 0: /* an ack for an id never sent */
        svc_ack(s, 100000 + rnd(s) % 1000, NULL);
        break;
    case 1:
        m.kind = WPS_DOWN_STREAM_ACK;
        m.u.stream_ack.stream_id = drv_s("nope");
        m.u.stream_ack.expected_sequence_id = rnd(s);
        svc_send(s, &m);
        break;
    case 2: /* a sequence id going backwards (a replay the client drops) */
        if (s->reliable && s->seq > 0) {
            svc_data_frame(s, &m, MSG_MAX - 1, 1 + rnd(s) % s->seq, 0);
            m.u.data.data.bytes.len = 3; /* not a tracked message */
            svc_send(s, &m);
        }
        break;
    default:
        if (s->sock == SOCK_OPEN && s->attached) {
            for (i = 0; i < sizeof junk; i++)
                junk[i] = (uint8_t)rnd(s);
            fifo_push(s, &s->down, junk, 1 + rnd(s) % sizeof junk);
        }
        break;
    }
}

static void check_bounds(sim *s)
{
    const wps_client *c = &s->d.c;
    size_t end = c->ops_n ? c->m.ops[c->ops_n - 1].off + c->m.ops[c->ops_n - 1].len : 0;
    if (c->ops_n > c->m.ops_max || c->groups_n > c->m.groups_max || end > c->m.frames_cap ||
        c->rx_len > c->m.rx_cap)
        violation(s, "P5 bounds", c->ops_n);
}

static void step(sim *s)
{
    /* the network */
    while (s->sock == SOCK_OPEN && s->up.n && (uint32_t)(s->now - s->up.f[s->up.head].at) <
                                                   0x80000000u) {
        net_frame *f = &s->up.f[s->up.head];
        s->up.head = (s->up.head + 1) % NET_MAX;
        s->up.n--;
        if (s->attached)
            svc_upstream(s, f->b, f->len);
    }
    while (s->sock == SOCK_OPEN && s->down.n &&
           (uint32_t)(s->now - s->down.f[s->down.head].at) < 0x80000000u) {
        net_frame *f = &s->down.f[s->down.head];
        pbw_status st = wps_client_push_frame(&s->d.c, f->b, f->len, s->now);
        if (st == PBW_E_NOSPACE) { /* pull the previous event first */
            app_events(s);
            continue;
        }
        if (st != PBW_OK)
            violation(s, "push refused", st);
        s->down.head = (s->down.head + 1) % NET_MAX;
        s->down.n--;
        app_events(s);
    }
    /* socket transitions */
    if (s->sock == SOCK_CONNECTING && (uint32_t)(s->now - s->sock_at) < 0x80000000u) {
        if (s->sock_accept) {
            svc_accept(s);
        } else {
            s->sock = SOCK_NONE;
            wps_client_closed(&s->d.c, 1006, s->now);
        }
    } else if (s->sock == SOCK_CLOSING && (uint32_t)(s->now - s->sock_at) < 0x80000000u) {
        s->sock = SOCK_NONE;
        wps_client_closed(&s->d.c, s->close_code, s->now);
    }
    if (s->has_state && !s->attached && s->reliable &&
        (uint32_t)(s->now - s->expire_at) < 0x80000000u)
        svc_forget(s);
    app_events(s);
    /* random happenings */
    if (chance(s, 3000))
        app_stream(s);
    app_events(s);
    if (!s->quiet) {
        if (chance(s, 800))
            app_act(s);
        if (chance(s, 1500))
            svc_publish(s, (int)(rnd(s) % 4));
        if (chance(s, 40) && s->sock == SOCK_OPEN) { /* abrupt drop: what is in flight is lost */
            s->sock = SOCK_CLOSING;
            s->sock_at = s->now + rnd(s) % 100;
            s->close_code = chance(s, 1000) ? 1008 : 1006;
            if (s->close_code == 1008)
                svc_forget(s);
            else if (s->has_state && s->reliable)
                s->expire_at = s->now + KEEP_MS;
            s->attached = 0;
            fifo_clear(&s->up);
            fifo_clear(&s->down);
        }
        if (chance(s, 30))
            svc_hostile(s);
    }
    app_events(s);
    wps_client_tick(&s->d.c, s->now);
    app_events(s);
    check_bounds(s);
}

static void scenario(sim *s, unsigned long seed)
{
    uint32_t end;
    size_t i;
    memset(s, 0, sizeof *s);
    s->seed = seed;
    s->rng = seed * 0x9E3779B97F4A7C15ull + 1;
    s->reliable = (int)(rnd(s) & 1) || (seed % 4 != 0);
    drv_init(&s->d, s->reliable, 0);
    s->now = s->d.now;
    wps_client_start(&s->d.c, s->now);
    app_events(s);
    end = s->now + ACTIVE_MS;
    while ((uint32_t)(end - s->now) < 0x80000000u && s->now != end) {
        uint32_t dt = 5 + rnd(s) % 60;
        s->up_ms += wps_client_is_connected(&s->d.c) ? dt : 0;
        s->now += dt;
        step(s);
    }
    s->quiet = 1;
    end = s->now + QUIET_MS;
    while ((uint32_t)(end - s->now) < 0x80000000u && s->now != end) {
        s->up_ms += wps_client_is_connected(&s->d.c) ? 50 : 0;
        s->now += 50;
        step(s);
    }
    /* P3: every operation issued has its one result */
    for (i = 1; i < IDS_MAX; i++)
        if (s->issued[i] && s->resolved[i] != 1)
            violation(s, "P3 operation never resolved", i);
    /* S3: every stream started was closed once */
    if (s->st_active) {
        const wps_client_stream_out *so = &s->d.c.m.streams[s->st_slot];
        violation(s, "S3 stream never closed", s->st_count);
        if (getenv("SIM_DEBUG"))
            fprintf(stderr, "  client: state %u flags %u next %llu acked %llu end %llu; app next "
                    "%llu total %llu ending %d; service open %d expected %llu rewinding %d epoch "
                    "%u/%u; connected %d\n", so->state, so->flags,
                    (unsigned long long)so->next_seq, (unsigned long long)so->acked,
                    (unsigned long long)so->end_seq, (unsigned long long)s->st_next,
                    (unsigned long long)s->st_total, s->st_ending, s->sv_open,
                    (unsigned long long)s->sv_expected, s->sv_rewinding, s->sv_epoch, s->epoch,
                    wps_client_is_connected(&s->d.c));
    }
    /* P7 */
    if (!wps_client_is_connected(&s->d.c))
        violation(s, "P7 not connected after the quiet period", s->d.c.state);
    /* P2: the current connection's messages all arrived */
    if (s->reliable && s->has_state && wps_client_is_connected(&s->d.c))
        for (i = 0; i < s->next_msg; i++)
            if (s->msg_epoch[i] == s->epoch && !s->delivered[i])
                violation(s, "P2 message held by the service never delivered", i);
}

int client_sim_run(unsigned long count, unsigned long seed)
{
    unsigned long i, bad_scenarios = 0;
    int total = 0;
    uint64_t recoveries = 0, reconnects = 0, replays = 0, resent = 0, msgs = 0, ops = 0;
    uint64_t timeouts = 0, streams = 0;
    for (i = 0; i < count; i++) {
        size_t k;
        scenario(&S, seed + i);
        total += S.violations;
        bad_scenarios += S.violations != 0;
        recoveries += S.d.c.stats.recoveries;
        reconnects += S.d.c.stats.reconnects;
        replays += S.d.c.stats.replays_dropped;
        resent += S.d.c.stats.resent;
        msgs += S.next_msg;
        timeouts += S.timeouts;
        streams += S.st_closed;
        for (k = 0; k < IDS_MAX; k++)
            ops += S.issued[k] != 0;
    }
    printf("client sim: %lu scenarios from seed %lu: %d violations in %lu scenarios\n", count,
           seed, total, bad_scenarios);
    printf("client sim: %llu operations, %llu messages, %llu recoveries, %llu reconnects, "
           "%llu replays dropped, %llu operations re-sent, %llu timed out, %llu streams\n",
           (unsigned long long)ops, (unsigned long long)msgs, (unsigned long long)recoveries,
           (unsigned long long)reconnects, (unsigned long long)replays,
           (unsigned long long)resent, (unsigned long long)timeouts,
           (unsigned long long)streams);
    return total;
}
