/* SPDX-License-Identifier: MIT */
/*
 * wps_messages.h - the Azure Web PubSub protobuf message set: typed structs,
 * zero-copy decode, exact size, canonical encode.
 *
 * Subprotocols `protobuf.webpubsub.azure.v1` and
 * `protobuf.reliable.webpubsub.azure.v1`.  One WebSocket binary frame holds
 * one message: an UpstreamMessage (client to service) or a
 * DownstreamMessage (service to client).
 *
 * Model
 *   - Decoding fills a caller-owned struct.  Strings and bytes are views
 *     (pbw_bytes) into the caller's input buffer: nothing is copied and
 *     nothing is allocated.  Views stay valid while that buffer is alive and
 *     unchanged.
 *   - Each message struct mirrors its protobuf message.  A oneof is a `kind`
 *     enum (whose values are the field numbers) plus a union `u`; only the
 *     member named by `kind` is meaningful.  Every field with presence
 *     (proto3 `optional`, sub-messages) has a `has_<field>` flag, set even
 *     when the value is zero or empty.  Fields without presence are simply
 *     zero / empty when absent.
 *   - Maps and repeated fields are not unpacked into arrays (that would need
 *     memory).  The decoder records where their entries live on the wire;
 *     wps_map_next() and wps_items_next() walk them in wire order.  For
 *     encoding, the caller points the same structs at its own arrays.
 *   - Encoding writes libprotobuf's canonical (deterministic) serialisation
 *     of the struct, in one pass, into a caller buffer; wps_*_size() gives
 *     the exact size first.
 *   - Every function reports failures with a pbw_status (pbwire.h) and, for
 *     decoding, the byte offset of the first error.  No input can make a
 *     function read outside its buffers, loop forever or recurse on input
 *     depth.
 *
 * Decoding rules: libprotobuf's, exactly.  Fields in any order; unknown
 * fields skipped (groups too, nesting bounded); a known field number with
 * the wrong wire type is an unknown field; a scalar or string seen twice:
 * the last wins; a sub-message seen twice: merged; a oneof member replaced
 * by another member: cleared first; proto3 strings (map keys and values
 * too) must be valid UTF-8; nesting deeper than PBW_MAX_DEPTH is rejected.
 *
 * The same structs serve the streaming decoder, whose views point into a
 * scratch buffer the caller lends instead of into the input.
 */
#ifndef WPS_MESSAGES_H
#define WPS_MESSAGES_H

#include "pbwire.h"
#if !(defined(PBW_FREESTANDING) && PBW_FREESTANDING)
#include <string.h> /* memset, for the static inline constructors */
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Version and ABI
 * ------------------------------------------------------------------------
 *
 * This header is the one place that states the version; every build file
 * and manifest reads it or is checked against it (tests/packaging/check.py).
 * WPS_VERSION_NUMBER is 0xMMmmpp, for comparisons in #if.
 *
 * WPS_ABI_VERSION is the number in the shared library's soname
 * (libwpspb.so.0).  It changes with every release that breaks binary
 * compatibility: a changed struct layout, a removed or changed function.
 * Before 1.0 a minor release may do so; CHANGELOG.md says when one does.
 */
#define WPS_VERSION_MAJOR 0
#define WPS_VERSION_MINOR 1
#define WPS_VERSION_PATCH 0
#define WPS_VERSION_STRING "0.1.0"
#define WPS_VERSION_NUMBER \
    ((uint32_t)WPS_VERSION_MAJOR << 16 | (uint32_t)WPS_VERSION_MINOR << 8 | (uint32_t)WPS_VERSION_PATCH)
#define WPS_ABI_VERSION 0

/* The library's WPS_VERSION_NUMBER: the version of the code you linked,
 * which a shared library can make differ from the headers you compiled. */
uint32_t wps_version(void);

/*
 * The library's build configuration as a number: PBW_MAX_DEPTH in bits
 * 0..7, then one bit per option the library was built with: WPS_SMALL
 * (bit 8), WPS_NO_ENCODER (9), WPS_NO_STREAM (10), PBW_FREESTANDING (11).
 * For diagnostics (wpsdump --version prints it).
 */
uint32_t wps_build_config(void);

/*
 * WPS_ABI_CHECK(): 1 when the library this program runs with can be used
 * with the headers it was compiled with, 0 when it cannot.  Call it once at
 * start-up in a program that links a library built elsewhere (a shared
 * library, a package); a program that compiles the .c files itself with
 * the same flags always gets 1.
 *
 * It compares what shapes the structs both sides share: the ABI version,
 * PBW_MAX_DEPTH (which sizes wps_stream and bounds nesting), and the sizes
 * of wps_stream, wps_upstream and wps_downstream (which also catches
 * compilers set up differently, e.g. -fshort-enums on one side only).
 * A mismatch is not safe to run: the library would read and write structs
 * of another size than the program allocated.  WPS_SMALL and
 * PBW_FREESTANDING do not affect the ABI; a library built with
 * WPS_NO_ENCODER or WPS_NO_STREAM lacks those functions, so a program that
 * calls one fails to link.
 */
int wps_abi_check(unsigned abi_version, unsigned max_depth, size_t stream_size,
                  size_t upstream_size, size_t downstream_size);
#define WPS_ABI_CHECK()                                                        \
    wps_abi_check(WPS_ABI_VERSION, PBW_MAX_DEPTH, sizeof(wps_stream), sizeof(wps_upstream), \
                  sizeof(wps_downstream))

/* ------------------------------------------------------------------------
 * Maps and repeated fields
 * ------------------------------------------------------------------------ */

/* One map<string,string> entry. */
typedef struct wps_kv {
    pbw_bytes key;
    pbw_bytes value;
} wps_kv;

/* Deepest path from a wire region's start to a repeated field. */
#define WPS_PATH_MAX 4

/*
 * Where a decoded map's entries or a repeated field's elements are on the
 * wire.  Filled by the decoder; treat as opaque.  `ptr` is the start of the
 * outermost field that holds the first entry, `end` the end of the input,
 * and `path` the field numbers to follow from there (sub-messages that occur
 * several times are merged, so the entries may be spread over several of
 * them; the walk visits all of them in wire order).
 */
typedef struct wps_wire {
    const uint8_t *ptr;
    const uint8_t *end;
    uint8_t path[WPS_PATH_MAX];
    uint8_t depth; /* 0: no entries on the wire */
} wps_wire;

