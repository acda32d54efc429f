/* SPDX-License-Identifier: MIT */
/*
 * wps_messages.c - the Web PubSub message set over pbwire.
 *
 * One schema description (the tables below, written by hand from
 * webpubsub.proto) drives every engine: decode, size, encode and the
 * map/items walks.  Adding a field means adding one table row.
 */
#include "wps_messages.h"

#if !(defined(PBW_FREESTANDING) && PBW_FREESTANDING)
#include <string.h>
#endif

/*
 * WPS_SMALL leaves out the fast paths for canonical messages: smaller code,
 * slower decoding and encoding, the same results.  It is on by default when
 * compiling for size (-Os); -DWPS_SMALL=0 or =1 decides explicitly.
 */
#ifndef WPS_SMALL
#ifdef __OPTIMIZE_SIZE__
#define WPS_SMALL 1
#else
#define WPS_SMALL 0
#endif
#endif

/*
 * WPS_NO_ENCODER leaves out sizing and encoding (wps_*_size, wps_*_encode,
 * wps_*_encode_split); WPS_NO_STREAM leaves out the streaming decoder.  For
 * images that only decode, or only decode whole frames.  (With
 * -ffunction-sections and --gc-sections the linker drops unused entry points
 * anyway; these say it in the source and need no linker flags.)
 */
#ifndef WPS_NO_ENCODER
#define WPS_NO_ENCODER 0
#endif
#ifndef WPS_NO_STREAM
#define WPS_NO_STREAM 0
#endif

/* C99 has no static_assert. */
#define WPS__ASSERT(name, cond) typedef char wps__assert_##name[(cond) ? 1 : -1]

/* ---- version and ABI (wps_messages.h) ---------------------------------- */

uint32_t wps_version(void)
{
    return WPS_VERSION_NUMBER;
}

#if defined(PBW_FREESTANDING) && PBW_FREESTANDING
#define WPS__FREESTANDING 1
#else
#define WPS__FREESTANDING 0
#endif

uint32_t wps_build_config(void)
{
    return (uint32_t)PBW_MAX_DEPTH | (uint32_t)(WPS_SMALL != 0) << 8 |
           (uint32_t)(WPS_NO_ENCODER != 0) << 9 | (uint32_t)(WPS_NO_STREAM != 0) << 10 |
           (uint32_t)WPS__FREESTANDING << 11;
}

int wps_abi_check(unsigned abi_version, unsigned max_depth, size_t stream_size,
                  size_t upstream_size, size_t downstream_size)
{
    return abi_version == WPS_ABI_VERSION && max_depth == PBW_MAX_DEPTH &&
           stream_size == sizeof(wps_stream) && upstream_size == sizeof(wps_upstream) &&
           downstream_size == sizeof(wps_downstream);
}

/* Keeps a once-per-message step out of a per-event function, whose every
 * call would otherwise pay for the bigger frame. */
#if defined(__GNUC__) || defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif
/* Hot helpers inlined for speed; a small build lets the compiler choose. */
#if (defined(__GNUC__) || defined(__clang__)) && !WPS_SMALL
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* ---- schema tables ---------------------------------------------------- */

enum field_type {
    T_STR = 1, /* string: a view, UTF-8 checked */
    T_BYTES,   /* bytes: a view */
    T_U64,
    T_I64,
    T_U32,
    T_BOOL,  /* stored as uint8_t 0/1 */
    T_MSG,   /* sub-message: its struct at `off` */
    T_MAP,   /* map<string,string>: a wps_map at `off` */
    T_ITEMS  /* repeated GroupStateItem: a wps_items at `off` */
};

enum { WT_STR = 2, WT_BYTES = 2, WT_U64 = 0, WT_I64 = 0, WT_U32 = 0, WT_BOOL = 0,
       WT_MSG = 2, WT_MAP = 2, WT_ITEMS = 2 };

#define NO 0xFF /* no presence flag / no oneof / no raw view */

typedef struct field {
    uint8_t tag;  /* field number << 3 | wire type; 0 = number not in the schema */
    uint8_t type; /* enum field_type */
    uint8_t off;  /* value offset in the message struct */
    uint8_t has;  /* presence flag offset, or NO */
    uint8_t sub;  /* enum msg_id for T_MSG, T_MAP, T_ITEMS; PAYLOAD for payloads */
} field;

/* `sub` of a string/bytes field that is a payload: streamed by the streaming
 * decoder, left out of the head and tail by the split encoder. */
#define PAYLOAD 1

/* Field number of the streaming decoder's string records in its scratch
 * buffer: no map or items field has it (those keep their own numbers). */
#define SCRATCH_STRING 15

typedef struct msgdesc {
    const field *fields; /* fields[number - 1] */
    uint8_t nfields;     /* highest field number */
    uint8_t oneof;       /* offset of the oneof kind (every field is a member), or NO */
    uint8_t uoff, usize; /* oneof: bytes cleared when a string member takes over */
    uint8_t raw;         /* offset of a wps_data.raw to fill, or NO */
    uint8_t data;        /* number of the field holding the MessageData, or 0 */
    uint16_t size;       /* bytes cleared when the message starts afresh */
} msgdesc;

enum msg_id {
    M_EMPTY, M_DATA, M_ANY, M_ENTRY, M_GROUP_STATE, M_ITEM,
    M_UP, M_STREAM_START, M_SEND_TO_GROUP, M_EVENT, M_GROUP_REQUEST, M_SEQUENCE_ACK,
    M_INVOKE_EVENT, M_CANCEL_INVOCATION, M_STREAM_DATA, M_STREAM_END_ERROR, M_STREAM_END,
    M_SET_GROUP_STATE,
    M_DOWN, M_ERROR, M_ACK, M_STREAM_ERROR, M_STREAM_INFO, M_DATA_MESSAGE, M_CONNECTED,
    M_DISCONNECTED, M_SYSTEM, M_INVOKE_RESPONSE, M_STREAM_ACK, M_STREAM_NACK,
    M_STREAM_CLOSED, M_GROUP_STATE_LIST,
    M_COUNT
};

