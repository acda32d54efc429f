/* SPDX-License-Identifier: MIT */
/*
 * wps_service.h - the service core: one decoded upstream message, delivered
 * to thousands of connections of every kind, without re-encoding.
 *
 * A Web PubSub service (or a gateway) receives one message - typically a
 * SendToGroupMessage, a StreamDataMessage, or a payload from the server side
 * - and delivers it to every connection of a group.  Connections come in
 * four kinds, and docs/PROTOCOL.md's table "Payload kinds, per kind of
 * receiver" says what each gets:
 *
 *   protobuf subprotocol clients   a DownstreamMessage.DataMessage
 *                                  (wps_fanout_*: section 1)
 *   json subprotocol clients       {"type":"message","from":"group",...}
 *                                  (wps_json_client_*: section 2)
 *   plain WebSocket clients        a text or binary frame with the payload
 *                                  (wps_body_of: section 3)
 *   the upstream event handler     a CloudEvents HTTP request for a user
 *                                  event (wps_body_of, wps_cloudevent_headers:
 *                                  section 4)
 *
 * The model: prepare once, then per receiver do almost nothing.
 *   - Everything that is the same for every receiver is computed once per
 *     message into a buffer you lend (no allocation, no globals).
 *   - What differs per receiver (on the reliable subprotocols: the
 *     sequence id, and with it the frame's length prefix) is written into a
 *     tiny per-receiver buffer whose size is a compile-time constant.
 *   - The output is a list of byte views ({ptr, len}, an iovec) for
 *     writev(): the payload is never copied; the views point at the bytes
 *     the message was decoded from.
 *
 * Ownership: every function here works on caller-owned memory only.  Views
 * written by a function point into (a) the buffers you passed to it, or (b)
 * the memory the input message's views point into (normally the frame you
 * decoded), or (c) static string constants.  They stay valid as long as
 * those do.  Nothing is ever written through an input view.
 *
 * Statuses are pbw_status (pbwire.h).  PBW_E_NOSPACE always reports the size
 * needed, and nothing is written when it is returned.
 *
 * Views: {NULL, 0} is the empty view everywhere; {NULL, n > 0} is
 * PBW_E_ARG wherever the bytes would be read (the one exception: a payload
 * not in memory, where a function says so).  Output buffers must not
 * overlap any input view: each function checks the views it reads against
 * dst[0..cap) before writing and refuses an overlap with PBW_E_ARG, nothing
 * written.  Sizes never wrap: a rendering whose size would pass SIZE_MAX
 * is PBW_E_TOO_BIG (reachable on 32-bit targets only).
 *
 * Building: wps_service.c needs pbwire.c and wps_messages.c, the latter with
 * its encoder (not built with WPS_NO_ENCODER: the fan-out uses
 * wps_downstream_encode_split).  Same rules as the rest of the library: C99,
 * no allocation, no globals, only <stdint.h>, <stddef.h>, <string.h>, and
 * nothing from libc but memcpy, memset and memcmp.
 *
 * Usage, fan-out of one SendToGroupMessage to a group:
 *
 *     wps_upstream up;
 *     wps_data_message dm;
 *     wps_fanout f;
 *     uint8_t shared[256], head[WPS_FANOUT_RECEIVER_MAX], body[WPS_BODY_HEAD_MAX];
 *     pbw_bytes iov[WPS_FANOUT_IOV_MAX];
 *     ...wps_upstream_decode(frame, len, &up, 0, NULL)...
 *     wps_group_message(&dm, &up.u.send_to_group);
 *     if (wps_fanout_prepare(&f, &dm, shared, sizeof shared, &used) != PBW_OK) ...
 *     for each protobuf connection c:
 *         n = wps_fanout_receiver(&f, c->reliable, ++c->sequence_id, head, iov, &frame_len);
 *         websocket_writev(c, BINARY, iov, n, frame_len);
 *     for json connections: wps_json_client_write() once, then per reliable
 *         receiver wps_json_client_seq_head() (see section 2);
 *     for plain connections: wps_body_of() once, the same views for all.
 */
#ifndef WPS_SERVICE_H
#define WPS_SERVICE_H

#include "wps_messages.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * 0. What a receiver gets, as a wps_data_message
 * ------------------------------------------------------------------------
 *
 * Every rendering below starts from a wps_data_message: the DataMessage a
 * protobuf client would receive.  These helpers build it from what the
 * service decoded.  They copy views only (not bytes): `out` points into the
 * same memory as the input, and into static strings ("group", "server").
 * Every field of `out` not named here is zeroed.
 */

