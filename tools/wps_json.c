/* SPDX-License-Identifier: MIT */
/* wps_json.c - canonical JSON of decoded messages; see wps_json.h. */
#include "wps_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- output buffer ---- */

void wps_json_put(wps_json_buf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->ptr = realloc(b->ptr, cap);
        if (b->ptr == NULL) {
            fputs("wps_json: out of memory\n", stderr);
            abort();
        }
        b->cap = cap;
    }
    if (n)
        memcpy(b->ptr + b->len, s, n);
    b->len += n;
    b->ptr[b->len] = '\0';
}

static void puts_(wps_json_buf *b, const char *s)
{
    wps_json_put(b, s, strlen(s));
}

char *wps_json_of(int down, const void *msg)
{
    wps_json_buf b = {NULL, 0, 0};
    if (down)
        wps_json_downstream(&b, (const wps_downstream *)msg);
    else
        wps_json_upstream(&b, (const wps_upstream *)msg);
    return b.ptr;
}

void wps_json_free(wps_json_buf *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

/* ---- JSON values ---- */

void wps_json_string(wps_json_buf *b, const uint8_t *s, size_t n)
{
    size_t i, run = 0;
    if (n == 0) { /* an empty view may have a NULL ptr: no arithmetic on it */
        wps_json_put(b, "\"\"", 2);
        return;
    }
    wps_json_put(b, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned c = s[i];
        const char *esc = NULL;
        char u[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (c < 0x20) {
                snprintf(u, sizeof u, "\\u%04x", c);
                esc = u;
            }
        }
        if (esc) {
            wps_json_put(b, s + run, i - run);
            puts_(b, esc);
            run = i + 1;
        }
    }
    wps_json_put(b, s + run, n - run);
    wps_json_put(b, "\"", 1);
}

void wps_json_base64(wps_json_buf *b, const uint8_t *s, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;
    wps_json_put(b, "\"", 1);
    for (i = 0; i + 2 < n; i += 3) {
        char q[4] = {tab[s[i] >> 2], tab[(s[i] & 3) << 4 | s[i + 1] >> 4],
                     tab[(s[i + 1] & 15) << 2 | s[i + 2] >> 6], tab[s[i + 2] & 63]};
        wps_json_put(b, q, 4);
    }
    if (n - i == 1) {
        char q[4] = {tab[s[i] >> 2], tab[(s[i] & 3) << 4], '=', '='};
        wps_json_put(b, q, 4);
    } else if (n - i == 2) {
        char q[4] = {tab[s[i] >> 2], tab[(s[i] & 3) << 4 | s[i + 1] >> 4],
                     tab[(s[i + 1] & 15) << 2], '='};
        wps_json_put(b, q, 4);
    }
    wps_json_put(b, "\"", 1);
}

/* ---- objects: `first` tracks the separator ---- */

typedef struct obj {
    wps_json_buf *b;
    int first;
} obj;

static obj open_obj(wps_json_buf *b)
{
    obj o;
    o.b = b;
    o.first = 1;
    wps_json_put(b, "{", 1);
    return o;
}

static void close_obj(obj *o)
{
    wps_json_put(o->b, "}", 1);
}

static void key(obj *o, const char *name)
{
    if (!o->first)
        wps_json_put(o->b, ", ", 2);
    o->first = 0;
    wps_json_string(o->b, (const uint8_t *)name, strlen(name));
    wps_json_put(o->b, ": ", 2);
}

static void f_str(obj *o, const char *name, pbw_bytes v, int present)
{
    if (!present && v.len == 0)
        return;
    key(o, name);
    wps_json_string(o->b, v.ptr, v.len);
}

static void f_bytes(obj *o, const char *name, pbw_bytes v, int present)
{
    if (!present && v.len == 0)
        return;
    key(o, name);
    wps_json_base64(o->b, v.ptr, v.len);
}

static void f_u64(obj *o, const char *name, uint64_t v, int present)
{
    char t[32];
    if (!present && v == 0)
        return;
    key(o, name);
    snprintf(t, sizeof t, "\"%" PRIu64 "\"", v);
    puts_(o->b, t);
}

static void f_i64(obj *o, const char *name, int64_t v, int present)
{
    char t[32];
    if (!present && v == 0)
        return;
    key(o, name);
    snprintf(t, sizeof t, "\"%" PRId64 "\"", v);
    puts_(o->b, t);
}

static void f_u32(obj *o, const char *name, uint32_t v, int present)
{
    char t[16];
    if (!present && v == 0)
        return;
    key(o, name);
    snprintf(t, sizeof t, "%" PRIu32, v);
    puts_(o->b, t);
}

static void f_bool(obj *o, const char *name, int v, int present)
{
    if (!present && !v)
        return;
    key(o, name);
    puts_(o->b, v ? "true" : "false");
}

/* ---- maps: sorted by key, last entry of a key wins ---- */

static int kv_cmp(const void *a, const void *b)
{
    const wps_kv *x = a, *y = b;
    size_t n = x->key.len < y->key.len ? x->key.len : y->key.len;
    int c = n ? memcmp(x->key.ptr, y->key.ptr, n) : 0;
    if (c)
        return c;
    if (x->key.len != y->key.len)
        return x->key.len < y->key.len ? -1 : 1;
    return 0;
}

typedef struct kv_at {
    wps_kv kv;
    size_t order;
} kv_at;

static int kv_at_cmp(const void *a, const void *b)
{
    const kv_at *x = a, *y = b;
    int c = kv_cmp(&x->kv, &y->kv);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void f_map(obj *o, const char *name, const wps_map *m)
{
    wps_map_iter it;
    wps_kv kv;
    kv_at *all = NULL;
    size_t n = 0, cap = 0, i;
    obj mo;

    wps_map_begin(&it, m);
    while (wps_map_next(&it, &kv)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            all = realloc(all, cap * sizeof *all);
            if (!all)
                abort();
        }
        all[n].kv = kv;
        all[n].order = n;
        n++;
    }
    if (n == 0)
        return;
    qsort(all, n, sizeof *all, kv_at_cmp);
    key(o, name);
    mo = open_obj(o->b);
    for (i = 0; i < n; i++) {
        if (i + 1 < n && kv_cmp(&all[i].kv, &all[i + 1].kv) == 0)
            continue; /* a later entry has the same key */
        if (!mo.first)
            wps_json_put(o->b, ", ", 2);
        mo.first = 0;
        wps_json_string(o->b, all[i].kv.key.ptr, all[i].kv.key.len);
        wps_json_put(o->b, ": ", 2);
        wps_json_string(o->b, all[i].kv.value.ptr, all[i].kv.value.len);
    }
    close_obj(&mo);
    free(all);
}

/* ---- messages ---- */

static void data(obj *o, const char *name, const wps_data *d, int present)
{
    obj m;
    if (!present)
        return;
    key(o, name);
    m = open_obj(o->b);
    switch (d->kind) {
    case WPS_DATA_TEXT:
        f_str(&m, "textData", d->bytes, 1);
        break;
    case WPS_DATA_BINARY:
        f_bytes(&m, "binaryData", d->bytes, 1);
        break;
    case WPS_DATA_PROTOBUF: {
        obj any;
        key(&m, "protobufData");
        any = open_obj(o->b);
        f_str(&any, "typeUrl", d->type_url, 0);
        f_bytes(&any, "value", d->bytes, 0);
        close_obj(&any);
        break;
    }
    case WPS_DATA_JSON:
        f_str(&m, "jsonData", d->bytes, 1);
        break;
    default:
        break;
    }
    close_obj(&m);
}

static void stream_start(obj *o, const wps_stream_start *s, int present)
{
    obj m;
    if (!present)
        return;
    key(o, "stream");
    m = open_obj(o->b);
    f_str(&m, "streamId", s->stream_id, 0);
    f_u32(&m, "idleTimeoutMs", s->idle_timeout_ms, s->has_idle_timeout_ms);
    close_obj(&m);
}

static void group_state(obj *o, const char *name, const wps_group_state *s, int present)
{
    obj m;
    if (!present)
        return;
    key(o, name);
    m = open_obj(o->b);
    f_map(&m, "entries", &s->entries);
    close_obj(&m);
}

static void error(obj *o, const char *name, const wps_error *e, int present)
{
    obj m;
    if (!present)
        return;
    key(o, name);
    m = open_obj(o->b);
    f_str(&m, "name", e->name, 0);
    f_str(&m, "message", e->message, 0);
    close_obj(&m);
}

static void items(obj *o, const wps_items *list)
{
    wps_items_iter it;
    wps_group_state_item item;
    int first = 1;

    wps_items_begin(&it, list);
    while (wps_items_next(&it, &item)) {
        obj m;
        if (first) {
            key(o, "items");
            wps_json_put(o->b, "[", 1);
        } else {
            wps_json_put(o->b, ", ", 2);
        }
        first = 0;
        m = open_obj(o->b);
        f_str(&m, "connectionId", item.connection_id, 0);
        f_str(&m, "userId", item.user_id, item.has_user_id);
        group_state(&m, "state", &item.state, item.has_state);
        f_i64(&m, "updatedAt", item.updated_at, 0);
        close_obj(&m);
    }
    if (!first)
        wps_json_put(o->b, "]", 1);
}

static void group_request(obj *o, const wps_group_request *r)
{
    f_str(o, "group", r->group, 0);
    f_u64(o, "ackId", r->ack_id, r->has_ack_id);
}

static obj member(obj *o, const char *name)
{
    key(o, name);
    return open_obj(o->b);
}

void wps_json_upstream(wps_json_buf *b, const wps_upstream *msg)
{
    obj o = open_obj(b), m;
    const char *names[18] = {NULL};

    names[WPS_UP_SEND_TO_GROUP] = "sendToGroupMessage";
    names[WPS_UP_EVENT] = "eventMessage";
    names[WPS_UP_JOIN_GROUP] = "joinGroupMessage";
    names[WPS_UP_LEAVE_GROUP] = "leaveGroupMessage";
    names[WPS_UP_SEQUENCE_ACK] = "sequenceAckMessage";
    names[WPS_UP_PING] = "pingMessage";
    names[WPS_UP_INVOKE_EVENT] = "invokeEventMessage";
    names[WPS_UP_CANCEL_INVOCATION] = "cancelInvocationMessage";
    names[WPS_UP_STREAM_DATA] = "streamDataMessage";
    names[WPS_UP_STREAM_END] = "streamEndMessage";
    names[WPS_UP_SET_GROUP_STATE] = "setGroupStateMessage";
    names[WPS_UP_SUBSCRIBE_GROUP_STATE] = "subscribeGroupStateMessage";
    names[WPS_UP_UNSUBSCRIBE_GROUP_STATE] = "unsubscribeGroupStateMessage";

    if ((unsigned)msg->kind < 18 && names[msg->kind]) {
        m = member(&o, names[msg->kind]);
        switch (msg->kind) {
        case WPS_UP_SEND_TO_GROUP: {
            const wps_send_to_group *s = &msg->u.send_to_group;
            f_str(&m, "group", s->group, 0);
            f_u64(&m, "ackId", s->ack_id, s->has_ack_id);
            data(&m, "data", &s->data, s->has_data);
            f_bool(&m, "noEcho", s->no_echo, s->has_no_echo);
            f_u32(&m, "ttlSeconds", s->ttl_seconds, s->has_ttl_seconds);
            f_map(&m, "metadata", &s->metadata);
            stream_start(&m, &s->stream, s->has_stream);
            break;
        }
        case WPS_UP_EVENT: {
            const wps_event_message *e = &msg->u.event;
            f_str(&m, "event", e->event, 0);
            data(&m, "data", &e->data, e->has_data);
            f_u64(&m, "ackId", e->ack_id, e->has_ack_id);
            f_map(&m, "metadata", &e->metadata);
            stream_start(&m, &e->stream, e->has_stream);
            break;
        }
        case WPS_UP_JOIN_GROUP:
            group_request(&m, &msg->u.join_group);
            break;
        case WPS_UP_LEAVE_GROUP:
            group_request(&m, &msg->u.leave_group);
            break;
        case WPS_UP_SUBSCRIBE_GROUP_STATE:
            group_request(&m, &msg->u.subscribe_group_state);
            break;
        case WPS_UP_UNSUBSCRIBE_GROUP_STATE:
            group_request(&m, &msg->u.unsubscribe_group_state);
            break;
        case WPS_UP_SEQUENCE_ACK:
            f_u64(&m, "sequenceId", msg->u.sequence_ack.sequence_id, 0);
            break;
        case WPS_UP_INVOKE_EVENT: {
            const wps_invoke_event *e = &msg->u.invoke_event;
            f_str(&m, "event", e->event, 0);
            f_str(&m, "invocationId", e->invocation_id, 0);
            data(&m, "data", &e->data, e->has_data);
            f_map(&m, "metadata", &e->metadata);
            stream_start(&m, &e->stream, e->has_stream);
            break;
        }
        case WPS_UP_CANCEL_INVOCATION:
            f_str(&m, "invocationId", msg->u.cancel_invocation.invocation_id, 0);
            break;
        case WPS_UP_STREAM_DATA: {
            const wps_stream_data *s = &msg->u.stream_data;
            f_str(&m, "streamId", s->stream_id, 0);
            f_u64(&m, "streamSequenceId", s->stream_sequence_id, s->has_stream_sequence_id);
            data(&m, "data", &s->data, s->has_data);
            break;
        }
        case WPS_UP_STREAM_END: {
            const wps_stream_end *s = &msg->u.stream_end;
            f_str(&m, "streamId", s->stream_id, 0);
            if (s->has_error) {
                obj e = member(&m, "error");
                f_str(&e, "message", s->error.message, s->error.has_message);
                f_str(&e, "userErrorCode", s->error.user_error_code,
                      s->error.has_user_error_code);
                close_obj(&e);
            }
            break;
        }
        case WPS_UP_SET_GROUP_STATE: {
            const wps_set_group_state *s = &msg->u.set_group_state;
            f_str(&m, "group", s->group, 0);
            f_u64(&m, "ackId", s->ack_id, s->has_ack_id);
            group_state(&m, "state", &s->state, s->has_state);
            break;
        }
        default: /* ping */
            break;
        }
        close_obj(&m);
    }
    close_obj(&o);
}

void wps_json_downstream(wps_json_buf *b, const wps_downstream *msg)
{
    obj o = open_obj(b), m;
    const char *names[11] = {NULL,
                             "ackMessage",
                             "dataMessage",
                             "systemMessage",
                             "pongMessage",
                             "invokeResponseMessage",
                             "streamAckMessage",
                             "streamNackMessage",
                             "streamClosedMessage",
                             "groupStateUpdateMessage",
                             "groupStateSnapshotMessage"};

    if ((unsigned)msg->kind < 11 && names[msg->kind]) {
        m = member(&o, names[msg->kind]);
        switch (msg->kind) {
        case WPS_DOWN_ACK: {
            const wps_ack *a = &msg->u.ack;
            f_u64(&m, "ackId", a->ack_id, 0);
            f_bool(&m, "success", a->success, 0);
            error(&m, "error", &a->error, a->has_error);
            break;
        }
        case WPS_DOWN_DATA: {
            const wps_data_message *d = &msg->u.data;
            f_str(&m, "from", d->from, 0);
            f_str(&m, "group", d->group, d->has_group);
            data(&m, "data", &d->data, d->has_data);
            f_u64(&m, "sequenceId", d->sequence_id, d->has_sequence_id);
            f_map(&m, "metadata", &d->metadata);
            if (d->has_stream) {
                obj s = member(&m, "stream");
                f_str(&s, "streamId", d->stream.stream_id, 0);
                f_u64(&s, "streamSequenceId", d->stream.stream_sequence_id, 0);
                f_bool(&s, "endOfStream", d->stream.end_of_stream,
                       d->stream.has_end_of_stream);
                if (d->stream.has_error) {
                    obj e = member(&s, "error");
                    f_str(&e, "name", d->stream.error.name, 0);
                    f_str(&e, "message", d->stream.error.message, 0);
                    f_str(&e, "userErrorCode", d->stream.error.user_error_code, 0);
                    close_obj(&e);
                }
                close_obj(&s);
            }
            break;
        }
        case WPS_DOWN_SYSTEM: {
            const wps_system *s = &msg->u.system;
            if (s->kind == WPS_SYSTEM_CONNECTED) {
                obj c = member(&m, "connectedMessage");
                f_str(&c, "connectionId", s->u.connected.connection_id, 0);
                f_str(&c, "userId", s->u.connected.user_id, 0);
                f_str(&c, "reconnectionToken", s->u.connected.reconnection_token,
                      s->u.connected.has_reconnection_token);
                close_obj(&c);
            } else if (s->kind == WPS_SYSTEM_DISCONNECTED) {
                obj c = member(&m, "disconnectedMessage");
                f_str(&c, "reason", s->u.disconnected.reason, 0);
                close_obj(&c);
            }
            break;
        }
        case WPS_DOWN_INVOKE_RESPONSE: {
            const wps_invoke_response *r = &msg->u.invoke_response;
            f_str(&m, "invocationId", r->invocation_id, 0);
            f_bool(&m, "success", r->success, 0);
            data(&m, "data", &r->data, r->has_data);
            error(&m, "error", &r->error, r->has_error);
            f_map(&m, "metadata", &r->metadata);
            break;
        }
        case WPS_DOWN_STREAM_ACK:
            f_str(&m, "streamId", msg->u.stream_ack.stream_id, 0);
            f_u64(&m, "expectedSequenceId", msg->u.stream_ack.expected_sequence_id, 0);
            break;
        case WPS_DOWN_STREAM_NACK: {
            const wps_stream_nack *n = &msg->u.stream_nack;
            f_str(&m, "streamId", n->stream_id, 0);
            f_str(&m, "name", n->name, 0);
            f_str(&m, "message", n->message, 0);
            f_u64(&m, "expectedSequenceId", n->expected_sequence_id, 0);
            break;
        }
        case WPS_DOWN_STREAM_CLOSED:
            f_str(&m, "streamId", msg->u.stream_closed.stream_id, 0);
            error(&m, "error", &msg->u.stream_closed.error, msg->u.stream_closed.has_error);
            break;
        case WPS_DOWN_GROUP_STATE_UPDATE:
        case WPS_DOWN_GROUP_STATE_SNAPSHOT: {
            const wps_group_state_list *l = msg->kind == WPS_DOWN_GROUP_STATE_UPDATE
                                                ? &msg->u.group_state_update
                                                : &msg->u.group_state_snapshot;
            f_str(&m, "group", l->group, 0);
            items(&m, &l->items);
            f_u64(&m, "sequenceId", l->sequence_id, l->has_sequence_id);
            break;
        }
        default: /* pong */
            break;
        }
        close_obj(&m);
    }
    close_obj(&o);
}

void wps_json_error(wps_json_buf *b, const char *name, size_t offset)
{
    char t[32];
    puts_(b, "{\"error\": ");
    wps_json_string(b, (const uint8_t *)name, strlen(name));
    snprintf(t, sizeof t, ", \"offset\": %zu}", offset);
    puts_(b, t);
}
