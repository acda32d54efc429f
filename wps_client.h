/* SPDX-License-Identifier: MIT */
/*
 * wps_client.h - a Web PubSub client engine for the protobuf subprotocols
 * (`protobuf.webpubsub.azure.v1`, `protobuf.reliable.webpubsub.azure.v1`),
 * sans-IO: it never owns a socket, a clock, a thread or memory.
 *
 * What it does: everything a client does around the codec.  Acks (with a
 * timeout, retried with the same ack id), sequence ids and sequence acks,
 * connection recovery and reconnection, rejoining groups, keepalive,
 * publisher streams (acks, nacks, pause and resume), gap and duplicate
 * reports on received streams.  The rules, and where they differ from the
 * official JavaScript client, are in the "Client" section of README.md.
 *
 * Model: push in, pull out.
 *   - You push what happened: wps_client_opened(), wps_client_closed(code),
 *     wps_client_push_frame() / wps_client_push_chunk() (a binary WebSocket message,
 *     whole or in pieces), wps_client_tick(now).  Every call takes the time
 *     `now` in milliseconds from any monotonic origin (uint32_t; it may wrap:
 *     comparisons are wrap-safe for intervals under 24 days).
 *   - You pull what to do, in this order, after every push:
 *       wps_client_next_frame()   frames to send on the open socket;
 *       wps_client_next_event()   actions (open a WebSocket to this URL,
 *                                 close the socket) and application events,
 *                                 until it returns WPS_CLIENT_EV_NONE;
 *       wps_client_next_deadline() when to call wps_client_tick() next.
 *   - The socket contract: after an OPEN action you report exactly one of
 *     opened() or closed(code) (a failed connect is a close, e.g. 1006);
 *     after opened(), exactly one closed(code).  After a CLOSE action you
 *     close the socket and then report closed(code).
 *   - Nothing calls back into your code, and no call blocks.
 *
 * Memory: the wps_client struct is fixed-size and caller-owned; the tables
 * whose size you choose are lent to wps_client_init() in a
 * wps_client_memory (or take wps_client_storage, the defaults in one
 * struct).  Every bound has a clear status when reached: an operation that
 * does not fit returns PBW_E_NOSPACE and changes nothing; a received value
 * that does not fit is an ERROR event with PBW_E_NOSPACE, or a counted drop
 * (wps_client_stats).  Nothing grows, nothing is lost silently.
 *
 * Views: every pbw_bytes in an event stays valid until the next call that
 * pushes input (frame, chunk, opened, closed, tick) or starts an operation
 * on the same client.  Pull calls never invalidate each other's views
 * except as documented.
 *
 * Statuses (pbwire.h): PBW_OK; PBW_NEED_MORE (nothing to pull: not an
 * error); PBW_E_UTF8 (a name, id, text or JSON payload given to an
 * operation is not UTF-8: proto3 strings must be); PBW_E_NOSPACE (a bound was reached, or the previous frame's event
 * has not been pulled yet: pull events first); PBW_E_ARG (a NULL where a
 * value is required, an empty or over-long name, an unknown stream slot, an
 * ack id already pending, a call outside the socket contract).
 *
 * Building: wps_client.c needs pbwire.c and wps_messages.c (with its
 * encoder).  C99, no allocation, no globals, nothing from libc but memcpy,
 * memmove, memset, memcmp.
 */
#ifndef WPS_CLIENT_H
#define WPS_CLIENT_H

#include "wps_messages.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Timing (milliseconds).  The JS client's values; the ack timeout is ours.
 * ------------------------------------------------------------------------ */
#define WPS_CLIENT_ACK_TIMEOUT_MS 30000u   /* default per-operation timeout */
#define WPS_CLIENT_SEQ_ACK_MS 1000u        /* sequence ack at most this often */
#define WPS_CLIENT_SEQ_ACK_BURST 300u      /* ...or at once beyond this many */
#define WPS_CLIENT_RETRY_MS 1000u          /* recovery / reconnect attempts */
#define WPS_CLIENT_RECOVERY_MS 30000u      /* give up recovering after this */
#define WPS_CLIENT_PING_MS 20000u          /* ping after this long without sending */
#define WPS_CLIENT_SILENCE_MS 120000u      /* close after this long without receiving */

/* Longest stream id the client tracks (publisher and receiver side).  Ids
 * are GUIDs (36 bytes) in the official clients. */
#define WPS_CLIENT_STREAM_ID_MAX 64
/* Longest URL the client writes for an OPEN action (base URL plus the
 * percent-encoded recovery query) is bounded by the tx buffer you lend. */