/*
 * The DataMessage for the members of s->group:
 *   from "group", group = s->group (has_group set, even when empty),
 *   data = s->data (has_data copied; data.raw included),
 *   metadata = s->metadata (the decoded map as it is: the encoder writes a
 *     decoded map's entries in wire order, repeats included, so the
 *     receivers see exactly the entries the sender sent, and a receiver
 *     building libprotobuf's map from them gets the sender's map).
 * Not copied, because they are requests to the service, not part of what
 * receivers get: ack_id, no_echo, ttl_seconds, and stream (a
 * StreamStartInfo: a stream's data comes with StreamDataMessages, see
 * wps_stream_message).
 */
void wps_group_message(wps_data_message *out, const wps_send_to_group *s);

/*
 * The DataMessage for one StreamDataMessage of a group stream: from "group",
 * group (the group the stream was started on: the service knows it from
 * the stream start), data = sd->data (has_data copied), has_stream set,
 * stream.stream_id = sd->stream_id, stream.stream_sequence_id =
 * sd->stream_sequence_id.  The end of a stream (end_of_stream, error) is
 * the service's decision: set out->stream.has_end_of_stream and friends
 * yourself.
 */
void wps_stream_message(wps_data_message *out, pbw_bytes group, const wps_stream_data *sd);

/* The DataMessage for a payload from the server side (REST API, event
 * handler response): from "server", no group, data = *data (has_data set). */
void wps_server_message(wps_data_message *out, const wps_data *data);

/* ------------------------------------------------------------------------
 * 1. Protobuf receivers: fan-out without re-encoding
 * ------------------------------------------------------------------------
 *
 * What a protobuf client receives is a DownstreamMessage whose
 * data_message is `msg` plus, on reliable connections, its own
 * sequence_id.  In field order (from 1, group 2, data 3, sequence_id 4,
 * metadata 5, stream 6) the sequence id sits after the payload, and the
 * root length prefix in front depends on its width.  So a receiver's frame
 * is five pieces:
 *
 *   [root tag + length]   per receiver, 2..11 bytes, in your `head`
 *   [prefix]              shared: from, group, data tag + length
 *                         (+ the MessageData's own tags, see below)
 *   [payload]             the original bytes, never copied
 *   [sequence_id]         per receiver, 0..11 bytes, in your `head`
 *   [suffix]              shared: metadata, stream
 *
 * Exactness.  The concatenation is byte-identical to wps_downstream_encode()
 * of the same DataMessage with that sequence id - libprotobuf's canonical
 * bytes - whatever the sender sent:
 *   - If msg->data.raw (the MessageData bytes as received) holds exactly the
 *     canonical encoding of msg->data, the payload piece is raw itself,
 *     verbatim (f->verbatim = 1).
 *   - Otherwise - padded varints, unknown fields, repeated or re-ordered
 *     fields inside the MessageData or its Any, a MessageData merged from
 *     several occurrences (raw {NULL, 0}), the streaming decoder (raw
 *     {NULL, 0}), a wps_data you built yourself - the MessageData's
 *     canonical tags and lengths (and an Any's type_url) are written into
 *     the shared prefix, and the payload piece is msg->data.bytes: still
 *     the original payload bytes, still not copied (f->verbatim = 0).
 *   The test is exact and costs O(MessageData header), once per message:
 *   raw must have the canonical length, its header bytes (at most
 *   12 bytes, plus an Any's type_url) must equal the canonical header, and
 *   the payload view must sit right after them inside raw (the same memory,
 *   so the same bytes; nothing of the payload is compared or read).
 *
 * Cost per receiver: at most WPS_FANOUT_RECEIVER_MAX bytes written (6 for
 * a 1 KiB frame with a sequence id below 16384), up to WPS_FANOUT_IOV_MAX
 * views filled, nothing read or written of the payload.  Changing the
 * sequence id touches only `head`.
 */

/* Per-receiver bytes: root tag + length varint, sequence_id tag + varint. */
#define WPS_FANOUT_RECEIVER_MAX (2 * (1 + PBW_VARINT_MAX))

/* Views in one receiver's frame. */
#define WPS_FANOUT_IOV_MAX 5

/*
 * A bound on the shared buffer wps_fanout_prepare() needs, for sizing static
 * buffers: string_bytes is the total of from, group, an Any's type_url,
 * every metadata key and value and the stream info's strings; map_entries
 * the number of metadata entries.  (The payload is not counted: it is never
 * copied.)
 */
#define WPS_FANOUT_PREPARE_MAX(string_bytes, map_entries) \
    WPS_HEAD_TAIL_MAX(string_bytes, map_entries, 0)

/*
 * A prepared fan-out.  Fill it with wps_fanout_prepare(); read-only after
 * that, so one prepared message can serve any number of receivers, from any
 * number of threads.  The views point into the prepare buffer and into the
 * memory of msg's views; it owns nothing.
 */
