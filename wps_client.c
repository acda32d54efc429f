/* SPDX-License-Identifier: MIT */
/* wps_client.c - the sans-IO Web PubSub client engine.  See wps_client.h. */
#include "wps_client.h"

#if !(defined(PBW_FREESTANDING) && PBW_FREESTANDING)
#include <string.h>
#endif

/* Connection states. */
enum {
    ST_STOPPED = 0,
    ST_OPENING,         /* OPEN (new connection) asked; waiting opened/closed */
    ST_WAIT_CONNECTED,  /* socket open; waiting for the ConnectedMessage */
    ST_CONNECTED,       /* usable (connected, or recovered) */
    ST_RECOVER_OPENING, /* OPEN (recovery) asked */
    ST_RECOVER_WAIT,    /* next recovery attempt at retry_at */
    ST_RECONNECT_WAIT,  /* next new-connection attempt at retry_at */
    ST_CLOSING          /* CLOSE asked; waiting closed(), then `close_then` */
};

/* What to do once a socket we asked to close has closed. */
enum { THEN_RECOVER = 0, THEN_LOSE, THEN_STOP };

/* Op flags (wps_client_op.state). */
enum {
    OP_UNSENT = 1, /* its frame waits to be sent */
    OP_SENT = 2,   /* sent on this connection; waiting for its ack */
    OP_REPORT = 4, /* `result` waits to be reported */
    OP_CANCEL = 8, /* a CancelInvocation waits to be sent */
    OP_NOACK = 16, /* fire and forget: gone once sent */
    OP_WAS_SENT = 32 /* sent on this connection at least once (a recovery
                        re-queues it: UNSENT and WAS_SENT) */
};

/* Publisher stream states and flags. */
enum { SO_FREE = 0, SO_ACTIVE, SO_ENDING, SO_CLOSED_REPORT };
enum { SF_START = 1, SF_FRAGMENT = 2, SF_END = 4, SF_RESEND = 8 };

static const char SUB_PLAIN[] = "protobuf.webpubsub.azure.v1";
static const char SUB_RELIABLE[] = "protobuf.reliable.webpubsub.azure.v1";

/* Wrap-safe time: a is at or after b. */
static int time_reached(uint32_t now, uint32_t at)
{
    return (uint32_t)(now - at) < 0x80000000u;
}

static pbw_bytes view(const void *p, size_t n)
{
    pbw_bytes b;
    b.ptr = (const uint8_t *)p;
    b.len = n;
    return b;
}

/* strlen without libc (the library calls only the four mem* functions). */
static size_t cstr_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int view_eq(pbw_bytes a, const char *s)
{
    size_t n = cstr_len(s);
    return a.len == n && (n == 0 || memcmp(a.ptr, s, n) == 0);
}

static int socket_open(const wps_client *c)
{
    return c->state == ST_WAIT_CONNECTED || c->state == ST_CONNECTED ||
           (c->state == ST_CLOSING && c->socket_up);
}

/* ------------------------------------------------------------------------
 * Memory
 * ------------------------------------------------------------------------ */

wps_client_memory wps_client_storage_memory(wps_client_storage *s)
{
    wps_client_memory m;
    m.ops = s->ops, m.ops_max = WPS_CLIENT_DEFAULT_OPS;
    m.frames = s->frames, m.frames_cap = sizeof s->frames;
    m.groups = s->groups, m.groups_max = WPS_CLIENT_DEFAULT_GROUPS;
    m.names = s->names, m.names_cap = sizeof s->names;
    m.streams = s->streams, m.streams_max = WPS_CLIENT_DEFAULT_STREAMS;
    m.in_streams = s->in_streams, m.in_streams_max = WPS_CLIENT_DEFAULT_IN_STREAMS;
    m.session = s->session, m.session_cap = sizeof s->session;
    m.rx = s->rx, m.rx_cap = sizeof s->rx;
    m.tx = s->tx, m.tx_cap = sizeof s->tx;
    return m;
}

/* Ops and groups are arrays in insertion order whose bytes (frames, names)
 * lie in their buffer in the same order; removing an entry leaves a hole
 * that the next append closes by sliding the later bytes down. */

static size_t ops_end(const wps_client *c)
{
    const wps_client_op *o = c->m.ops;
    return c->ops_n ? (size_t)o[c->ops_n - 1].off + o[c->ops_n - 1].len : 0;
}

/* Room for n more frame bytes at the end, compacting if needed. */
static int frames_room(wps_client *c, size_t n)
{
    size_t i, at = 0;
    if (c->m.frames_cap - ops_end(c) >= n)
        return 1;
    for (i = 0; i < c->ops_n; i++) {
        wps_client_op *o = &c->m.ops[i];
        if (o->off != at && o->len)
            memmove(c->m.frames + at, c->m.frames + o->off, o->len);
        o->off = (uint32_t)at;
        at += o->len;
    }
    return c->m.frames_cap - at >= n;
}

static void op_remove(wps_client *c, size_t i)
{
    memmove(&c->m.ops[i], &c->m.ops[i + 1], (c->ops_n - i - 1) * sizeof c->m.ops[0]);
    c->ops_n--;
}

static size_t names_end(const wps_client *c)
{
    const wps_client_group *g = c->m.groups;
    return c->groups_n ? (size_t)g[c->groups_n - 1].off + g[c->groups_n - 1].len : 0;
}

static pbw_bytes group_name(const wps_client *c, size_t i)
{
    return view(c->m.names + c->m.groups[i].off, c->m.groups[i].len);
}

static size_t group_find(const wps_client *c, pbw_bytes name)
{
    size_t i;
    for (i = 0; i < c->groups_n; i++)
        if (c->m.groups[i].len == name.len &&
            (name.len == 0 || memcmp(c->m.names + c->m.groups[i].off, name.ptr, name.len) == 0))
            return i;
    return (size_t)-1;
}

/* The group's index, adding it (not joined) if new; -1 when full. */
static size_t group_add(wps_client *c, pbw_bytes name)
{
    size_t i = group_find(c, name), at;
    wps_client_group *g;
    if (i != (size_t)-1)
        return i;
    if (c->groups_n >= c->m.groups_max)
        return (size_t)-1;
    if (c->m.names_cap - names_end(c) < name.len) {
        at = 0;
        for (i = 0; i < c->groups_n; i++) {
            g = &c->m.groups[i];
            if (g->off != at)
                memmove(c->m.names + at, c->m.names + g->off, g->len);
            g->off = (uint32_t)at;
            at += g->len;
        }
        if (c->m.names_cap - at < name.len)
            return (size_t)-1;
    }
    at = names_end(c);
    g = &c->m.groups[c->groups_n];
    memcpy(c->m.names + at, name.ptr, name.len);
    g->off = (uint32_t)at;
    g->len = (uint32_t)name.len;
    g->joined = 0;
    g->report = 0;
    return c->groups_n++;
}

static void group_remove(wps_client *c, size_t i)
{
    memmove(&c->m.groups[i], &c->m.groups[i + 1],
            (c->groups_n - i - 1) * sizeof c->m.groups[0]);
    c->groups_n--;
}

/* ------------------------------------------------------------------------
 * Init, start, stop
 * ------------------------------------------------------------------------ */

static int lent_ok(const void *p, size_t n)
{
    return p != NULL || n == 0;
}

pbw_status wps_client_init(wps_client *c, const wps_client_config *cfg,
                           const wps_client_memory *mem, uint32_t now)
{
    if (c == NULL || cfg == NULL || mem == NULL || cfg->url.ptr == NULL || cfg->url.len == 0)
        return PBW_E_ARG;
    if (!lent_ok(mem->ops, mem->ops_max) || !lent_ok(mem->frames, mem->frames_cap) ||
        !lent_ok(mem->groups, mem->groups_max) || !lent_ok(mem->names, mem->names_cap) ||
        !lent_ok(mem->streams, mem->streams_max) ||
        !lent_ok(mem->in_streams, mem->in_streams_max) ||
        !lent_ok(mem->session, mem->session_cap) || !lent_ok(mem->rx, mem->rx_cap) ||
        !lent_ok(mem->tx, mem->tx_cap))
        return PBW_E_ARG;
    /* Offsets are stored in 32 bits. */
    if (mem->frames_cap > 0xFFFFFFFFu || mem->names_cap > 0xFFFFFFFFu)
        return PBW_E_ARG;
    memset(c, 0, sizeof *c);
    c->m = *mem;
    c->cfg = *cfg;
    if (c->cfg.ack_timeout_ms == 0 || c->cfg.ack_timeout_ms >= 0x80000000u)
        c->cfg.ack_timeout_ms = WPS_CLIENT_ACK_TIMEOUT_MS;
    c->next_ack_id = 1;
    c->now = now;
    if (c->m.streams_max)
        memset(c->m.streams, 0, c->m.streams_max * sizeof c->m.streams[0]);
    if (c->m.in_streams_max)
        memset(c->m.in_streams, 0, c->m.in_streams_max * sizeof c->m.in_streams[0]);
    return PBW_OK;
}

