/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_common.c - see fuzz_common.h. */
#include "fuzz_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- text buffer -------------------------------------------------------- */

void *fz_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fputs("fuzz: out of memory\n", stderr);
        abort();
    }
    return p;
}

void fz_puts(fz_buf *b, const char *s)
{
    wps_json_put(b, s, strlen(s));
}

void fz_printf(fz_buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    wps_json_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void fz_quote(fz_buf *b, const uint8_t *s, size_t n)
{
    size_t i;
    wps_json_put(b, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            char ch = (char)c;
            wps_json_put(b, &ch, 1);
        } else {
            fz_printf(b, "\\x%02x", c);
        }
    }
    wps_json_put(b, "\"", 1);
}

/* ---- findings ----------------------------------------------------------- */

static const uint8_t *cur_in;
static size_t cur_n;

void fz_current_input(const uint8_t *in, size_t n)
{
    cur_in = in;
    cur_n = n;
}

void fz_fail(const uint8_t *in, size_t n, const char *fmt, ...)
{
    va_list ap;
    size_t i;
    fputs("FUZZ FINDING: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n  input (%zu bytes): ", n);
    for (i = 0; i < n && i < 4096; i++)
        fprintf(stderr, "%02x", in[i]);
    fputs(i < n ? "...\n" : "\n", stderr);
    fflush(stderr);
    abort();
}

int fz_decode_status_ok(pbw_status st)
{
    /* Only malformed-input errors: never NEED_MORE, NOSPACE or ARG. */
    switch (st) {
    case PBW_OK:
    case PBW_E_TRUNCATED:
    case PBW_E_VARINT:
    case PBW_E_FIELD_ZERO:
    case PBW_E_WIRE_TYPE:
    case PBW_E_LENGTH:
    case PBW_E_END_GROUP:
    case PBW_E_OPEN_GROUP:
    case PBW_E_DEPTH:
    case PBW_E_UTF8:
    case PBW_E_TOO_BIG:
        return 1;
    default:
        return 0;
    }
}

pbw_status fz_decode(int down, const uint8_t *buf, size_t n, fz_msg *m, unsigned flags,
                     size_t *off)
{
    return down ? wps_downstream_decode(buf, n, &m->down, flags, off)
                : wps_upstream_decode(buf, n, &m->up, flags, off);
}

size_t fz_size(int down, const fz_msg *m)
{
    return down ? wps_downstream_size(&m->down) : wps_upstream_size(&m->up);
}

pbw_status fz_encode(int down, const fz_msg *m, uint8_t *dst, size_t cap, size_t *written)
{
    return down ? wps_downstream_encode(&m->down, dst, cap, written)
                : wps_upstream_encode(&m->up, dst, cap, written);
}

wps_data *fz_data_of(int down, void *msg)
{
    const wps_data *d = down ? wps_downstream_data((const wps_downstream *)msg)
                             : wps_upstream_data((const wps_upstream *)msg);
    return (wps_data *)(uintptr_t)d; /* the caller's message, not const */
}

/* ---- dump: checks ------------------------------------------------------- */

void fz_dump_init(fz_dump *d, fz_map_mode maps)
{
    memset(d, 0, sizeof *d);
    d->maps = maps;
}

void fz_dump_allow(fz_dump *d, const uint8_t *ptr, size_t len)
{
    if (d->nranges < FZ_MAX_RANGES) {
        d->range_ptr[d->nranges] = ptr;
        d->range_len[d->nranges] = len;
        d->nranges++;
    }
}