typedef struct wps_fanout {
    pbw_bytes prefix;  /* shared bytes between the root length and the payload */
    pbw_bytes payload; /* the payload piece: data.raw (verbatim) or data.bytes;
                        * {NULL, n} when data.bytes was {NULL, n}: see prepare */
    pbw_bytes suffix;  /* shared bytes after the sequence id: metadata, stream */
    size_t body_len;   /* the DataMessage's length without a sequence id */
    uint8_t verbatim;  /* 1: payload is data.raw, the sender's MessageData as
                        * received; 0: payload is data.bytes */
} wps_fanout;

/*
 * Prepares the fan-out of *msg (every field used except has_sequence_id and
 * sequence_id, which are per receiver and ignored here).
 *
 * msg:  caller-owned, not modified; only read during the call.  Its views
 *       (and data.raw) must stay valid while *f is used: f->payload points
 *       into them.  A payload not in memory (data.bytes = {NULL, length},
 *       as the streaming decoder leaves it) is allowed: f->payload and the
 *       receivers' payload view are then {NULL, length}, and you put your
 *       bytes in that slot of the iovec (its index is the number of views
 *       before it: 1, or 2 when f->prefix is not empty).
 * buf:  caller-owned; receives the shared prefix and suffix; must stay
 *       valid and unchanged while *f is used.  May be NULL when cap is 0.
 *       WPS_FANOUT_PREPARE_MAX() bounds what it needs.
 * used: not NULL.  On PBW_OK the bytes of buf used; on PBW_E_NOSPACE the
 *       bytes needed.
 * Returns PBW_OK; PBW_E_NOSPACE (buf too small, *f unchanged); PBW_E_ARG
 * (msg->has_data and msg->data.kind outside its enum, a {NULL, n > 0} view
 * other than the payload, or buf[0..cap) overlapping a view: *f
 * unchanged); PBW_E_TOO_BIG (the frame would exceed PBW_LEN_MAX bytes).
 * Costs one encode of everything but the payload.
 */
pbw_status wps_fanout_prepare(wps_fanout *f, const wps_data_message *msg, uint8_t *buf,
                              size_t cap, size_t *used);

/*
 * One receiver's frame.  Cannot fail.
 *
 * reliable: non-zero for a connection on the reliable subprotocol: the
 *           frame carries sequence_id = seq (written even when 0, as any
 *           present optional field).  0: no sequence id; seq is ignored.
 * head:     caller-owned, at least WPS_FANOUT_RECEIVER_MAX bytes; receives
 *           the per-receiver bytes.  Reusable for the next receiver once
 *           this frame has been sent.
 * iov:      caller-owned, at least WPS_FANOUT_IOV_MAX entries; receives the
 *           frame's pieces in order (no empty piece, except a payload that
 *           is {NULL, n}).  Convert to struct iovec for writev().
 * frame_len: not NULL; the frame's total length (the WebSocket payload
 *           length), the sum of the views' lengths.
 * Returns the number of views written (1..5; 1 only for a DataMessage
 * with no from, no group, no data, no metadata and no stream).
 */
size_t wps_fanout_receiver(const wps_fanout *f, int reliable, uint64_t seq, uint8_t *head,
                           pbw_bytes *iov, size_t *frame_len);

/* ------------------------------------------------------------------------
 * 2. json.webpubsub.azure.v1 receivers
 * ------------------------------------------------------------------------
 *
 * What a json subprotocol client receives for a DataMessage, following
 * Microsoft's reference for json.webpubsub.azure.v1 and
 * json.reliable.webpubsub.azure.v1 ("Message response", "Streaming message
 * response"), members in the documented order:
 *
 *   {"sequenceId":N,            reliable only (has_sequence_id)
 *    "type":"message",
 *    "from":"group",            msg->from
 *    "group":"<group>",         has_group
 *    "dataType":"<kind>",       has_data and kind != NONE:
 *    "data":<data>,               see below
 *    "fromUserId":"<user>",     when from_user_id is given
 *    "stream":{"streamId":"<id>","streamSequenceId":N,
 *              "endOfStream":true|false,              has_end_of_stream
 *              "error":{"name":"..","message":"..",   has_error
 *                       "userErrorCode":".."}}}       when not empty
 *
 * dataType and data, per payload kind (docs/PROTOCOL.md's table):
 *   text      "text",     a JSON string
 *   binary    "binary",   a JSON string: padded base64 (RFC 4648 section 4)
 *   json      "json",     the JSON text itself, embedded as it is (its own
 *                         whitespace kept), after checking that it is JSON
 *                         (wps_json_validate)
 *   protobuf  "protobuf", a JSON string: padded base64 of the serialised Any
 *                         (wps_body_of's bytes: canonical Any{type_url, value})
 * A message without data (has_data 0, or kind NONE, e.g. a stream's last
 * message) has neither dataType nor data.
 *
 * Left out, because the json protocol does not document them: metadata
 * (DataMessage.metadata has no json form), and the ack, system, pong and
 * stream ack/nack/closed responses (not data; a service writes those few
 * fixed shapes itself).
 *
 * Strings are written as UTF-8 (not \u-escaped: the text is checked to be
 * valid UTF-8 first), with `"` and `\` escaped, the control characters
 * U+0000..U+001F escaped as \b \f \n \r \t or \u00xx (lowercase hex), and
 * nothing else escaped.  Integers are plain decimal numbers.  No whitespace.
 *
 * Fan-out: sequenceId is the first member, so render once without it (msg
 * with has_sequence_id 0), and send a reliable receiver
 *     [wps_json_client_seq_head(seq)]  +  [rendered + 1, length - 1]
 * (the head ends with the ',' that replaces the rendering's '{').  A
 * non-reliable receiver gets the rendering itself.
 */

