/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_json_in.c - libFuzzer entry: the input is a JSON request frame
 * of the json subprotocols, read by wps_json_request_parse (untrusted input
 * from every JSON client).  Checked, besides the sanitizers' memory and UB
 * checks (the frame and the scratch buffer are exact-size allocations):
 *   - the status is one the header documents, the offset within the frame;
 *   - grammar: the parser rejects the frame as not JSON (PBW_E_JSON,
 *     PBW_E_DEPTH) or as invalid UTF-8 from raw bytes exactly when
 *     wps_json_validate does, with the same status and offset;
 *   - every view of the message lies in the frame or the scratch buffer,
 *     and scratch_used is within the buffer;
 *   - a scratch buffer of WPS_JSON_REQUEST_SCRATCH(len) bytes never gives
 *     PBW_E_NOSPACE, and a smaller one gives either the same message or
 *     PBW_E_NOSPACE;
 *   - round trip: the message encodes, and decodes back to the same
 *     rendering (tools/wps_json.c).
 */
#include <stdlib.h>
#include <string.h>

#include "../wps_service.h"
#include "../tools/wps_json.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const uint8_t *p, size_t n, const uint8_t *lo, size_t lo_len)
{
    if (n == 0)
        return 1;
    return p != NULL && lo != NULL && (uintptr_t)p >= (uintptr_t)lo &&
           (uintptr_t)p + n <= (uintptr_t)lo + lo_len;
}

typedef struct span {
    const uint8_t *a;
    size_t an;
    const uint8_t *b;
    size_t bn;
} span;

static void view_ok(const uint8_t *in, size_t n, const span *s, pbw_bytes v, const char *what)
{
    if (!inside(v.ptr, v.len, s->a, s->an) && !inside(v.ptr, v.len, s->b, s->bn))
        fz_fail(in, n, "%s: a view outside the frame and the scratch buffer", what);
}

static void data_ok(const uint8_t *in, size_t n, const span *s, const wps_data *d)
{
    view_ok(in, n, s, d->bytes, "data");
    view_ok(in, n, s, d->type_url, "type_url");
}