/* ------------------------------------------------------------------------
 * Lent tables.  Treat their fields as private.
 * ------------------------------------------------------------------------ */

/* A pending operation: its frame is kept (in the `frames` bytes) until its
 * ack, so that it can be re-sent with the same ack id. */
typedef struct wps_client_op {
    uint32_t off, len;     /* its frame in memory.frames */
    uint64_t id;           /* ack id, or invocation id */
    uint32_t deadline;     /* now + ack timeout */
    uint8_t kind;          /* wps_client_op_kind */
    uint8_t state;         /* private */
    uint8_t result;        /* wps_client_result to report (lazy events) */
    uint8_t pad;
} wps_client_op;

/* A joined group (name in memory.names). */
typedef struct wps_client_group {
    uint32_t off, len;
    uint8_t joined, report, pad[2];
} wps_client_group;

/* A publisher stream. */
typedef struct wps_client_stream_out {
    uint64_t next_seq;      /* the sequence id the next fragment gets */
    uint64_t acked;         /* every fragment below it was accepted */
    pbw_bytes target;       /* group or event name: a view the caller keeps
                             * valid until the start frame is pulled */
    wps_data fragment;      /* queued fragment (its bytes caller-owned) */
    pbw_bytes end_message, end_code; /* stream end error (caller-owned) */
    uint64_t fragment_seq;
    uint64_t end_seq;       /* next_seq when the end was asked for */
    uint32_t end_deadline;  /* StreamClosed expected by then (end sent) */
    uint32_t idle_timeout_ms;
    uint8_t state, flags, id_len, is_event, result;
    uint8_t id[WPS_CLIENT_STREAM_ID_MAX];
} wps_client_stream_out;

/* A received stream: the next stream_sequence_id expected. */
typedef struct wps_client_stream_in {
    uint64_t expected;
    uint8_t used, id_len, pad[2];
    uint8_t id[WPS_CLIENT_STREAM_ID_MAX];
} wps_client_stream_in;

/* The memory lent to the client.  Every pointer may be NULL with a count
 * of 0 (the feature then reports PBW_E_NOSPACE when used).  The client
 * uses exactly these bytes and nothing else; they must outlive it and not
 * be touched while it lives. */
typedef struct wps_client_memory {
    wps_client_op *ops;              size_t ops_max;      /* pending operations */
    uint8_t *frames;                 size_t frames_cap;   /* their frames */
    wps_client_group *groups;        size_t groups_max;   /* groups to rejoin */
    uint8_t *names;                  size_t names_cap;    /* group names */
    wps_client_stream_out *streams;  size_t streams_max;  /* publisher streams */
    wps_client_stream_in *in_streams; size_t in_streams_max; /* received streams */
    uint8_t *session;                size_t session_cap;  /* connection id, user id,
                                                           * reconnection token */
    uint8_t *rx;                     size_t rx_cap;       /* reassembly of chunked frames */
    uint8_t *tx;                     size_t tx_cap;       /* one outgoing frame's head
                                                           * and tail, or one URL */
} wps_client_memory;

/* Default bounds (wps_client_storage). */
#ifndef WPS_CLIENT_DEFAULT_OPS
#define WPS_CLIENT_DEFAULT_OPS 16
#endif
#ifndef WPS_CLIENT_DEFAULT_FRAMES
#define WPS_CLIENT_DEFAULT_FRAMES 4096
#endif
#ifndef WPS_CLIENT_DEFAULT_GROUPS
#define WPS_CLIENT_DEFAULT_GROUPS 8
#endif
#ifndef WPS_CLIENT_DEFAULT_NAMES
#define WPS_CLIENT_DEFAULT_NAMES 512
#endif
#ifndef WPS_CLIENT_DEFAULT_STREAMS
#define WPS_CLIENT_DEFAULT_STREAMS 2
#endif
#ifndef WPS_CLIENT_DEFAULT_IN_STREAMS
#define WPS_CLIENT_DEFAULT_IN_STREAMS 4
#endif
#ifndef WPS_CLIENT_DEFAULT_SESSION
#define WPS_CLIENT_DEFAULT_SESSION 1024
#endif
#ifndef WPS_CLIENT_DEFAULT_RX
#define WPS_CLIENT_DEFAULT_RX 4096
#endif
#ifndef WPS_CLIENT_DEFAULT_TX
#define WPS_CLIENT_DEFAULT_TX 2048
#endif