/* Nesting limit of wps_json_validate: arrays and objects together. */
#ifndef WPS_JSON_MAX_DEPTH
#define WPS_JSON_MAX_DEPTH 1024
#endif
#if WPS_JSON_MAX_DEPTH < 1 || WPS_JSON_MAX_DEPTH > 65535
#error "WPS_JSON_MAX_DEPTH must be between 1 and 65535"
#endif

/*
 * Checks that s[0..n) is one JSON text as RFC 8259 defines it, strictly:
 * one value of any type (scalars included) with optional whitespace
 * (space, tab, LF, CR) around it; UTF-8 throughout; no byte order mark, no
 * comments, no trailing commas, no NaN or Infinity, no leading zeros or '+',
 * no unescaped control characters in strings, only the escapes \" \\ \/ \b
 * \f \n \r \t \uXXXX.  A \u escape of a lone surrogate is accepted, as the
 * RFC's grammar does (it leaves its meaning to the receiver).
 *
 * Never recurses; uses WPS_JSON_MAX_DEPTH / 8 bytes of stack.  O(n).
 * s may be NULL when n is 0.  err_offset may be NULL; on failure it is the
 * offset of the first offending byte (n when the text ends too early); on
 * success n.
 * Returns PBW_OK; PBW_E_UTF8 (invalid UTF-8 anywhere; checked before the
 * grammar, so reported even when a grammar error comes earlier);
 * PBW_E_DEPTH (more than WPS_JSON_MAX_DEPTH nested arrays and objects: the
 * offset of the bracket that goes too deep); PBW_E_JSON (not JSON).
 */
pbw_status wps_json_validate(const uint8_t *s, size_t n, size_t *err_offset);

/*
 * The exact size of the json client message for *msg (sequenceId included
 * when msg->has_sequence_id).  from_user_id: NULL, or the sender's user id
 * for "fromUserId" (the protobuf DataMessage has no such field; the service
 * knows it).
 * Returns PBW_OK and *size; PBW_E_TOO_BIG (the size would pass SIZE_MAX,
 * possible on 32-bit targets); PBW_E_UTF8 (a string - from, group, the text,
 * fromUserId, a stream string - is not valid UTF-8: possible after
 * WPS_DECODE_NO_UTF8); PBW_E_JSON, PBW_E_DEPTH or PBW_E_UTF8 (a JSON payload
 * that wps_json_validate rejects); PBW_E_ARG (a kind outside its enum, or a
 * payload not in memory, {NULL, n} with n > 0: this rendering needs its
 * bytes).  *size is
 * 0 on failure.  O(message): it reads every byte of a text or JSON payload.
 */
pbw_status wps_json_client_size(const wps_data_message *msg, const pbw_bytes *from_user_id,
                                size_t *size);

/*
 * Writes that message into dst[0..cap).  The same checks and statuses as
 * wps_json_client_size, plus PBW_E_NOSPACE (*written is then the size
 * needed; nothing written), PBW_E_ARG when dst[0..cap) overlaps one of
 * msg's views or *from_user_id (nothing written), and PBW_E_TOO_BIG when
 * the size would pass SIZE_MAX.  On PBW_OK *written is exactly what
 * wps_json_client_size gives.  dst may be NULL when cap is 0.
 */
pbw_status wps_json_client_write(const wps_data_message *msg, const pbw_bytes *from_user_id,
                                 uint8_t *dst, size_t cap, size_t *written);

/* Longest head: `{"sequenceId":` 18446744073709551615 `,` */
#define WPS_JSON_SEQ_HEAD_MAX 35

/*
 * Writes `{"sequenceId":<seq>,` into dst (at least WPS_JSON_SEQ_HEAD_MAX
 * bytes) and returns its length (16..35).  Cannot fail.  Followed by a
 * rendering without sequence id minus its first byte, it gives exactly the
 * rendering with that sequence id.
 */
size_t wps_json_client_seq_head(uint64_t seq, uint8_t *dst);