static void views_ok(const uint8_t *in, size_t n, const span *s, const wps_upstream *m)
{
    size_t i;
    switch (m->kind) {
    case WPS_UP_SEND_TO_GROUP:
        view_ok(in, n, s, m->u.send_to_group.group, "group");
        data_ok(in, n, s, &m->u.send_to_group.data);
        view_ok(in, n, s, m->u.send_to_group.stream.stream_id, "stream_id");
        break;
    case WPS_UP_EVENT:
        view_ok(in, n, s, m->u.event.event, "event");
        data_ok(in, n, s, &m->u.event.data);
        view_ok(in, n, s, m->u.event.stream.stream_id, "stream_id");
        break;
    case WPS_UP_INVOKE_EVENT:
        view_ok(in, n, s, m->u.invoke_event.event, "event");
        view_ok(in, n, s, m->u.invoke_event.invocation_id, "invocation_id");
        data_ok(in, n, s, &m->u.invoke_event.data);
        break;
    case WPS_UP_STREAM_DATA:
        view_ok(in, n, s, m->u.stream_data.stream_id, "stream_id");
        data_ok(in, n, s, &m->u.stream_data.data);
        break;
    case WPS_UP_STREAM_END:
        view_ok(in, n, s, m->u.stream_end.stream_id, "stream_id");
        view_ok(in, n, s, m->u.stream_end.error.message, "message");
        view_ok(in, n, s, m->u.stream_end.error.user_error_code, "user_error_code");
        break;
    case WPS_UP_SET_GROUP_STATE: {
        const wps_map *map = &m->u.set_group_state.state.entries;
        view_ok(in, n, s, m->u.set_group_state.group, "group");
        if (map->count && !inside((const uint8_t *)map->entries, map->count * sizeof(wps_kv),
                                  s->b, s->bn))
            fz_fail(in, n, "state entries outside the scratch buffer");
        for (i = 0; i < map->count; i++) {
            view_ok(in, n, s, map->entries[i].key, "state key");
            view_ok(in, n, s, map->entries[i].value, "state value");
        }
        break;
    }
    case WPS_UP_JOIN_GROUP:
    case WPS_UP_LEAVE_GROUP:
    case WPS_UP_SUBSCRIBE_GROUP_STATE:
    case WPS_UP_UNSUBSCRIBE_GROUP_STATE:
        view_ok(in, n, s, m->u.join_group.group, "group");
        break;
    case WPS_UP_CANCEL_INVOCATION:
        view_ok(in, n, s, m->u.cancel_invocation.invocation_id, "invocation_id");
        break;
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *frame = fz_malloc(size), *scratch, *small, *enc;
    size_t cap = WPS_JSON_REQUEST_SCRATCH(size), used = 0, off = 0, voff = 0, n, n2;
    wps_upstream m, m2, back;
    pbw_status st, vst;
    span s;
    char *a, *b;

    fz_current_input(data, size);
    if (size)
        memcpy(frame, data, size);
    scratch = fz_malloc(cap);
    st = wps_json_request_parse(frame, size, &m, scratch, cap, &used, &off);
    if (!(st == PBW_OK || st == PBW_E_UTF8 || st == PBW_E_JSON || st == PBW_E_DEPTH ||
          st == PBW_E_JSON_TYPE || st == PBW_E_NO_RENDERING || st == PBW_E_JSON_MISSING ||
          st == PBW_E_JSON_DUPLICATE || st == PBW_E_RANGE || st == PBW_E_BASE64 ||
          st == PBW_E_TRUNCATED || st == PBW_E_VARINT || st == PBW_E_FIELD_ZERO ||
          st == PBW_E_WIRE_TYPE || st == PBW_E_LENGTH || st == PBW_E_END_GROUP ||
          st == PBW_E_OPEN_GROUP || st == PBW_E_TOO_BIG))
        fz_fail(data, size, "undocumented status %s", pbw_status_name(st));
    if (off > size)
        fz_fail(data, size, "offset %zu past the frame", off);

    /* the grammar is wps_json_validate's */
    vst = wps_json_validate(frame, size, &voff);
    if (vst != PBW_OK && (st != vst || off != voff))
        fz_fail(data, size, "validate says %s at %zu, the parser %s at %zu",
                pbw_status_name(vst), voff, pbw_status_name(st), off);
    /* PBW_E_DEPTH also comes from a protobuf Any nested too deeply: then it
     * points at the data string's quote, never at a '{' or '[' */
    if (vst == PBW_OK && (st == PBW_E_JSON || (st == PBW_E_DEPTH && (off >= size || frame[off] != '"'))))
        fz_fail(data, size, "valid JSON, but the parser says %s", pbw_status_name(st));

    if (st == PBW_OK) {
        if (used > cap)
            fz_fail(data, size, "scratch_used %zu > %zu", used, cap);
        s.a = frame;
        s.an = size;
        s.b = scratch;
        s.bn = cap;
        views_ok(data, size, &s, &m);
        /* round trip through protobuf */
        n = wps_upstream_size(&m);
        enc = fz_malloc(n);
        if (wps_upstream_encode(&m, enc, n, &n2) != PBW_OK || n2 != n)
            fz_fail(data, size, "the parsed message does not encode");
        if (wps_upstream_decode(enc, n, &back, 0, NULL) != PBW_OK)
            fz_fail(data, size, "its encoding does not decode");
        a = wps_json_of(0, &m);
        b = wps_json_of(0, &back);
        if (strcmp(a, b) != 0)
            fz_fail(data, size, "round trip: %s became %s", a, b);
        /* a smaller scratch: the same message, or NOSPACE */
        small = fz_malloc(used / 2);
        st = wps_json_request_parse(frame, size, &m2, small, used / 2, NULL, &off);
        if (st == PBW_OK) {
            char *c = wps_json_of(0, &m2);
            if (strcmp(a, c) != 0)
                fz_fail(data, size, "with less scratch: %s, not %s", c, a);
            free(c);
        } else if (st != PBW_E_NOSPACE || used == 0) {
            fz_fail(data, size, "with less scratch: %s", pbw_status_name(st));
        }
        free(small);
        free(a);
        free(b);
        free(enc);
    } else if (st == PBW_E_NOSPACE) {
        fz_fail(data, size, "WPS_JSON_REQUEST_SCRATCH was not enough");
    }
    free(scratch);
    free(frame);
    return 0;
}