/*
 * A map<string,string> field.
 *   decoded:  entries == NULL; `count` is the number of entries on the wire,
 *             repeated keys included; `wire` says where they are.
 *   to encode: point `entries` at `count` caller entries (or leave the map
 *             zeroed for an empty map).  A decoded map may be passed to the
 *             encoder as it is.
 * Map semantics: a later entry with the same key replaces an earlier one.
 * Iteration yields every entry in wire order, repeats included, so a
 * caller that inserts the entries in order into its own dictionary gets
 * exactly libprotobuf's map; wps_map_find() gives the winning value of one
 * key.
 */
typedef struct wps_map {
    const wps_kv *entries;
    size_t count;
    wps_wire wire;
} wps_map;

/* GroupStateItem.GroupState */
typedef struct wps_group_state {
    wps_map entries; /* 1 */
} wps_group_state;

/* GroupStateItem */
typedef struct wps_group_state_item {
    pbw_bytes connection_id; /* 1 */
    pbw_bytes user_id;       /* 2, optional */
    wps_group_state state;   /* 3, optional */
    int64_t updated_at;      /* 4 */
    uint8_t has_user_id;
    uint8_t has_state;
} wps_group_state_item;

/*
 * `repeated GroupStateItem items`.  Same two faces as wps_map: decoded
 * (items == NULL, `count` elements on the wire) or caller-built (`items`
 * points at `count` elements).  Every element is kept, in wire order.
 */
typedef struct wps_items {
    const wps_group_state_item *items;
    size_t count;
    wps_wire wire;
} wps_items;

/* Iterators.  Begin, then call next until it returns 0.  The iterator holds
 * views into the map's or items' storage and nothing else; it may be copied.
 * On a decoded map the iteration cannot fail (the decoder validated every
 * byte); on a hand-made wps_wire that does not parse it stops early. */
typedef struct wps_wire_iter {
    const uint8_t *pos[WPS_PATH_MAX];
    const uint8_t *end[WPS_PATH_MAX];
    const wps_wire *wire;
    size_t index;
    unsigned level;
} wps_wire_iter;

typedef struct wps_map_iter {
    const wps_map *map;
    wps_wire_iter w;
} wps_map_iter;

typedef struct wps_items_iter {
    const wps_items *items;
    wps_wire_iter w;
} wps_items_iter;

void wps_map_begin(wps_map_iter *it, const wps_map *map);
/* Next entry into *kv (views into the map's storage).  1, or 0 at the end. */
int wps_map_next(wps_map_iter *it, wps_kv *kv);
/* The value of the last entry with this key (the one libprotobuf keeps):
 * 1 and *value set, or 0 when the key is absent.  O(entries). */
int wps_map_find(const wps_map *map, const uint8_t *key, size_t key_len, pbw_bytes *value);

void wps_items_begin(wps_items_iter *it, const wps_items *items);
/* Next element into *item (its views and its own state map point into the
 * items' storage).  1, or 0 at the end. */
int wps_items_next(wps_items_iter *it, wps_group_state_item *item);

/* ------------------------------------------------------------------------
 * MessageData: the payload of data-carrying messages
 * ------------------------------------------------------------------------ */

typedef enum wps_data_kind {
    WPS_DATA_NONE = 0,     /* MessageData present but empty */
    WPS_DATA_TEXT = 1,     /* text_data: UTF-8 text */
    WPS_DATA_BINARY = 2,   /* binary_data: bytes */
    WPS_DATA_PROTOBUF = 3, /* protobuf_data: google.protobuf.Any */
    WPS_DATA_JSON = 4      /* json_data: UTF-8 JSON text */
} wps_data_kind;

typedef struct wps_data {
    wps_data_kind kind;
    pbw_bytes bytes;    /* TEXT, JSON: the text; BINARY: the bytes; PROTOBUF: Any.value */
    pbw_bytes type_url; /* PROTOBUF: Any.type_url; otherwise empty */
    /* Decode only (ignored by the encoder): the MessageData's own bytes as
     * received (without its tag and length) when they came in a single
     * field occurrence, so they can be forwarded without re-encoding.
     * {NULL, 0} when several occurrences were merged. */
    pbw_bytes raw;
} wps_data;

/* ------------------------------------------------------------------------
 * UpstreamMessage (client -> service)
 * ------------------------------------------------------------------------ */

/* UpstreamMessage.StreamStartInfo */
typedef struct wps_stream_start {
    pbw_bytes stream_id;      /* 1 */
    uint32_t idle_timeout_ms; /* 2, optional */
    uint8_t has_idle_timeout_ms;
} wps_stream_start;

/* SendToGroupMessage */
typedef struct wps_send_to_group {
    pbw_bytes group;         /* 1 */
    uint64_t ack_id;         /* 2, optional */
    wps_data data;           /* 3 */
    uint8_t no_echo;         /* 4, optional bool */
    uint32_t ttl_seconds;    /* 5, optional (the service accepts 0..300) */
    wps_map metadata;        /* 6 */
    wps_stream_start stream; /* 7: set => this message starts a stream */
    uint8_t has_ack_id, has_data, has_no_echo, has_ttl_seconds, has_stream;
} wps_send_to_group;

/* EventMessage */
typedef struct wps_event_message {
    pbw_bytes event;         /* 1 */
    wps_data data;           /* 2 */
    uint64_t ack_id;         /* 3, optional */
    wps_map metadata;        /* 4 */
    wps_stream_start stream; /* 5 */
    uint8_t has_data, has_ack_id, has_stream;
} wps_event_message;

/* JoinGroupMessage, LeaveGroupMessage, SubscribeGroupStateMessage and
 * UnsubscribeGroupStateMessage share one shape. */
typedef struct wps_group_request {
    pbw_bytes group; /* 1 */
    uint64_t ack_id; /* 2, optional */
    uint8_t has_ack_id;
} wps_group_request;

/* SequenceAckMessage (reliable subprotocol) */
typedef struct wps_sequence_ack {
    uint64_t sequence_id; /* 1 */
} wps_sequence_ack;

/* InvokeEventMessage */
typedef struct wps_invoke_event {
    pbw_bytes event;         /* 1 */
    pbw_bytes invocation_id; /* 2 */
    wps_data data;           /* 3 */
    wps_map metadata;        /* 4 */
    wps_stream_start stream; /* 5 */
    uint8_t has_data, has_stream;
} wps_invoke_event;