static void problem(fz_dump *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void problem(fz_dump *d, const char *fmt, ...)
{
    va_list ap;
    if (d->problem)
        return; /* keep the first */
    va_start(ap, fmt);
    vsnprintf(d->problem_buf, sizeof d->problem_buf, fmt, ap);
    va_end(ap);
    d->problem = d->problem_buf;
}

/* A view must be readable: a NULL ptr only when empty, and (zero copy) all
 * of it inside one of the allowed ranges.  Compared as integers: pointers
 * into different objects cannot be compared with < in C. */
static int view_ok(fz_dump *d, const char *name, pbw_bytes v)
{
    unsigned i;
    uintptr_t p = (uintptr_t)v.ptr;
    if (v.ptr == NULL) {
        if (v.len != 0) {
            problem(d, "%s: NULL view of length %zu", name, v.len);
            return 0;
        }
        return 1;
    }
    if (d->nranges == 0)
        return 1;
    for (i = 0; i < d->nranges; i++) {
        uintptr_t lo = (uintptr_t)d->range_ptr[i], hi = lo + d->range_len[i];
        if (p >= lo && p <= hi && v.len <= hi - p)
            return 1;
    }
    /* the input for the one-shot decoder, the scratch buffer when streaming */
    problem(d, "%s: view {%p, %zu} outside the memory it must point into", name,
            (const void *)v.ptr, v.len);
    return 0;
}

/* ---- dump: fields ------------------------------------------------------- */

/* Syntax, shared with fuzz_diff.cc:  message = "{" { name ":" value ";" } "}"
 * with fields in field-number order; scalars in decimal (bools as 0/1, the
 * stored byte: a decoder storing 2 must show); strings and bytes quoted;
 * maps "[" { key "=>" value "," } "]"; repeated messages "[" { msg "," } "]".
 * Implicit-presence fields only when non-zero, fields with presence (and
 * oneof members, sub-messages) whenever present. */

static void v_bytes(fz_dump *d, fz_buf *b, const char *name, pbw_bytes v)
{
    if (view_ok(d, name, v))
        fz_quote(b, v.ptr, v.len);
    else
        fz_puts(b, "<bad view>");
}

static void f_str(fz_dump *d, fz_buf *b, const char *name, pbw_bytes v)
{
    if (v.len == 0) {
        view_ok(d, name, v);
        return;
    }
    fz_printf(b, "%s:", name);
    v_bytes(d, b, name, v);
    fz_puts(b, ";");
}

static void f_ostr(fz_dump *d, fz_buf *b, const char *name, int has, pbw_bytes v)
{
    if (!has) {
        view_ok(d, name, v);
        return;
    }
    fz_printf(b, "%s:", name);
    v_bytes(d, b, name, v);
    fz_puts(b, ";");
}

static void f_u64(fz_buf *b, const char *name, uint64_t v)
{
    if (v)
        fz_printf(b, "%s:%llu;", name, (unsigned long long)v);
}

static void f_ou64(fz_buf *b, const char *name, int has, uint64_t v)
{
    if (has)
        fz_printf(b, "%s:%llu;", name, (unsigned long long)v);
}

static void f_i64(fz_buf *b, const char *name, int64_t v)
{
    if (v)
        fz_printf(b, "%s:%lld;", name, (long long)v);
}

static void open_msg(fz_buf *b, const char *name)
{
    fz_printf(b, "%s:{", name);
}

static void close_msg(fz_buf *b)
{
    fz_puts(b, "};");
}

/* ---- dump: maps and items ----------------------------------------------- */

static int key_cmp(const wps_kv *a, const wps_kv *b)
{
    size_t n = a->key.len < b->key.len ? a->key.len : b->key.len;
    int c = n ? memcmp(a->key.ptr, b->key.ptr, n) : 0;
    if (c)
        return c;
    return a->key.len < b->key.len ? -1 : a->key.len > b->key.len;
}

static int same_key(const wps_kv *a, const wps_kv *b)
{
    return a->key.len == b->key.len &&
           (a->key.len == 0 || memcmp(a->key.ptr, b->key.ptr, a->key.len) == 0);
}

static int kv_qsort(const void *a, const void *b)
{
    return key_cmp((const wps_kv *)a, (const wps_kv *)b);
}

static void f_map(fz_dump *d, fz_buf *b, const char *name, const wps_map *m)
{
    wps_map_iter it;
    wps_kv kv, *all = NULL;
    size_t n = 0, cap = 0, i, j, out;

    wps_map_begin(&it, m);
    while (wps_map_next(&it, &kv)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            all = (wps_kv *)realloc(all, cap * sizeof *all);
            if (all == NULL)
                abort();
        }
        if (!view_ok(d, name, kv.key) || !view_ok(d, name, kv.value)) {
            free(all);
            return;
        }
        all[n++] = kv;
    }
    if (n != m->count)
        problem(d, "%s: count %zu but the iterator yields %zu entries", name, m->count, n);
    /* wps_map_find gives the value of the last entry with the key (the
     * check is quadratic: only for maps of reasonable size). */
    if (n <= 256) {
        for (i = 0; i < n; i++) {
            pbw_bytes v = {NULL, 0};
            size_t last = i;
            for (j = i + 1; j < n; j++)
                if (same_key(&all[i], &all[j]))
                    last = j;
            if (!wps_map_find(m, all[i].key.ptr, all[i].key.len, &v))
                problem(d, "%s: wps_map_find misses key %zu", name, i);
            else if (v.ptr != all[last].value.ptr || v.len != all[last].value.len)
                problem(d, "%s: wps_map_find of key %zu is not the last entry's value", name, i);
        }
    }
    if (n == 0) {
        free(all);
        return;
    }
    if (d->maps == FZ_MAP_SEMANTIC) {
        /* last wins: keep an entry only when no later one has its key */
        for (i = out = 0; i < n; i++) {
            for (j = i + 1; j < n; j++)
                if (same_key(&all[i], &all[j]))
                    break;
            if (j == n)
                all[out++] = all[i];
        }
        n = out;
        qsort(all, n, sizeof *all, kv_qsort);
    }
    fz_printf(b, "%s:[", name);
    for (i = 0; i < n; i++) {
        fz_quote(b, all[i].key.ptr, all[i].key.len);
        fz_puts(b, "=>");
        fz_quote(b, all[i].value.ptr, all[i].value.len);
        fz_puts(b, ",");
    }
    fz_puts(b, "];");
    free(all);
}