#define AT(num) [(num) - 1] =
#define F(S, num, T, member, hasf, sub) \
    {(uint8_t)((num) << 3 | WT_##T), T_##T, (uint8_t)offsetof(S, member), hasf, sub}
#define HAS(S, member) (uint8_t)offsetof(S, member)
#define VAL(S, num, T, member) F(S, num, T, member, NO, 0)
#define OPT(S, num, T, member) F(S, num, T, member, HAS(S, has_##member), 0)
#define MSG(S, num, member, sub) F(S, num, MSG, member, HAS(S, has_##member), sub)

/* google.protobuf.Any lives inside wps_data: its struct is the pair
 * {bytes = value, type_url}, so a oneof switch clears both at once. */
#define ANY_OFF offsetof(wps_data, bytes)
#define ANY_SIZE (2 * sizeof(pbw_bytes))
WPS__ASSERT(any_layout, offsetof(wps_data, type_url) == ANY_OFF + sizeof(pbw_bytes));

static const field f_data[] = {
    AT(1) F(wps_data, 1, STR, bytes, NO, PAYLOAD),
    AT(2) F(wps_data, 2, BYTES, bytes, NO, PAYLOAD),
    AT(3) F(wps_data, 3, MSG, bytes, NO, M_ANY),
    AT(4) F(wps_data, 4, STR, bytes, NO, PAYLOAD),
};
static const field f_any[] = {
    AT(1) {1 << 3 | 2, T_STR, sizeof(pbw_bytes), NO, 0},    /* type_url */
    AT(2) {2 << 3 | 2, T_BYTES, 0, NO, PAYLOAD},            /* value */
};
static const field f_entry[] = {
    AT(1) VAL(wps_kv, 1, STR, key),
    AT(2) VAL(wps_kv, 2, STR, value),
};
static const field f_group_state[] = {
    AT(1) F(wps_group_state, 1, MAP, entries, NO, M_ENTRY),
};
static const field f_item[] = {
    AT(1) VAL(wps_group_state_item, 1, STR, connection_id),
    AT(2) OPT(wps_group_state_item, 2, STR, user_id),
    AT(3) MSG(wps_group_state_item, 3, state, M_GROUP_STATE),
    AT(4) VAL(wps_group_state_item, 4, I64, updated_at),
};

/* ---- upstream ---- */
#define UP(num, sub) AT(num) F(wps_upstream, num, MSG, u, NO, sub)
static const field f_up[] = {
    UP(1, M_SEND_TO_GROUP),
    UP(5, M_EVENT),
    UP(6, M_GROUP_REQUEST),
    UP(7, M_GROUP_REQUEST),
    UP(8, M_SEQUENCE_ACK),
    UP(9, M_EMPTY),
    UP(10, M_INVOKE_EVENT),
    UP(11, M_CANCEL_INVOCATION),
    UP(13, M_STREAM_DATA),
    UP(14, M_STREAM_END),
    UP(15, M_SET_GROUP_STATE),
    UP(16, M_GROUP_REQUEST),
    UP(17, M_GROUP_REQUEST),
};
static const field f_stream_start[] = {
    AT(1) VAL(wps_stream_start, 1, STR, stream_id),
    AT(2) OPT(wps_stream_start, 2, U32, idle_timeout_ms),
};
static const field f_send_to_group[] = {
    AT(1) VAL(wps_send_to_group, 1, STR, group),
    AT(2) OPT(wps_send_to_group, 2, U64, ack_id),
    AT(3) MSG(wps_send_to_group, 3, data, M_DATA),
    AT(4) OPT(wps_send_to_group, 4, BOOL, no_echo),
    AT(5) OPT(wps_send_to_group, 5, U32, ttl_seconds),
    AT(6) F(wps_send_to_group, 6, MAP, metadata, NO, M_ENTRY),
    AT(7) MSG(wps_send_to_group, 7, stream, M_STREAM_START),
};
static const field f_event[] = {
    AT(1) VAL(wps_event_message, 1, STR, event),
    AT(2) MSG(wps_event_message, 2, data, M_DATA),
    AT(3) OPT(wps_event_message, 3, U64, ack_id),
    AT(4) F(wps_event_message, 4, MAP, metadata, NO, M_ENTRY),
    AT(5) MSG(wps_event_message, 5, stream, M_STREAM_START),
};
static const field f_group_request[] = {
    AT(1) VAL(wps_group_request, 1, STR, group),
    AT(2) OPT(wps_group_request, 2, U64, ack_id),
};
static const field f_sequence_ack[] = {
    AT(1) VAL(wps_sequence_ack, 1, U64, sequence_id),
};
static const field f_invoke_event[] = {
    AT(1) VAL(wps_invoke_event, 1, STR, event),
    AT(2) VAL(wps_invoke_event, 2, STR, invocation_id),
    AT(3) MSG(wps_invoke_event, 3, data, M_DATA),
    AT(4) F(wps_invoke_event, 4, MAP, metadata, NO, M_ENTRY),
    AT(5) MSG(wps_invoke_event, 5, stream, M_STREAM_START),
};
static const field f_cancel_invocation[] = {
    AT(1) VAL(wps_cancel_invocation, 1, STR, invocation_id),
};
static const field f_stream_data[] = {
    AT(1) VAL(wps_stream_data, 1, STR, stream_id),
    AT(2) OPT(wps_stream_data, 2, U64, stream_sequence_id),
    AT(3) MSG(wps_stream_data, 3, data, M_DATA),
};
static const field f_stream_end_error[] = {
    AT(1) OPT(wps_stream_end_error, 1, STR, message),
    AT(2) OPT(wps_stream_end_error, 2, STR, user_error_code),
};
static const field f_stream_end[] = {
    AT(1) VAL(wps_stream_end, 1, STR, stream_id),
    AT(2) MSG(wps_stream_end, 2, error, M_STREAM_END_ERROR),
};
static const field f_set_group_state[] = {
    AT(1) VAL(wps_set_group_state, 1, STR, group),
    AT(2) OPT(wps_set_group_state, 2, U64, ack_id),
    AT(3) MSG(wps_set_group_state, 3, state, M_GROUP_STATE),
};

/* ---- downstream ---- */
#define DOWN(num, sub) AT(num) F(wps_downstream, num, MSG, u, NO, sub)
static const field f_down[] = {
    DOWN(1, M_ACK),
    DOWN(2, M_DATA_MESSAGE),
    DOWN(3, M_SYSTEM),
    DOWN(4, M_EMPTY),
    DOWN(5, M_INVOKE_RESPONSE),
    DOWN(6, M_STREAM_ACK),
    DOWN(7, M_STREAM_NACK),
    DOWN(8, M_STREAM_CLOSED),
    DOWN(9, M_GROUP_STATE_LIST),
    DOWN(10, M_GROUP_STATE_LIST),
};
static const field f_error[] = {
    AT(1) VAL(wps_error, 1, STR, name),
    AT(2) VAL(wps_error, 2, STR, message),
};
static const field f_ack[] = {
    AT(1) VAL(wps_ack, 1, U64, ack_id),
    AT(2) VAL(wps_ack, 2, BOOL, success),
    AT(3) MSG(wps_ack, 3, error, M_ERROR),
};
static const field f_stream_error[] = {
    AT(1) VAL(wps_stream_error, 1, STR, name),
    AT(2) VAL(wps_stream_error, 2, STR, message),
    AT(3) VAL(wps_stream_error, 3, STR, user_error_code),
};
static const field f_stream_info[] = {
    AT(1) VAL(wps_stream_info, 1, STR, stream_id),
    AT(2) VAL(wps_stream_info, 2, U64, stream_sequence_id),
    AT(3) OPT(wps_stream_info, 3, BOOL, end_of_stream),
    AT(4) MSG(wps_stream_info, 4, error, M_STREAM_ERROR),
};
static const field f_data_message[] = {
    AT(1) VAL(wps_data_message, 1, STR, from),
    AT(2) OPT(wps_data_message, 2, STR, group),
    AT(3) MSG(wps_data_message, 3, data, M_DATA),
    AT(4) OPT(wps_data_message, 4, U64, sequence_id),
    AT(5) F(wps_data_message, 5, MAP, metadata, NO, M_ENTRY),
    AT(6) MSG(wps_data_message, 6, stream, M_STREAM_INFO),
};
static const field f_connected[] = {
    AT(1) VAL(wps_connected, 1, STR, connection_id),
    AT(2) VAL(wps_connected, 2, STR, user_id),
    AT(3) OPT(wps_connected, 3, STR, reconnection_token),
};
static const field f_disconnected[] = {
    AT(2) VAL(wps_disconnected, 2, STR, reason),
};
static const field f_system[] = {
    AT(1) F(wps_system, 1, MSG, u, NO, M_CONNECTED),
    AT(2) F(wps_system, 2, MSG, u, NO, M_DISCONNECTED),
};
static const field f_invoke_response[] = {
    AT(1) VAL(wps_invoke_response, 1, STR, invocation_id),
    AT(2) VAL(wps_invoke_response, 2, BOOL, success),
    AT(3) MSG(wps_invoke_response, 3, data, M_DATA),
    AT(4) MSG(wps_invoke_response, 4, error, M_ERROR),
    AT(5) F(wps_invoke_response, 5, MAP, metadata, NO, M_ENTRY),
};
static const field f_stream_ack[] = {
    AT(1) VAL(wps_stream_ack, 1, STR, stream_id),
    AT(2) VAL(wps_stream_ack, 2, U64, expected_sequence_id),
};
static const field f_stream_nack[] = {
    AT(1) VAL(wps_stream_nack, 1, STR, stream_id),
    AT(2) VAL(wps_stream_nack, 2, STR, name),
    AT(3) VAL(wps_stream_nack, 3, STR, message),
    AT(4) VAL(wps_stream_nack, 4, U64, expected_sequence_id),
};
static const field f_stream_closed[] = {
    AT(1) VAL(wps_stream_closed, 1, STR, stream_id),
    AT(2) MSG(wps_stream_closed, 2, error, M_ERROR),
};
static const field f_group_state_list[] = {
    AT(1) VAL(wps_group_state_list, 1, STR, group),
    AT(2) F(wps_group_state_list, 2, ITEMS, items, NO, M_ITEM),
    AT(3) OPT(wps_group_state_list, 3, U64, sequence_id),
};

#define N(a) (uint8_t)(sizeof(a) / sizeof((a)[0]))
#define PLAIN(a, S) {a, N(a), NO, 0, 0, NO, 0, sizeof(S)}
#define WITH_DATA(a, S, num) {a, N(a), NO, 0, 0, NO, num, sizeof(S)}
#define ONEOF(a, S) {a, N(a), (uint8_t)offsetof(S, kind), 0, 0, NO, 0, sizeof(S)}

static const msgdesc descs[M_COUNT] = {
    [M_EMPTY] = {NULL, 0, NO, 0, 0, NO, 0, 0},
    [M_DATA] = {f_data, N(f_data), (uint8_t)offsetof(wps_data, kind), (uint8_t)ANY_OFF,
                (uint8_t)ANY_SIZE, (uint8_t)offsetof(wps_data, raw), 0, sizeof(wps_data)},
    [M_ANY] = {f_any, N(f_any), NO, 0, 0, NO, 0, ANY_SIZE},
    [M_ENTRY] = PLAIN(f_entry, wps_kv),
    [M_GROUP_STATE] = PLAIN(f_group_state, wps_group_state),
    [M_ITEM] = PLAIN(f_item, wps_group_state_item),
    [M_UP] = ONEOF(f_up, wps_upstream),
    [M_STREAM_START] = PLAIN(f_stream_start, wps_stream_start),
    [M_SEND_TO_GROUP] = WITH_DATA(f_send_to_group, wps_send_to_group, 3),
    [M_EVENT] = WITH_DATA(f_event, wps_event_message, 2),
    [M_GROUP_REQUEST] = PLAIN(f_group_request, wps_group_request),
    [M_SEQUENCE_ACK] = PLAIN(f_sequence_ack, wps_sequence_ack),
    [M_INVOKE_EVENT] = WITH_DATA(f_invoke_event, wps_invoke_event, 3),
    [M_CANCEL_INVOCATION] = PLAIN(f_cancel_invocation, wps_cancel_invocation),
    [M_STREAM_DATA] = WITH_DATA(f_stream_data, wps_stream_data, 3),
    [M_STREAM_END_ERROR] = PLAIN(f_stream_end_error, wps_stream_end_error),
    [M_STREAM_END] = PLAIN(f_stream_end, wps_stream_end),
    [M_SET_GROUP_STATE] = PLAIN(f_set_group_state, wps_set_group_state),
    [M_DOWN] = ONEOF(f_down, wps_downstream),
    [M_ERROR] = PLAIN(f_error, wps_error),
    [M_ACK] = PLAIN(f_ack, wps_ack),
    [M_STREAM_ERROR] = PLAIN(f_stream_error, wps_stream_error),
    [M_STREAM_INFO] = PLAIN(f_stream_info, wps_stream_info),
    [M_DATA_MESSAGE] = WITH_DATA(f_data_message, wps_data_message, 3),
    [M_CONNECTED] = PLAIN(f_connected, wps_connected),
    [M_DISCONNECTED] = PLAIN(f_disconnected, wps_disconnected),
    [M_SYSTEM] = ONEOF(f_system, wps_system),
    [M_INVOKE_RESPONSE] = WITH_DATA(f_invoke_response, wps_invoke_response, 3),
    [M_STREAM_ACK] = PLAIN(f_stream_ack, wps_stream_ack),
    [M_STREAM_NACK] = PLAIN(f_stream_nack, wps_stream_nack),
    [M_STREAM_CLOSED] = PLAIN(f_stream_closed, wps_stream_closed),
    [M_GROUP_STATE_LIST] = PLAIN(f_group_state_list, wps_group_state_list),
};

/* Offsets are stored in a byte, and NO must not be one. */
WPS__ASSERT(small_data_message, sizeof(wps_data_message) < NO);
WPS__ASSERT(small_send_to_group, sizeof(wps_send_to_group) < NO);
WPS__ASSERT(small_invoke_event, sizeof(wps_invoke_event) < NO);
WPS__ASSERT(small_event, sizeof(wps_event_message) < NO);
WPS__ASSERT(small_invoke_response, sizeof(wps_invoke_response) < NO);
WPS__ASSERT(small_upstream, offsetof(wps_upstream, u) < NO);
WPS__ASSERT(small_downstream, offsetof(wps_downstream, u) < NO);
/* Every oneof kind is stored through one enum type. */
WPS__ASSERT(kind_sizes, sizeof(wps_up_kind) == sizeof(wps_down_kind) &&
                            sizeof(wps_up_kind) == sizeof(wps_data_kind) &&
                            sizeof(wps_up_kind) == sizeof(wps_system_kind));

static unsigned get_kind(const uint8_t *p)
{
    wps_up_kind k;
    memcpy(&k, p, sizeof k);
    return (unsigned)k;
}

static void set_kind(uint8_t *p, unsigned v)
{
    wps_up_kind k = (wps_up_kind)v;
    memcpy(p, &k, sizeof k);
}


/* ---- decode: what a field does to the struct ---------------------------
 *
 * Shared by the one-shot and the streaming decoder: they differ in how bytes
 * arrive, not in what a field means. */

/* The field `num` of message d, or NULL when the tag is unknown (number not
 * in the schema, or the wrong wire type). */
static inline const field *lookup(const msgdesc *d, uint32_t tag)
{
    uint32_t num = tag >> 3;
    const field *f = num <= d->nfields ? &d->fields[num - 1] : NULL;
    return f && f->tag == tag ? f : NULL;
}

/* Field f of message d (struct at base) arrived: switches the oneof or sets
 * the presence flag.  Returns 1 when a oneof member was replaced (and its
 * storage cleared). */
static inline int arrive(const msgdesc *d, const field *f, uint8_t *base)
{
    unsigned num = (unsigned)f->tag >> 3;
    if (d->oneof != NO) {
        if (get_kind(base + d->oneof) == num)
            return 0;
        if (f->type == T_MSG)
            memset(base + f->off, 0, descs[f->sub].size);
        else
            memset(base + d->uoff, 0, d->usize);
        set_kind(base + d->oneof, num);
        return 1;
    }
    if (f->has != NO)
        base[f->has] = 1;
    return 0;
}

static inline int store_scalar(const msgdesc *d, const field *f, uint8_t *base, uint64_t v)
{
    int cleared = arrive(d, f, base);
    switch (f->type) {
    case T_U32: {
        uint32_t v32 = (uint32_t)v;
        memcpy(base + f->off, &v32, sizeof v32);
        break;
    }
    case T_BOOL:
        base[f->off] = v != 0;
        break;
    default: /* T_U64, T_I64: the same 64 bits (two's complement) */
        memcpy(base + f->off, &v, sizeof v);
        break;
    }
    return cleared;
}

static inline int store_view(const msgdesc *d, const field *f, uint8_t *base, pbw_bytes b)
{
    int cleared = arrive(d, f, base);
    memcpy(base + f->off, &b, sizeof b);
    return cleared;
}

/* A sub-message field arrived with bytes b: returns its struct.  A struct is
 * already zero when its message first arrives (its parent was cleared when
 * it started); a second occurrence merges into the first.  MessageData
 * keeps its raw bytes only when it comes in one piece. */
static inline uint8_t *open_sub(const msgdesc *d, const field *f, uint8_t *base, pbw_bytes b,
                         int *cleared)
{
    uint8_t *nb = base + f->off;
    const msgdesc *sub = &descs[f->sub];
    if (d->oneof == NO && sub->raw != NO) {
        pbw_bytes raw = {NULL, 0};
        if (!base[f->has])
            raw = b;
        memcpy(nb + sub->raw, &raw, sizeof raw);
    }
    *cleared = arrive(d, f, base);
    return nb;
}

/* Records a map entry or repeated element of the field at base + f->off:
 * counts it; the first one fixes where walks start and the path to follow;
 * every one extends the region to `end`. */
static void note_element(const field *f, uint8_t *base, const uint8_t *start,
                         const uint8_t *end, const uint8_t *path, unsigned depth)
{
    wps_wire *w;
    size_t *count;
    if (f->type == T_MAP) {
        wps_map *m = (wps_map *)(void *)(base + f->off);
        w = &m->wire;
        count = &m->count;
    } else {
        wps_items *it = (wps_items *)(void *)(base + f->off);
        w = &it->wire;
        count = &it->count;
    }
    if ((*count)++ == 0) {
        w->ptr = start;
        memcpy(w->path, path, depth);
        w->depth = (uint8_t)depth;
    }
    w->end = end;
}

#if !WPS_SMALL
/* Whether a short string (at most 16 bytes) is all ASCII: two overlapping
 * loads, no call.  Names, ids and groups are short and ASCII; anything else
 * goes to the full validator. */
static ALWAYS_INLINE int short_ascii(const uint8_t *s, size_t n)
{
    uint64_t a, b;
    uint32_t x, y;
    unsigned any = 0;
    if (n >= 8 && n <= 16) {
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        return !((a | b) & 0x8080808080808080ull);
    }
    if (n >= 4 && n < 8) {
        memcpy(&x, s, 4);
        memcpy(&y, s + n - 4, 4);
        return !((x | y) & 0x80808080u);
    }
    if (n >= 4)
        return 0;
    while (n--)
        any |= s[n];
    return any < 0x80;
}
#else
#define short_ascii(s, n) 0
#endif

static ALWAYS_INLINE int utf8_ok(unsigned flags, pbw_bytes b, size_t *bad)
{
    return (flags & WPS_DECODE_NO_UTF8) || (!WPS_SMALL && short_ascii(b.ptr, b.len)) ||
           pbw_utf8_valid(b.ptr, b.len, bad);
}

/* ---- one-shot decode -------------------------------------------------- */

/*
 * Known messages nest at most 4 levels below the root (DownstreamMessage >
 * GroupStateSnapshot > GroupStateItem > GroupState > map entry), and
 * PBW_MAX_DEPTH >= 4, so the frame stack is fixed and a known sub-message
 * can never exceed the depth limit; only unknown groups can.
 */
#define FRAMES 5

typedef struct frame {
    const msgdesc *d;
    uint8_t *base; /* NULL: validate only (map entries, repeated items) */
    const uint8_t *end;
} frame;

/*
 * Decodes buf[0..len) as message `root` into out (NULL: validate only).
 * base_depth is the nesting level of the message itself, which counts
 * against PBW_MAX_DEPTH for unknown groups inside it.
 */
/* Varint and length prefix of one or two bytes, inline; 0 when the general
 * reader must decide (longer, or cut by end). */
static ALWAYS_INLINE int varint12(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    if (end - p >= 2) {
        if (p[0] < 0x80) {
            *v = p[0];
            *pp = p + 1;
            return 1;
        }
        if (p[1] < 0x80) {
            *v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
            *pp = p + 2;
            return 1;
        }
    } else if (p < end && p[0] < 0x80) {
        *v = p[0];
        *pp = p + 1;
        return 1;
    }
    return 0;
}

/* Appends a record (one-byte tag, length, bytes) to the scratch buffer and
 * returns where its bytes went.  Room is the caller's business. */
static ALWAYS_INLINE uint8_t *scratch_record(wps_stream *s, unsigned num, const uint8_t *src,
                                             size_t len)
{
    uint8_t *w = s->scratch + s->scratch_len;
    *w++ = (uint8_t)(num << 3 | PBW_WT_LEN);
    if (len < 0x80)
        *w++ = (uint8_t)len;
    else
        w = pbw_write_varint(w, len);
#if !WPS_SMALL
    if (len - 1 < 16) { /* 1 to 16 bytes, the usual id or name: no call */
        if (len >= 8) {
            uint64_t a, b;
            memcpy(&a, src, 8);
            memcpy(&b, src + len - 8, 8);
            memcpy(w, &a, 8);
            memcpy(w + len - 8, &b, 8);
        } else if (len >= 4) {
            uint32_t a, b;
            memcpy(&a, src, 4);
            memcpy(&b, src + len - 4, 4);
            memcpy(w, &a, 4);
            memcpy(w + len - 4, &b, 4);
        } else {
            w[0] = src[0];
            w[len / 2] = src[len / 2];
            w[len - 1] = src[len - 1];
        }
    } else
#endif
        memcpy(w, src, len);
    s->scratch_len = (size_t)(w + len - s->scratch);
    return w;
}

/*
 * Decodes buf[0..len) as message `root` into out (NULL: validate only).
 * base_depth is the nesting level of the message itself, which counts
 * against PBW_MAX_DEPTH for unknown groups inside it.  With rs, short
 * fields and map entries / items are copied into rs's scratch buffer as the
 * streaming decoder stores them (records; rs guarantees the room), so that
 * nothing but the payload points into buf.
 */
static pbw_status decode(const msgdesc *root, uint8_t *out, const uint8_t *buf, size_t len,
                         unsigned flags, unsigned base_depth, wps_stream *rs,
                         const uint8_t **err)
{
    frame st[FRAMES];
    uint8_t path[FRAMES]; /* field number that opened each frame, [1..d] */
    unsigned d = 0;
    const uint8_t *p = buf, *top = buf, *at = buf;
    const uint8_t *const input_end = buf + len;
    /* the current frame, kept in locals; st[] holds the ones below it */
    const msgdesc *md = root;
    uint8_t *base = out;
    const uint8_t *end = input_end;
    pbw_status s = PBW_OK;

    if (out) {
        if (root->oneof != NO)
            set_kind(out + root->oneof, 0);
        else
            memset(out, 0, root->size);
    }

    for (;;) {
        const field *f;
        uint32_t tag;
        uint64_t v;
        pbw_bytes b;
        int cleared;

        if (p == end) {
            if (d == 0)
                return PBW_OK;
            d--;
            md = st[d].d;
            base = st[d].base;
            end = st[d].end;
            continue;
        }
        at = p;
        if (*p < 0x80) {
            tag = *p;
            if (tag < 8) {
                s = PBW_E_FIELD_ZERO;
                goto fail;
            }
            if ((tag & 7) > 5) {
                s = PBW_E_WIRE_TYPE;
                goto fail;
            }
            p++;
        } else if ((s = pbw_read_tag(&p, end, &tag)) != PBW_OK) {
            goto fail;
        }
        if (d == 0)
            top = at; /* the root-level field that holds what follows */
        f = lookup(md, tag);
        if (f == NULL) {
            const uint8_t *e;
            if ((tag & 7) == PBW_WT_END_GROUP) {
                s = PBW_E_END_GROUP;
                goto fail;
            }
            p = at;
            s = pbw_skip_field(&p, end, PBW_MAX_DEPTH - base_depth - d, &e);
            if (s != PBW_OK) {
                at = e;
                goto fail;
            }
            continue;
        }

        at = p;
        if ((tag & 7) == PBW_WT_VARINT) {
            if (!varint12(&p, end, &v) && (s = pbw_read_varint64(&p, end, &v)) != PBW_OK)
                goto fail;
            if (base)
                store_scalar(md, f, base, v);
            continue;
        }

        /* Length-delimited: strings, bytes, sub-messages. */
        {
            const uint8_t *q = p;
            if (varint12(&q, end, &v) && v <= (uint64_t)(end - q)) {
                b.ptr = q;
                b.len = (size_t)v;
            } else if ((s = pbw_read_bytes(&p, end, &b)) != PBW_OK) {
                goto fail; /* the general reader names the error */
            }
        }
        p = b.ptr + b.len;

        if (f->type <= T_BYTES) {
            size_t bad;
            if (f->type == T_STR && !utf8_ok(flags, b, &bad)) {
                at = b.ptr + bad;
                s = PBW_E_UTF8;
                goto fail;
            }
            if (base) {
                /* streaming: nothing may point into the caller's input, not
                 * even an empty view */
                if (rs && f->sub != PAYLOAD)
                    b.ptr = b.len ? scratch_record(rs, SCRATCH_STRING, b.ptr, b.len) : NULL;
                store_view(md, f, base, b);
            }
            continue;
        }

        /* A sub-message: open a frame for it. */
        st[d].d = md;
        st[d].base = base;
        st[d].end = end;
        d++;
        path[d] = (uint8_t)(tag >> 3);
        if (base && f->type == T_MSG) {
            base = open_sub(md, f, base, b, &cleared);
        } else {
            /* A map entry or repeated element: validated here, walked later
             * by the iterators starting at the outermost field (or at its
             * record in the scratch buffer). */
            if (base && rs) {
                uint8_t *at_rec = scratch_record(rs, path[d], b.ptr, b.len);
                note_element(f, base, at_rec - 1 - pbw_varint_size(b.len), at_rec + b.len,
                             path + d, 1);
            } else if (base) {
                note_element(f, base, top, input_end, path + 1, d);
            }
            base = NULL;
        }
        md = &descs[f->sub];
        end = p;
        p = b.ptr;
    }

fail:
    if (out) {
        if (root->oneof != NO)
            set_kind(out + root->oneof, 0);
        else
            memset(out, 0, root->size);
    }
    *err = at;
    return s;
}

#if !WPS_SMALL
/* ---- fast paths for canonical messages -------------------------------
 *
 * Most frames are canonical: each known field at most once, in field-number
 * order, no unknown fields.  For the frequent message types these
 * hand-written readers decode such frames in one straight pass.  They
 * accept nothing else: at the first byte that does not fit (a field out of
 * order or repeated, an unknown field, a map, a long varint, a bad length,
 * invalid UTF-8...) they give up, and the general decoder decodes the frame
 * from the start and owns every error.  So a fast path must only ever agree
 * with the general decoder on what it accepts, where every field simply
 * takes its single value.
 */
typedef struct fcur {
    const uint8_t *p, *end;
    unsigned flags;
    wps_stream *rs; /* the streaming decoder: short strings go to its scratch */
} fcur;

/* Consumes the one-byte tag if it is next. */
static ALWAYS_INLINE int fc_tag(fcur *c, unsigned tag)
{
    if (c->p < c->end && *c->p == tag) {
        c->p++;
        return 1;
    }
    return 0;
}

/* A varint of at most max (< 10) bytes, without a call, so that a fast
 * path keeps its cursor in registers and needs few of them.  NULL when it
 * is longer or cut short: the general reader decides then. */
static ALWAYS_INLINE const uint8_t *varint_upto(const uint8_t *p, const uint8_t *end, unsigned max,
                                                uint64_t *v)
{
    uint64_t x = 0;
    unsigned i;
    for (i = 0; i < max && i < (size_t)(end - p); i++) {
        uint64_t b = p[i];
        x |= (b & 0x7f) << (7 * i);
        if (b < 0x80) {
            *v = x;
            return p + i + 1;
        }
    }
    return NULL;
}

static ALWAYS_INLINE int fc_varint(fcur *c, uint64_t *v)
{
    const uint8_t *q = c->p;
    if (!varint12(&q, c->end, v) && !(q = varint_upto(c->p, c->end, 9, v)))
        return 0;
    c->p = q;
    return 1;
}

/* A length prefix of 1 to 4 bytes (below 256 MiB), unrolled: a payload of
 * 64 KiB or 1 MiB costs what one of 64 bytes does.  NULL: longer, or cut
 * short (the general reader decides). */
static ALWAYS_INLINE const uint8_t *len_upto4(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    uint64_t x;
    if (end - p < 4)
        return varint_upto(p, end, 4, v);
    x = p[0];
    if (x < 0x80) {
        *v = x;
        return p + 1;
    }
    x = (x & 0x7f) | (uint64_t)(p[1] & 0x7f) << 7;
    if (p[1] < 0x80) {
        *v = x;
        return p + 2;
    }
    x |= (uint64_t)(p[2] & 0x7f) << 14;
    if (p[2] < 0x80) {
        *v = x;
        return p + 3;
    }
    x |= (uint64_t)(p[3] & 0x7f) << 21;
    *v = x;
    return p[3] < 0x80 ? p + 4 : NULL;
}

static ALWAYS_INLINE int fc_bytes(fcur *c, pbw_bytes *b)
{
    const uint8_t *q = c->p;
    uint64_t n;
    if (varint12(&q, c->end, &n) && n <= (uint64_t)(c->end - q)) {
        b->ptr = q;
        b->len = (size_t)n;
        c->p = q + n;
        return 1;
    }
    q = len_upto4(c->p, c->end, &n);
    if (!q || n > (uint64_t)(c->end - q))
        return 0;
    b->ptr = q;
    b->len = (size_t)n;
    c->p = q + n;
    return 1;
}

/* A payload's text: checked, never copied. */
static ALWAYS_INLINE int fc_text(fcur *c, pbw_bytes *b)
{
    size_t bad;
    return fc_bytes(c, b) && utf8_ok(c->flags, *b, &bad);
}

/* In fcur.flags beside the caller's: the fast path makes no calls (so it
 * needs few registers): its strings must be plain ASCII, checked inline,
 * or it gives up and the general decoder validates them. */
#define FC_LEAF 0x100u

/* All ASCII, a word at a time, without a call. */
static ALWAYS_INLINE int ascii_inline(const uint8_t *s, size_t n)
{
    uint64_t acc = 0, w;
    size_t i;
    if (n < 8)
        return short_ascii(s, n);
    for (i = 0; i + 8 < n; i += 8) {
        memcpy(&w, s + i, 8);
        acc |= w;
    }
    memcpy(&w, s + n - 8, 8);
    return !((acc | w) & 0x8080808080808080ull);
}

/* A short string: checked, and for the streaming decoder copied into its
 * scratch buffer (which, as large as the frame, has room). */
static ALWAYS_INLINE int fc_string(fcur *c, pbw_bytes *b)
{
    if (c->flags & FC_LEAF) {
        if (!fc_bytes(c, b) ||
            !((c->flags & WPS_DECODE_NO_UTF8) || ascii_inline(b->ptr, b->len)))
            return 0;
    } else if (!fc_text(c, b))
        return 0;
    if (c->rs) /* nothing may point into the input, not even an empty view */
        b->ptr = b->len ? scratch_record(c->rs, SCRATCH_STRING, b->ptr, b->len) : NULL;
    return 1;
}

/* The cursor over a sub-message's bytes. */
static ALWAYS_INLINE int fc_sub(fcur *c, fcur *sub, pbw_bytes *b)
{
    if (!fc_bytes(c, b))
        return 0;
    sub->p = b->ptr;
    sub->end = b->ptr + b->len;
    sub->flags = c->flags;
    sub->rs = c->rs;
    return 1;
}

/* MessageData: no member, or exactly one. */
static ALWAYS_INLINE int fast_data(fcur *c, wps_data *d)
{
    unsigned t;
    if (c->p == c->end)
        return 1;
    t = *c->p++;
    switch (t) {
    case 1 << 3 | 2: /* text_data */
    case 4 << 3 | 2: /* json_data */
        if (!fc_text(c, &d->bytes))
            return 0;
        break;
    case 2 << 3 | 2: /* binary_data */
        if (!fc_bytes(c, &d->bytes))
            return 0;
        break;
    case 3 << 3 | 2: { /* protobuf_data: Any {type_url, value} */
        fcur any;
        pbw_bytes b;
        if (!fc_sub(c, &any, &b) || (fc_tag(&any, 0x0a) && !fc_string(&any, &d->type_url)) ||
            (fc_tag(&any, 0x12) && !fc_bytes(&any, &d->bytes)) || any.p != any.end)
            return 0;
        break;
    }
    default:
        return 0;
    }
    d->kind = (wps_data_kind)(t >> 3);
    return c->p == c->end;
}

/* A MessageData field of tag `tag`, if next. */
static ALWAYS_INLINE int fc_data(fcur *c, unsigned tag, wps_data *d, uint8_t *has)
{
    fcur sub;
    pbw_bytes b;
    if (!fc_tag(c, tag))
        return 1;
    if (!fc_sub(c, &sub, &b) || !fast_data(&sub, d))
        return 0;
    d->raw = b;
    *has = 1;
    return 1;
}

/* An optional uint64 of tag `tag`, if next. */
static ALWAYS_INLINE int fc_opt_u64(fcur *c, unsigned tag, uint64_t *v, uint8_t *has)
{
    if (!fc_tag(c, tag))
        return 1;
    if (!fc_varint(c, v))
        return 0;
    if (has)
        *has = 1;
    return 1;
}

static ALWAYS_INLINE int fc_opt_string(fcur *c, unsigned tag, pbw_bytes *b, uint8_t *has)
{
    if (!fc_tag(c, tag))
        return 1;
    if (!fc_string(c, b))
        return 0;
    if (has)
        *has = 1;
    return 1;
}

/* SendToGroupMessage without metadata or stream (those go the general way). */
static ALWAYS_INLINE int fast_send_to_group(fcur *c, wps_send_to_group *s)
{
    uint64_t v;
    static const wps_send_to_group zero; /* a copy the compiler can inline */
    *s = zero;
    if (!fc_opt_string(c, 0x0a, &s->group, NULL) || !fc_opt_u64(c, 0x10, &s->ack_id, &s->has_ack_id) ||
        !fc_data(c, 0x1a, &s->data, &s->has_data))
        return 0;
    if (fc_tag(c, 0x20)) {
        if (!fc_varint(c, &v))
            return 0;
        s->no_echo = v != 0;
        s->has_no_echo = 1;
    }
    if (fc_tag(c, 0x28)) {
        if (!fc_varint(c, &v))
            return 0;
        s->ttl_seconds = (uint32_t)v;
        s->has_ttl_seconds = 1;
    }
    return c->p == c->end;
}

static ALWAYS_INLINE int fast_group_request(fcur *c, wps_group_request *r)
{
    static const wps_group_request zero;
    *r = zero;
    return fc_opt_string(c, 0x0a, &r->group, NULL) &&
           fc_opt_u64(c, 0x10, &r->ack_id, &r->has_ack_id) && c->p == c->end;
}

/* The root: exactly one member, filling the whole frame.  want: the tag
 * the caller has seen already (a frame of at least 2 bytes), or 0. */
static ALWAYS_INLINE int fast_root(fcur *c, fcur *m, unsigned *tag, unsigned want)
{
    pbw_bytes b;
    if (want && c->p[1] < 0x80) { /* the usual: a one-byte length */
        *tag = want;
        m->p = c->p + 2;
        m->end = c->end;
        m->flags = c->flags;
        m->rs = c->rs;
        return (size_t)c->p[1] == (size_t)(c->end - m->p);
    }
    if (want) { /* a longer length: a frame of 128 bytes or more */
        uint64_t n;
        const uint8_t *q = len_upto4(c->p + 1, c->end, &n);
        *tag = want;
        m->p = q;
        m->end = c->end;
        m->flags = c->flags;
        m->rs = c->rs;
        return q && n == (uint64_t)(c->end - q);
    }
    if (c->p == c->end || *c->p >= 0x80)
        return 0;
    *tag = *c->p++;
    return fc_sub(c, m, &b) && c->p == c->end && (!want || *tag == want);
}

/* want: the root tag the caller expects (then only its case is compiled
 * in), or 0 for any. */
static ALWAYS_INLINE int fast_up(const uint8_t *buf, size_t len, wps_upstream *out, unsigned flags,
                                 wps_stream *rs, unsigned want)
{
    fcur c, m;
    unsigned tag;
    c.p = buf;
    c.end = buf + len;
    c.flags = flags;
    c.rs = rs;
    if (!fast_root(&c, &m, &tag, want))
        return 0;
    out->kind = (wps_up_kind)(tag >> 3);
    switch (want ? want : tag) {
    case WPS_UP_SEND_TO_GROUP << 3 | 2:
        return fast_send_to_group(&m, &out->u.send_to_group);
    case WPS_UP_JOIN_GROUP << 3 | 2:
    case WPS_UP_LEAVE_GROUP << 3 | 2:
        /* join_group and leave_group share the layout */
        return fast_group_request(&m, &out->u.join_group);
    case WPS_UP_SEQUENCE_ACK << 3 | 2:
        out->u.sequence_ack.sequence_id = 0;
        return fc_opt_u64(&m, 0x08, &out->u.sequence_ack.sequence_id, NULL) && m.p == m.end;
    case WPS_UP_PING << 3 | 2:
        return m.p == m.end;
    default:
        return 0;
    }
}

static ALWAYS_INLINE int fast_error(fcur *c, unsigned tag, wps_error *e, uint8_t *has)
{
    fcur sub;
    pbw_bytes b;
    if (!fc_tag(c, tag))
        return 1;
    *has = 1;
    return fc_sub(c, &sub, &b) && fc_opt_string(&sub, 0x0a, &e->name, NULL) &&
           fc_opt_string(&sub, 0x12, &e->message, NULL) && sub.p == sub.end;
}

static ALWAYS_INLINE int fast_down(const uint8_t *buf, size_t len, wps_downstream *out,
                                   unsigned flags, wps_stream *rs, unsigned want)
{
    fcur c, m;
    unsigned tag;
    uint64_t v;
    c.p = buf;
    c.end = buf + len;
    c.flags = flags;
    c.rs = rs;
    if (!fast_root(&c, &m, &tag, want))
        return 0;
    out->kind = (wps_down_kind)(tag >> 3);
    switch (want ? want : tag) {
    case WPS_DOWN_ACK << 3 | 2: {
        static const wps_ack zero;
        wps_ack *a = &out->u.ack;
        *a = zero;
        if (!fc_opt_u64(&m, 0x08, &a->ack_id, NULL))
            return 0;
        if (fc_tag(&m, 0x10)) {
            if (!fc_varint(&m, &v))
                return 0;
            a->success = v != 0;
        }
        return fast_error(&m, 0x1a, &a->error, &a->has_error) && m.p == m.end;
    }
    case WPS_DOWN_DATA << 3 | 2: { /* without metadata or stream */
        static const wps_data_message zero;
        wps_data_message *d = &out->u.data;
        *d = zero;
        return fc_opt_string(&m, 0x0a, &d->from, NULL) &&
               fc_opt_string(&m, 0x12, &d->group, &d->has_group) &&
               fc_data(&m, 0x1a, &d->data, &d->has_data) &&
               fc_opt_u64(&m, 0x20, &d->sequence_id, &d->has_sequence_id) && m.p == m.end;
    }
    case WPS_DOWN_SYSTEM << 3 | 2: {
        wps_system *y = &out->u.system;
        fcur sub;
        pbw_bytes b;
        y->kind = WPS_SYSTEM_NONE;
        if (m.p == m.end)
            return 1;
        if (fc_tag(&m, 0x0a)) {
            static const wps_connected zero;
            wps_connected *k = &y->u.connected;
            *k = zero;
            y->kind = WPS_SYSTEM_CONNECTED;
            return fc_sub(&m, &sub, &b) && m.p == m.end &&
                   fc_opt_string(&sub, 0x0a, &k->connection_id, NULL) &&
                   fc_opt_string(&sub, 0x12, &k->user_id, NULL) &&
                   fc_opt_string(&sub, 0x1a, &k->reconnection_token, &k->has_reconnection_token) &&
                   sub.p == sub.end;
        }
        if (fc_tag(&m, 0x12)) {
            static const wps_disconnected zero;
            wps_disconnected *k = &y->u.disconnected;
            *k = zero;
            y->kind = WPS_SYSTEM_DISCONNECTED;
            return fc_sub(&m, &sub, &b) && m.p == m.end &&
                   fc_opt_string(&sub, 0x12, &k->reason, NULL) && sub.p == sub.end;
        }
        return 0;
    }
    case WPS_DOWN_PONG << 3 | 2:
        return m.p == m.end;
    case WPS_DOWN_STREAM_ACK << 3 | 2: {
        static const wps_stream_ack zero;
        wps_stream_ack *k = &out->u.stream_ack;
        *k = zero;
        return fc_opt_string(&m, 0x0a, &k->stream_id, NULL) &&
               fc_opt_u64(&m, 0x10, &k->expected_sequence_id, NULL) && m.p == m.end;
    }
    default:
        return 0;
    }
}
#endif /* !WPS_SMALL */

NOINLINE static pbw_status decode_root(const msgdesc *root, uint8_t *out, const uint8_t *buf,
                              size_t len, unsigned flags, size_t *err_offset)
{
    const uint8_t *err = buf;
    static const uint8_t empty[1] = {0};
    pbw_status s;

    if (buf == NULL) /* only valid with len 0; keeps pointer arithmetic defined */
        buf = empty, len = 0;
    if (len > PBW_MSG_MAX) { /* libprotobuf parses at most INT_MAX bytes */
        decode(root, out, buf, 0, flags, 0, NULL, &err); /* resets *out */
        if (err_offset)
            *err_offset = PBW_MSG_MAX;
        return PBW_E_TOO_BIG;
    }
    s = decode(root, out, buf, len, flags, 0, NULL, &err);
    if (err_offset)
        *err_offset = s == PBW_OK ? len : (size_t)(err - buf);
    return s;
}

#if !WPS_SMALL
/*
 * One entry per frequent root tag, each with only its own fast path
 * compiled in: a short function needs few registers, so a small frame costs
 * little more than its bytes.  Whatever the fast path does not take goes to
 * the general decoder.
 */
#define UP_TAG(kind) ((unsigned)(WPS_UP_##kind) << 3 | 2)
#define DOWN_TAG(kind) ((unsigned)(WPS_DOWN_##kind) << 3 | 2)

/* Success of a fast path: the whole frame decoded. */
static ALWAYS_INLINE pbw_status decoded_all(size_t len, size_t *err_offset)
{
    if (err_offset)
        *err_offset = len;
    return PBW_OK;
}

static ALWAYS_INLINE pbw_status fast_up_entry(const uint8_t *buf, size_t len, wps_upstream *out,
                                              unsigned flags, size_t *err_offset, unsigned tag)
{
    unsigned leaf = tag == UP_TAG(SEND_TO_GROUP) ? 0 : FC_LEAF; /* no payload to validate */
    if (fast_up(buf, len, out, flags | leaf, NULL, tag))
        return decoded_all(len, err_offset);
    return decode_root(&descs[M_UP], (uint8_t *)out, buf, len, flags, err_offset);
}

static ALWAYS_INLINE pbw_status fast_down_entry(const uint8_t *buf, size_t len, wps_downstream *out,
                                                unsigned flags, size_t *err_offset, unsigned tag)
{
    unsigned leaf = tag == DOWN_TAG(DATA) ? 0 : FC_LEAF;
    if (fast_down(buf, len, out, flags | leaf, NULL, tag))
        return decoded_all(len, err_offset);
    return decode_root(&descs[M_DOWN], (uint8_t *)out, buf, len, flags, err_offset);
}

#define FAST_ENTRY(dir, DIR, kind)                                                                 \
    NOINLINE static pbw_status fast_##dir##_##kind(const uint8_t *buf, size_t len,                 \
                                                   wps_##dir##stream *out, unsigned flags,         \
                                                   size_t *err_offset)                             \
    {                                                                                              \
        return fast_##dir##_entry(buf, len, out, flags, err_offset, DIR##_TAG(kind));              \
    }
FAST_ENTRY(up, UP, SEND_TO_GROUP)
FAST_ENTRY(up, UP, JOIN_GROUP)
FAST_ENTRY(up, UP, LEAVE_GROUP)
FAST_ENTRY(up, UP, SEQUENCE_ACK)
FAST_ENTRY(down, DOWN, ACK)
FAST_ENTRY(down, DOWN, DATA)
FAST_ENTRY(down, DOWN, SYSTEM)
FAST_ENTRY(down, DOWN, STREAM_ACK)
#endif

pbw_status wps_upstream_decode(const uint8_t *buf, size_t len, wps_upstream *out,
                               unsigned flags, size_t *err_offset)
{
#if !WPS_SMALL
    if (buf && len >= 2 && len <= PBW_MSG_MAX) {
        switch (buf[0]) {
        case UP_TAG(SEND_TO_GROUP):
            return fast_up_SEND_TO_GROUP(buf, len, out, flags, err_offset);
        case UP_TAG(JOIN_GROUP):
            return fast_up_JOIN_GROUP(buf, len, out, flags, err_offset);
        case UP_TAG(LEAVE_GROUP):
            return fast_up_LEAVE_GROUP(buf, len, out, flags, err_offset);
        case UP_TAG(SEQUENCE_ACK):
            return fast_up_SEQUENCE_ACK(buf, len, out, flags, err_offset);
        case UP_TAG(PING):
            if (len == 2 && buf[1] == 0) {
                out->kind = WPS_UP_PING;
                return decoded_all(len, err_offset);
            }
            break;
        default:
            break;
        }
    }
#endif
    return decode_root(&descs[M_UP], (uint8_t *)out, buf, len, flags, err_offset);
}

pbw_status wps_downstream_decode(const uint8_t *buf, size_t len, wps_downstream *out,
                                 unsigned flags, size_t *err_offset)
{
#if !WPS_SMALL
    if (buf && len >= 2 && len <= PBW_MSG_MAX) {
        switch (buf[0]) {
        case DOWN_TAG(ACK):
            return fast_down_ACK(buf, len, out, flags, err_offset);
        case DOWN_TAG(DATA):
            return fast_down_DATA(buf, len, out, flags, err_offset);
        case DOWN_TAG(SYSTEM):
            return fast_down_SYSTEM(buf, len, out, flags, err_offset);
        case DOWN_TAG(STREAM_ACK):
            return fast_down_STREAM_ACK(buf, len, out, flags, err_offset);
        case DOWN_TAG(PONG):
            if (len == 2 && buf[1] == 0) {
                out->kind = WPS_DOWN_PONG;
                return decoded_all(len, err_offset);
            }
            break;
        default:
            break;
        }
    }
#endif
    return decode_root(&descs[M_DOWN], (uint8_t *)out, buf, len, flags, err_offset);
}

/* ---- walking maps and repeated fields ---------------------------------- */

static void wire_begin(wps_wire_iter *it, const wps_wire *w)
{
    it->wire = w;
    it->index = 0;
    it->level = 0;
    it->pos[0] = w->ptr;
    it->end[0] = w->depth ? w->end : w->ptr;
}

/* Next value of the path's last field, in wire order, descending through
 * every occurrence of the path's outer fields. */
static int wire_next(wps_wire_iter *it, pbw_bytes *out)
{
    const wps_wire *w = it->wire;

    if (w->depth == 0 || w->depth > WPS_PATH_MAX)
        return 0;
    for (;;) {
        unsigned lv = it->level;
        const uint8_t *p = it->pos[lv], *end = it->end[lv], *e;
        uint32_t tag;
        pbw_bytes b;

        if (p == end) {
            if (lv == 0)
                return 0;
            it->level = lv - 1;
            continue;
        }
        if (pbw_read_tag(&p, end, &tag) != PBW_OK)
            break;
        if (tag == ((uint32_t)w->path[lv] << 3 | PBW_WT_LEN)) {
            if (pbw_read_bytes(&p, end, &b) != PBW_OK)
                break;
            it->pos[lv] = p;
            if (lv + 1 == w->depth) {
                *out = b;
                return 1;
            }
            it->level = lv + 1;
            it->pos[lv + 1] = b.ptr;
            it->end[lv + 1] = b.ptr + b.len;
            continue;
        }
        p = it->pos[lv];
        if (pbw_skip_field(&p, end, PBW_MAX_DEPTH, &e) != PBW_OK)
            break;
        it->pos[lv] = p;
    }
    /* Malformed hand-made region: stop for good. */
    it->level = 0;
    it->pos[0] = it->end[0];
    return 0;
}

void wps_map_begin(wps_map_iter *it, const wps_map *map)
{
    it->map = map;
    wire_begin(&it->w, &map->wire);
}

/* A map entry's key and value: what decode() of M_ENTRY without UTF-8
 * checks gives (the last of each wins; unknown fields skipped; any error
 * rejects the entry), in a small frame, since the encoder walks maps four
 * messages deep. */
static int entry_read(const uint8_t *p, const uint8_t *end, wps_kv *kv)
{
    kv->key.ptr = kv->value.ptr = NULL;
    kv->key.len = kv->value.len = 0;
    while (p < end) {
        const uint8_t *at = p, *e;
        uint32_t tag;
        pbw_bytes b;
        if (pbw_read_tag(&p, end, &tag) != PBW_OK)
            return 0;
        if (tag == (1 << 3 | PBW_WT_LEN) || tag == (2 << 3 | PBW_WT_LEN)) {
            if (pbw_read_bytes(&p, end, &b) != PBW_OK)
                return 0;
            if (tag >> 3 == 1)
                kv->key = b;
            else
                kv->value = b;
            continue;
        }
        if ((tag & 7) == PBW_WT_END_GROUP)
            return 0;
        p = at;
        if (pbw_skip_field(&p, end, PBW_MAX_DEPTH, &e) != PBW_OK)
            return 0;
    }
    return 1;
}

int wps_map_next(wps_map_iter *it, wps_kv *kv)
{
    pbw_bytes b;

    if (it->map->entries)
        return it->w.index < it->map->count ? (*kv = it->map->entries[it->w.index++], 1) : 0;
    while (wire_next(&it->w, &b))
        if (entry_read(b.ptr, b.ptr + b.len, kv))
            return 1;
    kv->key.ptr = kv->value.ptr = NULL;
    kv->key.len = kv->value.len = 0;
    return 0;
}

int wps_map_find(const wps_map *map, const uint8_t *key, size_t key_len, pbw_bytes *value)
{
    wps_map_iter it;
    wps_kv kv;
    int found = 0;

    wps_map_begin(&it, map);
    while (wps_map_next(&it, &kv)) {
        if (kv.key.len == key_len && (key_len == 0 || memcmp(kv.key.ptr, key, key_len) == 0)) {
            *value = kv.value;
            found = 1;
        }
    }
    return found;
}

void wps_items_begin(wps_items_iter *it, const wps_items *items)
{
    it->items = items;
    wire_begin(&it->w, &items->wire);
}

int wps_items_next(wps_items_iter *it, wps_group_state_item *item)
{
    pbw_bytes b;
    const uint8_t *err;

    if (it->items->items)
        return it->w.index < it->items->count ? (*item = it->items->items[it->w.index++], 1)
                                              : 0;
    while (wire_next(&it->w, &b))
        if (decode(&descs[M_ITEM], (uint8_t *)item, b.ptr, b.len, WPS_DECODE_NO_UTF8, 0, NULL,
                   &err) ==
            PBW_OK)
            return 1;
    return 0;
}

/* Offset in the message of the MessageData of its selected member, or 0
 * when it has none (offset 0 is the root's kind, never a MessageData). */
#if WPS_SMALL || !WPS_NO_ENCODER
static size_t payload_of(const msgdesc *d, const uint8_t *msg)
{
    unsigned k = get_kind(msg + d->oneof);
    const field *f, *g;
    const msgdesc *sub;

    if (k == 0 || k > d->nfields || d->fields[k - 1].tag == 0)
        return 0;
    f = &d->fields[k - 1];
    sub = &descs[f->sub];
    if (sub->data == 0)
        return 0;
    g = &sub->fields[sub->data - 1];
    return msg[f->off + g->has] ? (size_t)f->off + g->off : 0;
}
#endif

#if !WPS_SMALL
/* payload_of() for the kinds that have a MessageData, without the table
 * walk. */
static ALWAYS_INLINE wps_data *up_data(wps_upstream *m)
{
    switch (m->kind) {
    case WPS_UP_SEND_TO_GROUP:
        return m->u.send_to_group.has_data ? &m->u.send_to_group.data : NULL;
    case WPS_UP_EVENT:
        return m->u.event.has_data ? &m->u.event.data : NULL;
    case WPS_UP_INVOKE_EVENT:
        return m->u.invoke_event.has_data ? &m->u.invoke_event.data : NULL;
    case WPS_UP_STREAM_DATA:
        return m->u.stream_data.has_data ? &m->u.stream_data.data : NULL;
    default:
        return NULL;
    }
}

static ALWAYS_INLINE wps_data *down_data(wps_downstream *m)
{
    switch (m->kind) {
    case WPS_DOWN_DATA:
        return m->u.data.has_data ? &m->u.data.data : NULL;
    case WPS_DOWN_INVOKE_RESPONSE:
        return m->u.invoke_response.has_data ? &m->u.invoke_response.data : NULL;
    default:
        return NULL;
    }
}
#endif

const wps_data *wps_upstream_data(const wps_upstream *msg)
{
#if !WPS_SMALL
    return up_data((wps_upstream *)(uintptr_t)msg);
#else
    size_t at = payload_of(&descs[M_UP], (const uint8_t *)msg);
    return at ? (const wps_data *)(const void *)((const uint8_t *)msg + at) : NULL;
#endif
}

const wps_data *wps_downstream_data(const wps_downstream *msg)
{
#if !WPS_SMALL
    return down_data((wps_downstream *)(uintptr_t)msg);
#else
    size_t at = payload_of(&descs[M_DOWN], (const uint8_t *)msg);
    return at ? (const wps_data *)(const void *)((const uint8_t *)msg + at) : NULL;
#endif
}

#if !WPS_NO_ENCODER
static size_t tag_size(unsigned tag)
{
    return tag < 0x80 ? 1 : 2; /* field numbers stay below 32 */
}
/* ---- size and encode -------------------------------------------------- */

/*
 * Sizes are computed bottom-up once.  The sizing pass records the size of
 * every singular sub-message in pre-order; the writing pass consumes them in
 * the same order to write length prefixes.  At most 5 singular sub-messages
 * hang below a root (DataMessage > data > Any, stream > error).  Elements
 * of maps and repeated fields are sized again when written (entries cost
 * O(1); an item's sub-tree is walked twice, never more).
 */
#define CACHE 6

/*
 * Sizes never wrap, on 32-bit either: every sum saturates at TOO_BIG, one
 * more than the largest message the encoders write (PBW_LEN_MAX, so that
 * every length inside is one libprotobuf reads).  Each term is at most
 * TOO_BIG plus a few bytes, so no single addition can wrap a 32-bit size_t
 * before it is clamped.  The writing pass only runs once the total is known
 * to be within the limit, so it never meets a clamped size.
 */
#define TOO_BIG ((size_t)PBW_LEN_MAX + 1)

static inline size_t sat_add(size_t a, size_t b)
{
    size_t s = a + b;
    return s < a || s > PBW_LEN_MAX ? TOO_BIG : s;
}

typedef struct sizer {
    size_t sizes[CACHE];
    unsigned n;
    int bad; /* a kind outside its enum, a view {NULL, n > 0}, or a view
              * that overlaps the output */
    unsigned mode;            /* WPS_ENCODE_SORTED_MAPS, MODE_SPLIT */
    uintptr_t out_lo, out_hi; /* the output's bytes, [lo, hi); empty when sizing only */
} sizer;

/* Split mode (wps_*_encode_split): a payload's view is neither read nor
 * written, so any pointer goes. */
#define MODE_SPLIT 2u

static void sizer_init(sizer *z, unsigned mode, const uint8_t *dst, size_t n)
{
    z->n = 0;
    z->bad = 0;
    z->mode = mode;
    z->out_lo = (uintptr_t)dst;
    z->out_hi = dst ? (uintptr_t)dst + n : (uintptr_t)dst;
    if (z->out_hi < z->out_lo) /* a cap past the end of the address space */
        z->out_hi = UINTPTR_MAX;
}

/* A view the encoder copies must be in memory and must not overlap the
 * output (the size was counted from the bytes before they would change). */
static int view_bad(const sizer *z, const uint8_t *ptr, size_t len)
{
    if (len == 0)
        return 0;
    if (ptr == NULL)
        return 1;
    return (uintptr_t)ptr < z->out_hi && z->out_lo < (uintptr_t)ptr + len;
}

static size_t len_size(unsigned tag, size_t len)
{
    return len > PBW_LEN_MAX ? TOO_BIG : tag_size(tag) + pbw_varint_size(len) + len;
}

static size_t entry_body_size(const wps_kv *kv)
{
    return sat_add(len_size(1 << 3 | PBW_WT_LEN, kv->key.len),
                   len_size(2 << 3 | PBW_WT_LEN, kv->value.len));
}

/* Entries or items given as an array, or decoded (on the wire): for the
 * latter the wire region is read again when writing. */
static int region_bad(const sizer *z, const void *array, size_t count, const wps_wire *w)
{
    if (count == 0 || array != NULL)
        return 0;
    if (w->depth == 0 || w->ptr == NULL || w->end < w->ptr)
        return 1; /* entries announced but nowhere */
    return view_bad(z, w->ptr, (size_t)(w->end - w->ptr));
}

/* a < b in the byte order of map keys, libprotobuf's (std::string's). */
static int key_less(pbw_bytes a, pbw_bytes b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    return c < 0 || (c == 0 && a.len < b.len);
}

/*
 * Sorted maps without memory: a selection walk.  The entry after the
 * previous one (*kv; none on the walk's first step) in key order is the
 * smallest key above it, in its last occurrence (a later duplicate wins).
 * Each step is one pass over the entries: a map of n entries costs n + 1
 * passes, O(n^2) key comparisons (and for a decoded map, each pass re-walks
 * its wire region).  Metadata maps hold a handful of entries.  The walk's
 * own iterator only names the map; its index counts the steps.
 */
static int map_step(wps_map_iter *it, wps_kv *kv, unsigned sort)
{
    wps_map_iter all;
    wps_kv e;
    pbw_bytes prev = kv->key;
    int found = 0;

    if (!sort)
        return wps_map_next(it, kv);
    wps_map_begin(&all, it->map);
    while (wps_map_next(&all, &e)) {
        if ((it->w.index && !key_less(prev, e.key)) || (found && key_less(kv->key, e.key)))
            continue;
        *kv = e; /* smaller, or the same key again: the later one wins */
        found = 1;
    }
    it->w.index++;
    return found;
}

static NOINLINE size_t map_size(unsigned tag, const wps_map *m, sizer *z)
{
    wps_map_iter it;
    wps_kv kv;
    size_t total = 0;

    if (region_bad(z, m->entries, m->count, &m->wire))
        z->bad = 1;
    /* every view is checked before any is read (sorting compares keys,
     * repeated ones included) */
    wps_map_begin(&it, m);
    while (wps_map_next(&it, &kv))
        if (view_bad(z, kv.key.ptr, kv.key.len) || view_bad(z, kv.value.ptr, kv.value.len))
            z->bad = 1;
    if (z->bad)
        return 0;
    wps_map_begin(&it, m);
    while (map_step(&it, &kv, z->mode & WPS_ENCODE_SORTED_MAPS))
        total = sat_add(total, len_size(tag, entry_body_size(&kv)));
    return total;
}

static size_t msg_size(const msgdesc *d, const uint8_t *base, sizer *z);

/* An item's sub-messages are sized in the parent's cache, above the
 * parent's own entries, and forgotten (item_write sizes them again): no
 * second sizer on the stack under the items iterator.  The schema puts an
 * item two levels below the root, so the cache holds both. */
static size_t item_size(const wps_group_state_item *item, sizer *z)
{
    unsigned n = z->n;
    size_t size = msg_size(&descs[M_ITEM], (const uint8_t *)item, z);
    z->n = n;
    return size;
}

static NOINLINE size_t items_size(unsigned tag, const wps_items *items, sizer *z)
{
    wps_items_iter it;
    wps_group_state_item item;
    size_t total = 0;

    if (region_bad(z, items->items, items->count, &items->wire))
        z->bad = 1;
    wps_items_begin(&it, items);
    while (wps_items_next(&it, &item))
        total = sat_add(total, len_size(tag, item_size(&item, z)));
    return total;
}

/* The oneof member to write: 0 for none; sets z->bad for a stray kind. */
static unsigned oneof_member(const msgdesc *d, const uint8_t *base, int *bad)
{
    unsigned k = get_kind(base + d->oneof);
    if (k != 0 && (k > d->nfields || d->fields[k - 1].tag == 0)) {
        *bad = 1;
        return 0;
    }
    return k;
}

/* Varint size and writer with the one-byte case inline. */
/* Inline for one and two bytes (ids, lengths of up to 16 KiB), where most
 * varints fall; the rest in pbwire. */
static inline size_t vsize(uint64_t v)
{
    return v < 0x80 ? 1 : !WPS_SMALL && v < 0x4000 ? 2 : pbw_varint_size(v);
}

static inline uint8_t *put_varint(uint8_t *w, uint64_t v)
{
    if (v < 0x80) {
        *w = (uint8_t)v;
        return w + 1;
    }
#if !WPS_SMALL
    if (v < 0x4000) {
        w[0] = (uint8_t)(v | 0x80);
        w[1] = (uint8_t)(v >> 7);
        return w + 2;
    }
#endif
    return pbw_write_varint(w, v);
}

/*
 * A field goes on the wire when it is the selected oneof member, when its
 * presence flag is set (and only then: a field with a flag and the flag
 * clear is absent, whatever its value), or (no presence) when its value is
 * not the default.  Both passes decide it in the same switch that handles
 * the field's type; fields that are holes in a table (tag 0, type 0) fall
 * through.
 */
static size_t msg_size(const msgdesc *d, const uint8_t *base, sizer *z)
{
    size_t total = 0;
    unsigned i = 0, last = d->nfields;

    if (d->oneof != NO) {
        /* Only the selected member is written: go straight to it. */
        unsigned member = oneof_member(d, base, &z->bad);
        if (member == 0)
            return 0;
        i = member - 1;
        last = member;
    }
    for (; i < last; i++) {
        const field *f = &d->fields[i];
        const uint8_t *v = base + f->off;
        int flagged = d->oneof != NO || (f->has != NO && base[f->has]);
        int valued = d->oneof == NO && f->has == NO; /* present when not the default */
        switch (f->type) {
        case T_STR:
        case T_BYTES: {
            pbw_bytes b;
            memcpy(&b, v, sizeof b);
            if (flagged || (valued && b.len)) {
                if (!((z->mode & MODE_SPLIT) && f->sub == PAYLOAD) && view_bad(z, b.ptr, b.len))
                    z->bad = 1;
                total = sat_add(total, len_size(f->tag, b.len));
            }
            break;
        }
        case T_U64:
        case T_I64: {
            uint64_t x;
            memcpy(&x, v, sizeof x);
            if (flagged || (valued && x))
                total += tag_size(f->tag) + vsize(x);
            break;
        }
        case T_U32: {
            uint32_t x;
            memcpy(&x, v, sizeof x);
            if (flagged || (valued && x))
                total += tag_size(f->tag) + vsize(x);
            break;
        }
        case T_BOOL:
            if (flagged || (valued && *v))
                total += tag_size(f->tag) + 1;
            break;
        case T_MSG:
            if (flagged) {
                unsigned slot = z->n++;
                size_t n = msg_size(&descs[f->sub], v, z);
                z->sizes[slot] = n;
                total = sat_add(total, len_size(f->tag, n));
            }
            break;
        case T_MAP:
            if (((const wps_map *)(const void *)v)->count)
                total = sat_add(total, map_size(f->tag, (const wps_map *)(const void *)v, z));
            break;
        case T_ITEMS:
            if (((const wps_items *)(const void *)v)->count)
                total = sat_add(total, items_size(f->tag, (const wps_items *)(const void *)v, z));
            break;
        default:
            break;
        }
        /* scalars add at most 12 bytes to a total of at most TOO_BIG: clamp */
        total = sat_add(total, 0);
    }
    return total;
}

static inline uint8_t *put_tag(uint8_t *w, unsigned tag)
{
    if (tag < 0x80) {
        *w++ = (uint8_t)tag;
    } else {
        *w++ = (uint8_t)(tag | 0x80);
        *w++ = (uint8_t)(tag >> 7);
    }
    return w;
}

static inline uint8_t *put_len(uint8_t *w, unsigned tag, size_t len)
{
    return put_varint(put_tag(w, tag), len);
}

static inline uint8_t *put_view(uint8_t *w, unsigned tag, const uint8_t *src, size_t len)
{
    w = put_len(w, tag, len);
    if (len)
        memcpy(w, src, len);
    return w + len;
}

/* The writing pass: consumes the sizer's sub-message sizes in pre-order.
 * In split mode a payload's bytes are left out and head_end marks where
 * they go. */
typedef struct writer {
    const sizer *z; /* its mode too */
    unsigned next;
    uint8_t *head_end;
} writer;

static uint8_t *msg_write(const msgdesc *d, const uint8_t *base, uint8_t *w, writer *wr);

/* Maps and items out of line: their iterators stay off the frames of the
 * recursion over the schema. */
static NOINLINE uint8_t *map_write(const wps_map *m, uint8_t *w, unsigned tag, unsigned sort)
{
    wps_map_iter it;
    wps_kv kv;
    wps_map_begin(&it, m);
    while (map_step(&it, &kv, sort)) {
        w = put_len(w, tag, entry_body_size(&kv));
        w = put_view(w, 1 << 3 | PBW_WT_LEN, kv.key.ptr, kv.key.len);
        w = put_view(w, 2 << 3 | PBW_WT_LEN, kv.value.ptr, kv.value.len);
    }
    return w;
}

static uint8_t *item_write(const wps_group_state_item *item, uint8_t *w, unsigned tag,
                           unsigned sort);

static NOINLINE uint8_t *items_write(const wps_items *items, uint8_t *w, unsigned tag,
                                     unsigned sort)
{
    wps_items_iter it;
    wps_group_state_item item;
    wps_items_begin(&it, items);
    while (wps_items_next(&it, &item))
        w = item_write(&item, w, tag, sort);
    return w;
}

static uint8_t *item_write(const wps_group_state_item *item, uint8_t *w, unsigned tag,
                           unsigned sort)
{
    sizer z;
    writer wr;
    size_t n;
    sizer_init(&z, sort, NULL, 0);
    n = msg_size(&descs[M_ITEM], (const uint8_t *)item, &z);
    wr.z = &z;
    wr.next = 0;
    wr.head_end = NULL;
    w = put_len(w, tag, n);
    return msg_write(&descs[M_ITEM], (const uint8_t *)item, w, &wr);
}

static uint8_t *msg_write(const msgdesc *d, const uint8_t *base, uint8_t *w, writer *wr)
{
    unsigned i = 0, last = d->nfields;

    if (d->oneof != NO) {
        int bad = 0;
        unsigned member = oneof_member(d, base, &bad);
        if (member == 0)
            return w;
        i = member - 1;
        last = member;
    }
    for (; i < last; i++) {
        const field *f = &d->fields[i];
        const uint8_t *v = base + f->off;
        int flagged = d->oneof != NO || (f->has != NO && base[f->has]);
        int valued = d->oneof == NO && f->has == NO;
        switch (f->type) {
        case T_STR:
        case T_BYTES: {
            pbw_bytes b;
            memcpy(&b, v, sizeof b);
            if (!flagged && !(valued && b.len))
                break;
            if ((wr->z->mode & MODE_SPLIT) && f->sub == PAYLOAD) {
                w = put_len(w, f->tag, b.len);
                wr->head_end = w;
            } else {
                w = put_view(w, f->tag, b.ptr, b.len);
            }
            break;
        }
        case T_U64:
        case T_I64: {
            uint64_t x;
            memcpy(&x, v, sizeof x);
            if (flagged || (valued && x))
                w = put_varint(put_tag(w, f->tag), x);
            break;
        }
        case T_U32: {
            uint32_t x;
            memcpy(&x, v, sizeof x);
            if (flagged || (valued && x))
                w = put_varint(put_tag(w, f->tag), x);
            break;
        }
        case T_BOOL:
            if (flagged || (valued && *v)) {
                w = put_tag(w, f->tag);
                *w++ = *v != 0;
            }
            break;
        case T_MSG:
            if (flagged) {
                w = put_len(w, f->tag, wr->z->sizes[wr->next++]);
                w = msg_write(&descs[f->sub], v, w, wr);
            }
            break;
        case T_MAP:
            if (((const wps_map *)(const void *)v)->count)
                w = map_write((const wps_map *)(const void *)v, w, f->tag,
                              wr->z->mode & WPS_ENCODE_SORTED_MAPS);
            break;
        case T_ITEMS:
            if (((const wps_items *)(const void *)v)->count)
                w = items_write((const wps_items *)(const void *)v, w, f->tag,
                                wr->z->mode & WPS_ENCODE_SORTED_MAPS);
            break;
        default:
            break;
        }
    }
    return w;
}

/* The general size: 0 with *st set for what the encoders refuse. */
static size_t checked_size(const msgdesc *d, const uint8_t *msg, sizer *z, pbw_status *st)
{
    size_t n = msg_size(d, msg, z);
    *st = z->bad ? PBW_E_ARG : n > PBW_LEN_MAX ? PBW_E_TOO_BIG : PBW_OK;
    return *st == PBW_OK ? n : 0;
}

/* root: M_UP or M_DOWN, shifted left by one, or'd with the flags (the
 * one flag is bit 0): one argument fewer on every entry's call. */
static pbw_status encode_root(unsigned root, const uint8_t *msg, uint8_t *dst, size_t cap,
                              size_t *written)
{
    const msgdesc *d = &descs[root >> 1];
    sizer z;
    writer wr;
    size_t n;
    pbw_status st;

    /* no view may overlap dst[0..cap) */
    sizer_init(&z, root & WPS_ENCODE_SORTED_MAPS, dst, cap);
    n = checked_size(d, msg, &z, &st);
    *written = n;
    if (st != PBW_OK)
        return st;
    if (n > cap)
        return PBW_E_NOSPACE;
    wr.z = &z;
    wr.next = 0;
    wr.head_end = NULL;
    if (n)
        msg_write(d, msg, dst, &wr);
    return PBW_OK;
}

static pbw_status encode_split(const msgdesc *d, const uint8_t *msg, uint8_t *dst, size_t cap,
                               size_t *head_len, size_t *tail_len)
{
    size_t at = payload_of(d, msg);
    const wps_data *data = at ? (const wps_data *)(const void *)(msg + at) : NULL;
    sizer z;
    writer wr;
    size_t n;
    uint8_t *end;
    pbw_status st;

    *head_len = *tail_len = 0;
    sizer_init(&z, MODE_SPLIT, dst, cap);
    n = checked_size(d, msg, &z, &st); /* the payload included: the whole frame */
    if (st != PBW_OK)
        return st;
    if (data == NULL || data->kind == WPS_DATA_NONE)
        return PBW_E_ARG;
    n -= data->bytes.len;
    if (n > cap) {
        *head_len = n;
        return PBW_E_NOSPACE;
    }
    wr.z = &z;
    wr.next = 0;
    wr.head_end = NULL;
    end = msg_write(d, msg, dst, &wr);
    if (wr.head_end == NULL) /* an empty Any.value is not on the wire at all */
        wr.head_end = end;
    *head_len = (size_t)(wr.head_end - dst);
    *tail_len = (size_t)(end - wr.head_end);
    return PBW_OK;
}

pbw_status wps_upstream_encode_split(const wps_upstream *msg, uint8_t *dst, size_t cap,
                                     size_t *head_len, size_t *tail_len)
{
    return encode_split(&descs[M_UP], (const uint8_t *)msg, dst, cap, head_len, tail_len);
}

pbw_status wps_downstream_encode_split(const wps_downstream *msg, uint8_t *dst, size_t cap,
                                       size_t *head_len, size_t *tail_len)
{
    return encode_split(&descs[M_DOWN], (const uint8_t *)msg, dst, cap, head_len, tail_len);
}

#if !WPS_SMALL
/* ---- fast encoders for the frequent messages ------------------------
 *
 * Straight-line size and write for the message types that make up most
 * traffic; the same bytes as the general encoder (the tests compare both).
 * They decline - and the general encoder takes over - for anything else:
 * other types, maps, stream info, a kind outside its enum. */

static inline size_t fe_str(pbw_bytes b, int forced)
{
    return b.len || forced ? 1 + vsize(b.len) + b.len : 0;
}

static inline size_t fe_u64(uint64_t v, int forced)
{
    return v || forced ? 1 + vsize(v) : 0;
}

static inline uint8_t *fw_str(uint8_t *w, unsigned tag, pbw_bytes b, int forced)
{
    return b.len || forced ? put_view(w, tag, b.ptr, b.len) : w;
}

static inline uint8_t *fw_u64(uint8_t *w, unsigned tag, uint64_t v, int forced)
{
    return v || forced ? put_varint(put_tag(w, tag), v) : w;
}

/* Fields with a presence flag: on the wire exactly when the flag is set. */
static inline size_t fe_opt_str(pbw_bytes b, int has)
{
    return has ? 1 + vsize(b.len) + b.len : 0;
}

static inline size_t fe_opt_u64(uint64_t v, int has)
{
    return has ? 1 + vsize(v) : 0;
}

static inline uint8_t *fw_opt_str(uint8_t *w, unsigned tag, pbw_bytes b, int has)
{
    return has ? put_view(w, tag, b.ptr, b.len) : w;
}

static inline uint8_t *fw_opt_u64(uint8_t *w, unsigned tag, uint64_t v, int has)
{
    return has ? put_varint(put_tag(w, tag), v) : w;
}

/*
 * Whether a fast encoder may take a view: in memory (or empty), shorter
 * than 2^28 bytes (so that the few views of a fast message cannot sum past
 * PBW_LEN_MAX, nor wrap a 32-bit size_t), and outside dst[0..cap).  The
 * general encoder takes whatever is declined, and refuses what must be.
 */
#define FAST_VIEW_MAX ((size_t)1 << 28)

static inline int fast_view(pbw_bytes b, const uint8_t *dst, size_t cap)
{
    /* Modulo arithmetic: p - lo < cap is "starts inside dst", lo - p < len
     * is "dst starts inside the view" (both false when dst is NULL). */
    uintptr_t p = (uintptr_t)b.ptr, lo = (uintptr_t)dst;
    return b.len == 0 ||
           (b.len < FAST_VIEW_MAX && b.ptr != NULL && p - lo >= cap && lo - p >= b.len);
}

/* A MessageData's contents: its size, or SIZE_MAX for a kind outside the enum. */
static ALWAYS_INLINE size_t fe_data(const wps_data *d)
{
    switch (d->kind) {
    case WPS_DATA_NONE:
        return 0;
    case WPS_DATA_TEXT:
    case WPS_DATA_BINARY:
    case WPS_DATA_JSON:
        return fe_str(d->bytes, 1);
    case WPS_DATA_PROTOBUF: {
        size_t a = fe_str(d->type_url, 0) + fe_str(d->bytes, 0);
        return 1 + vsize(a) + a;
    }
    default:
        return (size_t)-1;
    }
}

static ALWAYS_INLINE uint8_t *fw_data(uint8_t *w, unsigned tag, const wps_data *d, size_t n)
{
    w = put_len(w, tag, n);
    if (d->kind == WPS_DATA_PROTOBUF) {
        w = put_len(w, 3 << 3 | 2, fe_str(d->type_url, 0) + fe_str(d->bytes, 0));
        w = fw_str(w, 0x0a, d->type_url, 0);
        return fw_str(w, 0x12, d->bytes, 0);
    }
    return d->kind ? fw_str(w, (unsigned)d->kind << 3 | 2, d->bytes, 1) : w;
}

/* An optional sub-message field whose contents are `n` bytes. */
static inline size_t fe_sub(size_t n, int present)
{
    return present ? 1 + vsize(n) + n : 0;
}

/* Declines with 0; otherwise *size is the encoding's size, written to dst
 * when dst is not NULL and it fits in cap.  want: the kind the caller has
 * seen (then only its case is compiled in), or -1 for any. */
static ALWAYS_INLINE int fast_up_encode(const wps_upstream *m, uint8_t *dst, size_t cap,
                                        size_t *size, int want)
{
    unsigned tag = (unsigned)m->kind << 3 | 2;
    size_t n, dn = 0, total;
    uint8_t *w = dst;

    switch (want >= 0 ? (wps_up_kind)want : m->kind) {
    case WPS_UP_NONE:
        *size = 0;
        return 1;
    case WPS_UP_SEND_TO_GROUP: {
        const wps_send_to_group *s = &m->u.send_to_group;
        if (s->metadata.count || s->has_stream ||
            (s->has_data && (dn = fe_data(&s->data)) == (size_t)-1) ||
            !fast_view(s->group, dst, cap) || !fast_view(s->data.bytes, dst, cap) ||
            !fast_view(s->data.type_url, dst, cap))
            return 0;
        n = fe_str(s->group, 0) + fe_opt_u64(s->ack_id, s->has_ack_id) + fe_sub(dn, s->has_data) +
            (s->has_no_echo ? 2 : 0) + fe_opt_u64(s->ttl_seconds, s->has_ttl_seconds);
        *size = total = tag_size(tag) + vsize(n) + n;
        if (!dst || total > cap)
            return 1;
        w = put_len(w, tag, n);
        w = fw_str(w, 0x0a, s->group, 0);
        w = fw_opt_u64(w, 0x10, s->ack_id, s->has_ack_id);
        if (s->has_data)
            w = fw_data(w, 0x1a, &s->data, dn);
        if (s->has_no_echo) {
            *w++ = 0x20;
            *w++ = s->no_echo != 0;
        }
        fw_opt_u64(w, 0x28, s->ttl_seconds, s->has_ttl_seconds);
        return 1;
    }
    case WPS_UP_JOIN_GROUP:
    case WPS_UP_LEAVE_GROUP:
    case WPS_UP_SUBSCRIBE_GROUP_STATE:
    case WPS_UP_UNSUBSCRIBE_GROUP_STATE: {
        /* the four members share the layout */
        const wps_group_request *r = &m->u.join_group;
        if (!fast_view(r->group, dst, cap))
            return 0;
        n = fe_str(r->group, 0) + fe_opt_u64(r->ack_id, r->has_ack_id);
        *size = total = tag_size(tag) + vsize(n) + n;
        if (!dst || total > cap)
            return 1;
        w = fw_str(put_len(w, tag, n), 0x0a, r->group, 0);
        fw_opt_u64(w, 0x10, r->ack_id, r->has_ack_id);
        return 1;
    }
    case WPS_UP_SEQUENCE_ACK:
        n = fe_u64(m->u.sequence_ack.sequence_id, 0);
        *size = total = 1 + vsize(n) + n;
        if (dst && total <= cap)
            fw_u64(put_len(w, tag, n), 0x08, m->u.sequence_ack.sequence_id, 0);
        return 1;
    case WPS_UP_PING:
        *size = 2;
        if (dst && cap >= 2)
            put_len(w, tag, 0);
        return 1;
    default:
        return 0;
    }
}

static size_t fe_error(const wps_error *e)
{
    return fe_str(e->name, 0) + fe_str(e->message, 0);
}

static uint8_t *fw_error(uint8_t *w, unsigned tag, const wps_error *e, size_t n)
{
    return fw_str(fw_str(put_len(w, tag, n), 0x0a, e->name, 0), 0x12, e->message, 0);
}

static ALWAYS_INLINE int fast_down_encode(const wps_downstream *m, uint8_t *dst, size_t cap,
                                          size_t *size, int want)
{
    unsigned tag = (unsigned)m->kind << 3 | 2;
    size_t n, sn = 0, total;
    uint8_t *w = dst;

    switch (want >= 0 ? (wps_down_kind)want : m->kind) {
    case WPS_DOWN_NONE:
        *size = 0;
        return 1;
    case WPS_DOWN_ACK: {
        const wps_ack *a = &m->u.ack;
        if (!fast_view(a->error.name, dst, cap) || !fast_view(a->error.message, dst, cap))
            return 0;
        if (a->has_error)
            sn = fe_error(&a->error);
        n = fe_u64(a->ack_id, 0) + (a->success ? 2 : 0) + fe_sub(sn, a->has_error);
        *size = total = 1 + vsize(n) + n;
        if (!dst || total > cap)
            return 1;
        w = fw_u64(put_len(w, tag, n), 0x08, a->ack_id, 0);
        if (a->success) {
            *w++ = 0x10;
            *w++ = 1;
        }
        if (a->has_error)
            fw_error(w, 0x1a, &a->error, sn);
        return 1;
    }
    case WPS_DOWN_DATA: {
        const wps_data_message *d = &m->u.data;
        if (d->metadata.count || d->has_stream ||
            (d->has_data && (sn = fe_data(&d->data)) == (size_t)-1) ||
            !fast_view(d->from, dst, cap) || !fast_view(d->group, dst, cap) ||
            !fast_view(d->data.bytes, dst, cap) || !fast_view(d->data.type_url, dst, cap))
            return 0;
        n = fe_str(d->from, 0) + fe_opt_str(d->group, d->has_group) + fe_sub(sn, d->has_data) +
            fe_opt_u64(d->sequence_id, d->has_sequence_id);
        *size = total = 1 + vsize(n) + n;
        if (!dst || total > cap)
            return 1;
        w = fw_str(put_len(w, tag, n), 0x0a, d->from, 0);
        w = fw_opt_str(w, 0x12, d->group, d->has_group);
        if (d->has_data)
            w = fw_data(w, 0x1a, &d->data, sn);
        fw_opt_u64(w, 0x20, d->sequence_id, d->has_sequence_id);
        return 1;
    }
    case WPS_DOWN_SYSTEM: {
        const wps_system *y = &m->u.system;
        if (y->kind == WPS_SYSTEM_CONNECTED) {
            const wps_connected *k = &y->u.connected;
            if (!fast_view(k->connection_id, dst, cap) || !fast_view(k->user_id, dst, cap) ||
                !fast_view(k->reconnection_token, dst, cap))
                return 0;
            sn = fe_str(k->connection_id, 0) + fe_str(k->user_id, 0) +
                 fe_opt_str(k->reconnection_token, k->has_reconnection_token);
        } else if (y->kind == WPS_SYSTEM_DISCONNECTED) {
            if (!fast_view(y->u.disconnected.reason, dst, cap))
                return 0;
            sn = fe_str(y->u.disconnected.reason, 0);
        } else if (y->kind != WPS_SYSTEM_NONE) {
            return 0;
        }
        n = y->kind ? 1 + vsize(sn) + sn : 0;
        *size = total = 1 + vsize(n) + n;
        if (!dst || total > cap)
            return 1;
        w = put_len(w, tag, n);
        if (y->kind == WPS_SYSTEM_CONNECTED) {
            const wps_connected *k = &y->u.connected;
            w = fw_str(put_len(w, 0x0a, sn), 0x0a, k->connection_id, 0);
            w = fw_str(w, 0x12, k->user_id, 0);
            fw_opt_str(w, 0x1a, k->reconnection_token, k->has_reconnection_token);
        } else if (y->kind == WPS_SYSTEM_DISCONNECTED) {
            fw_str(put_len(w, 0x12, sn), 0x12, y->u.disconnected.reason, 0);
        }
        return 1;
    }
    case WPS_DOWN_PONG:
        *size = 2;
        if (dst && cap >= 2)
            put_len(w, tag, 0);
        return 1;
    case WPS_DOWN_STREAM_ACK: {
        const wps_stream_ack *k = &m->u.stream_ack;
        if (!fast_view(k->stream_id, dst, cap))
            return 0;
        n = fe_str(k->stream_id, 0) + fe_u64(k->expected_sequence_id, 0);
        *size = total = 1 + vsize(n) + n;
        if (dst && total <= cap)
            fw_u64(fw_str(put_len(w, tag, n), 0x0a, k->stream_id, 0), 0x10,
                   k->expected_sequence_id, 0);
        return 1;
    }
    default:
        return 0;
    }
}
#endif /* !WPS_SMALL */

size_t wps_upstream_size(const wps_upstream *msg)
{
    sizer z;
    pbw_status st;
#if !WPS_SMALL
    size_t n;
    if (fast_up_encode(msg, NULL, 0, &n, -1))
        return n;
#endif
    sizer_init(&z, 0, NULL, 0);
    return checked_size(&descs[M_UP], (const uint8_t *)msg, &z, &st);
}

size_t wps_downstream_size(const wps_downstream *msg)
{
    sizer z;
    pbw_status st;
#if !WPS_SMALL
    size_t n;
    if (fast_down_encode(msg, NULL, 0, &n, -1))
        return n;
#endif
    sizer_init(&z, 0, NULL, 0);
    return checked_size(&descs[M_DOWN], (const uint8_t *)msg, &z, &st);
}

#if !WPS_SMALL
/* As for decoding: one entry per frequent kind, each a short function. */
#define ENC_ENTRY(dir, DIR, kind)                                                                  \
    NOINLINE static pbw_status enc_##dir##_##kind(const wps_##dir##stream *msg, uint8_t *dst,      \
                                                  size_t cap, size_t *written)                     \
    {                                                                                              \
        if (fast_##dir##_encode(msg, dst, cap, written, WPS_##DIR##_##kind))                       \
            return *written > cap ? PBW_E_NOSPACE : PBW_OK;                                        \
        return encode_root(M_##DIR << 1, (const uint8_t *)msg, dst, cap, written);                 \
    }
ENC_ENTRY(up, UP, SEND_TO_GROUP)
ENC_ENTRY(up, UP, JOIN_GROUP) /* and the three requests of the same layout */
ENC_ENTRY(up, UP, SEQUENCE_ACK)
ENC_ENTRY(down, DOWN, ACK)
ENC_ENTRY(down, DOWN, DATA)
ENC_ENTRY(down, DOWN, SYSTEM)
ENC_ENTRY(down, DOWN, STREAM_ACK)
#endif

pbw_status wps_upstream_encode(const wps_upstream *msg, uint8_t *dst, size_t cap,
                               size_t *written)
{
#if !WPS_SMALL
    switch (msg->kind) {
    case WPS_UP_SEND_TO_GROUP:
        return enc_up_SEND_TO_GROUP(msg, dst, cap, written);
    case WPS_UP_JOIN_GROUP:
    case WPS_UP_LEAVE_GROUP:
    case WPS_UP_SUBSCRIBE_GROUP_STATE:
    case WPS_UP_UNSUBSCRIBE_GROUP_STATE:
        return enc_up_JOIN_GROUP(msg, dst, cap, written);
    case WPS_UP_SEQUENCE_ACK:
        return enc_up_SEQUENCE_ACK(msg, dst, cap, written);
    case WPS_UP_PING:
        *written = 2;
        if (cap < 2)
            return PBW_E_NOSPACE;
        dst[0] = WPS_UP_PING << 3 | 2;
        dst[1] = 0;
        return PBW_OK;
    default:
        break;
    }
#endif
    return encode_root(M_UP << 1, (const uint8_t *)msg, dst, cap, written);
}

/* Without the flag: the plain function (and its fast paths; a message with
 * a map never takes those, so they need no flag). */
pbw_status wps_upstream_encode_flags(const wps_upstream *msg, unsigned flags, uint8_t *dst,
                                     size_t cap, size_t *written)
{
#if !WPS_SMALL
    if (!(flags & WPS_ENCODE_SORTED_MAPS))
        return wps_upstream_encode(msg, dst, cap, written);
#endif
    return encode_root(M_UP << 1 | (flags & WPS_ENCODE_SORTED_MAPS), (const uint8_t *)msg, dst,
                       cap, written);
}

pbw_status wps_downstream_encode(const wps_downstream *msg, uint8_t *dst, size_t cap,
                                 size_t *written)
{
#if !WPS_SMALL
    switch (msg->kind) {
    case WPS_DOWN_ACK:
        return enc_down_ACK(msg, dst, cap, written);
    case WPS_DOWN_DATA:
        return enc_down_DATA(msg, dst, cap, written);
    case WPS_DOWN_SYSTEM:
        return enc_down_SYSTEM(msg, dst, cap, written);
    case WPS_DOWN_STREAM_ACK:
        return enc_down_STREAM_ACK(msg, dst, cap, written);
    case WPS_DOWN_PONG:
        *written = 2;
        if (cap < 2)
            return PBW_E_NOSPACE;
        dst[0] = WPS_DOWN_PONG << 3 | 2;
        dst[1] = 0;
        return PBW_OK;
    default:
        break;
    }
#endif
    return encode_root(M_DOWN << 1, (const uint8_t *)msg, dst, cap, written);
}

pbw_status wps_downstream_encode_flags(const wps_downstream *msg, unsigned flags, uint8_t *dst,
                                       size_t cap, size_t *written)
{
#if !WPS_SMALL
    if (!(flags & WPS_ENCODE_SORTED_MAPS))
        return wps_downstream_encode(msg, dst, cap, written);
#endif
    return encode_root(M_DOWN << 1 | (flags & WPS_ENCODE_SORTED_MAPS), (const uint8_t *)msg, dst,
                       cap, written);
}

#endif /* !WPS_NO_ENCODER */

#if !WPS_NO_STREAM
/* ---- streaming decode ------------------------------------------------ */

/*
 * The same decoding, resumable at every byte.  Tags, varints and length
 * prefixes are assembled across chunks in `acc`; sub-messages are frames
 * with absolute end offsets; unknown groups keep their field numbers packed
 * in `groups`.  Short fields are buffered whole in the scratch buffer and
 * then handled exactly as the one-shot decoder handles them (the same
 * store_* functions, and decode() itself for map entries and items);
 * payloads are passed through as events.
 *
 * The scratch buffer holds protobuf records: a string is stored as field
 * SCRATCH_STRING (never a map or items field number), a map entry or item
 * keeps its own tag.  So a map's or item list's wire region can start at
 * its first record and the walk skips the strings in between.
 */

enum stream_state { S_TAG, S_VARINT, S_LEN, S_SKIP_LEN, S_SKIP_FIXED, S_WHOLE, S_PAYLOAD,
                    S_HOLD, S_REPLAY, S_DONE, S_ERROR,
                    S_START, /* nothing consumed yet */
                    S_GATHER, /* the frame fits the scratch buffer: being copied there */
                    S_FIRST /* S_START with a known length that fits the scratch buffer,
                             * without WPS_STREAM_COLLECT: decoded whole if the first
                             * chunk holds the frame (not in a WPS_SMALL build) */ };
/* Phases of S_REPLAY (in s->nbytes, unused there): the payload delivered,
 * the bytes after it being consumed, done. */
enum { R_PAYLOAD, R_AFTER, R_DONE };

static pbw_status stream_general(wps_stream *s, const uint8_t **pp, const uint8_t *end,
                                 wps_stream_event *ev);
enum { EV_DISCARD = 1, EV_BEGIN = 2, EV_END = 4 };

WPS__ASSERT(stream_state_fits, (sizeof(void *) != 8 || PBW_MAX_DEPTH != 100) ||
                                   sizeof(wps_stream) <= 512);
WPS__ASSERT(stream_root_fits, offsetof(wps_downstream, u) + sizeof(wps_data_message) < 0xFFFF);

static void stream_error(wps_stream *s, pbw_status st, uint64_t at);

#if !WPS_SMALL
#define STREAM_INIT_INLINE ALWAYS_INLINE /* one copy per direction: no call */
#else
#define STREAM_INIT_INLINE
#endif
static STREAM_INIT_INLINE void stream_init(wps_stream *s, const msgdesc *root, uint8_t *msg,
                                           uint8_t *scratch, size_t cap, uint64_t total,
                                           unsigned flags)
{
    /* Only what is read before it is written; the rest is set on the way
     * (elem, acc, err, the other frames, tag, root_len_at, group_at, utf8). */
#if !WPS_SMALL
    if (total <= (scratch ? cap : 0) && total <= PBW_MSG_MAX) {
        /* a known length that fits the scratch buffer (never
         * WPS_LEN_UNKNOWN; without a buffer, an empty frame): the frame is
         * decoded whole, and what only the field-by-field machine reads is
         * set if it ever takes over (stream_machine) */
        s->msg = msg;
        s->scratch = scratch;
        s->scratch_cap = scratch ? cap : 0;
        s->scratch_len = 0;
        s->pos = 0;
        s->frame_end[0] = total;
        s->frame_desc[0] = (uint8_t)(root - descs);
        s->state = (flags & WPS_STREAM_COLLECT) ? S_GATHER : S_FIRST;
        s->flags = (uint8_t)(flags & (WPS_DECODE_NO_UTF8 | WPS_STREAM_COLLECT));
        s->pending = 0;
        set_kind(msg + root->oneof, 0);
        return;
    }
#endif
    s->msg = msg;
    s->scratch = scratch;
    s->scratch_cap = scratch ? cap : 0;
    s->scratch_len = 0;
    s->field_at = 0;
    s->pos = 0;
    s->frame_end[0] = total;
    s->frame_base[0] = 0;
    s->frame_base[1] = 0;
    s->frame_desc[0] = (uint8_t)(root - descs);
    s->depth = 0;
    s->state = S_START;
    s->nbytes = 0;
    s->flags = (uint8_t)(flags & (WPS_DECODE_NO_UTF8 | WPS_STREAM_COLLECT));
    s->status = 0;
    s->held = 0;
    s->pending = 0;
    s->payload = 0;
    s->ngroups = 0;
    set_kind(msg + root->oneof, 0);
    if (total != WPS_LEN_UNKNOWN && total > PBW_MSG_MAX)
        stream_error(s, PBW_E_TOO_BIG, PBW_MSG_MAX);
}

#if !WPS_SMALL
/* From S_FIRST or S_GATHER to the field-by-field machine: what stream_init
 * left unset, and S_TAG. */
static void stream_machine(wps_stream *s)
{
    s->field_at = 0;
    s->frame_base[0] = 0;
    s->frame_base[1] = 0;
    s->depth = 0;
    s->state = S_TAG;
    s->nbytes = 0;
    s->status = 0;
    s->held = 0;
    s->payload = 0;
    s->ngroups = 0;
}
#endif

void wps_stream_init_upstream(wps_stream *s, wps_upstream *msg, uint8_t *scratch,
                              size_t scratch_cap, uint64_t total_len, unsigned flags)
{
    stream_init(s, &descs[M_UP], (uint8_t *)msg, scratch, scratch_cap, total_len, flags);
}

void wps_stream_init_downstream(wps_stream *s, wps_downstream *msg, uint8_t *scratch,
                                size_t scratch_cap, uint64_t total_len, unsigned flags)
{
    stream_init(s, &descs[M_DOWN], (uint8_t *)msg, scratch, scratch_cap, total_len, flags);
}

uint64_t wps_stream_offset(const wps_stream *s)
{
    return s->state == S_ERROR ? s->err : s->pos;
}

/* 29-bit field numbers of open groups, packed little-endian. */
static void group_set(wps_stream *s, unsigned i, uint32_t num)
{
    unsigned bit = i * 29, k;
    for (k = 0; k < 29; k++, bit++) {
        uint8_t mask = (uint8_t)(1u << (bit & 7));
        if (num >> k & 1)
            s->groups[bit >> 3] |= mask;
        else
            s->groups[bit >> 3] &= (uint8_t)~mask;
    }
}

static uint32_t group_get(const wps_stream *s, unsigned i)
{
    unsigned bit = i * 29, k;
    uint32_t num = 0;
    for (k = 0; k < 29; k++, bit++)
        num |= (uint32_t)(s->groups[bit >> 3] >> (bit & 7) & 1) << k;
    return num;
}

/*
 * Records an error.  With the total length unknown, an error inside a
 * top-level field is held back: if the input turns out to end before that
 * field does, the one-shot decoder's first error is the field's length, not
 * this one.  It becomes final when the input reaches the field's end.
 */
/* A final error: sticky, and the message is reset as the one-shot decoder
 * resets it. */
static void stream_error(wps_stream *s, pbw_status st, uint64_t at)
{
    s->status = (uint8_t)st;
    s->err = at;
    s->state = S_ERROR;
    s->pending = 0;
    set_kind(s->msg + descs[s->frame_desc[0]].oneof, 0);
}

static void stream_fail(wps_stream *s, pbw_status st, uint64_t at)
{
    if (s->frame_end[0] == WPS_LEN_UNKNOWN && s->depth >= 1) {
        s->held = (uint8_t)st;
        s->err = at;
        s->state = S_HOLD;
        s->pending = 0; /* no event can follow an error, held or not */
    } else {
        stream_error(s, st, at);
    }
}

static const msgdesc *frame_desc(const wps_stream *s)
{
    return &descs[s->frame_desc[s->depth]];
}

static uint8_t *frame_base(const wps_stream *s)
{
    return s->msg + s->frame_base[s->depth];
}

/* The wps_data a payload field of the current frame belongs to. */
static wps_data *payload_data(const wps_stream *s)
{
    uint8_t *base = frame_base(s);
    if (s->frame_desc[s->depth] == M_ANY)
        base -= ANY_OFF;
    return (wps_data *)(void *)base;
}

/* A union was cleared: a payload delivered from it no longer counts. */
static void payload_cleared(wps_stream *s, int cleared)
{
    if (cleared && s->payload) {
        s->pending |= EV_DISCARD;
        s->payload = 0;
    }
}

/*
 * Assembles a varint of at most `max` bytes from the input, bounded by the
 * current frame.  1: done (*v); 0: input exhausted; -1: error recorded.
 */
static int take_varint(wps_stream *s, const uint8_t **pp, const uint8_t *end, unsigned max,
                       uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t room = s->frame_end[s->depth] - s->pos;

    if (s->nbytes == 0) {
        s->elem = s->pos;
        s->acc = 0;
        if (p < end && room > 0 && *p < 0x80) { /* one byte: the common case */
            *v = *p;
            *pp = p + 1;
            s->pos++;
            return 1;
        }
    }
    for (;;) {
        unsigned b;
        if (room == 0) {
            *pp = p;
            stream_fail(s, PBW_E_TRUNCATED, s->elem);
            return -1;
        }
        if (p == end) {
            *pp = p;
            return 0;
        }
        b = *p++;
        s->pos++;
        room--;
        s->acc |= (uint64_t)(b & 0x7f) << (7 * s->nbytes);
        s->nbytes++;
        if (b < 0x80) {
            *v = s->acc;
            s->nbytes = 0;
            *pp = p;
            return 1;
        }
        if (s->nbytes == max) {
            *pp = p;
            stream_fail(s, PBW_E_VARINT, s->elem);
            return -1;
        }
    }
}

/* A tag was read (s->tag, starting at s->elem): decides what follows. */
static void stream_tag(wps_stream *s)
{
    uint32_t tag = s->tag, num = tag >> 3;
    unsigned wt = tag & 7;

    if (num == 0) {
        stream_fail(s, PBW_E_FIELD_ZERO, s->elem);
        return;
    }
    if (wt > 5) {
        stream_fail(s, PBW_E_WIRE_TYPE, s->elem);
        return;
    }
    if (!s->ngroups && lookup(frame_desc(s), tag)) {
        s->state = wt == PBW_WT_VARINT ? S_VARINT : S_LEN;
        return;
    }
    switch (wt) {
    case PBW_WT_VARINT:
        s->state = S_VARINT;
        break;
    case PBW_WT_LEN:
        s->state = S_LEN;
        break;
    case PBW_WT_START_GROUP:
        if (s->ngroups >= PBW_MAX_DEPTH - s->depth) {
            stream_fail(s, PBW_E_DEPTH, s->elem);
            return;
        }
        if (s->ngroups == 0)
            s->group_at = s->elem;
        group_set(s, s->ngroups++, num);
        break;
    case PBW_WT_END_GROUP:
        if (s->ngroups == 0 || group_get(s, s->ngroups - 1u) != num) {
            stream_fail(s, PBW_E_END_GROUP, s->elem);
            return;
        }
        s->ngroups--;
        break;
    default: /* fixed64, fixed32: the value must fit in the frame */
        s->acc = wt == PBW_WT_FIXED64 ? 8 : 4;
        s->elem = s->pos;
        if (s->frame_end[s->depth] - s->pos < s->acc) {
            stream_fail(s, PBW_E_TRUNCATED, s->elem);
            return;
        }
        s->state = S_SKIP_FIXED;
        break;
    }
}

/* A length prefix was read: value len, prefix at s->elem, for field f of
 * the current frame (NULL: an unknown field). */
static void stream_len(wps_stream *s, const field *f, uint64_t len)
{
    const msgdesc *d = frame_desc(s);
    uint8_t *base = frame_base(s);
    int cleared, fits;
    size_t n, room;

    if (len > PBW_LEN_MAX) { /* first, as libprotobuf's ReadSize; and len fits a size_t */
        stream_fail(s, PBW_E_TOO_BIG, s->elem);
        return;
    }
    if (len > s->frame_end[s->depth] - s->pos) {
        stream_fail(s, PBW_E_LENGTH, s->elem);
        return;
    }
    s->acc = len;
    /* a record (one-byte tag, length, bytes) of this field fits the scratch */
    n = (size_t)len;
    room = s->scratch_cap - s->scratch_len;
    fits = n < room && 1 + pbw_varint_size(n) <= room - n;
    cleared = 0;
    if (f == NULL) {
        s->state = S_SKIP_LEN;
    } else if (f->type == T_MSG) {
        pbw_bytes none = {NULL, 0};
        uint8_t *nb = open_sub(d, f, base, none, &cleared);
        payload_cleared(s, cleared);
        if (s->depth == 0)
            s->root_len_at = s->elem;
        s->depth++;
        s->frame_end[s->depth] = s->pos + len;
        s->frame_base[s->depth] = (uint16_t)(nb - s->msg);
        s->frame_desc[s->depth] = f->sub;
        s->state = S_TAG;
    } else if (f->sub == PAYLOAD && f->type <= T_BYTES &&
               !((s->flags & WPS_STREAM_COLLECT) && fits)) {
        pbw_bytes view = {NULL, 0};
        view.len = n;
        payload_cleared(s, store_view(d, f, base, view));
        s->payload = (uint8_t)(s->frame_desc[s->depth] == M_ANY ? WPS_DATA_PROTOBUF
                                                                 : f->tag >> 3);
        s->pending |= EV_BEGIN;
        memset(&s->utf8, 0, sizeof s->utf8);
        s->state = S_PAYLOAD;
    } else {
        /* A short field (or a payload collected in WPS_STREAM_COLLECT mode):
         * buffered whole in the scratch buffer as a record.  Record field
         * numbers are below 16: a one-byte tag. */
        uint8_t rec = (uint8_t)((f->type == T_STR ? SCRATCH_STRING : f->tag >> 3) << 3 |
                                PBW_WT_LEN);
        uint8_t *w;
        if (!fits) {
            stream_fail(s, PBW_E_NOSPACE, s->elem);
            return;
        }
        w = s->scratch + s->scratch_len; /* not before: scratch may be NULL */
        *w++ = rec;
        w = pbw_write_varint(w, n);
        s->scratch_len = (size_t)(w - s->scratch);
        s->field_at = s->scratch_len;
        s->state = S_WHOLE;
    }
}

/* Short field f of the current frame is complete in the scratch buffer:
 * apply it. */
static void stream_whole(wps_stream *s, const field *f)
{
    const msgdesc *d = frame_desc(s);
    uint8_t *base = frame_base(s);
    pbw_bytes b;
    uint64_t at;

    b.ptr = s->scratch + s->field_at;
    b.len = s->scratch_len - s->field_at;
    at = s->pos - b.len; /* where the value was in the input */
    s->state = S_TAG;
    if (f->type == T_STR || f->sub == PAYLOAD) {
        size_t bad;
        if (f->type == T_STR && !utf8_ok(s->flags, b, &bad)) {
            stream_fail(s, PBW_E_UTF8, at + bad);
            return;
        }
        /* a collected payload replaces one streamed before it */
        payload_cleared(s, store_view(d, f, base, b) || f->sub == PAYLOAD);
    } else {
        const uint8_t *e = b.ptr;
        uint8_t path = (uint8_t)(f->tag >> 3);
        pbw_status st =
            decode(&descs[f->sub], NULL, b.ptr, b.len, s->flags, s->depth + 1u, NULL, &e);
        if (st != PBW_OK) {
            stream_fail(s, st, at + (uint64_t)(e - b.ptr));
            return;
        }
        note_element(f, base, b.ptr - 1 - pbw_varint_size(b.len), b.ptr + b.len, &path, 1);
    }
}

#if !WPS_SMALL
/*
 * The fast path: whole known fields that lie entirely within the chunk and
 * their frame, decoded in a loop, frames opened and closed on the way.  It
 * does exactly what the general path does for the same bytes (the same
 * stores, the same scratch records, the same payload events), without a
 * round trip per field.  It stops, leaving the rest to the general path
 * (which owns every error's semantics), at anything unusual: a field cut by
 * the chunk, an unknown field or group, a payload (whose events must go
 * out), the root's end, or any error.
 */
static const uint8_t *stream_fast(wps_stream *s, const uint8_t *p, const uint8_t *end)
{
    /* the position of p is pos0 + (p - p0); s->pos is synced before any
     * call that reads it, and on the way out */
    const uint8_t *const p0 = p;
    const uint64_t pos0 = s->pos;
    const msgdesc *md = frame_desc(s);
    uint8_t *base = frame_base(s);
    uint64_t fend = s->frame_end[s->depth];

    while (s->state == S_TAG && !s->pending) {
        uint64_t pos = pos0 + (uint64_t)(p - p0), room = fend - pos, v;
        size_t avail = (size_t)(end - p);
        const uint8_t *lim, *q = p, *len_at;
        const field *f;
        uint32_t tag;
        pbw_bytes b;

        if (room == 0) {
            if (s->depth == 0)
                break;
            s->depth--;
            md = frame_desc(s);
            base = frame_base(s);
            fend = s->frame_end[s->depth];
            continue;
        }
        if (avail == 0)
            break;
        lim = room < avail ? p + room : end;
        if (*q < 0x80 && *q >= 8)
            tag = *q++;
        else if (pbw_read_tag(&q, lim, &tag) != PBW_OK)
            break;
        if ((f = lookup(md, tag)) == NULL)
            break;
        if ((tag & 7) == PBW_WT_VARINT) {
            if (!varint12(&q, lim, &v) && pbw_read_varint64(&q, lim, &v) != PBW_OK)
                break;
            store_scalar(md, f, base, v);
            p = q;
            continue;
        }
        len_at = q;
        if (varint12(&q, lim, &v) && v <= (uint64_t)(lim - q)) {
            b.ptr = q;
            b.len = (size_t)v;
        } else if (q = len_at, pbw_read_bytes(&q, lim, &b) != PBW_OK) {
            break;
        }
        s->elem = pos + (uint64_t)(len_at - p);
        s->pos = pos + (uint64_t)(b.ptr - p);
        s->tag = tag;
        stream_len(s, f, b.len); /* sub-message: a frame; payload: BEGIN; else a record */
        p = b.ptr;
        if (s->state == S_WHOLE) {
            /* memmove: after an abandoned gather the input is the scratch */
            memmove(s->scratch + s->scratch_len, b.ptr, b.len);
            s->scratch_len += b.len;
            s->pos += b.len;
            p += b.len;
            stream_whole(s, f);
        } else if (f->type == T_MSG && s->state == S_TAG) {
            md = frame_desc(s);
            base = frame_base(s);
            fend = s->frame_end[s->depth];
        }
    }
    s->pos = pos0 + (uint64_t)(p - p0);
    return p;
}
#endif /* !WPS_SMALL */


#if !WPS_SMALL
/* The MessageData of a decoded root message, or NULL: payload_of() for the
 * kinds that have one, without the table walk. */
static ALWAYS_INLINE wps_data *root_data(const wps_stream *s)
{
    return s->frame_desc[0] == M_UP ? up_data((wps_upstream *)(void *)s->msg)
                                    : down_data((wps_downstream *)(void *)s->msg);
}

/* The first event of a frame decoded whole (every view valid): MESSAGE_END,
 * or PAYLOAD_BEGIN with the whole payload (the occurrence that counts);
 * replay_next() gives the rest.  Never with WPS_STREAM_COLLECT (a frame is
 * decoded whole only without it; a gathered one ends in gathered_end). */
static ALWAYS_INLINE pbw_status decoded_whole(wps_stream *s, wps_data *data,
                                              wps_stream_event *ev)
{
    s->state = S_REPLAY;
    ev->chunk.ptr = NULL;
    ev->chunk.len = 0;
    ev->remaining = 0;
    if (data) {
        data->raw.ptr = NULL; /* as the field-by-field path leaves it */
        data->raw.len = 0;
    }
    if (!data || data->kind == WPS_DATA_NONE || data->bytes.ptr == NULL) {
        /* no payload on the wire (none, or an Any without a value) */
        s->nbytes = R_DONE;
        ev->type = WPS_EV_MESSAGE_END;
        ev->kind = WPS_DATA_NONE;
        ev->data = NULL;
        return PBW_OK;
    }
    ev->type = WPS_EV_PAYLOAD_BEGIN;
    ev->kind = data->kind;
    ev->data = data;
    ev->remaining = data->bytes.len;
    if (data->bytes.len) {
        ev->chunk.ptr = data->bytes.ptr;
        ev->chunk.len = data->bytes.len;
    }
    s->nbytes = R_PAYLOAD;
    s->payload = (uint8_t)data->kind;
    s->frame_base[1] = (uint16_t)((uint8_t *)data - s->msg); /* for PAYLOAD_END */
    data->bytes.ptr = NULL;
    return PBW_OK;
}

/* The frame decoded by the general decoder, in place. */
NOINLINE static pbw_status stream_whole_general(wps_stream *s, const uint8_t **pp,
                                                wps_stream_event *ev)
{
    const uint8_t *p = *pp, *e = p;
    size_t len = (size_t)s->frame_end[0];
    pbw_status st;

    s->scratch_len = 0; /* whatever a fast path copied before giving up */
    st = decode(&descs[s->frame_desc[0]], s->msg, p, len, s->flags & WPS_DECODE_NO_UTF8, 0, s,
                &e);
    if (st != PBW_OK) {
        stream_error(s, st, (uint64_t)(e - p));
        return st;
    }
    *pp = p + len;
    s->pos = len;
    return decoded_whole(s, root_data(s), ev);
}

/* The one-shot decoder's fast paths, one per frequent root tag as in
 * wps_*_decode() (each with only its own case compiled in: few registers),
 * copying short fields into the scratch buffer; what they do not take goes
 * to the general decoder.  DATA: the MessageData of the kind, or NULL. */
#define WHOLE_ENTRY(dir, DIR, kind, leaf, DATA)                                                    \
    NOINLINE static pbw_status whole_##dir##_##kind(wps_stream *s, const uint8_t **pp,            \
                                                    wps_stream_event *ev)                          \
    {                                                                                              \
        const uint8_t *p = *pp;                                                                    \
        size_t len = (size_t)s->frame_end[0];                                                      \
        wps_##dir##stream *m = (wps_##dir##stream *)(void *)s->msg;                                \
        if (!fast_##dir(p, len, m, s->flags | (leaf), s, DIR##_TAG(kind)))                         \
            return stream_whole_general(s, pp, ev);                                                \
        *pp = p + len;                                                                             \
        s->pos = len;                                                                              \
        return decoded_whole(s, DATA, ev);                                                         \
    }
#define WHOLE_DATA(member) (m->u.member.has_data ? &m->u.member.data : NULL)
WHOLE_ENTRY(up, UP, SEND_TO_GROUP, 0, WHOLE_DATA(send_to_group))
WHOLE_ENTRY(up, UP, JOIN_GROUP, FC_LEAF, NULL)
WHOLE_ENTRY(up, UP, LEAVE_GROUP, FC_LEAF, NULL)
WHOLE_ENTRY(up, UP, SEQUENCE_ACK, FC_LEAF, NULL)
WHOLE_ENTRY(down, DOWN, ACK, FC_LEAF, NULL)
WHOLE_ENTRY(down, DOWN, DATA, 0, WHOLE_DATA(data))
WHOLE_ENTRY(down, DOWN, SYSTEM, FC_LEAF, NULL)
WHOLE_ENTRY(down, DOWN, STREAM_ACK, FC_LEAF, NULL)

/* An empty Ping or Pong: the kind alone. */
static pbw_status whole_empty(wps_stream *s, const uint8_t **pp, wps_stream_event *ev,
                              unsigned kind)
{
    set_kind(s->msg + descs[s->frame_desc[0]].oneof, kind);
    *pp += 2;
    s->pos = 2;
    return decoded_whole(s, NULL, ev);
}

/*
 * The whole frame is in this chunk (and no payload is to be collected):
 * the one-shot decoder decodes it in place, copying its short fields into
 * the scratch buffer as it goes (each record no larger than the field on
 * the wire: they fit), so only the payload's view points into the input.
 * Tail calls only.
 */
static ALWAYS_INLINE pbw_status stream_whole_frame(wps_stream *s, const uint8_t **pp,
                                                   wps_stream_event *ev)
{
    const uint8_t *p = *pp;
    size_t len = (size_t)s->frame_end[0];

    if (len >= 2) {
        if (s->frame_desc[0] == M_UP) {
            switch (p[0]) {
            case UP_TAG(SEND_TO_GROUP):
                return whole_up_SEND_TO_GROUP(s, pp, ev);
            case UP_TAG(JOIN_GROUP):
                return whole_up_JOIN_GROUP(s, pp, ev);
            case UP_TAG(LEAVE_GROUP):
                return whole_up_LEAVE_GROUP(s, pp, ev);
            case UP_TAG(SEQUENCE_ACK):
                return whole_up_SEQUENCE_ACK(s, pp, ev);
            case UP_TAG(PING):
                if (len == 2 && p[1] == 0)
                    return whole_empty(s, pp, ev, WPS_UP_PING);
                break;
            default:
                break;
            }
        } else {
            switch (p[0]) {
            case DOWN_TAG(ACK):
                return whole_down_ACK(s, pp, ev);
            case DOWN_TAG(DATA):
                return whole_down_DATA(s, pp, ev);
            case DOWN_TAG(SYSTEM):
                return whole_down_SYSTEM(s, pp, ev);
            case DOWN_TAG(STREAM_ACK):
                return whole_down_STREAM_ACK(s, pp, ev);
            case DOWN_TAG(PONG):
                if (len == 2 && p[1] == 0)
                    return whole_empty(s, pp, ev, WPS_DOWN_PONG);
                break;
            default:
                break;
            }
        }
    }
    return stream_whole_general(s, pp, ev);
}

/*
 * The frame fits the scratch buffer but comes in pieces: its bytes are
 * copied there as they come (one memcpy per chunk, whatever the chunk
 * size), and once complete the one-shot decoder decodes the copy (the same
 * core, the same result and the same error at the same offset), so every
 * view points into the scratch buffer.
 */
NOINLINE static pbw_status stream_gathered(wps_stream *s, wps_stream_event *ev);
NOINLINE static pbw_status stream_gather_last(wps_stream *s, const uint8_t *p, size_t n,
                                              wps_stream_event *ev);

NOINLINE static pbw_status stream_gather(wps_stream *s, const uint8_t **pp, const uint8_t *end,
                                         wps_stream_event *ev)
{
    const uint8_t *p = pp ? *pp : NULL;
    size_t want = (size_t)(s->frame_end[0] - s->pos);

    if (p && (size_t)(end - p) < want) { /* the usual chunk: copied, nothing else */
        uint8_t *dst = s->scratch + (size_t)s->pos;
        s->pos += (size_t)(end - p);
        *pp = end;
        memcpy(dst, p, (size_t)(end - p));
        return PBW_NEED_MORE;
    }
    if (p && want) {
        *pp = p + want;
        return stream_gather_last(s, p, want, ev);
    }
    if (want)
        return PBW_NEED_MORE;
    /* complete: nothing to copy (an empty frame's scratch may be NULL) */
    return stream_gathered(s, ev);
}

/* The frame's last n bytes, at p. */
NOINLINE static pbw_status stream_gather_last(wps_stream *s, const uint8_t *p, size_t n,
                                              wps_stream_event *ev)
{
    uint8_t *dst = s->scratch + (size_t)s->pos;
    s->pos += n;
    memcpy(dst, p, n);
    return stream_gathered(s, ev);
}

/* The end of a gathered frame, decoded: its MessageData (or NULL) and the
 * event, MESSAGE_END alone (collecting: the payload is in the struct). */
static ALWAYS_INLINE pbw_status gathered_end(wps_stream *s, wps_data *data, wps_stream_event *ev)
{
    if (data) {
        data->raw.ptr = NULL; /* as the field-by-field path leaves it */
        data->raw.len = 0;
    }
    s->state = S_REPLAY;
    s->nbytes = R_DONE;
    ev->type = WPS_EV_MESSAGE_END;
    ev->kind = WPS_DATA_NONE;
    ev->remaining = 0;
    ev->chunk.ptr = NULL;
    ev->chunk.len = 0;
    ev->data = NULL;
    return PBW_OK;
}

/* The gathered frame by wps_*_decode(). */
NOINLINE static pbw_status gathered_general(wps_stream *s, wps_stream_event *ev)
{
    size_t len = (size_t)s->frame_end[0], at;
    const uint8_t *p = s->scratch;
    pbw_status st;

    st = s->frame_desc[0] == M_UP
             ? wps_upstream_decode(p, len, (wps_upstream *)(void *)s->msg,
                                   s->flags & WPS_DECODE_NO_UTF8, &at)
             : wps_downstream_decode(p, len, (wps_downstream *)(void *)s->msg,
                                     s->flags & WPS_DECODE_NO_UTF8, &at);
    if (st != PBW_OK) {
        stream_error(s, st, at);
        return st;
    }
    return gathered_end(s, root_data(s), ev);
}

/* What wps_*_decode() does for the frequent root tags, then the end: the
 * same fast paths (rs NULL: the views point into the gathered frame), and
 * the general decoder for what they do not take. */
#define GATHERED_ENTRY(dir, DIR, kind, leaf, DATA)                                                 \
    NOINLINE static pbw_status gathered_##dir##_##kind(wps_stream *s, wps_stream_event *ev)       \
    {                                                                                              \
        wps_##dir##stream *m = (wps_##dir##stream *)(void *)s->msg;                                \
        if (!fast_##dir(s->scratch, (size_t)s->frame_end[0], m,                                    \
                        (s->flags & WPS_DECODE_NO_UTF8) | (leaf), NULL, DIR##_TAG(kind)))          \
            return gathered_general(s, ev);                                                        \
        return gathered_end(s, DATA, ev);                                                          \
    }
GATHERED_ENTRY(up, UP, SEND_TO_GROUP, 0, WHOLE_DATA(send_to_group))
GATHERED_ENTRY(up, UP, JOIN_GROUP, FC_LEAF, NULL)
GATHERED_ENTRY(up, UP, LEAVE_GROUP, FC_LEAF, NULL)
GATHERED_ENTRY(up, UP, SEQUENCE_ACK, FC_LEAF, NULL)
GATHERED_ENTRY(down, DOWN, ACK, FC_LEAF, NULL)
GATHERED_ENTRY(down, DOWN, DATA, 0, WHOLE_DATA(data))
GATHERED_ENTRY(down, DOWN, SYSTEM, FC_LEAF, NULL)
GATHERED_ENTRY(down, DOWN, STREAM_ACK, FC_LEAF, NULL)

/* The frame is complete in the scratch buffer: decoded there.  Tail calls
 * only. */
NOINLINE static pbw_status stream_gathered(wps_stream *s, wps_stream_event *ev)
{
    size_t len = (size_t)s->frame_end[0];
    const uint8_t *q = s->scratch;

    s->scratch_len = len;
    if (len >= 2) {
        if (s->frame_desc[0] == M_UP) {
            switch (q[0]) {
            case UP_TAG(SEND_TO_GROUP):
                return gathered_up_SEND_TO_GROUP(s, ev);
            case UP_TAG(JOIN_GROUP):
                return gathered_up_JOIN_GROUP(s, ev);
            case UP_TAG(LEAVE_GROUP):
                return gathered_up_LEAVE_GROUP(s, ev);
            case UP_TAG(SEQUENCE_ACK):
                return gathered_up_SEQUENCE_ACK(s, ev);
            case UP_TAG(PING):
                if (len == 2 && q[1] == 0) {
                    ((wps_upstream *)(void *)s->msg)->kind = WPS_UP_PING;
                    return gathered_end(s, NULL, ev);
                }
                break;
            default:
                break;
            }
        } else {
            switch (q[0]) {
            case DOWN_TAG(ACK):
                return gathered_down_ACK(s, ev);
            case DOWN_TAG(DATA):
                return gathered_down_DATA(s, ev);
            case DOWN_TAG(SYSTEM):
                return gathered_down_SYSTEM(s, ev);
            case DOWN_TAG(STREAM_ACK):
                return gathered_down_STREAM_ACK(s, ev);
            case DOWN_TAG(PONG):
                if (len == 2 && q[1] == 0) {
                    ((wps_downstream *)(void *)s->msg)->kind = WPS_DOWN_PONG;
                    return gathered_end(s, NULL, ev);
                }
                break;
            default:
                break;
            }
        }
    }
    return gathered_general(s, ev);
}

/*
 * The input ended (wps_stream_finish) before a gathered frame was complete:
 * the answer is an error either way, the first one the field-by-field path
 * finds in the bytes gathered, else PBW_E_TRUNCATED where they stop.  So
 * run that path over them, in place: it writes its records at the start of
 * the scratch buffer, never past the bytes it has consumed (a record takes
 * no more than its field on the wire), and copies with memmove.
 */
static void stream_gather_abandon(wps_stream *s)
{
    const uint8_t *p = s->scratch, *end = s->scratch + (size_t)s->pos;
    wps_stream_event ev;
    s->pos = 0;
    stream_machine(s);
    while (stream_general(s, &p, end, &ev) == PBW_OK)
        ; /* events of a frame that is an error anyway */
}

/* The events after PAYLOAD_BEGIN of a frame decoded whole: PAYLOAD_END,
 * then MESSAGE_END (every byte was consumed by the gathering).  A short,
 * straight path: the frame is already known to be valid. */
static inline pbw_status replay_next(wps_stream *s, wps_stream_event *ev)
{
    ev->chunk.ptr = NULL;
    ev->chunk.len = 0;
    ev->remaining = 0;
    if (s->nbytes == R_PAYLOAD) {
        s->nbytes = R_AFTER;
        ev->type = WPS_EV_PAYLOAD_END;
        ev->kind = (wps_data_kind)s->payload;
        ev->data = (wps_data *)(void *)(s->msg + s->frame_base[1]);
        return PBW_OK;
    }
    s->nbytes = R_DONE;
    ev->type = WPS_EV_MESSAGE_END;
    ev->kind = WPS_DATA_NONE;
    ev->data = NULL;
    return PBW_OK;
}
#endif /* !WPS_SMALL */

/* The general machine: byte by byte where it must, whole fields where it
 * can (stream_fast). */
NOINLINE static pbw_status stream_general(wps_stream *s, const uint8_t **pp,
                                          const uint8_t *end, wps_stream_event *ev)
{
    const uint8_t *p = *pp;
    pbw_status result = PBW_NEED_MORE;
    uint64_t v;
    int r, cut = 0;

    if (p == NULL) {
        end = NULL;
    } else if (s->frame_end[0] == WPS_LEN_UNKNOWN && (uint64_t)(end - p) > PBW_MSG_MAX - s->pos) {
        /* Beyond INT_MAX bytes libprotobuf stops reading: so does this. */
        end = p + (size_t)(PBW_MSG_MAX - s->pos);
        cut = 1;
    }
    for (;;) {
        size_t avail = p ? (size_t)(end - p) : 0;

        if (s->pending & (EV_DISCARD | EV_END)) {
            ev->chunk.ptr = NULL;
            ev->chunk.len = 0;
            if (s->pending & EV_DISCARD) {
                s->pending &= (uint8_t)~EV_DISCARD;
                ev->type = WPS_EV_PAYLOAD_DISCARD;
                ev->kind = WPS_DATA_NONE;
                ev->remaining = 0;
                ev->data = NULL;
            } else if (s->pending & EV_END) {
                s->pending &= (uint8_t)~EV_END;
                ev->type = WPS_EV_PAYLOAD_END;
                ev->kind = (wps_data_kind)s->payload;
                ev->remaining = 0;
                ev->data = payload_data(s);
            }
            result = PBW_OK;
            break;
        }
        switch (s->state) {
        case S_TAG:
#if !WPS_SMALL
            if (s->nbytes == 0 && s->ngroups == 0 && avail) {
                const uint8_t *q = stream_fast(s, p, end);
                if (q != p || s->state != S_TAG || s->pending) {
                    p = q;
                    continue;
                }
            }
#endif
            if (s->pos == s->frame_end[s->depth] && s->nbytes == 0) {
                if (s->ngroups) {
                    stream_fail(s, PBW_E_OPEN_GROUP, s->group_at);
                } else if (s->depth > 0) {
                    s->depth--;
                } else {
                    s->state = S_DONE;
                }
                continue;
            }
            if ((r = take_varint(s, &p, end, PBW_TAG_MAX, &v)) <= 0) {
                if (r < 0)
                    continue; /* the error state answers */
                break;
            }
            s->tag = (uint32_t)v; /* bits above 32 are dropped */
            stream_tag(s);
            continue;
        case S_VARINT:
            if ((r = take_varint(s, &p, end, PBW_VARINT_MAX, &v)) <= 0) {
                if (r < 0)
                    continue;
                break;
            }
            s->state = S_TAG;
            if (!s->ngroups) {
                const field *f = lookup(frame_desc(s), s->tag);
                if (f)
                    store_scalar(frame_desc(s), f, frame_base(s), v);
            }
            continue;
        case S_LEN:
            if ((r = take_varint(s, &p, end, PBW_TAG_MAX, &v)) <= 0) {
                if (r < 0)
                    continue;
                break;
            }
            stream_len(s, s->ngroups ? NULL : lookup(frame_desc(s), s->tag), v);
            continue;
        case S_SKIP_LEN:
        case S_SKIP_FIXED:
        case S_WHOLE: {
            size_t n = avail < s->acc ? avail : (size_t)s->acc;
            if (n) {
                if (s->state == S_WHOLE) {
                    memmove(s->scratch + s->scratch_len, p, n); /* see stream_fast */
                    s->scratch_len += n;
                }
                p += n;
                s->pos += n;
                s->acc -= n;
            }
            if (s->acc)
                break;
            if (s->state == S_WHOLE)
                stream_whole(s, lookup(frame_desc(s), s->tag));
            else
                s->state = S_TAG;
            continue;
        }
        case S_PAYLOAD: {
            /* PAYLOAD_BEGIN carries the bytes at hand, CHUNK the rest */
            size_t n = avail < s->acc ? avail : (size_t)s->acc;
            int text = s->payload == WPS_DATA_TEXT || s->payload == WPS_DATA_JSON;
            int begin = s->pending & EV_BEGIN;
            if (!begin && s->acc == 0) {
                if (text && !(s->flags & WPS_DECODE_NO_UTF8) && !pbw_utf8_finish(&s->utf8)) {
                    stream_fail(s, PBW_E_UTF8, s->pos - s->utf8.seen);
                    continue;
                }
                s->pending |= EV_END;
                s->state = S_TAG;
                continue;
            }
            if (!begin && n == 0)
                break;
            if (n && text && !(s->flags & WPS_DECODE_NO_UTF8)) {
                size_t ok = pbw_utf8_feed(&s->utf8, p, n);
                if (ok < n) {
                    stream_fail(s, PBW_E_UTF8, s->pos + ok - s->utf8.seen);
                    continue;
                }
            }
            s->pending &= (uint8_t)~EV_BEGIN;
            ev->type = begin ? WPS_EV_PAYLOAD_BEGIN : WPS_EV_PAYLOAD_CHUNK;
            ev->remaining = s->acc;
            ev->kind = (wps_data_kind)s->payload;
            ev->chunk.ptr = n ? p : NULL;
            ev->chunk.len = n;
            ev->data = payload_data(s);
            if (n) {
                p += n;
                s->pos += n;
                s->acc -= n;
            }
            result = PBW_OK;
            break;
        }
        case S_HOLD: {
            /* Consume up to the end of the top-level field the held error
             * is in; once there, the error is the first one. */
            uint64_t left = s->frame_end[1] - s->pos;
            size_t n = avail < left ? avail : (size_t)left;
            if (n) {
                p += n;
                s->pos += n;
            }
            if (s->pos < s->frame_end[1])
                break;
            stream_error(s, (pbw_status)s->held, s->err);
            continue;
        }
        case S_DONE:
            ev->type = WPS_EV_MESSAGE_END;
            ev->kind = WPS_DATA_NONE;
            ev->remaining = 0;
            ev->chunk.ptr = NULL;
            ev->chunk.len = 0;
            ev->data = NULL;
            result = PBW_OK;
            break;
        default: /* S_ERROR */
            result = (pbw_status)s->status;
            break;
        }
        break;
    }
    if (cut && result == PBW_NEED_MORE) {
        stream_error(s, PBW_E_TOO_BIG, PBW_MSG_MAX);
        result = PBW_E_TOO_BIG;
    }
    *pp = p;
    return result;
}

/* Everything but the replay of a frame decoded whole. */
NOINLINE static pbw_status stream_next_slow(wps_stream *s, const uint8_t **pp,
                                            const uint8_t *end, wps_stream_event *ev)
{
    const uint8_t *none = NULL;

    if (pp == NULL)
        pp = &none;
    /* a frame that fits the scratch buffer never starts here in a fast
     * build: stream_init chose S_FIRST or S_GATHER */
    if (s->state == S_START)
        s->state = S_TAG;
    return stream_general(s, pp, end, ev);
}

pbw_status wps_stream_next(wps_stream *s, const uint8_t **pp, const uint8_t *end,
                           wps_stream_event *ev)
{
#if !WPS_SMALL
    /* tail calls only: no frame here */
    if (s->state == S_REPLAY)
        return replay_next(s, ev);
    if (s->state == S_GATHER)
        return stream_gather(s, pp, end, ev);
    if (s->state == S_FIRST) {
        if (pp && *pp && s->frame_end[0] <= (uint64_t)(end - *pp))
            return stream_whole_frame(s, pp, ev);
        stream_machine(s); /* not whole in the first chunk: field by field */
    }
#endif
    return stream_next_slow(s, pp, end, ev);
}

pbw_status wps_stream_finish(wps_stream *s, wps_stream_event *ev)
{
#if !WPS_SMALL
    if (s->state == S_GATHER && s->pos < s->frame_end[0])
        stream_gather_abandon(s);
#endif
    if (s->state == S_ERROR || s->state == S_DONE || s->pending)
        return wps_stream_next(s, NULL, NULL, ev);
    if (s->frame_end[0] != WPS_LEN_UNKNOWN) {
        if (s->pos < s->frame_end[0]) /* shorter than declared */
            stream_error(s, PBW_E_TRUNCATED, s->pos);
        return wps_stream_next(s, NULL, NULL, ev);
    }
    /* The total is known now: what is still open ends here, and the machine
     * reports it as the one-shot decoder would.  First in wire order comes a
     * top-level field whose length runs past the end. */
    if (s->state == S_HOLD || (s->depth >= 1 && s->frame_end[1] > s->pos))
        stream_error(s, PBW_E_LENGTH, s->root_len_at);
    else if (s->state == S_SKIP_LEN)
        stream_error(s, PBW_E_LENGTH, s->elem);
    else if (s->state == S_SKIP_FIXED)
        stream_error(s, PBW_E_TRUNCATED, s->elem);
    s->frame_end[0] = s->pos;
    return wps_stream_next(s, NULL, NULL, ev);
}
#endif /* !WPS_NO_STREAM */