/* CancelInvocationMessage */
typedef struct wps_cancel_invocation {
    pbw_bytes invocation_id; /* 1 */
} wps_cancel_invocation;

/* StreamDataMessage */
typedef struct wps_stream_data {
    pbw_bytes stream_id;         /* 1 */
    uint64_t stream_sequence_id; /* 2, optional */
    wps_data data;               /* 3 */
    uint8_t has_stream_sequence_id, has_data;
} wps_stream_data;

/* StreamEndMessage.StreamEndError */
typedef struct wps_stream_end_error {
    pbw_bytes message;         /* 1, optional */
    pbw_bytes user_error_code; /* 2, optional */
    uint8_t has_message, has_user_error_code;
} wps_stream_end_error;

/* StreamEndMessage */
typedef struct wps_stream_end {
    pbw_bytes stream_id;        /* 1 */
    wps_stream_end_error error; /* 2, optional */
    uint8_t has_error;
} wps_stream_end;

/* SetGroupStateMessage */
typedef struct wps_set_group_state {
    pbw_bytes group;       /* 1 */
    uint64_t ack_id;       /* 2, optional */
    wps_group_state state; /* 3, optional: absent => clear the state */
    uint8_t has_ack_id, has_state;
} wps_set_group_state;

/* The UpstreamMessage oneof: kind values are the field numbers. */
typedef enum wps_up_kind {
    WPS_UP_NONE = 0,
    WPS_UP_SEND_TO_GROUP = 1,
    WPS_UP_EVENT = 5,
    WPS_UP_JOIN_GROUP = 6,
    WPS_UP_LEAVE_GROUP = 7,
    WPS_UP_SEQUENCE_ACK = 8,
    WPS_UP_PING = 9, /* PingMessage has no fields */
    WPS_UP_INVOKE_EVENT = 10,
    WPS_UP_CANCEL_INVOCATION = 11,
    WPS_UP_STREAM_DATA = 13,
    WPS_UP_STREAM_END = 14,
    WPS_UP_SET_GROUP_STATE = 15,
    WPS_UP_SUBSCRIBE_GROUP_STATE = 16,
    WPS_UP_UNSUBSCRIBE_GROUP_STATE = 17
} wps_up_kind;

typedef struct wps_upstream {
    wps_up_kind kind;
    union {
        wps_send_to_group send_to_group;
        wps_event_message event;
        wps_group_request join_group;
        wps_group_request leave_group;
        wps_sequence_ack sequence_ack;
        wps_invoke_event invoke_event;
        wps_cancel_invocation cancel_invocation;
        wps_stream_data stream_data;
        wps_stream_end stream_end;
        wps_set_group_state set_group_state;
        wps_group_request subscribe_group_state;
        wps_group_request unsubscribe_group_state;
    } u;
} wps_upstream;

/* ------------------------------------------------------------------------
 * DownstreamMessage (service -> client)
 * ------------------------------------------------------------------------ */

/* AckMessage.ErrorMessage, InvokeResponseMessage.ErrorMessage and
 * StreamClosedMessage.StreamClosedError share one shape. */
typedef struct wps_error {
    pbw_bytes name;    /* 1 */
    pbw_bytes message; /* 2 */
} wps_error;

/* AckMessage */
typedef struct wps_ack {
    uint64_t ack_id; /* 1 */
    uint8_t success; /* 2 */
    wps_error error; /* 3, optional */
    uint8_t has_error;
} wps_ack;

/* StreamInfo.StreamError */
typedef struct wps_stream_error {
    pbw_bytes name;            /* 1 */
    pbw_bytes message;         /* 2 */
    pbw_bytes user_error_code; /* 3 */
} wps_stream_error;

/* StreamInfo */
typedef struct wps_stream_info {
    pbw_bytes stream_id;         /* 1 */
    uint64_t stream_sequence_id; /* 2 */
    uint8_t end_of_stream;       /* 3, optional */
    wps_stream_error error;      /* 4, optional */
    uint8_t has_end_of_stream, has_error;
} wps_stream_info;

/* DataMessage */
typedef struct wps_data_message {
    pbw_bytes from;         /* 1: "group" or "server" */
    pbw_bytes group;        /* 2, optional */
    wps_data data;          /* 3 */
    uint64_t sequence_id;   /* 4, optional: reliable subprotocol only */
    wps_map metadata;       /* 5 */
    wps_stream_info stream; /* 6: set when the message belongs to a stream */
    uint8_t has_group, has_data, has_sequence_id, has_stream;
} wps_data_message;

/* SystemMessage.ConnectedMessage */
typedef struct wps_connected {
    pbw_bytes connection_id;      /* 1 */
    pbw_bytes user_id;            /* 2 */
    pbw_bytes reconnection_token; /* 3, optional: reliable subprotocol only */
    uint8_t has_reconnection_token;
} wps_connected;

/* SystemMessage.DisconnectedMessage (field 1 is reserved) */
typedef struct wps_disconnected {
    pbw_bytes reason; /* 2 */
} wps_disconnected;

typedef enum wps_system_kind {
    WPS_SYSTEM_NONE = 0,
    WPS_SYSTEM_CONNECTED = 1,
    WPS_SYSTEM_DISCONNECTED = 2
} wps_system_kind;

/* SystemMessage: a oneof of its own. */
typedef struct wps_system {
    wps_system_kind kind;
    union {
        wps_connected connected;
        wps_disconnected disconnected;
    } u;
} wps_system;

/* InvokeResponseMessage */
typedef struct wps_invoke_response {
    pbw_bytes invocation_id; /* 1 */
    uint8_t success;         /* 2 */
    wps_data data;           /* 3, optional */
    wps_error error;         /* 4, optional */
    wps_map metadata;        /* 5 */
    uint8_t has_data, has_error;
} wps_invoke_response;

/* StreamAckMessage */
typedef struct wps_stream_ack {
    pbw_bytes stream_id;           /* 1 */
    uint64_t expected_sequence_id; /* 2 */
} wps_stream_ack;

/* StreamNackMessage */
typedef struct wps_stream_nack {
    pbw_bytes stream_id;           /* 1 */
    pbw_bytes name;                /* 2 */
    pbw_bytes message;             /* 3 */
    uint64_t expected_sequence_id; /* 4 */
} wps_stream_nack;

/* StreamClosedMessage */
typedef struct wps_stream_closed {
    pbw_bytes stream_id; /* 1 */
    wps_error error;     /* 2, optional */
    uint8_t has_error;
} wps_stream_closed;