/* GroupStateItem.GroupState */
static void m_group_state(fz_dump *d, fz_buf *b, const char *name, const wps_group_state *s)
{
    open_msg(b, name);
    f_map(d, b, "entries", &s->entries);
    close_msg(b);
}

static void m_item(fz_dump *d, fz_buf *b, const wps_group_state_item *it)
{
    fz_puts(b, "{");
    f_str(d, b, "connection_id", it->connection_id);
    f_ostr(d, b, "user_id", it->has_user_id, it->user_id);
    if (it->has_state)
        m_group_state(d, b, "state", &it->state);
    f_i64(b, "updated_at", it->updated_at);
    fz_puts(b, "}");
}

static void f_items(fz_dump *d, fz_buf *b, const char *name, const wps_items *items)
{
    wps_items_iter it;
    wps_group_state_item item;
    size_t n = 0;
    fz_buf tmp = {NULL, 0, 0};

    wps_items_begin(&it, items);
    while (wps_items_next(&it, &item)) {
        m_item(d, &tmp, &item);
        fz_puts(&tmp, ",");
        n++;
    }
    if (n != items->count)
        problem(d, "%s: count %zu but the iterator yields %zu items", name, items->count, n);
    if (n) {
        fz_printf(b, "%s:[", name);
        wps_json_put(b, tmp.ptr, tmp.len);
        fz_puts(b, "];");
    }
    wps_json_free(&tmp);
}

/* ---- dump: MessageData -------------------------------------------------- */

static void check_raw(fz_dump *d, const wps_data *data, const char *body);

static void data_body(fz_dump *d, fz_buf *b, const wps_data *x)
{
    switch (x->kind) {
    case WPS_DATA_NONE:
        break;
    case WPS_DATA_TEXT:
        fz_puts(b, "text_data:");
        v_bytes(d, b, "text_data", x->bytes);
        fz_puts(b, ";");
        break;
    case WPS_DATA_BINARY:
        fz_puts(b, "binary_data:");
        v_bytes(d, b, "binary_data", x->bytes);
        fz_puts(b, ";");
        break;
    case WPS_DATA_PROTOBUF:
        /* google.protobuf.Any {string type_url = 1; bytes value = 2;} */
        fz_puts(b, "protobuf_data:{");
        f_str(d, b, "type_url", x->type_url);
        f_str(d, b, "value", x->bytes);
        fz_puts(b, "};");
        break;
    case WPS_DATA_JSON:
        fz_puts(b, "json_data:");
        v_bytes(d, b, "json_data", x->bytes);
        fz_puts(b, ";");
        break;
    default:
        problem(d, "data.kind %d is not a wps_data_kind", (int)x->kind);
        break;
    }
    if (x->kind != WPS_DATA_PROTOBUF && x->type_url.len)
        problem(d, "data.type_url set for kind %d", (int)x->kind);
}

void fz_dump_data(fz_dump *d, fz_buf *b, const wps_data *x)
{
    size_t at = b->len;
    fz_puts(b, "{");
    data_body(d, b, x);
    fz_puts(b, "}");
    view_ok(d, "data.raw", x->raw);
    if (d->check_raw)
        check_raw(d, x, b->ptr + at);
}

static void f_data(fz_dump *d, fz_buf *b, const char *name, int has, const wps_data *x)
{
    if (!has)
        return;
    fz_printf(b, "%s:", name);
    fz_dump_data(d, b, x);
    fz_puts(b, ";");
}