/* The default bounds in one struct: declare one beside the client and pass
 * wps_client_storage_memory(&storage) to wps_client_init(). */
typedef struct wps_client_storage {
    wps_client_op ops[WPS_CLIENT_DEFAULT_OPS];
    wps_client_group groups[WPS_CLIENT_DEFAULT_GROUPS];
    wps_client_stream_out streams[WPS_CLIENT_DEFAULT_STREAMS];
    wps_client_stream_in in_streams[WPS_CLIENT_DEFAULT_IN_STREAMS];
    uint8_t frames[WPS_CLIENT_DEFAULT_FRAMES];
    uint8_t names[WPS_CLIENT_DEFAULT_NAMES];
    uint8_t session[WPS_CLIENT_DEFAULT_SESSION];
    uint8_t rx[WPS_CLIENT_DEFAULT_RX];
    uint8_t tx[WPS_CLIENT_DEFAULT_TX];
} wps_client_storage;

wps_client_memory wps_client_storage_memory(wps_client_storage *s);

/* ------------------------------------------------------------------------
 * Configuration
 * ------------------------------------------------------------------------ */
typedef struct wps_client_config {
    /* The client URL with its access token, e.g.
     * "wss://host/client/hubs/chat?access_token=...".  A view the caller
     * keeps valid for the client's life.  OPEN actions carry it as it is
     * for a new connection, and its part before '?' plus the recovery
     * query for a recovery. */
    pbw_bytes url;
    uint8_t reliable;        /* 1: protobuf.reliable.webpubsub.azure.v1 */
    uint8_t no_auto_reconnect; /* 1: a lost connection stops the client */
    uint8_t no_auto_rejoin;  /* 1: do not rejoin groups on a new connection */
    uint32_t ack_timeout_ms; /* 0: WPS_CLIENT_ACK_TIMEOUT_MS */
} wps_client_config;

/* Counters of what the client dropped or refused (never reset). */
typedef struct wps_client_stats {
    uint64_t frames_in, frames_out;
    uint64_t replays_dropped;     /* data messages with an old sequence id */
    uint64_t bad_frames;          /* frames that failed to decode (ERROR events) */
    uint64_t unknown_acks;        /* acks for no pending operation (or late) */
    uint64_t unknown_streams;     /* stream acks/nacks/closes for no stream */
    uint64_t untracked_streams;   /* received streams beyond in_streams_max */
    uint64_t ignored;             /* frames with nothing to do (pong, kind NONE,
                                     stale stream acks...) */
    uint64_t unsent_dropped;      /* fire-and-forget frames that timed out unsent */
    uint64_t resent;              /* operations re-sent after a recovery */
    uint64_t recoveries, reconnects;
} wps_client_stats;

/* ------------------------------------------------------------------------
 * Events
 * ------------------------------------------------------------------------ */
typedef enum wps_client_event_type {
    WPS_CLIENT_EV_NONE = 0,
    /* actions */
    WPS_CLIENT_EV_OPEN,           /* open a WebSocket to `text` (the URL) with
                                     subprotocol `name`; `recovery` says which */
    WPS_CLIENT_EV_CLOSE,          /* close the socket (then report closed()) */
    /* application events */
    WPS_CLIENT_EV_CONNECTED,      /* text: connection id, user_id: user id */
    WPS_CLIENT_EV_DISCONNECTED,   /* the connection is lost (not recovered) */
    WPS_CLIENT_EV_STOPPED,        /* the client stopped; start() restarts it */
    WPS_CLIENT_EV_GROUP_MESSAGE,  /* message: the DataMessage (from group) */
    WPS_CLIENT_EV_SERVER_MESSAGE, /* message: the DataMessage (from server) */
    WPS_CLIENT_EV_ACK,            /* id, op, result (+ name, message on ERROR) */
    WPS_CLIENT_EV_REJOIN_FAILED,  /* group, result, name, message */
    WPS_CLIENT_EV_INVOKE_RESPONSE,/* id, result, down->u.invoke_response */
    WPS_CLIENT_EV_STREAM_ACK,     /* slot, seq: fragments below seq may be freed */
    WPS_CLIENT_EV_STREAM_RESEND,  /* slot, seq: send fragments again from seq
                                     (stream_data gives them seq, seq+1...) */
    WPS_CLIENT_EV_STREAM_CLOSED,  /* slot, result, name, message; slot is free */
    WPS_CLIENT_EV_GROUP_STATE,    /* down: the update or snapshot message */
    WPS_CLIENT_EV_ERROR           /* a received frame was refused: status, offset */
} wps_client_event_type;