/* GroupStateUpdateMessage and GroupStateSnapshotMessage share one shape. */
typedef struct wps_group_state_list {
    pbw_bytes group;      /* 1 */
    wps_items items;      /* 2 */
    uint64_t sequence_id; /* 3, optional */
    uint8_t has_sequence_id;
} wps_group_state_list;

/* The DownstreamMessage oneof: kind values are the field numbers. */
typedef enum wps_down_kind {
    WPS_DOWN_NONE = 0,
    WPS_DOWN_ACK = 1,
    WPS_DOWN_DATA = 2,
    WPS_DOWN_SYSTEM = 3,
    WPS_DOWN_PONG = 4, /* PongMessage has no fields */
    WPS_DOWN_INVOKE_RESPONSE = 5,
    WPS_DOWN_STREAM_ACK = 6,
    WPS_DOWN_STREAM_NACK = 7,
    WPS_DOWN_STREAM_CLOSED = 8,
    WPS_DOWN_GROUP_STATE_UPDATE = 9,
    WPS_DOWN_GROUP_STATE_SNAPSHOT = 10
} wps_down_kind;

typedef struct wps_downstream {
    wps_down_kind kind;
    union {
        wps_ack ack;
        wps_data_message data;
        wps_system system;
        wps_invoke_response invoke_response;
        wps_stream_ack stream_ack;
        wps_stream_nack stream_nack;
        wps_stream_closed stream_closed;
        wps_group_state_list group_state_update;
        wps_group_state_list group_state_snapshot;
    } u;
} wps_downstream;

/* ------------------------------------------------------------------------
 * Decode
 * ------------------------------------------------------------------------ */

/* Flags for the decoders. */
#define WPS_DECODE_NO_UTF8 1u /* skip UTF-8 checks of string fields.  Faster,
                                 but accepts messages libprotobuf rejects. */

/*
 * Decodes one message from buf[0..len) into *out.
 *
 * buf:   the whole message (the WebSocket frame's payload).  Not modified.
 *        May be NULL when len is 0.  The caller keeps ownership; every view
 *        stored in *out points into buf, so buf must outlive the use of *out.
 * out:   caller-owned; fully (re)initialised by the call.
 * flags: 0 or WPS_DECODE_NO_UTF8.
 * err_offset: may be NULL.  On failure, the byte offset in buf of the first
 *        error (see pbwire.h for what each status points at); on success,
 *        len.
 *
 * Returns PBW_OK, or the first error in wire order: PBW_E_TRUNCATED,
 * PBW_E_VARINT, PBW_E_FIELD_ZERO, PBW_E_WIRE_TYPE, PBW_E_LENGTH,
 * PBW_E_END_GROUP, PBW_E_OPEN_GROUP, PBW_E_DEPTH, PBW_E_UTF8 or
 * PBW_E_TOO_BIG (a length prefix above PBW_LEN_MAX; or len above
 * PBW_MSG_MAX, at offset PBW_MSG_MAX, before anything else) - exactly
 * when libprotobuf's ParseFromString would fail.  On failure *out is reset
 * to the empty message (kind NONE).  Stack use is fixed (a few hundred
 * bytes: see the README's table), whatever the input.
 */
pbw_status wps_upstream_decode(const uint8_t *buf, size_t len, wps_upstream *out,
                               unsigned flags, size_t *err_offset);
pbw_status wps_downstream_decode(const uint8_t *buf, size_t len, wps_downstream *out,
                                 unsigned flags, size_t *err_offset);

/*
 * The MessageData a message carries: the data of its selected member
 * (SendToGroup, Event, InvokeEvent or StreamData upstream; Data or
 * InvokeResponse downstream) when its has_data is set, else NULL (also for
 * a kind outside the enum).  Its payload is what wps_*_encode_split()
 * leaves out and what the streaming decoder delivers as events.  A pointer
 * into *msg.
 */
const wps_data *wps_upstream_data(const wps_upstream *msg);
const wps_data *wps_downstream_data(const wps_downstream *msg);

/* ------------------------------------------------------------------------
 * Size and encode
 * ------------------------------------------------------------------------ */

/*
 * Exact number of bytes wps_*_encode() writes for *msg.  Pure; O(fields).
 * A message with kind NONE has size 0 (the empty message).  Size and
 * encode agree on validity: for a message that encode refuses (PBW_E_ARG
 * or PBW_E_TOO_BIG, see below) the size is 0 as well, so a nonzero size
 * always means encode succeeds with that much room (given a dst that
 * overlaps no view).  Never wraps, on 32-bit targets either.
 */
size_t wps_upstream_size(const wps_upstream *msg);
size_t wps_downstream_size(const wps_downstream *msg);

/*
 * Encodes *msg into dst[0..cap) in one pass: libprotobuf's deterministic
 * serialisation of the same values, byte for byte.  Fields go out in
 * field-number order; fields without presence are written only when
 * non-zero / non-empty; fields with a has_ flag (and the selected oneof
 * member) whenever the flag is set, even if zero or empty.  Map entries
 * are written with both key and value, in the order given (libprotobuf
 * sorts them by key: pass them sorted, or use WPS_ENCODE_SORTED_MAPS below,
 * to match its bytes).  wps_data.raw is
 * ignored.  Strings are written as given: the caller supplies valid UTF-8.
 *
 * Presence, one rule for every field: a field with a has_ flag is written
 * exactly when its flag is set (has_ack_id = 0 leaves ack_id out whatever
 * its value, as has_data = 0 leaves data out); a field without one when
 * its value is not zero / empty; the selected oneof member always.
 *
 * msg:  caller-owned, not modified.  Every view that is written must be
 *       {NULL, 0} or point at len readable bytes: {NULL, len > 0} is
 *       PBW_E_ARG (the same rule as wps_service.h's renderings).  A map or
 *       item list with count > 0 needs its array or its decoded wire region.
 * dst:  caller-owned output; may be NULL when cap is 0.  dst[0..cap) must
 *       not overlap any view of msg (nor a decoded map's wire region): the
 *       encoder reads the views while it writes.  Re-encoding a frame into
 *       its own buffer is therefore refused with PBW_E_ARG, and nothing is
 *       written.
 * written: not NULL.  On PBW_OK the number of bytes written; on
 *       PBW_E_NOSPACE the number of bytes needed (nothing is written); 0
 *       on the other errors.
 * Returns PBW_OK, PBW_E_NOSPACE, PBW_E_ARG (a kind field holding a value
 * that is not one of its enum's members, a {NULL, len > 0} view, a view
 * overlapping dst[0..cap)), or PBW_E_TOO_BIG (the encoding would exceed
 * PBW_LEN_MAX bytes, which libprotobuf could not read back).
 */