/* ------------------------------------------------------------------------
 * 3 and 4. Plain WebSocket receivers and the upstream event handler
 * ------------------------------------------------------------------------
 *
 * Both get the bare payload (docs/PROTOCOL.md's table):
 *   kind      plain WebSocket frame   CloudEvents Content-Type     bytes
 *   text      text                    text/plain                   the text
 *   binary    binary                  application/octet-stream     the bytes
 *   json      text                    application/json             the JSON text
 *   protobuf  binary                  application/x-protobuf       the serialised Any
 *
 * The serialised Any is libprotobuf's canonical encoding of
 * Any{type_url, value}: field 1 when type_url is not empty, field 2 when
 * value is not empty.  (Unknown fields a sender put inside its Any are not
 * kept: the decoder does not keep them.)  It goes out as up to four views -
 * type_url's tag and length, type_url, value's tag and length, value -
 * so neither string is copied.
 */

/* RFC 6455 opcodes. */
typedef enum wps_frame_type {
    WPS_FRAME_TEXT = 1,
    WPS_FRAME_BINARY = 2
} wps_frame_type;

/* Views of a body, and the bytes the Any's tags and lengths take. */
#define WPS_BODY_IOV_MAX 4
#define WPS_BODY_HEAD_MAX (2 * (1 + PBW_VARINT_MAX))

/* A payload as a plain WebSocket frame or an HTTP body. */
typedef struct wps_body {
    pbw_bytes iov[WPS_BODY_IOV_MAX]; /* the bytes, in order; no empty view */
    size_t niov;                     /* 0..4 (0: an empty payload) */
    size_t len;                      /* total bytes */
    wps_frame_type frame;            /* the plain WebSocket frame type */
    pbw_bytes content_type;          /* the CloudEvents Content-Type: a static,
                                      * NUL-terminated string */
} wps_body;

/*
 * Fills *out for the payload *d.  Views point into d's memory and, for a
 * protobuf payload, into head (caller-owned, at least WPS_BODY_HEAD_MAX
 * bytes, unused for other kinds); both must outlive the use of *out.
 * Nothing is checked or copied: text and JSON payloads are sent as they
 * are, as the decoder checked them (UTF-8, unless WPS_DECODE_NO_UTF8; use
 * wps_json_validate to check a JSON payload's syntax once on ingress).  A
 * payload that is {NULL, n} gives a view {NULL, n}: fill it in yourself.
 * Returns PBW_OK, or PBW_E_ARG for kind NONE (there is nothing to deliver)
 * or a kind outside its enum (*out zeroed).
 */
pbw_status wps_body_of(const wps_data *d, uint8_t *head, wps_body *out);

/*
 * What the service knows about the sending connection, for the CloudEvents
 * headers.  Empty views leave out the headers marked optional.
 */
typedef struct wps_cloudevent_conn {
    pbw_bytes hub;              /* ce-hub, and in ce-source */
    pbw_bytes connection_id;    /* ce-connectionId, and in ce-source */
    pbw_bytes user_id;          /* ce-userId (optional: anonymous connections) */
    pbw_bytes event_id;         /* ce-id */
    pbw_bytes time;             /* ce-time (RFC 3339) */
    pbw_bytes signature;        /* ce-signature (optional): "sha256=<hex>,..."
                                 * (HMAC-SHA256 of the connection id with the
                                 * access keys: computed by the caller) */
    pbw_bytes subprotocol;      /* ce-subprotocol (optional) */
    pbw_bytes connection_state; /* ce-connectionState (optional) */
    pbw_bytes origin;           /* WebHook-Request-Origin (optional) */
} wps_cloudevent_conn;