/* wps_data.raw, when set, must be the MessageData's own bytes: wrapped as
 * the data of a SendToGroupMessage, they decode to the same payload. */
static void check_raw(fz_dump *d, const wps_data *data, const char *body)
{
    pbw_bytes raw = data->raw;
    uint8_t *wrap;
    size_t inner, n, i, off;
    wps_upstream m;
    pbw_status st;

    if (raw.ptr == NULL || d->problem)
        return;
    inner = 1 + pbw_varint_size(raw.len) + raw.len;
    n = 1 + pbw_varint_size(inner) + inner;
    wrap = (uint8_t *)fz_malloc(n);
    i = 0;
    wrap[i++] = 0x0a; /* UpstreamMessage.send_to_group_message */
    i = (size_t)(pbw_write_varint(wrap + i, inner) - wrap);
    wrap[i++] = 0x1a; /* SendToGroupMessage.data */
    i = (size_t)(pbw_write_varint(wrap + i, raw.len) - wrap);
    memcpy(wrap + i, raw.ptr, raw.len);
    st = wps_upstream_decode(wrap, n, &m, d->flags, &off);
    if (st != PBW_OK || m.kind != WPS_UP_SEND_TO_GROUP || !m.u.send_to_group.has_data) {
        problem(d, "data.raw does not decode as a MessageData: %s at %zu", pbw_status_name(st),
                off);
    } else {
        fz_dump sub;
        fz_buf got = {NULL, 0, 0};
        fz_dump_init(&sub, d->maps);
        fz_puts(&got, "{");
        data_body(&sub, &got, &m.u.send_to_group.data);
        fz_puts(&got, "}");
        if (strcmp(got.ptr, body) != 0)
            problem(d, "data.raw decodes to %.80s, the data is %.80s", got.ptr, body);
        wps_json_free(&got);
    }
    free(wrap);
}

/* ---- dump: upstream ----------------------------------------------------- */

static void m_stream_start(fz_dump *d, fz_buf *b, int has, const wps_stream_start *s)
{
    if (!has)
        return;
    open_msg(b, "stream");
    f_str(d, b, "stream_id", s->stream_id);
    if (s->has_idle_timeout_ms)
        fz_printf(b, "idle_timeout_ms:%lu;", (unsigned long)s->idle_timeout_ms);
    close_msg(b);
}

static void m_group_request(fz_dump *d, fz_buf *b, const char *name, const wps_group_request *g)
{
    open_msg(b, name);
    f_str(d, b, "group", g->group);
    f_ou64(b, "ack_id", g->has_ack_id, g->ack_id);
    close_msg(b);
}