pbw_status wps_upstream_encode(const wps_upstream *msg, uint8_t *dst, size_t cap,
                               size_t *written);
pbw_status wps_downstream_encode(const wps_downstream *msg, uint8_t *dst, size_t cap,
                                 size_t *written);

/*
 * wps_*_encode with flags.  WPS_ENCODE_SORTED_MAPS: every map goes out as
 * libprotobuf's deterministic serialisation writes it, whatever order the
 * entries are given or were decoded in: each distinct key once, with the
 * value of its last occurrence (a later duplicate wins, as in a decoded
 * map), sorted by key (bytewise).  No memory is used: a selection walk,
 * n + 1 passes over a map of n entries, O(n^2) key comparisons per map (a
 * decoded map is re-walked on its wire region at each pass): cheap for the
 * handful of metadata entries this protocol carries, not meant for
 * thousands.  0: exactly wps_*_encode.  The size, in one call: the
 * PBW_E_NOSPACE answer (dst NULL, cap 0) gives it.
 */
#define WPS_ENCODE_SORTED_MAPS 1u
pbw_status wps_upstream_encode_flags(const wps_upstream *msg, unsigned flags, uint8_t *dst,
                                     size_t cap, size_t *written);
pbw_status wps_downstream_encode_flags(const wps_downstream *msg, unsigned flags, uint8_t *dst,
                                       size_t cap, size_t *written);

/* ------------------------------------------------------------------------
 * Streaming decode: push bytes in, pull events out
 * ------------------------------------------------------------------------
 *
 * For frames that arrive in pieces (TCP segments, WebSocket continuation
 * frames) and payloads too big to hold.  The decoder fills the same struct
 * as wps_*_decode(), with the same semantics and the same errors at the
 * same offsets, from any split of the same bytes.  It is resumable at every
 * byte and keeps all its state in a caller-owned wps_stream (no allocation,
 * no callbacks).  One wps_stream decodes one frame: initialise it again for
 * the next frame; the input after a frame's MESSAGE_END (*p) is the next
 * frame's.
 *
 * Where the bytes go:
 *   - short fields (group, event, ids, names, type URLs, map entries,
 *     group-state items) are copied whole into the scratch buffer you lend,
 *     so the struct's views point into it.  A field that does not fit is
 *     PBW_E_NOSPACE; nothing is ever truncated.  Each field takes its length
 *     plus 2 to 6 bytes of framing, never more than it takes on the wire,
 *     and a field repeated on the wire takes room for every occurrence: a
 *     scratch buffer as large as the frame is always enough.
 *   - payloads (text_data, binary_data, json_data, Any.value) are not
 *     copied: they come out as PAYLOAD_BEGIN (the total length, and the
 *     first bytes at hand) / PAYLOAD_CHUNK (more bytes) / PAYLOAD_END
 *     events, the bytes as views into your input, so a payload of any size
 *     passes through fixed memory.  Text and JSON are UTF-8-checked across
 *     chunk boundaries.  In the struct the payload's view is {NULL, length}:
 *     the bytes are what BEGIN and the chunks carried.
 *   - data.raw is {NULL, 0} (the MessageData bytes were never in memory).
 *
 * Last wins: a payload field can occur more than once, and a oneof switch
 * can clear one already delivered.  So: on PAYLOAD_BEGIN drop whatever
 * payload bytes you hold and start collecting anew (with BEGIN's own
 * bytes); on PAYLOAD_DISCARD drop them.  At MESSAGE_END, what you hold is
 * exactly the struct's payload.
 *
 * The common case is fast: when the declared length is known, the whole
 * frame is in the chunk and the scratch buffer is as large as the frame,
 * the frame is decoded at once by the one-shot decoder and only the payload
 * that counts is delivered.  Otherwise the decoder goes field by field.
 *
 * WPS_STREAM_COLLECT (init flag): you lend the scratch buffer for payloads
 * too.  A payload whose record fits the scratch buffer's free room (its
 * length plus 2 to 6 bytes) is collected there like a short field and
 * appears in the struct as a view, with no payload events (a payload
 * streamed before it and replaced by it is discarded with PAYLOAD_DISCARD,
 * as usual); a larger one streams as above.  At MESSAGE_END,
 * data.bytes.ptr != NULL means the payload is in the struct.  With a
 * declared length and a scratch buffer as large as the frame, every payload
 * is collected and the frame is fast however it is split: its bytes are
 * gathered into the scratch buffer as they come (one copy per chunk) and
 * decoded at once by the one-shot decoder when complete (so every event
 * waits for the frame's last byte; not in a WPS_SMALL build, which goes
 * field by field, with the same results).
 *
 * Usage:
 *     wps_stream s;
 *     wps_stream_event ev;
 *     wps_stream_init_upstream(&s, &msg, scratch, sizeof scratch, frame_len, 0);
 *     while (have input) {
 *         const uint8_t *p = chunk, *end = chunk + n;
 *         while ((st = wps_stream_next(&s, &p, end, &ev)) == PBW_OK) {
 *             ... handle ev; MESSAGE_END means msg is complete ...
 *         }
 *         if (st != PBW_NEED_MORE) ... error at wps_stream_offset(&s) ...
 *     }
 * With an unknown frame length pass WPS_LEN_UNKNOWN and call
 * wps_stream_finish() when the input ends.
 */

#define WPS_LEN_UNKNOWN UINT64_MAX

/* Flag for wps_stream_init_*: payloads that fit the scratch buffer's free
 * room are collected there and appear in the struct as views, with no
 * payload events (see above). */
#define WPS_STREAM_COLLECT 2u

typedef enum wps_stream_event_type {
    WPS_EV_PAYLOAD_BEGIN = 1, /* a payload starts: kind, length, data, and in
                               * chunk its first bytes (possibly none) */
    WPS_EV_PAYLOAD_CHUNK,     /* its next bytes: chunk (never empty) */
    WPS_EV_PAYLOAD_END,       /* it is complete (and, for text, valid UTF-8) */
    WPS_EV_PAYLOAD_DISCARD,   /* the payload delivered so far no longer counts */
    WPS_EV_MESSAGE_END        /* the message is complete in the struct */
} wps_stream_event_type;