/*
 * Writes the HTTP header lines of the CloudEvents request (binary content
 * mode, as the Web PubSub "CloudEvents extension" reference gives them) for
 * the user event `event` (EventMessage.event) whose body is *body, into
 * dst[0..cap), each line "Name: value\r\n", in this order:
 *
 *   WebHook-Request-Origin: <origin>                     (optional)
 *   Content-Type: <body->content_type>
 *   Content-Length: <body->len>
 *   ce-specversion: 1.0
 *   ce-type: azure.webpubsub.user.<event>
 *   ce-source: /hubs/<hub>/client/<connection_id>
 *   ce-id: <event_id>
 *   ce-time: <time>
 *   ce-signature: <signature>                            (optional)
 *   ce-userId: <user_id>                                 (optional)
 *   ce-connectionId: <connection_id>
 *   ce-hub: <hub>
 *   ce-eventName: <event>
 *   ce-subprotocol: <subprotocol>                        (optional)
 *   ce-connectionState: <connection_state>               (optional)
 *
 * The request line, Host and the blank line that ends the headers are
 * yours.  Not carried over from the EventMessage, because the reference
 * defines no header for them: ack_id (the service acks), metadata, stream.
 *
 * Every ce- value is a CloudEvents String written as the CloudEvents HTTP
 * binding 1.0.2 (section 3.1.3.2) requires: each byte of a space, '"', '%'
 * or a character outside U+0021..U+007E is percent-encoded as %XY
 * (upper-case hex), so a receiver that percent-decodes gets the value back
 * exactly - spaces at either end included - and no value can break out of
 * its line.  Values must be valid UTF-8 (PBW_E_UTF8) without the characters
 * a CloudEvents String may not hold (PBW_E_ARG): controls U+0000..U+001F
 * (tab included) and U+007F..U+009F, noncharacters.  ce-source is a URI
 * reference: hub and connection id are its path segments, so a byte of
 * theirs that is not an RFC 3986 pchar ('/', '?', '#', '%', non-ASCII...)
 * is first %XY in the URI, and that '%' then %25 in the header: hub "a/b"
 * gives "ce-source: /hubs/a%252Fb/client/...", which decodes to the URI
 * "/hubs/a%2Fb/client/...".  Content-Type and WebHook-Request-Origin are
 * plain HTTP field values, written as they are: no control character but
 * tab, no space or tab at either end (PBW_E_ARG).
 *
 * Returns PBW_OK (*written: bytes written), PBW_E_NOSPACE (*written: bytes
 * needed), PBW_E_UTF8 or PBW_E_ARG (a value as above, a {NULL, n > 0} view,
 * a body without a content type, or dst[0..cap) overlapping a value;
 * *written 0), PBW_E_TOO_BIG (the size would pass SIZE_MAX: 32-bit only).
 * dst may be NULL when cap is 0.
 */
pbw_status wps_cloudevent_headers(const wps_cloudevent_conn *conn, pbw_bytes event,
                                  const wps_body *body, uint8_t *dst, size_t cap,
                                  size_t *written);

/* ------------------------------------------------------------------------
 * 5. The json subprotocols both ways: every message
 * ------------------------------------------------------------------------
 *
 * json.webpubsub.azure.v1 and json.reliable.webpubsub.azure.v1, as
 * Microsoft's references for them and the official client
 * (@azure/web-pubsub-client 1.1.0: its JSON protocols' writeMessage and
 * parseMessages) define them.  Both subprotocols share one shape; what the
 * reliable one adds (sequenceId, reconnectionToken) is rendered when the
 * message has it (its has_ flag).
 *
 * Downstream (service to client): every DownstreamMessage, one JSON object,
 * members in this order, no whitespace, strings and data exactly as in
 * section 2:
 *
 *   ack             {"type":"ack","ackId":N,"success":B
 *                    [,"error":{"name":S,"message":S}]}            has_error
 *   data            section 2's rendering (wps_json_client_write)
 *   system          {"type":"system","event":"connected","userId":S,
 *                    "connectionId":S[,"reconnectionToken":S]}
 *                   {"type":"system","event":"disconnected","message":S}
 *                   (the DisconnectedMessage's reason is "message")
 *   pong            {"type":"pong"}
 *   invokeResponse  {"type":"invokeResponse","invocationId":S,"success":B
 *                    [,"dataType":..,"data":..]                     has_data
 *                    [,"error":{"name":S,"message":S}]}             has_error
 *   streamAck       {"type":"streamAck","streamId":S,"expectedSequenceId":N}
 *   streamNack      {"type":"streamNack","streamId":S,"name":S,"message":S,
 *                    "expectedSequenceId":N}
 *   streamClosed    {"type":"streamClosed","streamId":S
 *                    [,"error":{"name":S,"message":S}]}             has_error
 *   group state     {["sequenceId":N,]"type":"groupStateUpdate" (or
 *                    "groupStateSnapshot"),"group":S,"items":[
 *                    {"connectionId":S[,"userId":S][,"state":{"k":"v",..}],
 *                     "updatedAt":N},..]}
 *
 * Numbers are exact decimal integers, whatever their size: a sequence id or
 * ack id above 2^53 is written as the number it is, and JavaScript readers
 * (JSON.parse, the official client) round it to a nearby double; keep ids
 * below 2^53 for them.  updatedAt is signed.  A state map's entries are
 * written in their order, repeated keys included: a JSON reader keeps the
 * last one, which is also the one protobuf keeps.
 *
 * No rendering, and nothing written: metadata maps (DataMessage,
 * InvokeResponseMessage) have no json form and are left out, as in
 * section 2.  A message of kind NONE, or a SystemMessage of kind NONE, has
 * no form at all: PBW_E_NO_RENDERING.
 *
 * The official client (1.1.0) drops a data message or an invoke response
 * whose json payload is the JSON value null (its parsePayload takes null
 * for "unsupported"): rendered as the reference says, it never reaches
 * that client's handlers.
 *
 * Fan-out: group state messages, like data messages, put sequenceId first,
 * so wps_json_client_seq_head() works for both.
 */