static void open_new(wps_client *c)
{
    c->state = ST_OPENING;
    c->want_open = 1;
    c->open_recovery = 0;
}

pbw_status wps_client_start(wps_client *c, uint32_t now)
{
    if (c == NULL || c->state != ST_STOPPED || c->report_stopped)
        return PBW_E_ARG;
    c->now = now;
    c->stopping = 0;
    open_new(c);
    return PBW_OK;
}

/* The connection is gone for good: report, fail what was sent on it, and
 * forget its sequence ids and session. */
static void lose_connection(wps_client *c, wps_client_result why)
{
    size_t i;
    if (c->was_connected)
        c->report_disconnected = 1;
    c->was_connected = 0;
    for (i = c->ops_n; i-- > 0;) {
        wps_client_op *o = &c->m.ops[i];
        if (why == WPS_CLIENT_STOPPED_RESULT && (o->state & (OP_UNSENT | OP_SENT)))
            o->state = (uint8_t)(o->state | OP_SENT);
        o->state = (uint8_t)(o->state & ~OP_CANCEL);
        /* sent on the lost connection (even if re-queued by a recovery):
         * its result is unknown, and a new connection would execute it
         * again, so it fails */
        if (!(o->state & (OP_SENT | OP_WAS_SENT)))
            continue;
        o->state = (uint8_t)((o->state & ~OP_WAS_SENT) | OP_SENT);
        if (o->kind == WPS_CLIENT_OP_REJOIN || (o->state & OP_NOACK)) {
            /* a rejoin is redone on the next connection */
            if (o->state & OP_NOACK)
                c->stats.unsent_dropped++;
            o->state = (uint8_t)(o->state & ~(OP_SENT | OP_UNSENT));
        } else {
            o->state = (uint8_t)((o->state & ~(OP_SENT | OP_UNSENT)) | OP_REPORT);
            o->result = (uint8_t)why;
        }
        if (!(o->state & OP_REPORT))
            op_remove(c, i);
    }
    for (i = 0; i < c->m.streams_max; i++) {
        wps_client_stream_out *s = &c->m.streams[i];
        if (s->state == SO_ACTIVE || s->state == SO_ENDING) {
            s->state = SO_CLOSED_REPORT;
            s->flags = 0;
            s->result = (uint8_t)why;
        }
    }
    for (i = 0; i < c->m.in_streams_max; i++)
        c->m.in_streams[i].used = 0;
    c->has_session = 0;
    c->largest_seq = c->acked_seq = 0;
    c->want_ping = c->want_seq_ack = 0;
    c->socket_up = 0;
}

static void finish_stop(wps_client *c)
{
    lose_connection(c, WPS_CLIENT_STOPPED_RESULT);
    c->state = ST_STOPPED;
    c->want_open = c->want_close = 0;
    c->report_stopped = 1;
    c->stopping = 0;
}

pbw_status wps_client_stop(wps_client *c, uint32_t now)
{
    if (c == NULL)
        return PBW_E_ARG;
    c->now = now;
    switch (c->state) {
    case ST_OPENING:
    case ST_WAIT_CONNECTED:
    case ST_CONNECTED:
    case ST_RECOVER_OPENING:
        c->socket_up = c->state != ST_OPENING && c->state != ST_RECOVER_OPENING;
        c->state = ST_CLOSING;
        c->want_close = 1;
        c->want_open = 0;
        c->close_then = THEN_STOP;
        break;
    case ST_CLOSING:
        c->close_then = THEN_STOP;
        break;
    case ST_STOPPED:
        break;
    default:
        finish_stop(c);
        break;
    }
    return PBW_OK;
}

/* ------------------------------------------------------------------------
 * Socket events
 * ------------------------------------------------------------------------ */

static void begin_connection_timers(wps_client *c)
{
    c->last_rx = c->last_tx = c->now;
    c->seq_ack_sent_at = c->now - WPS_CLIENT_SEQ_ACK_MS;
    c->rx_len = 0;
    c->rx_over = 0;
}

pbw_status wps_client_opened(wps_client *c, uint32_t now)
{
    size_t i;
    if (c == NULL)
        return PBW_E_ARG;
    c->now = now;
    if (c->state == ST_OPENING) {
        c->state = ST_WAIT_CONNECTED;
        c->want_open = 0;
        c->largest_seq = c->acked_seq = 0;
        begin_connection_timers(c);
        return PBW_OK;
    }
    if (c->state != ST_RECOVER_OPENING)
        return PBW_E_ARG;
    /* Recovered: the same connection.  What was sent and not acked goes
     * again with its own ack id; streams resume from the oldest fragment
     * the service has not acknowledged. */
    c->state = ST_CONNECTED;
    c->want_open = 0;
    c->stats.recoveries++;
    begin_connection_timers(c);
    for (i = 0; i < c->ops_n; i++) {
        wps_client_op *o = &c->m.ops[i];
        if (o->state & OP_SENT) {
            o->state = (uint8_t)((o->state & ~OP_SENT) | OP_UNSENT);
            c->stats.resent++;
        }
    }
    for (i = 0; i < c->m.streams_max; i++) {
        wps_client_stream_out *s = &c->m.streams[i];
        if ((s->state == SO_ACTIVE || s->state == SO_ENDING) && s->acked < s->next_seq) {
            s->next_seq = s->acked;
            s->flags = (uint8_t)((s->flags & ~SF_FRAGMENT) | SF_RESEND);
        }
        /* the end may have been lost in flight: it goes again (a closed
         * stream's messages are ignored by the service) */
        if (s->state == SO_ENDING)
            s->flags = (uint8_t)(s->flags | SF_END);
    }
    if (c->cfg.reliable && c->largest_seq > 0)
        c->want_seq_ack = 1; /* tell the service at once what it need not replay */
    return PBW_OK;
}

/* Percent-encodes s (RFC 3986 unreserved characters kept) at dst; returns
 * the length, or (size_t)-1 past cap. */