typedef struct wps_stream_event {
    wps_stream_event_type type;
    wps_data_kind kind; /* payload events: TEXT, BINARY, JSON, or PROTOBUF (Any.value) */
    uint64_t remaining; /* PAYLOAD_BEGIN, PAYLOAD_CHUNK: the payload's bytes
                         * not delivered before this event, this event's
                         * chunk included (so on BEGIN, the total length;
                         * the total is also data->bytes.len) */
    pbw_bytes chunk;    /* PAYLOAD_BEGIN, PAYLOAD_CHUNK: payload bytes, a view
                         * into the input passed to this call, valid as long
                         * as that input is ({NULL, 0} for none) */
    wps_data *data;     /* payload events: the wps_data in your struct that the
                         * payload belongs to */
} wps_stream_event;

/* Bytes of packed group field numbers: PBW_MAX_DEPTH entries of 29 bits. */
#define WPS__GROUP_BYTES ((PBW_MAX_DEPTH * 29 + 7) / 8)
#define WPS__FRAMES 4

/*
 * The decoder state.  Caller-owned, fixed size: at most 512 bytes on a
 * 64-bit target with PBW_MAX_DEPTH 100 (asserted at compile time); the
 * field numbers of open unknown groups take 363 of them.  Its fields are
 * private: use the functions.
 */
typedef struct wps_stream {
    uint8_t *msg;              /* the struct being filled */
    uint8_t *scratch;          /* the caller's buffer for short fields */
    size_t scratch_cap, scratch_len, field_at; /* field_at: where the field being buffered starts */
    uint64_t pos;              /* absolute offset of the next input byte */
    uint64_t elem;             /* offset of the element being read (for errors) */
    uint64_t acc;              /* varint being assembled, or bytes left in a value */
    uint64_t err;              /* error offset (sticky), or a held error's offset */
    uint64_t frame_end[WPS__FRAMES]; /* [0] is the declared total length */
    uint64_t root_len_at;      /* length prefix of the open root-level field */
    uint64_t group_at;         /* tag of the outermost open unknown group */
    uint32_t tag;              /* the field being read */
    uint16_t frame_base[WPS__FRAMES]; /* struct of each frame, as an offset in msg */
    uint8_t frame_desc[WPS__FRAMES];  /* message type of each frame */
    uint8_t depth, state, nbytes, flags, status, held, pending, payload;
    uint16_t ngroups;
    pbw_utf8 utf8;
    uint8_t groups[WPS__GROUP_BYTES];
} wps_stream;

/*
 * Starts decoding one message into *msg (which is initialised here, and
 * complete when MESSAGE_END is delivered).
 * scratch: the caller's buffer for short fields, scratch_cap bytes; it and
 *   msg must outlive the decoding and the use of msg.  May be NULL when
 *   scratch_cap is 0 (then only messages without short fields decode).
 * total_len: the frame's length if known (decoding ends by itself after
 *   exactly that many bytes), else WPS_LEN_UNKNOWN (call wps_stream_finish).
 *   A known length above PBW_MSG_MAX is PBW_E_TOO_BIG at offset PBW_MSG_MAX
 *   from the first call on; with an unknown length, input beyond
 *   PBW_MSG_MAX bytes is PBW_E_TOO_BIG at that offset (libprotobuf reads
 *   no more than INT_MAX bytes).  Payload lengths, like every length, are
 *   at most PBW_LEN_MAX, so they always fit a size_t, on 32-bit too.
 * flags: 0, WPS_DECODE_NO_UTF8, WPS_STREAM_COLLECT, or both.
 */
void wps_stream_init_upstream(wps_stream *s, wps_upstream *msg, uint8_t *scratch,
                              size_t scratch_cap, uint64_t total_len, unsigned flags);
void wps_stream_init_downstream(wps_stream *s, wps_downstream *msg, uint8_t *scratch,
                                size_t scratch_cap, uint64_t total_len, unsigned flags);

/*
 * Consumes input from *p (up to end) until the next event, advancing *p
 * past every byte it consumed.  *p may equal end (an empty chunk); p, or
 * *p and end, may be NULL (a call without input, to collect events).
 * Returns:
 *   PBW_OK        *ev holds an event; call again (with the rest of the input).
 *   PBW_NEED_MORE every byte up to end was consumed; feed the next chunk.
 *                 Not an error.
 *   an error      the message is malformed (the same status as the one-shot
 *                 decoder) or a short field does not fit the scratch buffer
 *                 (PBW_E_NOSPACE).  Errors are sticky: every later call
 *                 returns the same one; wps_stream_offset() gives its byte
 *                 offset.  When the length is unknown, an error inside a
 *                 top-level field is reported once the input reaches that
 *                 field's end (or at finish), because only then is it known
 *                 which error comes first.
 * After MESSAGE_END every call returns PBW_OK and MESSAGE_END again, and
 * consumes nothing.
 */
pbw_status wps_stream_next(wps_stream *s, const uint8_t **p, const uint8_t *end,
                           wps_stream_event *ev);

/*
 * Declares that the input has ended.  Returns PBW_OK with the remaining
 * events one at a time (call until MESSAGE_END), or the error the one-shot
 * decoder gives for the bytes fed so far.  With a declared length that was
 * not reached, the frame was cut short: PBW_E_TRUNCATED at the offset where
 * the input stopped.
 */
pbw_status wps_stream_finish(wps_stream *s, wps_stream_event *ev);

/* Bytes consumed so far; after an error, the error's byte offset. */
uint64_t wps_stream_offset(const wps_stream *s);

/* ------------------------------------------------------------------------
 * Payload-streaming encode: head + payload + tail
 * ------------------------------------------------------------------------
 *
 * For a message whose payload is not in memory (flash, a file, a socket):
 * set the payload's view to {NULL or anything, payload length}; these
 * functions write every byte before the payload (the head, nested lengths
 * included) and every byte after it (the tail).  head, then exactly
 * `length` payload bytes, then tail, is byte-identical to what
 * wps_*_encode() writes with the payload in place.
 *
 * The payload is the MessageData of the message (text, binary or JSON
 * bytes, or Any.value).  dst receives head then tail back to back:
 * dst[0 .. *head_len) and dst[*head_len .. *head_len + *tail_len).
 * The payload's view is never read, so it may be {NULL, length}; every
 * other view follows wps_*_encode()'s rules, dst[0..cap) included.
 * Returns PBW_OK, PBW_E_NOSPACE (nothing written; *head_len + *tail_len is
 * the room needed), PBW_E_ARG (an invalid kind or view, or no payload: the
 * message has no data, or its data kind is NONE), or PBW_E_TOO_BIG (head,
 * payload and tail together would exceed PBW_LEN_MAX bytes: a payload of
 * 2 GiB or more cannot be framed).
 */