/*
 * The exact size of *msg's json rendering.  from_user_id: as in section 2
 * (used for data messages only; may be NULL).
 * Returns PBW_OK and *size; PBW_E_NO_RENDERING (see above); PBW_E_UTF8 (a
 * string is not valid UTF-8); PBW_E_JSON, PBW_E_DEPTH (a json payload that
 * wps_json_validate rejects); PBW_E_ARG (a data kind outside its enum, or
 * a view {NULL, n > 0}); PBW_E_TOO_BIG (views so long that the size could
 * pass SIZE_MAX: a bound is checked before counting, so no count ever
 * wraps, on 32-bit targets too).  *size is 0 on failure.  O(message).
 */
pbw_status wps_json_client_down_size(const wps_downstream *msg, const pbw_bytes *from_user_id,
                                     size_t *size);

/*
 * Writes *msg's json rendering into dst[0..cap): the statuses of
 * wps_json_client_down_size, plus PBW_E_NOSPACE (*written is then the size
 * needed; nothing written).  dst may be NULL when cap is 0; it must not
 * overlap any view of *msg (the size was counted from them).
 */
pbw_status wps_json_client_down_write(const wps_downstream *msg, const pbw_bytes *from_user_id,
                                      uint8_t *dst, size_t cap, size_t *written);

/*
 * Upstream (client to service): one JSON request frame into the same
 * wps_upstream the protobuf decoder fills, so a gateway handles every
 * client through one path.  The requests, by "type":
 *
 *   joinGroup, leaveGroup, subscribeGroupState, unsubscribeGroupState
 *                    group (required), ackId
 *   sendToGroup      group (required), ackId, noEcho, dataType + data,
 *                    stream {streamId (required), idleTimeoutMs}
 *   event            event (required), ackId, dataType + data, stream
 *   sequenceAck      sequenceId (required)
 *   ping             -
 *   invoke           invocationId (required), target ("event" if given),
 *                    event, dataType + data, stream  -> WPS_UP_INVOKE_EVENT
 *   cancelInvocation invocationId (required)
 *   streamData       streamId (required), streamSequenceId, dataType + data
 *   streamEnd        streamId (required), error {message, userErrorCode}
 *   setGroupState    group (required), ackId, state {"key":"value",..}
 *                    (absent or null: has_state 0, clear the state)
 *
 * dataType + data -> wps_data (has_data set when data is given):
 *   "text"      data is a JSON string                 -> TEXT
 *   "json"      data is any JSON value: bytes is a view of its text in the
 *               frame, exactly as sent (checked JSON)  -> JSON
 *               (also when data comes without dataType: the reference's
 *               default)
 *   "binary"    data is canonical padded base64        -> BINARY
 *   "protobuf"  data is padded base64 of a serialised google.protobuf.Any,
 *               parsed as libprotobuf does (type_url, value; unknown fields
 *               skipped)                               -> PROTOBUF
 * dataType without data: PBW_E_JSON_MISSING.  data null is the JSON value
 * null (dataType json or none; other types reject it: PBW_E_JSON_TYPE).
 *
 * Rules.  The frame must be one JSON object (RFC 8259, exactly the grammar
 * of wps_json_validate, UTF-8 checked first).  A member whose value is
 * null counts as absent (data excepted, above).  Members a request does
 * not use are ignored (their grammar is still checked), as the service
 * ignores them.  Member names
 * and string values may use any JSON escape.  Ids (ackId, sequenceId,
 * streamSequenceId) are integers 0..2^64-1 and idleTimeoutMs 0..2^32-1,
 * written without sign, fraction or exponent (what JSON.stringify writes
 * for them).
 *
 * Memory.  Nothing is allocated.  A string without escapes is a view into
 * the frame; a string with escapes, and base64's bytes, are decoded into
 * the scratch buffer you lend (from its start), and a state map's entries
 * (a wps_kv array, sorted by key) are placed at its end.  Every view in
 * *out points into frame or scratch, which must outlive the use of *out
 * and must not overlap.  WPS_JSON_REQUEST_SCRATCH(len) bytes are always
 * enough for a frame of len bytes; most frames need none at all.
 *
 * Errors, each with the byte offset in frame (err_offset; len on success):
 *   PBW_E_UTF8           invalid UTF-8 (the first bad byte), or a \u escape
 *                        of a lone surrogate in a string we decode (its
 *                        backslash)
 *   PBW_E_JSON, PBW_E_DEPTH   not JSON (where it stops being JSON), nesting
 *                        deeper than WPS_JSON_MAX_DEPTH
 *   PBW_E_JSON_TYPE      not an object at the top, a member of the wrong
 *                        JSON type, an unknown "type", dataType or target
 *                        (the value's first byte)
 *   PBW_E_NO_RENDERING   a request with no protobuf form ("invokeResponse":
 *                        a client answering the service's invocation; the
 *                        type's value)
 *   PBW_E_JSON_MISSING   a required member absent or null (the closing
 *                        brace of its object)
 *   PBW_E_JSON_DUPLICATE a member given twice (its second key); for state
 *                        keys, the state object's '{'
 *   PBW_E_RANGE          an id that is negative, fractional, written with
 *                        an exponent, or too large (the number)
 *   PBW_E_BASE64         binary or protobuf data that is not canonical
 *                        padded base64 (the string)
 *   PBW_E_TRUNCATED ... PBW_E_UTF8, PBW_E_TOO_BIG  protobuf data whose Any
 *                        does not parse (the data string: the status is
 *                        libprotobuf's)
 *   PBW_E_NOSPACE        the scratch buffer is too small (the string or
 *                        object that did not fit)
 *   PBW_E_ARG            frame NULL with len > 0
 * Grammar and UTF-8 errors of the whole frame come first; the other errors
 * in the order of the checks.  On failure *out is the empty message.
 *
 * Round trip: *out encodes with wps_upstream_encode and decodes back to the
 * same values.
 *
 * frame:        the frame, len bytes (NULL when len is 0); not modified.
 * scratch:      caller-owned, scratch_cap bytes; may be NULL when 0.
 * scratch_used: may be NULL; on PBW_OK the bytes of scratch in use.
 * err_offset:   may be NULL.
 * O(len) but for state maps (O(n log n) in their entries); no recursion;
 * stack use is WPS_JSON_MAX_DEPTH / 8 bytes plus a few hundred.
 */