static size_t pct_encode(uint8_t *dst, size_t at, size_t cap, pbw_bytes s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;
    for (i = 0; i < s.len; i++) {
        uint8_t ch = s.ptr[i];
        int keep = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                   (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~';
        if (cap - at < (keep ? 1u : 3u))
            return (size_t)-1;
        if (keep) {
            dst[at++] = ch;
        } else {
            dst[at++] = '%';
            dst[at++] = (uint8_t)hex[ch >> 4];
            dst[at++] = (uint8_t)hex[ch & 15];
        }
    }
    return at;
}

static size_t append(uint8_t *dst, size_t at, size_t cap, const char *s)
{
    size_t n = cstr_len(s);
    if (at == (size_t)-1 || cap - at < n)
        return (size_t)-1;
    memcpy(dst + at, s, n);
    return at + n;
}

/* The recovery URL into tx: the base URL before '?', then the query. */
static size_t recovery_url(wps_client *c)
{
    size_t base = 0, at;
    pbw_bytes conn = view(c->m.session, c->session_conn_len);
    pbw_bytes tok = view(c->m.session + c->session_conn_len + c->session_user_len,
                         c->session_token_len);
    while (base < c->cfg.url.len && c->cfg.url.ptr[base] != '?')
        base++;
    if (base > c->m.tx_cap)
        return (size_t)-1;
    memcpy(c->m.tx, c->cfg.url.ptr, base);
    at = append(c->m.tx, base, c->m.tx_cap, "?awps_connection_id=");
    if (at != (size_t)-1)
        at = pct_encode(c->m.tx, at, c->m.tx_cap, conn);
    at = append(c->m.tx, at, c->m.tx_cap, "&awps_reconnection_token=");
    if (at != (size_t)-1)
        at = pct_encode(c->m.tx, at, c->m.tx_cap, tok);
    return at;
}

/* After a connection was lost for good: reconnect, or stop. */
static void after_loss(wps_client *c)
{
    if (c->stopping || c->cfg.no_auto_reconnect) {
        finish_stop(c);
        return;
    }
    c->stats.reconnects++;
    open_new(c);
}

static void start_recovery_attempt(wps_client *c)
{
    if (recovery_url(c) == (size_t)-1) { /* the URL does not fit tx: no recovery */
        lose_connection(c, WPS_CLIENT_CONNECTION_LOST);
        after_loss(c);
        return;
    }
    c->state = ST_RECOVER_OPENING;
    c->want_open = 1;
    c->open_recovery = 1;
}

pbw_status wps_client_closed(wps_client *c, uint16_t code, uint32_t now)
{
    uint8_t prev;
    if (c == NULL)
        return PBW_E_ARG;
    c->now = now;
    c->close_code = code;
    prev = c->state;
    c->want_ping = c->want_seq_ack = 0;
    switch (prev) {
    case ST_CLOSING:
        c->want_close = 0;
        c->socket_up = 0;
        if (c->close_then == THEN_STOP) {
            finish_stop(c);
            return PBW_OK;
        }
        if (c->close_then == THEN_LOSE) {
            lose_connection(c, WPS_CLIENT_CONNECTION_LOST);
            after_loss(c);
            return PBW_OK;
        }
        /* THEN_RECOVER: like an unexpected close of a connected socket */
        /* fall through */
    case ST_CONNECTED:
        if (c->cfg.reliable && c->has_session && code != 1008) {
            c->recovery_start = now;
            start_recovery_attempt(c);
            return PBW_OK;
        }
        lose_connection(c, WPS_CLIENT_CONNECTION_LOST);
        after_loss(c);
        return PBW_OK;
    case ST_RECOVER_OPENING:
        if (code != 1008 && !time_reached(now, c->recovery_start + WPS_CLIENT_RECOVERY_MS)) {
            c->state = ST_RECOVER_WAIT;
            c->want_open = 0;
            c->retry_at = now + WPS_CLIENT_RETRY_MS;
            return PBW_OK;
        }
        c->want_open = 0;
        lose_connection(c, WPS_CLIENT_CONNECTION_LOST);
        after_loss(c);
        return PBW_OK;
    case ST_OPENING:
    case ST_WAIT_CONNECTED:
        /* a new connection failed before it was usable */
        c->want_open = 0;
        lose_connection(c, WPS_CLIENT_CONNECTION_LOST);
        if (c->stopping || c->cfg.no_auto_reconnect) {
            finish_stop(c);
        } else {
            c->state = ST_RECONNECT_WAIT;
            c->retry_at = now + WPS_CLIENT_RETRY_MS;
        }
        return PBW_OK;
    default:
        return PBW_E_ARG;
    }
}

/* ------------------------------------------------------------------------
 * Timers
 * ------------------------------------------------------------------------ */

static void ask_close(wps_client *c, uint8_t then)
{
    c->socket_up = c->state != ST_RECOVER_OPENING && c->state != ST_OPENING;
    c->state = ST_CLOSING;
    c->want_close = 1;
    c->want_open = 0;
    c->close_then = then;
}

static void run_timers(wps_client *c)
{
    uint32_t now = c->now;
    size_t i;
    for (i = c->ops_n; i-- > 0;) {
        wps_client_op *o = &c->m.ops[i];
        if (!(o->state & (OP_UNSENT | OP_SENT)) || !time_reached(now, o->deadline))
            continue;
        o->state = (uint8_t)(o->state & ~(OP_UNSENT | OP_SENT));
        if (o->state & OP_NOACK) {
            c->stats.unsent_dropped++;
        } else {
            o->state = (uint8_t)(o->state | OP_REPORT);
            o->result = WPS_CLIENT_TIMEOUT;
        }
        if (!(o->state & (OP_REPORT | OP_CANCEL)))
            op_remove(c, i);
    }
    for (i = 0; i < c->m.streams_max; i++) {
        wps_client_stream_out *s = &c->m.streams[i];
        if (s->state == SO_ENDING && !(s->flags & SF_END) && time_reached(now, s->end_deadline)) {
            s->state = SO_CLOSED_REPORT;
            s->flags = 0;
            s->result = WPS_CLIENT_TIMEOUT;
        }
    }
    switch (c->state) {
    case ST_CONNECTED:
        if (c->cfg.reliable && c->largest_seq > c->acked_seq &&
            time_reached(now, c->seq_ack_sent_at + WPS_CLIENT_SEQ_ACK_MS))
            c->want_seq_ack = 1;
        if (time_reached(now, c->last_tx + WPS_CLIENT_PING_MS))
            c->want_ping = 1;
        /* fall through */
    case ST_WAIT_CONNECTED:
        if (time_reached(now, c->last_rx + WPS_CLIENT_SILENCE_MS))
            ask_close(c, THEN_RECOVER);
        break;
    case ST_RECOVER_OPENING:
        if (time_reached(now, c->recovery_start + WPS_CLIENT_RECOVERY_MS))
            ask_close(c, THEN_LOSE);
        break;
    case ST_RECOVER_WAIT:
        if (time_reached(now, c->recovery_start + WPS_CLIENT_RECOVERY_MS)) {
            lose_connection(c, WPS_CLIENT_CONNECTION_LOST);
            after_loss(c);
        } else if (time_reached(now, c->retry_at)) {
            start_recovery_attempt(c);
        }
        break;
    case ST_RECONNECT_WAIT:
        if (time_reached(now, c->retry_at)) {
            c->stats.reconnects++;
            open_new(c);
        }
        break;
    default:
        break;
    }
}

pbw_status wps_client_tick(wps_client *c, uint32_t now)
{
    if (c == NULL)
        return PBW_E_ARG;
    c->now = now;
    run_timers(c);
    return PBW_OK;
}

static void earliest(int *have, uint32_t *when, uint32_t now, uint32_t at)
{
    /* a time already past counts as now */
    if (time_reached(now, at))
        at = now;
    if (!*have || (uint32_t)(at - now) < (uint32_t)(*when - now))
        *when = at;
    *have = 1;
}

int wps_client_next_deadline(const wps_client *c, uint32_t *when)
{
    int have = 0;
    uint32_t w = 0, now;
    size_t i;
    if (c == NULL)
        return 0;
    now = c->now;
    for (i = 0; i < c->ops_n; i++)
        if (c->m.ops[i].state & (OP_UNSENT | OP_SENT))
            earliest(&have, &w, now, c->m.ops[i].deadline);
    for (i = 0; i < c->m.streams_max; i++)
        if (c->m.streams[i].state == SO_ENDING && !(c->m.streams[i].flags & SF_END))
            earliest(&have, &w, now, c->m.streams[i].end_deadline);
    switch (c->state) {
    case ST_CONNECTED:
        if (c->cfg.reliable && c->largest_seq > c->acked_seq && !c->want_seq_ack)
            earliest(&have, &w, now, c->seq_ack_sent_at + WPS_CLIENT_SEQ_ACK_MS);
        if (!c->want_ping)
            earliest(&have, &w, now, c->last_tx + WPS_CLIENT_PING_MS);
        /* fall through */
    case ST_WAIT_CONNECTED:
        earliest(&have, &w, now, c->last_rx + WPS_CLIENT_SILENCE_MS);
        break;
    case ST_RECOVER_OPENING:
        earliest(&have, &w, now, c->recovery_start + WPS_CLIENT_RECOVERY_MS);
        break;
    case ST_RECOVER_WAIT:
    case ST_RECONNECT_WAIT:
        earliest(&have, &w, now, c->retry_at);
        break;
    default:
        break;
    }
    if (have && when)
        *when = w;
    return have;
}

/* ------------------------------------------------------------------------
 * Operations
 * ------------------------------------------------------------------------ */

static int op_pending_id(const wps_client *c, uint64_t id, int invoke)
{
    size_t i;
    for (i = 0; i < c->ops_n; i++) {
        const wps_client_op *o = &c->m.ops[i];
        if (o->id == id && !(o->state & OP_NOACK) &&
            (o->kind == WPS_CLIENT_OP_INVOKE) == (invoke != 0))
            return 1;
    }
    return 0;
}

static uint64_t alloc_id(wps_client *c, int invoke)
{
    uint64_t id = c->next_ack_id;
    for (;;) {
        if (id == 0)
            id = 1;
        if (!op_pending_id(c, id, invoke))
            break;
        id++;
    }
    c->next_ack_id = id + 1;
    return id;
}

/* Decimal digits of v, without a 64-bit division (which 32-bit targets
 * would take from libgcc). */
static size_t u64_dec(uint64_t v, char out[21])
{
    static const uint64_t pow10[20] = {
        1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u,
        1000000000u, 10000000000u, 100000000000u, 1000000000000u, 10000000000000u,
        100000000000000u, 1000000000000000u, 10000000000000000u, 100000000000000000u,
        1000000000000000000u, 10000000000000000000u};
    size_t n = 0;
    int i = 19;
    while (i > 0 && v < pow10[i])
        i--;
    for (; i >= 0; i--) {
        char d = '0';
        while (v >= pow10[i]) {
            v -= pow10[i];
            d++;
        }
        out[n++] = d;
    }
    return n;
}

/*
 * Queues the operation: ack id, frame into `frames`, an op entry.  For an
 * invocation, up's invocation id is written here.  Nothing changes unless
 * PBW_OK is returned.
 */
static pbw_status queue_op(wps_client *c, wps_upstream *up, wps_client_op_kind kind,
                           uint64_t *ack_id)
{
    uint64_t id = 0;
    char dec[21];
    size_t size, written;
    wps_client_op *o;
    pbw_status st;
    int invoke = kind == WPS_CLIENT_OP_INVOKE;
    if (ack_id != NULL) {
        if (*ack_id != 0 && op_pending_id(c, *ack_id, invoke))
            return PBW_E_ARG;
    }
    if (c->ops_n >= c->m.ops_max)
        return PBW_E_NOSPACE;
    if (ack_id != NULL)
        id = *ack_id != 0 ? *ack_id : alloc_id(c, invoke);
    if (invoke) {
        if (ack_id == NULL)
            return PBW_E_ARG;
        up->u.invoke_event.invocation_id = view(dec, u64_dec(id, dec));
    } else if (ack_id != NULL) {
        wps_up_set_ack_id(up, id); /* up comes zeroed: no ack id otherwise */
    }
    size = wps_upstream_size(up);
    if (size > 0xFFFFFFFFu || !frames_room(c, size))
        return PBW_E_NOSPACE;
    o = &c->m.ops[c->ops_n];
    o->off = (uint32_t)ops_end(c);
    st = wps_upstream_encode(up, c->m.frames + o->off, c->m.frames_cap - o->off, &written);
    if (st != PBW_OK)
        return st; /* PBW_E_TOO_BIG, or PBW_E_ARG for a bad view */
    o->len = (uint32_t)written;
    o->id = id;
    o->deadline = c->now + c->cfg.ack_timeout_ms;
    o->kind = (uint8_t)kind;
    o->state = (uint8_t)(OP_UNSENT | (ack_id == NULL ? OP_NOACK : 0));
    o->result = 0;
    c->ops_n++;
    if (ack_id != NULL)
        *ack_id = id;
    return PBW_OK;
}

static int utf8_ok(pbw_bytes s)
{
    return s.len == 0 || pbw_utf8_valid(s.ptr, s.len, NULL);
}

static int name_ok(pbw_bytes s)
{
    return s.ptr != NULL && s.len > 0 && s.len <= 0xFFFFu;
}

static int data_ok(const wps_data *d)
{
    if (d == NULL)
        return 0;
    if ((d->bytes.ptr == NULL && d->bytes.len) || (d->type_url.ptr == NULL && d->type_url.len))
        return 0;
    return (unsigned)d->kind <= (unsigned)WPS_DATA_JSON;
}

/* Strings go on the wire as proto3 strings: the service (and our own
 * decoder) rejects a frame whose strings are not UTF-8, so refuse them here
 * with a clear status instead of sending a frame that cannot be read. */
static int data_utf8_ok(const wps_data *d)
{
    return utf8_ok(d->type_url) &&
           ((d->kind != WPS_DATA_TEXT && d->kind != WPS_DATA_JSON) || utf8_ok(d->bytes));
}

static pbw_status group_op(wps_client *c, wps_up_kind k, wps_client_op_kind kind,
                           pbw_bytes group, uint64_t *ack_id)
{
    wps_upstream up;
    if (c == NULL || !name_ok(group))
        return PBW_E_ARG;
    if (!utf8_ok(group))
        return PBW_E_UTF8;
    memset(&up, 0, sizeof up);
    up.kind = k;
    up.u.join_group.group = group; /* the four group requests share one shape */
    return queue_op(c, &up, kind, ack_id);
}

pbw_status wps_client_join_group(wps_client *c, pbw_bytes group, uint64_t *ack_id)
{
    size_t g;
    pbw_status st;
    int added;
    if (c == NULL || !name_ok(group))
        return PBW_E_ARG;
    if (!utf8_ok(group))
        return PBW_E_UTF8;
    added = group_find(c, group) == (size_t)-1;
    g = group_add(c, group);
    if (g == (size_t)-1)
        return PBW_E_NOSPACE;
    st = group_op(c, WPS_UP_JOIN_GROUP, WPS_CLIENT_OP_JOIN, group, ack_id);
    if (st != PBW_OK && added)
        group_remove(c, g);
    else if (st == PBW_OK && ack_id == NULL)
        c->m.groups[g].joined = 1; /* no ack to wait for */
    return st;
}

pbw_status wps_client_leave_group(wps_client *c, pbw_bytes group, uint64_t *ack_id)
{
    pbw_status st = group_op(c, WPS_UP_LEAVE_GROUP, WPS_CLIENT_OP_LEAVE, group, ack_id);
    size_t g;
    if (st == PBW_OK && ack_id == NULL && (g = group_find(c, group)) != (size_t)-1)
        group_remove(c, g);
    return st;
}

pbw_status wps_client_subscribe_group_state(wps_client *c, pbw_bytes group, uint64_t *ack_id)
{
    return group_op(c, WPS_UP_SUBSCRIBE_GROUP_STATE, WPS_CLIENT_OP_SUBSCRIBE_GROUP_STATE, group,
                    ack_id);
}

pbw_status wps_client_unsubscribe_group_state(wps_client *c, pbw_bytes group, uint64_t *ack_id)
{
    return group_op(c, WPS_UP_UNSUBSCRIBE_GROUP_STATE, WPS_CLIENT_OP_UNSUBSCRIBE_GROUP_STATE,
                    group, ack_id);
}

pbw_status wps_client_send_to_group(wps_client *c, pbw_bytes group, const wps_data *data,
                                    int no_echo, uint64_t *ack_id)
{
    wps_upstream up;
    if (c == NULL || !name_ok(group) || !data_ok(data))
        return PBW_E_ARG;
    if (!utf8_ok(group) || !data_utf8_ok(data))
        return PBW_E_UTF8;
    wps_up_send_to_group(&up, group, *data);
    if (no_echo) {
        up.u.send_to_group.no_echo = 1;
        up.u.send_to_group.has_no_echo = 1;
    }
    return queue_op(c, &up, WPS_CLIENT_OP_SEND_TO_GROUP, ack_id);
}

pbw_status wps_client_send_event(wps_client *c, pbw_bytes event, const wps_data *data,
                                 uint64_t *ack_id)
{
    wps_upstream up;
    if (c == NULL || !name_ok(event) || !data_ok(data))
        return PBW_E_ARG;
    if (!utf8_ok(event) || !data_utf8_ok(data))
        return PBW_E_UTF8;
    wps_up_event(&up, event, *data);
    return queue_op(c, &up, WPS_CLIENT_OP_EVENT, ack_id);
}

pbw_status wps_client_set_group_state(wps_client *c, pbw_bytes group,
                                      const wps_group_state *state, uint64_t *ack_id)
{
    wps_upstream up;
    if (c == NULL || !name_ok(group))
        return PBW_E_ARG;
    if (!utf8_ok(group))
        return PBW_E_UTF8;
    memset(&up, 0, sizeof up);
    up.kind = WPS_UP_SET_GROUP_STATE;
    up.u.set_group_state.group = group;
    if (state != NULL) {
        size_t i;
        /* caller-built entries only (a decoded map's bytes were checked) */
        if (state->entries.count && state->entries.entries == NULL &&
            state->entries.wire.depth == 0)
            return PBW_E_ARG;
        for (i = 0; state->entries.entries != NULL && i < state->entries.count; i++) {
            const wps_kv *kv = &state->entries.entries[i];
            if ((kv->key.ptr == NULL && kv->key.len) || (kv->value.ptr == NULL && kv->value.len))
                return PBW_E_ARG;
            if (!utf8_ok(kv->key) || !utf8_ok(kv->value))
                return PBW_E_UTF8;
        }
        up.u.set_group_state.state = *state;
        up.u.set_group_state.has_state = 1;
    }
    return queue_op(c, &up, WPS_CLIENT_OP_SET_GROUP_STATE, ack_id);
}

pbw_status wps_client_invoke(wps_client *c, pbw_bytes event, const wps_data *data,
                             uint64_t *invocation_id)
{
    wps_upstream up;
    if (c == NULL || !name_ok(event) || !data_ok(data) || invocation_id == NULL)
        return PBW_E_ARG;
    if (!utf8_ok(event) || !data_utf8_ok(data))
        return PBW_E_UTF8;
    memset(&up, 0, sizeof up);
    up.kind = WPS_UP_INVOKE_EVENT;
    up.u.invoke_event.event = event;
    up.u.invoke_event.data = *data;
    up.u.invoke_event.has_data = 1;
    return queue_op(c, &up, WPS_CLIENT_OP_INVOKE, invocation_id);
}

static size_t op_find(const wps_client *c, uint64_t id, int invoke)
{
    size_t i;
    for (i = 0; i < c->ops_n; i++) {
        const wps_client_op *o = &c->m.ops[i];
        if (o->id == id && (o->state & (OP_SENT | OP_UNSENT)) && !(o->state & OP_NOACK) &&
            (o->kind == WPS_CLIENT_OP_INVOKE) == (invoke != 0))
            return i;
    }
    return (size_t)-1;
}

pbw_status wps_client_cancel_invocation(wps_client *c, uint64_t invocation_id)
{
    size_t i;
    wps_client_op *o;
    if (c == NULL || (i = op_find(c, invocation_id, 1)) == (size_t)-1)
        return PBW_E_ARG;
    o = &c->m.ops[i];
    /* a cancel only matters to a service that received the invocation */
    o->state = (uint8_t)((o->state & (OP_SENT | OP_WAS_SENT) ? OP_CANCEL : 0) | OP_REPORT);
    o->result = WPS_CLIENT_CANCELLED;
    return PBW_OK;
}

/* ---- publisher streams ------------------------------------------------ */

static size_t stream_find(const wps_client *c, pbw_bytes id)
{
    size_t i;
    for (i = 0; i < c->m.streams_max; i++) {
        const wps_client_stream_out *s = &c->m.streams[i];
        if ((s->state == SO_ACTIVE || s->state == SO_ENDING) && s->id_len == id.len &&
            memcmp(s->id, id.ptr, id.len) == 0)
            return i;
    }
    return (size_t)-1;
}

/* The frame's head and tail must fit tx. */
static int fits_tx(const wps_client *c, const wps_upstream *up)
{
    uint8_t none[1];
    size_t head, tail, size;
    const wps_data *d = wps_upstream_data(up);
    if (d != NULL && d->kind != WPS_DATA_NONE) {
        if (wps_upstream_encode_split(up, none, 0, &head, &tail) != PBW_E_NOSPACE)
            return 0;
        return head + tail <= c->m.tx_cap;
    }
    size = wps_upstream_size(up);
    return size <= c->m.tx_cap;
}

static void stream_start_msg(const wps_client_stream_out *s, wps_upstream *up)
{
    memset(up, 0, sizeof *up);
    if (s->is_event) {
        up->kind = WPS_UP_EVENT;
        up->u.event.event = s->target;
        up->u.event.has_stream = 1;
        up->u.event.stream.stream_id = view(s->id, s->id_len);
        up->u.event.stream.idle_timeout_ms = s->idle_timeout_ms;
        up->u.event.stream.has_idle_timeout_ms = s->idle_timeout_ms != 0;
    } else {
        up->kind = WPS_UP_SEND_TO_GROUP;
        up->u.send_to_group.group = s->target;
        up->u.send_to_group.has_stream = 1;
        up->u.send_to_group.stream.stream_id = view(s->id, s->id_len);
        up->u.send_to_group.stream.idle_timeout_ms = s->idle_timeout_ms;
        up->u.send_to_group.stream.has_idle_timeout_ms = s->idle_timeout_ms != 0;
    }
}

static void stream_data_msg(const wps_client_stream_out *s, wps_upstream *up)
{
    memset(up, 0, sizeof *up);
    up->kind = WPS_UP_STREAM_DATA;
    up->u.stream_data.stream_id = view(s->id, s->id_len);
    up->u.stream_data.stream_sequence_id = s->fragment_seq;
    up->u.stream_data.has_stream_sequence_id = 1;
    up->u.stream_data.data = s->fragment;
    up->u.stream_data.has_data = 1;
}

static void stream_end_msg(const wps_client_stream_out *s, wps_upstream *up)
{
    memset(up, 0, sizeof *up);
    up->kind = WPS_UP_STREAM_END;
    up->u.stream_end.stream_id = view(s->id, s->id_len);
    if (s->end_message.len || s->end_code.len) {
        up->u.stream_end.has_error = 1;
        up->u.stream_end.error.message = s->end_message;
        up->u.stream_end.error.has_message = s->end_message.len != 0;
        up->u.stream_end.error.user_error_code = s->end_code;
        up->u.stream_end.error.has_user_error_code = s->end_code.len != 0;
    }
}

pbw_status wps_client_stream_start(wps_client *c, int is_event, pbw_bytes target,
                                   pbw_bytes stream_id, uint32_t idle_timeout_ms, size_t *slot)
{
    size_t i;
    wps_client_stream_out *s;
    wps_upstream up;
    if (c == NULL || slot == NULL || !name_ok(target) || stream_id.ptr == NULL ||
        stream_id.len == 0 || stream_id.len > WPS_CLIENT_STREAM_ID_MAX)
        return PBW_E_ARG;
    if (!utf8_ok(target) || !utf8_ok(stream_id))
        return PBW_E_UTF8;
    if (stream_find(c, stream_id) != (size_t)-1)
        return PBW_E_ARG;
    for (i = 0; i < c->m.streams_max && c->m.streams[i].state != SO_FREE; i++)
        ;
    if (i == c->m.streams_max)
        return PBW_E_NOSPACE;
    s = &c->m.streams[i];
    memset(s, 0, sizeof *s);
    memcpy(s->id, stream_id.ptr, stream_id.len);
    s->id_len = (uint8_t)stream_id.len;
    s->target = target;
    s->is_event = (uint8_t)(is_event != 0);
    s->idle_timeout_ms = idle_timeout_ms;
    stream_start_msg(s, &up);
    if (!fits_tx(c, &up))
        return PBW_E_NOSPACE;
    s->next_seq = s->acked = 1;
    s->state = SO_ACTIVE;
    s->flags = SF_START;
    *slot = i;
    return PBW_OK;
}

/* A stream that takes fragments: active, or ending while fragments it had
 * already sent before the end are asked for again. */
static wps_client_stream_out *stream_at(wps_client *c, size_t slot, int data)
{
    wps_client_stream_out *s;
    if (c == NULL || slot >= c->m.streams_max)
        return NULL;
    s = &c->m.streams[slot];
    if (s->state == SO_ACTIVE || (data && s->state == SO_ENDING && s->next_seq < s->end_seq))
        return s;
    return NULL;
}

pbw_status wps_client_stream_data(wps_client *c, size_t slot, const wps_data *data,
                                  uint64_t *seq)
{
    wps_client_stream_out *s = stream_at(c, slot, 1);
    wps_upstream up;
    if (s == NULL || !data_ok(data) || seq == NULL)
        return PBW_E_ARG;
    if (!data_utf8_ok(data))
        return PBW_E_UTF8;
    if (s->flags & SF_FRAGMENT)
        return PBW_E_NOSPACE;
    s->fragment = *data;
    s->fragment.raw = view(NULL, 0);
    s->fragment_seq = s->next_seq;
    stream_data_msg(s, &up);
    if (!fits_tx(c, &up))
        return PBW_E_NOSPACE;
    s->flags = (uint8_t)(s->flags | SF_FRAGMENT);
    *seq = s->next_seq++;
    return PBW_OK;
}

pbw_status wps_client_stream_end(wps_client *c, size_t slot, pbw_bytes error_message,
                                 pbw_bytes error_code)
{
    wps_client_stream_out *s = stream_at(c, slot, 0);
    wps_upstream up;
    if (s == NULL || (error_message.ptr == NULL && error_message.len) ||
        (error_code.ptr == NULL && error_code.len))
        return PBW_E_ARG;
    if (!utf8_ok(error_message) || !utf8_ok(error_code))
        return PBW_E_UTF8;
    s->end_message = error_message;
    s->end_code = error_code;
    stream_end_msg(s, &up);
    if (!fits_tx(c, &up))
        return PBW_E_NOSPACE;
    s->state = SO_ENDING;
    s->end_seq = s->next_seq;
    s->flags = (uint8_t)(s->flags | SF_END);
    return PBW_OK;
}

/* ------------------------------------------------------------------------
 * Received frames
 * ------------------------------------------------------------------------ */

static void frame_event(wps_client *c, wps_client_event_type t)
{
    c->ev.type = t;
    c->ev.down = &c->down;
    c->frame_event_pending = 1;
}

/* Copies the session (connection id, user id, token) into `session`. */
static pbw_status store_session(wps_client *c, const wps_connected *m)
{
    size_t tok = c->cfg.reliable && m->has_reconnection_token ? m->reconnection_token.len : 0;
    size_t need = m->connection_id.len;
    if (c->m.session_cap < need || c->m.session_cap - need < m->user_id.len ||
        c->m.session_cap - need - m->user_id.len < tok) {
        c->has_session = 0;
        return PBW_E_NOSPACE;
    }
    if (m->connection_id.len)
        memcpy(c->m.session, m->connection_id.ptr, m->connection_id.len);
    if (m->user_id.len)
        memcpy(c->m.session + need, m->user_id.ptr, m->user_id.len);
    if (tok)
        memcpy(c->m.session + need + m->user_id.len, m->reconnection_token.ptr, tok);
    c->session_conn_len = need;
    c->session_user_len = m->user_id.len;
    c->session_token_len = tok;
    /* Recovery needs both the id and the token. */
    c->has_session = need > 0 && tok > 0;
    return PBW_OK;
}

static void rejoin_groups(wps_client *c)
{
    size_t i;
    for (i = 0; i < c->groups_n; i++) {
        wps_client_group *g = &c->m.groups[i];
        wps_upstream up;
        uint64_t id = 0;
        if (!g->joined)
            continue;
        memset(&up, 0, sizeof up);
        up.kind = WPS_UP_JOIN_GROUP;
        up.u.join_group.group = group_name(c, i);
        if (queue_op(c, &up, WPS_CLIENT_OP_REJOIN, &id) != PBW_OK)
            g->report = 1;
    }
}

static void on_connected(wps_client *c, const wps_connected *m)
{
    pbw_status st = store_session(c, m);
    if (c->state == ST_WAIT_CONNECTED) {
        c->state = ST_CONNECTED;
        c->was_connected = 1;
        memset(&c->ev, 0, sizeof c->ev);
        c->ev.text = m->connection_id;
        c->ev.user_id = m->user_id;
        c->ev.status = st;
        frame_event(c, WPS_CLIENT_EV_CONNECTED);
        if (!c->cfg.no_auto_rejoin)
            rejoin_groups(c);
    }
    /* On a recovered connection the message only refreshes the token. */
}

/* The group named by an op's frame (its ack id's JoinGroup etc.). */
static pbw_bytes op_group(const wps_client *c, const wps_client_op *o)
{
    wps_upstream up;
    if (wps_upstream_decode(c->m.frames + o->off, o->len, &up, WPS_DECODE_NO_UTF8, NULL) != PBW_OK)
        return view(NULL, 0);
    switch (up.kind) {
    case WPS_UP_JOIN_GROUP:
    case WPS_UP_LEAVE_GROUP:
    case WPS_UP_SUBSCRIBE_GROUP_STATE:
    case WPS_UP_UNSUBSCRIBE_GROUP_STATE:
        return up.u.join_group.group;
    case WPS_UP_SEND_TO_GROUP:
        return up.u.send_to_group.group;
    case WPS_UP_SET_GROUP_STATE:
        return up.u.set_group_state.group;
    default:
        return view(NULL, 0);
    }
}

/* Group bookkeeping once a join or leave has its result. */
static void group_result(wps_client *c, const wps_client_op *o, int ok)
{
    size_t g = group_find(c, op_group(c, o));
    if (g == (size_t)-1)
        return;
    if (o->kind == WPS_CLIENT_OP_JOIN || o->kind == WPS_CLIENT_OP_REJOIN) {
        if (ok)
            c->m.groups[g].joined = 1;
        else if (!c->m.groups[g].joined)
            group_remove(c, g);
    } else if (o->kind == WPS_CLIENT_OP_LEAVE && ok) {
        group_remove(c, g);
    }
}

static void on_ack(wps_client *c, const wps_ack *a)
{
    size_t i = op_find(c, a->ack_id, 0);
    wps_client_op *o;
    wps_client_result r;
    if (i == (size_t)-1 || !(c->m.ops[i].state & (OP_SENT | OP_WAS_SENT))) {
        c->stats.unknown_acks++; /* includes an ack for an id never sent */
        return;
    }
    o = &c->m.ops[i];
    if (a->success)
        r = WPS_CLIENT_OK;
    else if (a->has_error && view_eq(a->error.name, "Duplicate"))
        r = WPS_CLIENT_DUPLICATE;
    else
        r = WPS_CLIENT_FAILED;
    group_result(c, o, r != WPS_CLIENT_FAILED);
    memset(&c->ev, 0, sizeof c->ev);
    c->ev.id = o->id;
    c->ev.op = (wps_client_op_kind)o->kind;
    c->ev.result = r;
    if (r == WPS_CLIENT_FAILED) {
        c->ev.name = a->error.name;
        c->ev.message = a->error.message;
    }
    if (o->kind == WPS_CLIENT_OP_REJOIN) {
        if (r == WPS_CLIENT_FAILED) {
            /* the group name: the op's frame stays until the next operation */
            c->ev.group = op_group(c, o);
            frame_event(c, WPS_CLIENT_EV_REJOIN_FAILED);
        }
    } else {
        frame_event(c, WPS_CLIENT_EV_ACK);
    }
    op_remove(c, i);
}

static int parse_dec(pbw_bytes s, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;
    if (s.len == 0 || s.len > 20)
        return 0;
    for (i = 0; i < s.len; i++) {
        unsigned d = (unsigned)s.ptr[i] - '0';
        /* overflow past UINT64_MAX = 1844674407370955161 * 10 + 5, checked
         * without a 64-bit division */
        if (d > 9 || v > 1844674407370955161u || (v == 1844674407370955161u && d > 5))
            return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

static void on_invoke_response(wps_client *c, const wps_invoke_response *r)
{
    uint64_t id;
    size_t i;
    if (!parse_dec(r->invocation_id, &id) || (i = op_find(c, id, 1)) == (size_t)-1 ||
        !(c->m.ops[i].state & (OP_SENT | OP_WAS_SENT))) {
        c->stats.unknown_acks++;
        return;
    }
    memset(&c->ev, 0, sizeof c->ev);
    c->ev.id = id;
    c->ev.op = WPS_CLIENT_OP_INVOKE;
    c->ev.result = r->success ? WPS_CLIENT_OK : WPS_CLIENT_FAILED;
    if (!r->success) {
        c->ev.name = r->error.name;
        c->ev.message = r->error.message;
    }
    frame_event(c, WPS_CLIENT_EV_INVOKE_RESPONSE);
    op_remove(c, i);
}

static wps_client_stream_check check_in_stream(wps_client *c, const wps_stream_info *si,
                                               uint64_t *expected)
{
    size_t i, free_slot = (size_t)-1;
    wps_client_stream_in *s = NULL;
    wps_client_stream_check r;
    uint64_t seq = si->stream_sequence_id;
    for (i = 0; i < c->m.in_streams_max; i++) {
        wps_client_stream_in *t = &c->m.in_streams[i];
        if (!t->used) {
            if (free_slot == (size_t)-1)
                free_slot = i;
        } else if (t->id_len == si->stream_id.len &&
                   memcmp(t->id, si->stream_id.ptr, si->stream_id.len) == 0) {
            s = t;
            break;
        }
    }
    if (s == NULL) {
        if (free_slot == (size_t)-1 || si->stream_id.len == 0 ||
            si->stream_id.len > WPS_CLIENT_STREAM_ID_MAX) {
            c->stats.untracked_streams++;
            return WPS_CLIENT_STREAM_UNTRACKED;
        }
        s = &c->m.in_streams[free_slot];
        s->used = 1;
        s->id_len = (uint8_t)si->stream_id.len;
        memcpy(s->id, si->stream_id.ptr, si->stream_id.len);
        s->expected = 1;
    }
    *expected = s->expected;
    /* The end message carries the next expected id (and may carry data). */
    if (si->has_end_of_stream && si->end_of_stream) {
        r = seq == s->expected ? WPS_CLIENT_STREAM_IN_ORDER
            : seq > s->expected ? WPS_CLIENT_STREAM_GAP : WPS_CLIENT_STREAM_DUPLICATE;
        s->used = 0;
        return r;
    }
    if (si->has_error) {
        s->used = 0;
        return WPS_CLIENT_STREAM_IN_ORDER;
    }
    if (seq == s->expected) {
        s->expected++;
        return WPS_CLIENT_STREAM_IN_ORDER;
    }
    if (seq > s->expected) {
        s->expected = seq == UINT64_MAX ? seq : seq + 1;
        return WPS_CLIENT_STREAM_GAP;
    }
    return WPS_CLIENT_STREAM_DUPLICATE;
}

static void on_data(wps_client *c, const wps_data_message *d)
{
    wps_client_event_type t;
    uint64_t expected = 0;
    wps_client_stream_check chk = WPS_CLIENT_STREAM_NONE;
    if (c->cfg.reliable && d->has_sequence_id) {
        if (d->sequence_id <= c->largest_seq) {
            c->stats.replays_dropped++;
            return;
        }
        c->largest_seq = d->sequence_id;
        if (c->largest_seq - c->acked_seq > WPS_CLIENT_SEQ_ACK_BURST)
            c->want_seq_ack = 1;
    }
    if (view_eq(d->from, "server"))
        t = WPS_CLIENT_EV_SERVER_MESSAGE;
    else if (view_eq(d->from, "group"))
        t = WPS_CLIENT_EV_GROUP_MESSAGE;
    else {
        c->stats.ignored++;
        return;
    }
    if (d->has_stream)
        chk = check_in_stream(c, &d->stream, &expected);
    memset(&c->ev, 0, sizeof c->ev);
    c->ev.data_message = d;
    c->ev.group = d->group;
    c->ev.stream_check = chk;
    c->ev.seq = expected;
    frame_event(c, t);
}

static void on_stream_ack(wps_client *c, pbw_bytes id, uint64_t expected, int nack,
                          const wps_stream_nack *n)
{
    size_t i = stream_find(c, id);
    wps_client_stream_out *s;
    if (i == (size_t)-1) {
        c->stats.unknown_streams++;
        return;
    }
    s = &c->m.streams[i];
    /* Only ids the service can know: between what it acked and what was sent. */
    if (expected < s->acked || expected > s->next_seq || (!nack && expected == s->acked)) {
        c->stats.ignored++;
        return;
    }
    s->acked = expected;
    memset(&c->ev, 0, sizeof c->ev);
    c->ev.slot = i;
    c->ev.seq = expected;
    if (nack) {
        s->next_seq = expected;
        s->flags = (uint8_t)(s->flags & ~SF_FRAGMENT);
        if (s->state == SO_ENDING)
            s->flags = (uint8_t)(s->flags | SF_END);
        c->ev.name = n->name;
        c->ev.message = n->message;
        frame_event(c, WPS_CLIENT_EV_STREAM_RESEND);
    } else {
        frame_event(c, WPS_CLIENT_EV_STREAM_ACK);
    }
}

static void on_stream_closed(wps_client *c, const wps_stream_closed *m)
{
    size_t i = stream_find(c, m->stream_id);
    if (i == (size_t)-1) {
        c->stats.unknown_streams++;
        return;
    }
    c->m.streams[i].state = SO_FREE;
    memset(&c->ev, 0, sizeof c->ev);
    c->ev.slot = i;
    c->ev.result = m->has_error ? WPS_CLIENT_FAILED : WPS_CLIENT_OK;
    if (m->has_error) {
        c->ev.name = m->error.name;
        c->ev.message = m->error.message;
    }
    frame_event(c, WPS_CLIENT_EV_STREAM_CLOSED);
}

static void handle_frame(wps_client *c, const uint8_t *buf, size_t len)
{
    size_t off = 0;
    pbw_status st = wps_downstream_decode(buf, len, &c->down, 0, &off);
    c->stats.frames_in++;
    c->last_rx = c->now;
    if (st != PBW_OK) {
        c->stats.bad_frames++;
        memset(&c->ev, 0, sizeof c->ev);
        c->ev.status = st;
        c->ev.offset = off;
        frame_event(c, WPS_CLIENT_EV_ERROR);
        return;
    }
    if (c->state != ST_WAIT_CONNECTED && c->state != ST_CONNECTED) {
        c->stats.ignored++; /* closing: nothing more counts */
        return;
    }
    switch (c->down.kind) {
    case WPS_DOWN_SYSTEM:
        if (c->down.u.system.kind == WPS_SYSTEM_CONNECTED)
            on_connected(c, &c->down.u.system.u.connected);
        else
            c->stats.ignored++;
        break;
    case WPS_DOWN_ACK:
        on_ack(c, &c->down.u.ack);
        break;
    case WPS_DOWN_DATA:
        on_data(c, &c->down.u.data);
        break;
    case WPS_DOWN_INVOKE_RESPONSE:
        on_invoke_response(c, &c->down.u.invoke_response);
        break;
    case WPS_DOWN_STREAM_ACK:
        on_stream_ack(c, c->down.u.stream_ack.stream_id,
                      c->down.u.stream_ack.expected_sequence_id, 0, NULL);
        break;
    case WPS_DOWN_STREAM_NACK:
        on_stream_ack(c, c->down.u.stream_nack.stream_id,
                      c->down.u.stream_nack.expected_sequence_id, 1, &c->down.u.stream_nack);
        break;
    case WPS_DOWN_STREAM_CLOSED:
        on_stream_closed(c, &c->down.u.stream_closed);
        break;
    case WPS_DOWN_GROUP_STATE_UPDATE:
    case WPS_DOWN_GROUP_STATE_SNAPSHOT:
        memset(&c->ev, 0, sizeof c->ev);
        c->ev.group = c->down.kind == WPS_DOWN_GROUP_STATE_UPDATE
                          ? c->down.u.group_state_update.group
                          : c->down.u.group_state_snapshot.group;
        frame_event(c, WPS_CLIENT_EV_GROUP_STATE);
        break;
    default: /* pong, an empty message */
        c->stats.ignored++;
        break;
    }
}

pbw_status wps_client_push_frame(wps_client *c, const uint8_t *buf, size_t len, uint32_t now)
{
    if (c == NULL || (buf == NULL && len))
        return PBW_E_ARG;
    if (!socket_open(c) || c->rx_len || c->rx_over)
        return PBW_E_ARG;
    if (c->frame_event_pending)
        return PBW_E_NOSPACE;
    c->now = now;
    handle_frame(c, buf, len);
    run_timers(c);
    return PBW_OK;
}

pbw_status wps_client_push_chunk(wps_client *c, const uint8_t *buf, size_t len, int last,
                            uint32_t now)
{
    if (c == NULL || (buf == NULL && len) || !socket_open(c))
        return PBW_E_ARG;
    if (c->frame_event_pending)
        return PBW_E_NOSPACE;
    c->now = now;
    if (!c->rx_over) {
        if (c->m.rx_cap - c->rx_len < len) {
            c->rx_over = 1;
        } else {
            if (len)
                memcpy(c->m.rx + c->rx_len, buf, len);
            c->rx_len += len;
        }
    }
    if (last) {
        if (c->rx_over) {
            c->stats.frames_in++;
            c->stats.bad_frames++;
            c->last_rx = now;
            memset(&c->ev, 0, sizeof c->ev);
            c->ev.status = PBW_E_NOSPACE;
            c->ev.offset = c->m.rx_cap;
            frame_event(c, WPS_CLIENT_EV_ERROR);
        } else {
            handle_frame(c, c->m.rx, c->rx_len);
        }
        c->rx_len = 0;
        c->rx_over = 0;
    }
    run_timers(c);
    return PBW_OK;
}

/* ------------------------------------------------------------------------
 * Outgoing frames
 * ------------------------------------------------------------------------ */

enum { PICK_NONE = 0, PICK_SEQ_ACK, PICK_PING, PICK_CANCEL, PICK_OP, PICK_START, PICK_DATA,
       PICK_END };

/* Chooses the next frame and encodes it; *pick and *index say what to
 * commit.  Writes only tx. */
static pbw_status pick_frame(wps_client *c, wps_client_frame *f, int *pick, size_t *index)
{
    wps_upstream up;
    size_t i, n;
    memset(f, 0, sizeof *f);
    *pick = PICK_NONE;
    if (c->state != ST_CONNECTED)
        return PBW_NEED_MORE;
    memset(&up, 0, sizeof up);
    if (c->want_seq_ack) {
        up.kind = WPS_UP_SEQUENCE_ACK;
        up.u.sequence_ack.sequence_id = c->largest_seq;
        *pick = PICK_SEQ_ACK;
    } else if (c->want_ping) {
        up.kind = WPS_UP_PING;
        *pick = PICK_PING;
    } else {
        /* Rejoins go first: a request queued while the connection was down
         * must not reach a group before this new connection is back in it
         * (it would be acked, yet never echoed to us). */
        for (i = 0; i < c->ops_n; i++) {
            wps_client_op *o = &c->m.ops[i];
            if (o->kind == WPS_CLIENT_OP_REJOIN && (o->state & OP_UNSENT)) {
                *pick = PICK_OP;
                *index = i;
                f->head = view(c->m.frames + o->off, o->len);
                f->len = o->len;
                return PBW_OK;
            }
        }
        for (i = 0; i < c->ops_n && *pick == PICK_NONE; i++) {
            wps_client_op *o = &c->m.ops[i];
            if (o->state & OP_CANCEL) {
                char dec[21];
                up.kind = WPS_UP_CANCEL_INVOCATION;
                up.u.cancel_invocation.invocation_id = view(dec, u64_dec(o->id, dec));
                *pick = PICK_CANCEL;
                *index = i;
                if (wps_upstream_encode(&up, c->m.tx, c->m.tx_cap, &n) != PBW_OK)
                    return PBW_E_NOSPACE;
                f->head = view(c->m.tx, n);
                f->len = n;
                return PBW_OK;
            }
            if (o->state & OP_UNSENT) {
                *pick = PICK_OP;
                *index = i;
                f->head = view(c->m.frames + o->off, o->len);
                f->len = o->len;
                return PBW_OK;
            }
        }
        for (i = 0; i < c->m.streams_max && *pick == PICK_NONE; i++) {
            wps_client_stream_out *s = &c->m.streams[i];
            if (s->state != SO_ACTIVE && s->state != SO_ENDING)
                continue;
            *index = i;
            if (s->flags & SF_START) {
                stream_start_msg(s, &up);
                *pick = PICK_START;
            } else if (s->flags & SF_FRAGMENT) {
                size_t head, tail;
                stream_data_msg(s, &up);
                *pick = PICK_DATA;
                if (s->fragment.kind != WPS_DATA_NONE) {
                    if (wps_upstream_encode_split(&up, c->m.tx, c->m.tx_cap, &head, &tail) !=
                        PBW_OK)
                        return PBW_E_NOSPACE;
                    f->head = view(c->m.tx, head);
                    f->payload = s->fragment.bytes;
                    f->tail = view(c->m.tx + head, tail);
                    f->len = head + s->fragment.bytes.len + tail;
                    return PBW_OK;
                }
            } else if ((s->flags & SF_END) && !(s->flags & SF_RESEND) &&
                       s->next_seq >= s->end_seq) {
                /* the end waits until the fragments asked for again are sent */
                stream_end_msg(s, &up);
                *pick = PICK_END;
            }
        }
        if (*pick == PICK_NONE)
            return PBW_NEED_MORE;
    }
    if (wps_upstream_encode(&up, c->m.tx, c->m.tx_cap, &n) != PBW_OK)
        return PBW_E_NOSPACE;
    f->head = view(c->m.tx, n);
    f->len = n;
    return PBW_OK;
}

static void commit_frame(wps_client *c, int pick, size_t i)
{
    c->stats.frames_out++;
    c->last_tx = c->now;
    c->want_ping = 0; /* any frame keeps the connection alive */
    switch (pick) {
    case PICK_SEQ_ACK:
        c->want_seq_ack = 0;
        c->acked_seq = c->largest_seq;
        c->seq_ack_sent_at = c->now;
        break;
    case PICK_CANCEL:
        c->m.ops[i].state = (uint8_t)(c->m.ops[i].state & ~OP_CANCEL);
        if (!c->m.ops[i].state)
            op_remove(c, i);
        break;
    case PICK_OP:
        if (c->m.ops[i].state & OP_NOACK)
            op_remove(c, i);
        else
            c->m.ops[i].state =
                (uint8_t)((c->m.ops[i].state & ~OP_UNSENT) | OP_SENT | OP_WAS_SENT);
        break;
    case PICK_START:
        c->m.streams[i].flags = (uint8_t)(c->m.streams[i].flags & ~SF_START);
        c->m.streams[i].target = view(NULL, 0);
        break;
    case PICK_DATA:
        c->m.streams[i].flags = (uint8_t)(c->m.streams[i].flags & ~SF_FRAGMENT);
        break;
    case PICK_END:
        c->m.streams[i].flags = (uint8_t)(c->m.streams[i].flags & ~SF_END);
        c->m.streams[i].end_deadline = c->now + c->cfg.ack_timeout_ms;
        break;
    default:
        break;
    }
}

pbw_status wps_client_next_frame(wps_client *c, wps_client_frame *f)
{
    int pick;
    size_t i = 0;
    pbw_status st;
    if (c == NULL || f == NULL)
        return PBW_E_ARG;
    st = pick_frame(c, f, &pick, &i);
    if (st == PBW_OK)
        commit_frame(c, pick, i);
    return st;
}

pbw_status wps_client_next_frame_copy(wps_client *c, uint8_t *dst, size_t cap, size_t *len)
{
    wps_client_frame f;
    int pick;
    size_t i = 0;
    pbw_status st;
    if (c == NULL || len == NULL || (dst == NULL && cap))
        return PBW_E_ARG;
    st = pick_frame(c, &f, &pick, &i);
    if (st != PBW_OK)
        return st;
    *len = f.len;
    if (f.len > cap)
        return PBW_E_NOSPACE;
    /* head may be in tx or frames; dst is the caller's: memmove is safe */
    if (f.head.len)
        memmove(dst, f.head.ptr, f.head.len);
    if (f.payload.len)
        memmove(dst + f.head.len, f.payload.ptr, f.payload.len);
    if (f.tail.len)
        memmove(dst + f.head.len + f.payload.len, f.tail.ptr, f.tail.len);
    commit_frame(c, pick, i);
    return PBW_OK;
}

/* ------------------------------------------------------------------------
 * Events
 * ------------------------------------------------------------------------ */

void wps_client_next_event(wps_client *c, wps_client_event *ev)
{
    size_t i;
    if (ev == NULL)
        return;
    memset(ev, 0, sizeof *ev);
    if (c == NULL)
        return;
    if (c->want_close) {
        c->want_close = 0;
        ev->type = WPS_CLIENT_EV_CLOSE;
        return;
    }
    if (c->want_open) {
        c->want_open = 0;
        ev->type = WPS_CLIENT_EV_OPEN;
        ev->recovery = c->open_recovery;
        ev->name = c->cfg.reliable ? view(SUB_RELIABLE, sizeof SUB_RELIABLE - 1)
                                   : view(SUB_PLAIN, sizeof SUB_PLAIN - 1);
        if (c->open_recovery)
            ev->text = view(c->m.tx, recovery_url(c)); /* fitted when decided */
        else
            ev->text = c->cfg.url;
        return;
    }
    if (c->frame_event_pending) {
        c->frame_event_pending = 0;
        *ev = c->ev;
        return;
    }
    if (c->report_disconnected) {
        c->report_disconnected = 0;
        ev->type = WPS_CLIENT_EV_DISCONNECTED;
        ev->close_code = c->close_code;
        return;
    }
    for (i = 0; i < c->ops_n; i++) {
        wps_client_op *o = &c->m.ops[i];
        if (!(o->state & OP_REPORT))
            continue;
        ev->id = o->id;
        ev->op = (wps_client_op_kind)o->kind;
        ev->result = (wps_client_result)o->result;
        if (o->kind == WPS_CLIENT_OP_REJOIN) {
            ev->type = WPS_CLIENT_EV_REJOIN_FAILED;
            ev->group = op_group(c, o);
        } else {
            ev->type = o->kind == WPS_CLIENT_OP_INVOKE ? WPS_CLIENT_EV_INVOKE_RESPONSE
                                                       : WPS_CLIENT_EV_ACK;
        }
        if (o->kind == WPS_CLIENT_OP_JOIN || o->kind == WPS_CLIENT_OP_REJOIN ||
            o->kind == WPS_CLIENT_OP_LEAVE)
            group_result(c, o, 0);
        o->state = (uint8_t)(o->state & ~OP_REPORT);
        if (!o->state)
            op_remove(c, i);
        return;
    }
    for (i = 0; i < c->groups_n; i++) {
        if (c->m.groups[i].report) {
            c->m.groups[i].report = 0;
            ev->type = WPS_CLIENT_EV_REJOIN_FAILED;
            ev->result = WPS_CLIENT_NO_ROOM;
            ev->group = group_name(c, i);
            return;
        }
    }
    for (i = 0; i < c->m.streams_max; i++) {
        wps_client_stream_out *s = &c->m.streams[i];
        if ((s->state == SO_ACTIVE || s->state == SO_ENDING) && (s->flags & SF_RESEND)) {
            s->flags = (uint8_t)(s->flags & ~SF_RESEND);
            ev->type = WPS_CLIENT_EV_STREAM_RESEND;
            ev->slot = i;
            ev->seq = s->next_seq;
            return;
        }
        if (s->state == SO_CLOSED_REPORT) {
            s->state = SO_FREE;
            ev->type = WPS_CLIENT_EV_STREAM_CLOSED;
            ev->slot = i;
            ev->result = (wps_client_result)s->result;
            return;
        }
    }
    if (c->report_stopped) {
        c->report_stopped = 0;
        ev->type = WPS_CLIENT_EV_STOPPED;
        return;
    }
}

const wps_client_stats *wps_client_get_stats(const wps_client *c)
{
    return c ? &c->stats : NULL;
}

size_t wps_client_pending(const wps_client *c)
{
    size_t i, n = 0;
    if (c == NULL)
        return 0;
    for (i = 0; i < c->ops_n; i++)
        n += (c->m.ops[i].state & (OP_UNSENT | OP_SENT)) != 0;
    return n;
}

int wps_client_is_connected(const wps_client *c)
{
    return c != NULL && c->state == ST_CONNECTED;
}

const char *wps_client_event_name(wps_client_event_type t)
{
    static const char *const names[] = {
        "NONE", "OPEN", "CLOSE", "CONNECTED", "DISCONNECTED", "STOPPED", "GROUP_MESSAGE",
        "SERVER_MESSAGE", "ACK", "REJOIN_FAILED", "INVOKE_RESPONSE", "STREAM_ACK",
        "STREAM_RESEND", "STREAM_CLOSED", "GROUP_STATE", "ERROR"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "UNKNOWN";
}

const char *wps_client_result_name(wps_client_result r)
{
    static const char *const names[] = {"OK", "DUPLICATE", "FAILED", "TIMEOUT",
                                        "CONNECTION_LOST", "CANCELLED", "STOPPED", "NO_ROOM"};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "UNKNOWN";
}