pbw_status wps_upstream_encode_split(const wps_upstream *msg, uint8_t *dst, size_t cap,
                                     size_t *head_len, size_t *tail_len);
pbw_status wps_downstream_encode_split(const wps_downstream *msg, uint8_t *dst, size_t cap,
                                       size_t *head_len, size_t *tail_len);

/*
 * A compile-time bound on head + tail, for sizing static buffers: a message
 * whose strings (every string field, map keys and values included, the
 * payload excluded) total `string_bytes`, with `map_entries` map entries
 * and `items` group-state items (their own strings counted in
 * string_bytes and their entries in map_entries).  Tags, length prefixes
 * and scalars of the deepest message of the schema fit in
 * WPS__FIELDS_MAX bytes.
 */
#define WPS__FIELDS_MAX 192
#define WPS_HEAD_TAIL_MAX(string_bytes, map_entries, items) \
    (WPS__FIELDS_MAX + 20 * (map_entries) + 40 * (items) + (string_bytes))

/* ------------------------------------------------------------------------
 * Building messages, and names for logs
 * ------------------------------------------------------------------------
 *
 * Constructors for the messages a client sends and a service answers.
 * Each one zeroes *m, then sets the kind, the member's fields and their
 * has_ flags: the result encodes as is.  Views are copied, not bytes: the
 * memory they point at must outlive the encoding.  Everything here is
 * static inline, so a program that does not call a function carries no code
 * for it (firmware size is unchanged by their existence).
 *
 *     wps_upstream m;
 *     wps_up_send_to_group(&m, pbw_str("chat"), wps_text(pbw_str("hello")));
 *     wps_up_set_ack_id(&m, 1);
 *     st = wps_upstream_encode(&m, buf, sizeof buf, &n);
 *
 * Anything not covered (metadata, streams, ttl, no_echo...) is a field of
 * the struct: set it after the constructor.
 */

/* Payloads: a text, binary or JSON payload of the given bytes; a protobuf
 * payload (google.protobuf.Any) of type_url and value. */
static inline wps_data wps_data_of(wps_data_kind kind, pbw_bytes bytes)
{
    wps_data d;
    memset(&d, 0, sizeof d);
    d.kind = kind;
    d.bytes = bytes;
    return d;
}
static inline wps_data wps_text(pbw_bytes text) { return wps_data_of(WPS_DATA_TEXT, text); }
static inline wps_data wps_binary(pbw_bytes bytes) { return wps_data_of(WPS_DATA_BINARY, bytes); }
static inline wps_data wps_json(pbw_bytes json) { return wps_data_of(WPS_DATA_JSON, json); }
static inline wps_data wps_protobuf(pbw_bytes type_url, pbw_bytes value)
{
    wps_data d = wps_data_of(WPS_DATA_PROTOBUF, value);
    d.type_url = type_url;
    return d;
}

/* Upstream: JoinGroup, LeaveGroup, SendToGroup, Event, SequenceAck, Ping. */
static inline void wps_up_join_group(wps_upstream *m, pbw_bytes group)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_UP_JOIN_GROUP;
    m->u.join_group.group = group;
}
static inline void wps_up_leave_group(wps_upstream *m, pbw_bytes group)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_UP_LEAVE_GROUP;
    m->u.leave_group.group = group;
}
static inline void wps_up_send_to_group(wps_upstream *m, pbw_bytes group, wps_data data)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_UP_SEND_TO_GROUP;
    m->u.send_to_group.group = group;
    m->u.send_to_group.data = data;
    m->u.send_to_group.has_data = 1;
}
static inline void wps_up_event(wps_upstream *m, pbw_bytes event, wps_data data)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_UP_EVENT;
    m->u.event.event = event;
    m->u.event.data = data;
    m->u.event.has_data = 1;
}
static inline void wps_up_sequence_ack(wps_upstream *m, uint64_t sequence_id)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_UP_SEQUENCE_ACK;
    m->u.sequence_ack.sequence_id = sequence_id;
}
static inline void wps_up_ping(wps_upstream *m)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_UP_PING;
}

/*
 * Asks the service for an AckMessage: sets ack_id (and has_ack_id) on a
 * message whose kind has one (SendToGroup, Event, JoinGroup, LeaveGroup,
 * SetGroupState, SubscribeGroupState, UnsubscribeGroupState).  Returns 1,
 * or 0 (nothing changed) for a kind without an ack id.
 */
static inline int wps_up_set_ack_id(wps_upstream *m, uint64_t ack_id)
{
    uint64_t *id;
    uint8_t *has;
    switch (m->kind) {
    case WPS_UP_SEND_TO_GROUP:
        id = &m->u.send_to_group.ack_id, has = &m->u.send_to_group.has_ack_id;
        break;
    case WPS_UP_EVENT:
        id = &m->u.event.ack_id, has = &m->u.event.has_ack_id;
        break;
    case WPS_UP_JOIN_GROUP:
    case WPS_UP_LEAVE_GROUP:
    case WPS_UP_SUBSCRIBE_GROUP_STATE:
    case WPS_UP_UNSUBSCRIBE_GROUP_STATE: /* one shape: the same offsets */
        id = &m->u.join_group.ack_id, has = &m->u.join_group.has_ack_id;
        break;
    case WPS_UP_SET_GROUP_STATE:
        id = &m->u.set_group_state.ack_id, has = &m->u.set_group_state.has_ack_id;
        break;
    default:
        return 0;
    }
    *id = ack_id;
    *has = 1;
    return 1;
}

/* Downstream: Ack (success, or failure with an error name such as
 * "Duplicate", "Forbidden", "InternalServerError" and a message), Data from
 * a group or from the server, Connected, Disconnected, Pong. */