/* How an operation ended. */
typedef enum wps_client_result {
    WPS_CLIENT_OK = 0,
    WPS_CLIENT_DUPLICATE,       /* ack error "Duplicate": the service had it: success */
    WPS_CLIENT_FAILED,          /* the service's error: name, message */
    WPS_CLIENT_TIMEOUT,         /* no ack within the ack timeout */
    WPS_CLIENT_CONNECTION_LOST, /* sent on a connection that was lost, not recovered */
    WPS_CLIENT_CANCELLED,       /* invocation cancelled by the caller */
    WPS_CLIENT_STOPPED_RESULT,  /* the client was stopped */
    WPS_CLIENT_NO_ROOM          /* rejoin: no room for its frame */
} wps_client_result;

typedef enum wps_client_op_kind {
    WPS_CLIENT_OP_NONE = 0,
    WPS_CLIENT_OP_JOIN,
    WPS_CLIENT_OP_LEAVE,
    WPS_CLIENT_OP_SEND_TO_GROUP,
    WPS_CLIENT_OP_EVENT,
    WPS_CLIENT_OP_INVOKE,
    WPS_CLIENT_OP_SET_GROUP_STATE,
    WPS_CLIENT_OP_SUBSCRIBE_GROUP_STATE,
    WPS_CLIENT_OP_UNSUBSCRIBE_GROUP_STATE,
    WPS_CLIENT_OP_REJOIN        /* internal; reported as REJOIN_FAILED */
} wps_client_op_kind;

/* Received-stream check of a GROUP/SERVER_MESSAGE that belongs to a stream. */
typedef enum wps_client_stream_check {
    WPS_CLIENT_STREAM_NONE = 0, /* not a stream message */
    WPS_CLIENT_STREAM_IN_ORDER, /* the expected stream_sequence_id */
    WPS_CLIENT_STREAM_GAP,      /* above it: `seq` is the id that was expected */
    WPS_CLIENT_STREAM_DUPLICATE,/* below it: already received */
    WPS_CLIENT_STREAM_UNTRACKED /* no room to track the stream (counted) */
} wps_client_stream_check;

typedef struct wps_client_event {
    wps_client_event_type type;
    wps_client_op_kind op;      /* ACK: which operation */
    wps_client_result result;   /* ACK, REJOIN_FAILED, INVOKE_RESPONSE, STREAM_CLOSED */
    wps_client_stream_check stream_check; /* GROUP/SERVER_MESSAGE */
    uint64_t id;                /* ACK: ack id; INVOKE_RESPONSE: invocation id */
    uint64_t seq;               /* STREAM_*: sequence id (see the types);
                                   messages on a GAP: the id expected */
    size_t slot;                /* STREAM_*: the publisher stream's slot */
    uint8_t recovery;           /* OPEN: 1 for a recovery, 0 for a new connection */
    uint16_t close_code;        /* DISCONNECTED: the close code seen */
    pbw_status status;          /* ERROR: the codec's status */
    size_t offset;              /* ERROR: its byte offset in the frame */
    pbw_bytes text;             /* OPEN: URL; CONNECTED: connection id */
    pbw_bytes user_id;          /* CONNECTED */
    pbw_bytes group;            /* REJOIN_FAILED: the group */
    pbw_bytes name, message;    /* errors; OPEN: name is the subprotocol */
    const wps_data_message *data_message; /* GROUP/SERVER_MESSAGE */
    const wps_downstream *down; /* the decoded frame, for events from a frame */
} wps_client_event;

/* The outgoing frame: head, then payload (caller-owned bytes: a stream
 * fragment or NULL/0), then tail.  `len` is the total. */
typedef struct wps_client_frame {
    pbw_bytes head, payload, tail;
    size_t len;
} wps_client_frame;

/* ------------------------------------------------------------------------
 * The client.  Fixed size; fields private.
 * ------------------------------------------------------------------------ */
typedef struct wps_client {
    wps_client_memory m;
    wps_client_config cfg;
    wps_client_stats stats;
    wps_downstream down;           /* the frame being reported */
    wps_client_event ev;           /* its event, until pulled */
    uint64_t next_ack_id;
    uint64_t largest_seq, acked_seq; /* reliable: largest seen, last acked */
    size_t ops_n, groups_n;
    size_t session_conn_len, session_user_len, session_token_len;
    size_t rx_len;
    uint32_t now, last_rx, last_tx, seq_ack_sent_at, retry_at, recovery_start;
    uint16_t close_code;
    uint8_t state, close_then, socket_up, has_session, frame_event_pending;
    uint8_t want_open, open_recovery, want_close, want_ping, want_seq_ack;
    uint8_t report_disconnected, report_stopped, was_connected, rx_over, stopping;
} wps_client;

