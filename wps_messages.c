/*
 * wps_messages.c - the Web PubSub message set over pbwire.
 *
 * One schema description (the tables below, written by hand from
 * webpubsub.proto) drives every engine: decode, size, encode and the
 * map/items walks.  Adding a field means adding one table row.
 */
#include "wps_messages.h"

#include <string.h>

/* C99 has no static_assert. */
#define WPS__ASSERT(name, cond) typedef char wps__assert_##name[(cond) ? 1 : -1]

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
    uint8_t sub;  /* enum msg_id for T_MSG, T_MAP, T_ITEMS */
} field;

typedef struct msgdesc {
    const field *fields; /* fields[number - 1] */
    uint8_t nfields;     /* highest field number */
    uint8_t oneof;       /* offset of the oneof kind (every field is a member), or NO */
    uint8_t uoff, usize; /* oneof: bytes cleared when a string member takes over */
    uint8_t raw;         /* offset of a wps_data.raw to fill, or NO */
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
    AT(1) VAL(wps_data, 1, STR, bytes),
    AT(2) VAL(wps_data, 2, BYTES, bytes),
    AT(3) F(wps_data, 3, MSG, bytes, NO, M_ANY),
    AT(4) VAL(wps_data, 4, STR, bytes),
};
static const field f_any[] = {
    AT(1) {1 << 3 | 2, T_STR, sizeof(pbw_bytes), NO, 0}, /* type_url */
    AT(2) {2 << 3 | 2, T_BYTES, 0, NO, 0},                /* value */
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
#define PLAIN(a, S) {a, N(a), NO, 0, 0, NO, sizeof(S)}
#define ONEOF(a, S) {a, N(a), (uint8_t)offsetof(S, kind), 0, 0, NO, sizeof(S)}

static const msgdesc descs[M_COUNT] = {
    [M_EMPTY] = {NULL, 0, NO, 0, 0, NO, 0},
    [M_DATA] = {f_data, N(f_data), (uint8_t)offsetof(wps_data, kind), (uint8_t)ANY_OFF,
                (uint8_t)ANY_SIZE, (uint8_t)offsetof(wps_data, raw), sizeof(wps_data)},
    [M_ANY] = {f_any, N(f_any), NO, 0, 0, NO, ANY_SIZE},
    [M_ENTRY] = PLAIN(f_entry, wps_kv),
    [M_GROUP_STATE] = PLAIN(f_group_state, wps_group_state),
    [M_ITEM] = PLAIN(f_item, wps_group_state_item),
    [M_UP] = ONEOF(f_up, wps_upstream),
    [M_STREAM_START] = PLAIN(f_stream_start, wps_stream_start),
    [M_SEND_TO_GROUP] = PLAIN(f_send_to_group, wps_send_to_group),
    [M_EVENT] = PLAIN(f_event, wps_event_message),
    [M_GROUP_REQUEST] = PLAIN(f_group_request, wps_group_request),
    [M_SEQUENCE_ACK] = PLAIN(f_sequence_ack, wps_sequence_ack),
    [M_INVOKE_EVENT] = PLAIN(f_invoke_event, wps_invoke_event),
    [M_CANCEL_INVOCATION] = PLAIN(f_cancel_invocation, wps_cancel_invocation),
    [M_STREAM_DATA] = PLAIN(f_stream_data, wps_stream_data),
    [M_STREAM_END_ERROR] = PLAIN(f_stream_end_error, wps_stream_end_error),
    [M_STREAM_END] = PLAIN(f_stream_end, wps_stream_end),
    [M_SET_GROUP_STATE] = PLAIN(f_set_group_state, wps_set_group_state),
    [M_DOWN] = ONEOF(f_down, wps_downstream),
    [M_ERROR] = PLAIN(f_error, wps_error),
    [M_ACK] = PLAIN(f_ack, wps_ack),
    [M_STREAM_ERROR] = PLAIN(f_stream_error, wps_stream_error),
    [M_STREAM_INFO] = PLAIN(f_stream_info, wps_stream_info),
    [M_DATA_MESSAGE] = PLAIN(f_data_message, wps_data_message),
    [M_CONNECTED] = PLAIN(f_connected, wps_connected),
    [M_DISCONNECTED] = PLAIN(f_disconnected, wps_disconnected),
    [M_SYSTEM] = ONEOF(f_system, wps_system),
    [M_INVOKE_RESPONSE] = PLAIN(f_invoke_response, wps_invoke_response),
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

static size_t tag_size(unsigned tag)
{
    return tag < 0x80 ? 1 : 2; /* field numbers stay below 32 */
}

/* ---- decode ----------------------------------------------------------- */

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

/* Records a map entry or repeated element: counts it, and on the first one
 * notes where the walk must start. */
static void note_element(size_t *count, wps_wire *w, const uint8_t *start, const uint8_t *end,
                         const uint8_t *path, unsigned depth)
{
    if ((*count)++ == 0) {
        w->ptr = start;
        w->end = end;
        memcpy(w->path, path, depth);
        w->depth = (uint8_t)depth;
    }
}

static pbw_status decode(const msgdesc *root, uint8_t *out, const uint8_t *buf, size_t len,
                         unsigned flags, const uint8_t **err)
{
    frame st[FRAMES];
    uint8_t path[FRAMES]; /* field number that opened each frame, [1..d] */
    unsigned d = 0;
    const uint8_t *p = buf, *top = buf, *at = buf;
    const uint8_t *const input_end = buf + len;
    pbw_status s = PBW_OK;

    if (root->oneof != NO)
        set_kind(out + root->oneof, 0);
    else
        memset(out, 0, root->size);
    st[0].d = root;
    st[0].base = out;
    st[0].end = input_end;

    for (;;) {
        frame *fr = &st[d];
        const field *f;
        uint8_t *base = fr->base;
        uint32_t tag, num;
        uint64_t v;
        pbw_bytes b;

        if (p == fr->end) {
            if (d == 0)
                return PBW_OK;
            d--;
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
        } else if ((s = pbw_read_tag(&p, fr->end, &tag)) != PBW_OK) {
            goto fail;
        }
        if (d == 0)
            top = at;
        num = tag >> 3;
        f = num <= fr->d->nfields ? &fr->d->fields[num - 1] : NULL;
        if (f == NULL || f->tag != tag) {
            const uint8_t *e;
            if ((tag & 7) == PBW_WT_END_GROUP) {
                s = PBW_E_END_GROUP;
                goto fail;
            }
            p = at;
            s = pbw_skip_field(&p, fr->end, PBW_MAX_DEPTH - d, &e);
            if (s != PBW_OK) {
                at = e;
                goto fail;
            }
            continue;
        }

        if ((tag & 7) == PBW_WT_VARINT) {
            at = p;
            if (p < fr->end && *p < 0x80)
                v = *p++;
            else if ((s = pbw_read_varint64(&p, fr->end, &v)) != PBW_OK)
                goto fail;
            if (base == NULL)
                continue;
            switch (f->type) {
            case T_U64:
                memcpy(base + f->off, &v, sizeof v);
                break;
            case T_I64:
                memcpy(base + f->off, &v, sizeof v); /* two's complement bits */
                break;
            case T_U32: {
                uint32_t v32 = (uint32_t)v;
                memcpy(base + f->off, &v32, sizeof v32);
                break;
            }
            default: /* T_BOOL */
                base[f->off] = v != 0;
                break;
            }
            if (f->has != NO)
                base[f->has] = 1;
            continue;
        }

        /* Length-delimited: strings, bytes, sub-messages. */
        at = p;
        if (p < fr->end && *p < 0x80 && (size_t)*p < (size_t)(fr->end - p)) {
            b.len = *p;
            b.ptr = p + 1;
        } else if ((s = pbw_read_bytes(&p, fr->end, &b)) != PBW_OK) {
            goto fail;
        }
        p = b.ptr + b.len;

        if (f->type <= T_BYTES) {
            if (f->type == T_STR && !(flags & WPS_DECODE_NO_UTF8)) {
                size_t bad;
                if (!pbw_utf8_valid(b.ptr, b.len, &bad)) {
                    at = b.ptr + bad;
                    s = PBW_E_UTF8;
                    goto fail;
                }
            }
            if (base == NULL)
                continue;
            if (fr->d->oneof != NO) {
                if (get_kind(base + fr->d->oneof) != num) {
                    memset(base + fr->d->uoff, 0, fr->d->usize);
                    set_kind(base + fr->d->oneof, num);
                }
            } else if (f->has != NO) {
                base[f->has] = 1;
            }
            memcpy(base + f->off, &b, sizeof b);
            continue;
        }

        /* A sub-message: open a frame for it. */
        {
            const msgdesc *sub = &descs[f->sub];
            uint8_t *nb = NULL;

            path[d + 1] = (uint8_t)num;
            if (base == NULL) {
                /* inside a validate-only element: stay validate-only */
            } else if (f->type == T_MSG) {
                nb = base + f->off;
                if (fr->d->oneof != NO) {
                    if (get_kind(base + fr->d->oneof) != num) {
                        memset(nb, 0, sub->size);
                        set_kind(base + fr->d->oneof, num);
                    }
                } else {
                    /* Already zero if absent: its parent was cleared when it
                     * started.  A second occurrence merges into the first. */
                    if (sub->raw != NO) {
                        pbw_bytes raw = {NULL, 0};
                        if (!base[f->has])
                            raw = b;
                        memcpy(nb + sub->raw, &raw, sizeof raw);
                    }
                    base[f->has] = 1;
                }
            } else {
                /* A map entry or repeated element: validated here, walked
                 * later by the iterators starting at the outermost field. */
                const uint8_t *start = d == 0 ? at : top;
                if (f->type == T_MAP) {
                    wps_map *m = (wps_map *)(void *)(base + f->off);
                    note_element(&m->count, &m->wire, start, input_end, path + 1, d + 1);
                } else {
                    wps_items *it = (wps_items *)(void *)(base + f->off);
                    note_element(&it->count, &it->wire, start, input_end, path + 1, d + 1);
                }
            }
            d++;
            st[d].d = sub;
            st[d].base = nb;
            st[d].end = p;
            p = b.ptr;
        }
    }

fail:
    if (root->oneof != NO)
        set_kind(out + root->oneof, 0);
    else
        memset(out, 0, root->size);
    *err = at;
    return s;
}

static pbw_status decode_root(const msgdesc *root, uint8_t *out, const uint8_t *buf,
                              size_t len, unsigned flags, size_t *err_offset)
{
    const uint8_t *err = buf;
    static const uint8_t empty[1] = {0};
    pbw_status s;

    if (buf == NULL) /* only valid with len 0; keeps pointer arithmetic defined */
        buf = empty, len = 0;
    s = decode(root, out, buf, len, flags, &err);
    if (err_offset)
        *err_offset = s == PBW_OK ? len : (size_t)(err - buf);
    return s;
}

pbw_status wps_upstream_decode(const uint8_t *buf, size_t len, wps_upstream *out,
                               unsigned flags, size_t *err_offset)
{
    return decode_root(&descs[M_UP], (uint8_t *)out, buf, len, flags, err_offset);
}

pbw_status wps_downstream_decode(const uint8_t *buf, size_t len, wps_downstream *out,
                                 unsigned flags, size_t *err_offset)
{
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

int wps_map_next(wps_map_iter *it, wps_kv *kv)
{
    pbw_bytes b;
    const uint8_t *err;

    if (it->map->entries)
        return it->w.index < it->map->count ? (*kv = it->map->entries[it->w.index++], 1) : 0;
    while (wire_next(&it->w, &b))
        if (decode(&descs[M_ENTRY], (uint8_t *)kv, b.ptr, b.len, WPS_DECODE_NO_UTF8, &err) ==
            PBW_OK)
            return 1;
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
        if (decode(&descs[M_ITEM], (uint8_t *)item, b.ptr, b.len, WPS_DECODE_NO_UTF8, &err) ==
            PBW_OK)
            return 1;
    return 0;
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

typedef struct sizer {
    size_t sizes[CACHE];
    unsigned n;
    int bad; /* a kind outside its enum */
} sizer;

static size_t entry_body_size(const wps_kv *kv)
{
    return 2 + pbw_varint_size(kv->key.len) + kv->key.len + pbw_varint_size(kv->value.len) +
           kv->value.len;
}

static size_t len_size(unsigned tag, size_t len)
{
    return tag_size(tag) + pbw_varint_size(len) + len;
}

static size_t map_size(unsigned tag, const wps_map *m)
{
    wps_map_iter it;
    wps_kv kv;
    size_t total = 0;

    wps_map_begin(&it, m);
    while (wps_map_next(&it, &kv))
        total += len_size(tag, entry_body_size(&kv));
    return total;
}

static size_t msg_size(const msgdesc *d, const uint8_t *base, sizer *z);

static size_t item_size(const wps_group_state_item *item, int *bad)
{
    sizer z;
    size_t n;
    z.n = 0;
    z.bad = 0;
    n = msg_size(&descs[M_ITEM], (const uint8_t *)item, &z);
    *bad |= z.bad;
    return n;
}

static size_t items_size(unsigned tag, const wps_items *items, int *bad)
{
    wps_items_iter it;
    wps_group_state_item item;
    size_t total = 0;

    wps_items_begin(&it, items);
    while (wps_items_next(&it, &item))
        total += len_size(tag, item_size(&item, bad));
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

/* Whether a field goes on the wire: oneof member selected, presence flag
 * set, or (no presence) a non-default value. */
static int present(const msgdesc *d, const field *f, const uint8_t *base, unsigned member)
{
    if (d->oneof != NO)
        return (unsigned)(f->tag >> 3) == member;
    if (f->has != NO)
        return base[f->has] != 0;
    switch (f->type) {
    case T_STR:
    case T_BYTES: {
        pbw_bytes b;
        memcpy(&b, base + f->off, sizeof b);
        return b.len != 0;
    }
    case T_U64:
    case T_I64: {
        uint64_t v;
        memcpy(&v, base + f->off, sizeof v);
        return v != 0;
    }
    case T_U32: {
        uint32_t v;
        memcpy(&v, base + f->off, sizeof v);
        return v != 0;
    }
    case T_BOOL:
        return base[f->off] != 0;
    case T_MAP: /* count is the entries on the wire or in the caller's array */
        return ((const wps_map *)(const void *)(base + f->off))->count != 0;
    default: /* T_ITEMS */
        return ((const wps_items *)(const void *)(base + f->off))->count != 0;
    }
}

static uint64_t scalar(const field *f, const uint8_t *base)
{
    uint64_t v;
    uint32_t v32;
    switch (f->type) {
    case T_U32:
        memcpy(&v32, base + f->off, sizeof v32);
        return v32;
    case T_BOOL:
        return base[f->off] != 0;
    default:
        memcpy(&v, base + f->off, sizeof v);
        return v;
    }
}

static size_t msg_size(const msgdesc *d, const uint8_t *base, sizer *z)
{
    size_t total = 0;
    unsigned member = 0, i = 0, last = d->nfields;

    if (d->oneof != NO) {
        /* Only the selected member is written: go straight to it. */
        if ((member = oneof_member(d, base, &z->bad)) == 0)
            return 0;
        i = member - 1;
        last = member;
    }
    for (; i < last; i++) {
        const field *f = &d->fields[i];
        if (f->tag == 0 || !present(d, f, base, member))
            continue;
        switch (f->type) {
        case T_STR:
        case T_BYTES: {
            pbw_bytes b;
            memcpy(&b, base + f->off, sizeof b);
            total += len_size(f->tag, b.len);
            break;
        }
        case T_MSG: {
            unsigned slot = z->n++;
            size_t n = msg_size(&descs[f->sub], base + f->off, z);
            z->sizes[slot] = n;
            total += len_size(f->tag, n);
            break;
        }
        case T_MAP:
            total += map_size(f->tag, (const wps_map *)(const void *)(base + f->off));
            break;
        case T_ITEMS:
            total += items_size(f->tag, (const wps_items *)(const void *)(base + f->off),
                                &z->bad);
            break;
        default:
            total += tag_size(f->tag) + pbw_varint_size(scalar(f, base));
            break;
        }
    }
    return total;
}

static uint8_t *put_tag(uint8_t *w, unsigned tag)
{
    if (tag < 0x80) {
        *w++ = (uint8_t)tag;
    } else {
        *w++ = (uint8_t)(tag | 0x80);
        *w++ = (uint8_t)(tag >> 7);
    }
    return w;
}

static uint8_t *put_len(uint8_t *w, unsigned tag, size_t len)
{
    return pbw_write_varint(put_tag(w, tag), len);
}

static uint8_t *put_view(uint8_t *w, unsigned tag, const uint8_t *src, size_t len)
{
    w = put_len(w, tag, len);
    if (len)
        memcpy(w, src, len);
    return w + len;
}

static uint8_t *msg_write(const msgdesc *d, const uint8_t *base, uint8_t *w, const sizer *z,
                          unsigned *next);

static uint8_t *item_write(const wps_group_state_item *item, uint8_t *w, unsigned tag)
{
    sizer z;
    unsigned next = 0;
    size_t n;
    z.n = 0;
    z.bad = 0;
    n = msg_size(&descs[M_ITEM], (const uint8_t *)item, &z);
    w = put_len(w, tag, n);
    return msg_write(&descs[M_ITEM], (const uint8_t *)item, w, &z, &next);
}

static uint8_t *msg_write(const msgdesc *d, const uint8_t *base, uint8_t *w, const sizer *z,
                          unsigned *next)
{
    unsigned member = 0, i = 0, last = d->nfields;
    int bad = 0;

    if (d->oneof != NO) {
        if ((member = oneof_member(d, base, &bad)) == 0)
            return w;
        i = member - 1;
        last = member;
    }
    for (; i < last; i++) {
        const field *f = &d->fields[i];
        if (f->tag == 0 || !present(d, f, base, member))
            continue;
        switch (f->type) {
        case T_STR:
        case T_BYTES: {
            pbw_bytes b;
            memcpy(&b, base + f->off, sizeof b);
            w = put_view(w, f->tag, b.ptr, b.len);
            break;
        }
        case T_MSG:
            w = put_len(w, f->tag, z->sizes[(*next)++]);
            w = msg_write(&descs[f->sub], base + f->off, w, z, next);
            break;
        case T_MAP: {
            wps_map_iter it;
            wps_kv kv;
            wps_map_begin(&it, (const wps_map *)(const void *)(base + f->off));
            while (wps_map_next(&it, &kv)) {
                w = put_len(w, f->tag, entry_body_size(&kv));
                w = put_view(w, 1 << 3 | PBW_WT_LEN, kv.key.ptr, kv.key.len);
                w = put_view(w, 2 << 3 | PBW_WT_LEN, kv.value.ptr, kv.value.len);
            }
            break;
        }
        case T_ITEMS: {
            wps_items_iter it;
            wps_group_state_item item;
            wps_items_begin(&it, (const wps_items *)(const void *)(base + f->off));
            while (wps_items_next(&it, &item))
                w = item_write(&item, w, f->tag);
            break;
        }
        default:
            w = pbw_write_varint(put_tag(w, f->tag), scalar(f, base));
            break;
        }
    }
    return w;
}

static pbw_status encode_root(const msgdesc *d, const uint8_t *msg, uint8_t *dst, size_t cap,
                              size_t *written)
{
    sizer z;
    unsigned next = 0;
    size_t n;

    z.n = 0;
    z.bad = 0;
    n = msg_size(d, msg, &z);
    if (z.bad) {
        *written = 0;
        return PBW_E_ARG;
    }
    *written = n;
    if (n > cap)
        return PBW_E_NOSPACE;
    if (n)
        msg_write(d, msg, dst, &z, &next);
    return PBW_OK;
}

size_t wps_upstream_size(const wps_upstream *msg)
{
    sizer z;
    z.n = 0;
    z.bad = 0;
    return msg_size(&descs[M_UP], (const uint8_t *)msg, &z);
}

size_t wps_downstream_size(const wps_downstream *msg)
{
    sizer z;
    z.n = 0;
    z.bad = 0;
    return msg_size(&descs[M_DOWN], (const uint8_t *)msg, &z);
}

pbw_status wps_upstream_encode(const wps_upstream *msg, uint8_t *dst, size_t cap,
                               size_t *written)
{
    return encode_root(&descs[M_UP], (const uint8_t *)msg, dst, cap, written);
}

pbw_status wps_downstream_encode(const wps_downstream *msg, uint8_t *dst, size_t cap,
                                 size_t *written)
{
    return encode_root(&descs[M_DOWN], (const uint8_t *)msg, dst, cap, written);
}