static inline void wps_down_ack(wps_downstream *m, uint64_t ack_id)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_DOWN_ACK;
    m->u.ack.ack_id = ack_id;
    m->u.ack.success = 1;
}
static inline void wps_down_ack_error(wps_downstream *m, uint64_t ack_id, pbw_bytes name,
                                      pbw_bytes message)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_DOWN_ACK;
    m->u.ack.ack_id = ack_id;
    m->u.ack.has_error = 1;
    m->u.ack.error.name = name;
    m->u.ack.error.message = message;
}
static inline void wps_down_group_data(wps_downstream *m, pbw_bytes group, wps_data data)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_DOWN_DATA;
    m->u.data.from = pbw_str("group");
    m->u.data.group = group;
    m->u.data.has_group = 1;
    m->u.data.data = data;
    m->u.data.has_data = 1;
}
static inline void wps_down_server_data(wps_downstream *m, wps_data data)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_DOWN_DATA;
    m->u.data.from = pbw_str("server");
    m->u.data.data = data;
    m->u.data.has_data = 1;
}
/* The reliable subprotocol's sequence id of a DataMessage: 1, or 0
 * (nothing changed) for another kind. */
static inline int wps_down_set_sequence_id(wps_downstream *m, uint64_t sequence_id)
{
    if (m->kind != WPS_DOWN_DATA)
        return 0;
    m->u.data.sequence_id = sequence_id;
    m->u.data.has_sequence_id = 1;
    return 1;
}
/* reconnection_token: {NULL, 0} leaves it out (the plain subprotocol); any
 * other view, even empty, is sent. */
static inline void wps_down_connected(wps_downstream *m, pbw_bytes connection_id,
                                      pbw_bytes user_id, pbw_bytes reconnection_token)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_DOWN_SYSTEM;
    m->u.system.kind = WPS_SYSTEM_CONNECTED;
    m->u.system.u.connected.connection_id = connection_id;
    m->u.system.u.connected.user_id = user_id;
    m->u.system.u.connected.reconnection_token = reconnection_token;
    m->u.system.u.connected.has_reconnection_token = reconnection_token.ptr != NULL;
}
static inline void wps_down_disconnected(wps_downstream *m, pbw_bytes reason)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_DOWN_SYSTEM;
    m->u.system.kind = WPS_SYSTEM_DISCONNECTED;
    m->u.system.u.disconnected.reason = reason;
}
static inline void wps_down_pong(wps_downstream *m)
{
    memset(m, 0, sizeof *m);
    m->kind = WPS_DOWN_PONG;
}

/*
 * Names for logs: the protobuf field name of a message kind
 * ("sendToGroupMessage", "dataMessage"...), of a payload kind ("text",
 * "binary", "protobuf", "json"; "none"), of a system message kind
 * ("connectedMessage", "disconnectedMessage"), of a streaming event
 * ("PAYLOAD_BEGIN"...).  Static strings; "?" for a value outside the enum
 * (never NULL).  Header-only, like the constructors.
 */
static inline const char *wps_upstream_kind_name(wps_up_kind k)
{
    switch (k) {
    case WPS_UP_NONE: return "none";
    case WPS_UP_SEND_TO_GROUP: return "sendToGroupMessage";
    case WPS_UP_EVENT: return "eventMessage";
    case WPS_UP_JOIN_GROUP: return "joinGroupMessage";
    case WPS_UP_LEAVE_GROUP: return "leaveGroupMessage";
    case WPS_UP_SEQUENCE_ACK: return "sequenceAckMessage";
    case WPS_UP_PING: return "pingMessage";
    case WPS_UP_INVOKE_EVENT: return "invokeEventMessage";
    case WPS_UP_CANCEL_INVOCATION: return "cancelInvocationMessage";
    case WPS_UP_STREAM_DATA: return "streamDataMessage";
    case WPS_UP_STREAM_END: return "streamEndMessage";
    case WPS_UP_SET_GROUP_STATE: return "setGroupStateMessage";
    case WPS_UP_SUBSCRIBE_GROUP_STATE: return "subscribeGroupStateMessage";
    case WPS_UP_UNSUBSCRIBE_GROUP_STATE: return "unsubscribeGroupStateMessage";
    }
    return "?";
}
static inline const char *wps_downstream_kind_name(wps_down_kind k)
{
    switch (k) {
    case WPS_DOWN_NONE: return "none";
    case WPS_DOWN_ACK: return "ackMessage";
    case WPS_DOWN_DATA: return "dataMessage";
    case WPS_DOWN_SYSTEM: return "systemMessage";
    case WPS_DOWN_PONG: return "pongMessage";
    case WPS_DOWN_INVOKE_RESPONSE: return "invokeResponseMessage";
    case WPS_DOWN_STREAM_ACK: return "streamAckMessage";
    case WPS_DOWN_STREAM_NACK: return "streamNackMessage";
    case WPS_DOWN_STREAM_CLOSED: return "streamClosedMessage";
    case WPS_DOWN_GROUP_STATE_UPDATE: return "groupStateUpdateMessage";
    case WPS_DOWN_GROUP_STATE_SNAPSHOT: return "groupStateSnapshotMessage";
    }
    return "?";
}
static inline const char *wps_data_kind_name(wps_data_kind k)
{
    switch (k) {
    case WPS_DATA_NONE: return "none";
    case WPS_DATA_TEXT: return "text";
    case WPS_DATA_BINARY: return "binary";
    case WPS_DATA_PROTOBUF: return "protobuf";
    case WPS_DATA_JSON: return "json";
    }
    return "?";
}
static inline const char *wps_system_kind_name(wps_system_kind k)
{
    switch (k) {
    case WPS_SYSTEM_NONE: return "none";
    case WPS_SYSTEM_CONNECTED: return "connectedMessage";
    case WPS_SYSTEM_DISCONNECTED: return "disconnectedMessage";
    }
    return "?";
}
static inline const char *wps_stream_event_name(wps_stream_event_type t)
{
    switch (t) {
    case WPS_EV_PAYLOAD_BEGIN: return "PAYLOAD_BEGIN";
    case WPS_EV_PAYLOAD_CHUNK: return "PAYLOAD_CHUNK";
    case WPS_EV_PAYLOAD_END: return "PAYLOAD_END";
    case WPS_EV_PAYLOAD_DISCARD: return "PAYLOAD_DISCARD";
    case WPS_EV_MESSAGE_END: return "MESSAGE_END";
    }
    return "?";
}


#ifdef __cplusplus
}
#endif

#endif /* WPS_MESSAGES_H */