/* ------------------------------------------------------------------------
 * Lifecycle
 * ------------------------------------------------------------------------ */

/*
 * Initialises *c (any previous content ignored) with a copy of *cfg and the
 * lent memory *mem.  Does not connect: call wps_client_start().  Returns
 * PBW_OK, or PBW_E_ARG when c, cfg or mem is NULL, the URL is empty, or a
 * lent pointer is NULL with a non-zero count.
 */
pbw_status wps_client_init(wps_client *c, const wps_client_config *cfg,
                           const wps_client_memory *mem, uint32_t now);

/* Asks for a new connection (an OPEN action).  PBW_E_ARG unless the client
 * is stopped (initially, or after STOPPED). */
pbw_status wps_client_start(wps_client *c, uint32_t now);

/* Stops: closes the socket if one is open or opening (a CLOSE action; then
 * STOPPED once you report closed()), or stops at once.  Every pending
 * operation ends with WPS_CLIENT_STOPPED_RESULT; publisher streams close.
 * No reconnection.  PBW_OK (also when already stopped). */
pbw_status wps_client_stop(wps_client *c, uint32_t now);

/* ------------------------------------------------------------------------
 * Push: what happened
 * ------------------------------------------------------------------------ */

/* The socket asked for by the last OPEN action is open.  PBW_E_ARG when no
 * socket was being opened. */
pbw_status wps_client_opened(wps_client *c, uint32_t now);

/* The socket closed (or failed to open) with this close code (1006 when
 * there was none).  PBW_E_ARG when no socket was open or opening. */
pbw_status wps_client_closed(wps_client *c, uint16_t code, uint32_t now);

/*
 * One whole binary WebSocket message.  buf is caller-owned and must stay
 * valid and unchanged until the events it produces have been pulled (the
 * events' views point into it).  Returns PBW_OK (whatever the frame holds:
 * a malformed frame is an ERROR event), PBW_E_NOSPACE without consuming it
 * when the previous frame's event has not been pulled yet, or PBW_E_ARG
 * when no socket is open.
 */
pbw_status wps_client_push_frame(wps_client *c, const uint8_t *buf, size_t len, uint32_t now);

/*
 * A piece of a binary WebSocket message: the pieces are copied into the rx
 * buffer and the message is handled at the piece with `last` set, as by
 * wps_client_push_frame() (views then point into the rx buffer).  A message
 * longer than rx_cap is refused whole: an ERROR event with PBW_E_NOSPACE
 * and the offset where it overflowed, at its last piece.  Same statuses as
 * wps_client_push_frame().
 */
pbw_status wps_client_push_chunk(wps_client *c, const uint8_t *buf, size_t len, int last,
                            uint32_t now);

/* Time passes: timers fire (ack timeouts, sequence acks, pings, silence,
 * recovery and reconnection attempts).  Always PBW_OK. */
pbw_status wps_client_tick(wps_client *c, uint32_t now);

/* ------------------------------------------------------------------------
 * Pull: what to do
 * ------------------------------------------------------------------------ */

/*
 * The next frame to send on the open socket into *f (views into the
 * client's memory and, for stream fragments, into the caller's payload).
 * The frame counts as sent: send it whole before the next call on c.
 * Returns PBW_OK, or PBW_NEED_MORE when there is nothing to send (also
 * when no socket is open).  PBW_E_NOSPACE: the tx buffer cannot hold this
 * frame's head and tail (its operation is then resolved as failed).
 */
pbw_status wps_client_next_frame(wps_client *c, wps_client_frame *f);

/* The same frame copied whole into dst[0..cap): *len is its length.  On
 * PBW_E_NOSPACE *len is the room needed and the frame stays queued. */
pbw_status wps_client_next_frame_copy(wps_client *c, uint8_t *dst, size_t cap, size_t *len);

/* The next action or event into *ev (type NONE when there is none).  OPEN
 * and CLOSE come first, then the event of the last frame, then the rest.
 * Views live until the next push or operation on c. */
void wps_client_next_event(wps_client *c, wps_client_event *ev);

/* The earliest time wps_client_tick() must be called: 1 and *when, or 0
 * when no timer runs.  After a push, first pull frames and events. */
int wps_client_next_deadline(const wps_client *c, uint32_t *when);