pbw_status wps_json_request_parse(const uint8_t *frame, size_t len, wps_upstream *out,
                                  uint8_t *scratch, size_t scratch_cap, size_t *scratch_used,
                                  size_t *err_offset);

/* A scratch size always enough for a request frame of len bytes: its bytes,
 * plus one map entry per 6 bytes (the shortest state entry, `"":"",`) and
 * alignment.  (For static buffers; a len near SIZE_MAX / 4 overflows it.) */
#define WPS_JSON_REQUEST_SCRATCH(len) \
    ((len) + ((len) / 6 + 2) * sizeof(wps_kv))

/* ------------------------------------------------------------------------
 * 6. Gateway steps: per-receiver JSON frames, writev(), the sender's ack
 * ------------------------------------------------------------------------ */

/*
 * One json subprotocol receiver's frame, from a rendering made once without
 * sequence id (wps_json_client_write with has_sequence_id 0: it starts with
 * '{').  reliable 0: iov[0] = the rendering itself.  reliable non-zero:
 * iov[0] = `{"sequenceId":<seq>,` written into head (caller-owned, at least
 * WPS_JSON_SEQ_HEAD_MAX bytes, reusable once the frame is sent) and
 * iov[1] = the rendering after its '{'; together exactly the rendering with
 * that sequence id.  *frame_len: the total.  Returns the number of views
 * (1 or 2), or 0 when `rendered` does not start with '{' (nothing written).
 */
size_t wps_json_client_receiver(pbw_bytes rendered, int reliable, uint64_t seq, uint8_t *head,
                                pbw_bytes iov[2], size_t *frame_len);

/*
 * Layout of POSIX `struct iovec` (base, then length) without including
 * <sys/uio.h> here: the library stays freestanding.  Where <sys/uio.h>
 * exists, pass a wps_iovec array to writev() as `(struct iovec *)`; if you
 * want the compiler to confirm the layout, check sizeof and offsetof of both
 * members once in your own code.
 */
typedef struct wps_iovec {
    void *iov_base;
    size_t iov_len;
} wps_iovec;

/*
 * Copies n views into dst[0..n) (the pointers, not the bytes; a const view
 * becomes a non-const iov_base, as writev() declares it, and is never
 * written through).  Returns the total length.  dst and src may not
 * overlap.
 */
size_t wps_iovec_of(wps_iovec *dst, const pbw_bytes *src, size_t n);

/*
 * The AckMessage a service sends back for request *req, when the request
 * asked for one (has_ack_id, on SendToGroup, Event, JoinGroup, LeaveGroup,
 * SetGroupState, SubscribeGroupState, UnsubscribeGroupState).  error_name
 * empty: success.  Otherwise success false and error {error_name,
 * error_message}; the service's names are "Forbidden",
 * "InternalServerError" and "Duplicate" (an ack id seen before).
 * Returns 1 with *out filled (views into the arguments' memory), or 0
 * (*out untouched) when the request asked for no ack.
 */
int wps_ack_for(wps_downstream *out, const wps_upstream *req, pbw_bytes error_name,
                pbw_bytes error_message);

#ifdef __cplusplus
}
#endif

#endif /* WPS_SERVICE_H */