void fz_dump_upstream(fz_dump *d, fz_buf *b, const wps_upstream *m)
{
    fz_puts(b, "{");
    switch (m->kind) {
    case WPS_UP_NONE:
        break;
    case WPS_UP_SEND_TO_GROUP: {
        const wps_send_to_group *x = &m->u.send_to_group;
        open_msg(b, "send_to_group_message");
        f_str(d, b, "group", x->group);
        f_ou64(b, "ack_id", x->has_ack_id, x->ack_id);
        f_data(d, b, "data", x->has_data, &x->data);
        if (x->has_no_echo)
            fz_printf(b, "no_echo:%u;", (unsigned)x->no_echo);
        if (x->has_ttl_seconds)
            fz_printf(b, "ttl_seconds:%lu;", (unsigned long)x->ttl_seconds);
        f_map(d, b, "metadata", &x->metadata);
        m_stream_start(d, b, x->has_stream, &x->stream);
        close_msg(b);
        break;
    }
    case WPS_UP_EVENT: {
        const wps_event_message *x = &m->u.event;
        open_msg(b, "event_message");
        f_str(d, b, "event", x->event);
        f_data(d, b, "data", x->has_data, &x->data);
        f_ou64(b, "ack_id", x->has_ack_id, x->ack_id);
        f_map(d, b, "metadata", &x->metadata);
        m_stream_start(d, b, x->has_stream, &x->stream);
        close_msg(b);
        break;
    }
    case WPS_UP_JOIN_GROUP:
        m_group_request(d, b, "join_group_message", &m->u.join_group);
        break;
    case WPS_UP_LEAVE_GROUP:
        m_group_request(d, b, "leave_group_message", &m->u.leave_group);
        break;
    case WPS_UP_SEQUENCE_ACK:
        open_msg(b, "sequence_ack_message");
        f_u64(b, "sequence_id", m->u.sequence_ack.sequence_id);
        close_msg(b);
        break;
    case WPS_UP_PING:
        open_msg(b, "ping_message");
        close_msg(b);
        break;
    case WPS_UP_INVOKE_EVENT: {
        const wps_invoke_event *x = &m->u.invoke_event;
        open_msg(b, "invoke_event_message");
        f_str(d, b, "event", x->event);
        f_str(d, b, "invocation_id", x->invocation_id);
        f_data(d, b, "data", x->has_data, &x->data);
        f_map(d, b, "metadata", &x->metadata);
        m_stream_start(d, b, x->has_stream, &x->stream);
        close_msg(b);
        break;
    }
    case WPS_UP_CANCEL_INVOCATION:
        open_msg(b, "cancel_invocation_message");
        f_str(d, b, "invocation_id", m->u.cancel_invocation.invocation_id);
        close_msg(b);
        break;
    case WPS_UP_STREAM_DATA: {
        const wps_stream_data *x = &m->u.stream_data;
        open_msg(b, "stream_data_message");
        f_str(d, b, "stream_id", x->stream_id);
        f_ou64(b, "stream_sequence_id", x->has_stream_sequence_id, x->stream_sequence_id);
        f_data(d, b, "data", x->has_data, &x->data);
        close_msg(b);
        break;
    }
    case WPS_UP_STREAM_END: {
        const wps_stream_end *x = &m->u.stream_end;
        open_msg(b, "stream_end_message");
        f_str(d, b, "stream_id", x->stream_id);
        if (x->has_error) {
            open_msg(b, "error");
            f_ostr(d, b, "message", x->error.has_message, x->error.message);
            f_ostr(d, b, "user_error_code", x->error.has_user_error_code,
                   x->error.user_error_code);
            close_msg(b);
        }
        close_msg(b);
        break;
    }
    case WPS_UP_SET_GROUP_STATE: {
        const wps_set_group_state *x = &m->u.set_group_state;
        open_msg(b, "set_group_state_message");
        f_str(d, b, "group", x->group);
        f_ou64(b, "ack_id", x->has_ack_id, x->ack_id);
        if (x->has_state)
            m_group_state(d, b, "state", &x->state);
        close_msg(b);
        break;
    }
    case WPS_UP_SUBSCRIBE_GROUP_STATE:
        m_group_request(d, b, "subscribe_group_state_message", &m->u.subscribe_group_state);
        break;
    case WPS_UP_UNSUBSCRIBE_GROUP_STATE:
        m_group_request(d, b, "unsubscribe_group_state_message", &m->u.unsubscribe_group_state);
        break;
    default:
        problem(d, "upstream kind %d is not a wps_up_kind", (int)m->kind);
        break;
    }
    fz_puts(b, "}");
}

/* ---- dump: downstream --------------------------------------------------- */

static void m_error(fz_dump *d, fz_buf *b, const char *name, int has, const wps_error *e)
{
    if (!has)
        return;
    open_msg(b, name);
    f_str(d, b, "name", e->name);
    f_str(d, b, "message", e->message);
    close_msg(b);
}

static void m_state_list(fz_dump *d, fz_buf *b, const char *name, const wps_group_state_list *x)
{
    open_msg(b, name);
    f_str(d, b, "group", x->group);
    f_items(d, b, "items", &x->items);
    f_ou64(b, "sequence_id", x->has_sequence_id, x->sequence_id);
    close_msg(b);
}