/* Counters. */
const wps_client_stats *wps_client_get_stats(const wps_client *c);

/* Operations still waiting for their ack, invocation response or first
 * send (fire-and-forget ones included). */
size_t wps_client_pending(const wps_client *c);

/* 1 when a socket is open and the connection is usable (connected or
 * recovered). */
int wps_client_is_connected(const wps_client *c);

/* ------------------------------------------------------------------------
 * Operations.  Each queues a frame (sent when the connection is usable:
 * operations started while disconnected wait, their timeout running) and
 * returns the id its result will carry.
 *
 * ack_id: NULL: no ack (fire and forget: the frame is sent once, no event);
 * *ack_id == 0: the client allocates the next id (from 1 up) and stores it;
 * otherwise the caller's id (PBW_E_ARG if that id is pending).
 * Returns PBW_OK, PBW_E_NOSPACE (no free op slot or no room for the frame
 * in `frames`; nothing changed), PBW_E_UTF8, PBW_E_TOO_BIG (a message over
 * the protobuf limit), PBW_E_ARG.  Strings are caller views,
 * copied before returning; text and JSON must be valid UTF-8.
 * ------------------------------------------------------------------------ */
pbw_status wps_client_join_group(wps_client *c, pbw_bytes group, uint64_t *ack_id);
pbw_status wps_client_leave_group(wps_client *c, pbw_bytes group, uint64_t *ack_id);
pbw_status wps_client_send_to_group(wps_client *c, pbw_bytes group, const wps_data *data,
                                    int no_echo, uint64_t *ack_id);
pbw_status wps_client_send_event(wps_client *c, pbw_bytes event, const wps_data *data,
                                 uint64_t *ack_id);
/* state NULL clears the connection's state in the group. */
pbw_status wps_client_set_group_state(wps_client *c, pbw_bytes group,
                                      const wps_group_state *state, uint64_t *ack_id);
pbw_status wps_client_subscribe_group_state(wps_client *c, pbw_bytes group, uint64_t *ack_id);
pbw_status wps_client_unsubscribe_group_state(wps_client *c, pbw_bytes group,
                                              uint64_t *ack_id);

/* An invocation: the invocation id is the decimal of *invocation_id (given
 * or allocated like an ack id).  Ends with INVOKE_RESPONSE (OK or FAILED)
 * or TIMEOUT / CONNECTION_LOST / CANCELLED. */
pbw_status wps_client_invoke(wps_client *c, pbw_bytes event, const wps_data *data,
                             uint64_t *invocation_id);
/* Sends CancelInvocation and ends the invocation with CANCELLED.
 * PBW_E_ARG when no such invocation is pending. */
pbw_status wps_client_cancel_invocation(wps_client *c, uint64_t invocation_id);

/*
 * Publisher streams.  stream_start: to a group (is_event 0) or as an event
 * (is_event 1) named `target` (a view kept valid by the caller until the
 * start frame is pulled), with `stream_id` (1..WPS_CLIENT_STREAM_ID_MAX
 * bytes, unique among active streams), idle_timeout_ms (0: the service's
 * default).  *slot receives the stream's slot.
 * stream_data: queues the next fragment; *seq receives its sequence id.
 * `data` (and its bytes) must stay valid until the frame is pulled; keep
 * the payload until a STREAM_ACK above *seq releases it (a STREAM_RESEND
 * asks for it again).  One fragment is queued per stream at a time:
 * PBW_E_NOSPACE until it is pulled.  While the connection is recovering
 * the stream pauses (fragments wait).
 * stream_end: queues StreamEnd (error when error_message or error_code is
 * non-empty); the slot is freed by STREAM_CLOSED: the service's (OK or
 * FAILED), or TIMEOUT when none came within the ack timeout of the end
 * (a StreamClosed lost in a drop is not replayed by the service).
 */
pbw_status wps_client_stream_start(wps_client *c, int is_event, pbw_bytes target,
                                   pbw_bytes stream_id, uint32_t idle_timeout_ms, size_t *slot);
pbw_status wps_client_stream_data(wps_client *c, size_t slot, const wps_data *data,
                                  uint64_t *seq);
pbw_status wps_client_stream_end(wps_client *c, size_t slot, pbw_bytes error_message,
                                 pbw_bytes error_code);

/* Names for logs. */
const char *wps_client_event_name(wps_client_event_type t);
const char *wps_client_result_name(wps_client_result r);

#ifdef __cplusplus
}
#endif

#endif /* WPS_CLIENT_H */