void fz_dump_downstream(fz_dump *d, fz_buf *b, const wps_downstream *m)
{
    fz_puts(b, "{");
    switch (m->kind) {
    case WPS_DOWN_NONE:
        break;
    case WPS_DOWN_ACK: {
        const wps_ack *x = &m->u.ack;
        open_msg(b, "ack_message");
        f_u64(b, "ack_id", x->ack_id);
        f_u64(b, "success", x->success);
        m_error(d, b, "error", x->has_error, &x->error);
        close_msg(b);
        break;
    }
    case WPS_DOWN_DATA: {
        const wps_data_message *x = &m->u.data;
        open_msg(b, "data_message");
        f_str(d, b, "from", x->from);
        f_ostr(d, b, "group", x->has_group, x->group);
        f_data(d, b, "data", x->has_data, &x->data);
        f_ou64(b, "sequence_id", x->has_sequence_id, x->sequence_id);
        f_map(d, b, "metadata", &x->metadata);
        if (x->has_stream) {
            const wps_stream_info *s = &x->stream;
            open_msg(b, "stream");
            f_str(d, b, "stream_id", s->stream_id);
            f_u64(b, "stream_sequence_id", s->stream_sequence_id);
            f_ou64(b, "end_of_stream", s->has_end_of_stream, s->end_of_stream);
            if (s->has_error) {
                open_msg(b, "error");
                f_str(d, b, "name", s->error.name);
                f_str(d, b, "message", s->error.message);
                f_str(d, b, "user_error_code", s->error.user_error_code);
                close_msg(b);
            }
            close_msg(b);
        }
        close_msg(b);
        break;
    }
    case WPS_DOWN_SYSTEM: {
        const wps_system *x = &m->u.system;
        open_msg(b, "system_message");
        switch (x->kind) {
        case WPS_SYSTEM_NONE:
            break;
        case WPS_SYSTEM_CONNECTED:
            open_msg(b, "connected_message");
            f_str(d, b, "connection_id", x->u.connected.connection_id);
            f_str(d, b, "user_id", x->u.connected.user_id);
            f_ostr(d, b, "reconnection_token", x->u.connected.has_reconnection_token,
                   x->u.connected.reconnection_token);
            close_msg(b);
            break;
        case WPS_SYSTEM_DISCONNECTED:
            open_msg(b, "disconnected_message");
            f_str(d, b, "reason", x->u.disconnected.reason);
            close_msg(b);
            break;
        default:
            problem(d, "system kind %d is not a wps_system_kind", (int)x->kind);
            break;
        }
        close_msg(b);
        break;
    }
    case WPS_DOWN_PONG:
        open_msg(b, "pong_message");
        close_msg(b);
        break;
    case WPS_DOWN_INVOKE_RESPONSE: {
        const wps_invoke_response *x = &m->u.invoke_response;
        open_msg(b, "invoke_response_message");
        f_str(d, b, "invocation_id", x->invocation_id);
        f_u64(b, "success", x->success);
        f_data(d, b, "data", x->has_data, &x->data);
        m_error(d, b, "error", x->has_error, &x->error);
        f_map(d, b, "metadata", &x->metadata);
        close_msg(b);
        break;
    }
    case WPS_DOWN_STREAM_ACK:
        open_msg(b, "stream_ack_message");
        f_str(d, b, "stream_id", m->u.stream_ack.stream_id);
        f_u64(b, "expected_sequence_id", m->u.stream_ack.expected_sequence_id);
        close_msg(b);
        break;
    case WPS_DOWN_STREAM_NACK: {
        const wps_stream_nack *x = &m->u.stream_nack;
        open_msg(b, "stream_nack_message");
        f_str(d, b, "stream_id", x->stream_id);
        f_str(d, b, "name", x->name);
        f_str(d, b, "message", x->message);
        f_u64(b, "expected_sequence_id", x->expected_sequence_id);
        close_msg(b);
        break;
    }
    case WPS_DOWN_STREAM_CLOSED:
        open_msg(b, "stream_closed_message");
        f_str(d, b, "stream_id", m->u.stream_closed.stream_id);
        m_error(d, b, "error", m->u.stream_closed.has_error, &m->u.stream_closed.error);
        close_msg(b);
        break;
    case WPS_DOWN_GROUP_STATE_UPDATE:
        m_state_list(d, b, "group_state_update_message", &m->u.group_state_update);
        break;
    case WPS_DOWN_GROUP_STATE_SNAPSHOT:
        m_state_list(d, b, "group_state_snapshot_message", &m->u.group_state_snapshot);
        break;
    default:
        problem(d, "downstream kind %d is not a wps_down_kind", (int)m->kind);
        break;
    }
    fz_puts(b, "}");
}

char *fz_render(int down, const void *msg, fz_map_mode maps, const uint8_t *lo, size_t len,
                int check_raw_, unsigned flags, const char *what)
{
    fz_dump d;
    fz_buf b = {NULL, 0, 0};
    fz_dump_init(&d, maps);
    if (lo != NULL)
        fz_dump_allow(&d, lo, len);
    d.check_raw = check_raw_;
    d.flags = flags;
    if (down)
        fz_dump_downstream(&d, &b, (const wps_downstream *)msg);
    else
        fz_dump_upstream(&d, &b, (const wps_upstream *)msg);
    if (d.problem)
        fz_fail(cur_in ? cur_in : lo, cur_in ? cur_n : lo ? len : 0, "%s (%s): %s\n  dump: %.2000s", what,
                down ? "downstream" : "upstream", d.problem, b.ptr);
    return b.ptr;
}
