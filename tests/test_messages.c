/* SPDX-License-Identifier: MIT */
/*
 * tests/test_messages.c - the message layer through its public API: views,
 * presence, oneofs, merging, raw payload views, map and item walks, and
 * encoding of caller-built structs.  Expected bytes come from libprotobuf
 * (pbref.serialize of the same message, deterministic).
 */
#include <stdlib.h>

#include "test.h"
#include "../wps_service.h"

static unsigned char in[4096];

static int inside(pbw_bytes v, const unsigned char *buf, size_t len)
{
    return v.len == 0 || (v.ptr >= buf && v.ptr + v.len <= buf + len);
}

static pbw_status up(const char *hex, wps_upstream *m, size_t *n, size_t *off)
{
    *n = test_unhex(hex, in);
    memset(m, 0xA5, sizeof *m); /* decode must not depend on old contents */
    return wps_upstream_decode(in, *n, m, 0, off);
}

static pbw_status down(const char *hex, wps_downstream *m, size_t *n, size_t *off)
{
    *n = test_unhex(hex, in);
    memset(m, 0xA5, sizeof *m);
    return wps_downstream_decode(in, *n, m, 0, off);
}

/* Encodes and compares with libprotobuf's bytes; also checks size(). */
static void check_up_encoding(const wps_upstream *m, const char *want_hex)
{
    unsigned char want[512], got[512];
    size_t want_n = test_unhex(want_hex, want), written = 0;
    CHECK_EQ(wps_upstream_size(m), want_n);
    CHECK_STATUS(wps_upstream_encode(m, got, sizeof got, &written), PBW_OK);
    CHECK_MEM(got, written, want, want_n);
    if (want_n > 0) {
        CHECK_STATUS(wps_upstream_encode(m, got, want_n - 1, &written), PBW_E_NOSPACE);
        CHECK_EQ(written, want_n);
    }
}

static void check_down_encoding(const wps_downstream *m, const char *want_hex)
{
    unsigned char want[512], got[512];
    size_t want_n = test_unhex(want_hex, want), written = 0;
    CHECK_EQ(wps_downstream_size(m), want_n);
    CHECK_STATUS(wps_downstream_encode(m, got, sizeof got, &written), PBW_OK);
    CHECK_MEM(got, written, want, want_n);
    if (want_n > 0) {
        CHECK_STATUS(wps_downstream_encode(m, got, want_n - 1, &written), PBW_E_NOSPACE);
        CHECK_EQ(written, want_n);
    }
}

static pbw_bytes view(const char *s)
{
    pbw_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = strlen(s);
    return b;
}

static void test_views_and_presence(void)
{
    wps_upstream m;
    size_t n, off;
    const wps_send_to_group *s = &m.u.send_to_group;

    test_context("views and presence");
    /* SendToGroup{group "chat", ack_id 0, data{text "hi"}, no_echo false,
     * ttl 0, metadata{a:1, b:""}, stream{stream_id "s", idle_timeout_ms 0}} */
    CHECK_STATUS(up("0a280a046368617410001a040a0268692000280032060a016112013132050a01621200"
                    "3a050a01731000",
                    &m, &n, &off),
                 PBW_OK);
    CHECK_EQ(off, n);
    CHECK_EQ(m.kind, WPS_UP_SEND_TO_GROUP);
    CHECK_VIEW(s->group, "chat");
    CHECK(s->group.ptr == in + 4); /* zero copy: a view into the input */
    CHECK(s->has_ack_id && s->ack_id == 0);
    CHECK(s->has_data && s->data.kind == WPS_DATA_TEXT);
    CHECK_VIEW(s->data.bytes, "hi");
    CHECK(s->data.type_url.len == 0);
    CHECK(s->has_no_echo && s->no_echo == 0);
    CHECK(s->has_ttl_seconds && s->ttl_seconds == 0);
    CHECK_EQ(s->metadata.count, 2);
    CHECK(s->metadata.entries == NULL);
    CHECK(s->has_stream && s->stream.has_idle_timeout_ms && s->stream.idle_timeout_ms == 0);
    CHECK_VIEW(s->stream.stream_id, "s");
    /* raw: the MessageData bytes as received */
    CHECK(s->data.raw.ptr == in + 12 && s->data.raw.len == 4);

    /* The same message without the optional fields: flags clear. */
    CHECK_STATUS(up("0a060a0463686174", &m, &n, &off), PBW_OK);
    CHECK(!s->has_ack_id && !s->has_data && !s->has_no_echo && !s->has_ttl_seconds &&
          !s->has_stream);
    CHECK_EQ(s->metadata.count, 0);
    CHECK(s->metadata.wire.depth == 0);

    /* An empty message and a NULL buffer of length 0. */
    CHECK_STATUS(wps_upstream_decode(NULL, 0, &m, 0, &off), PBW_OK);
    CHECK_EQ(m.kind, WPS_UP_NONE);
    CHECK_EQ(off, 0);
    CHECK_STATUS(wps_upstream_decode(in, 0, &m, 0, NULL), PBW_OK);
}

static void test_oneof_and_merge(void)
{
    wps_upstream m;
    wps_downstream d;
    size_t n, off;

    test_context("oneof switching");
    /* send_to_group{group "a", ack 5} then event{event "e"}: event wins */
    CHECK_STATUS(up("0a050a016110052a030a0165", &m, &n, &off), PBW_OK);
    CHECK_EQ(m.kind, WPS_UP_EVENT);
    CHECK_VIEW(m.u.event.event, "e");
    CHECK(!m.u.event.has_ack_id && !m.u.event.has_data);
    /* ...then send_to_group{group "b"} again: starts afresh, no ack id */
    CHECK_STATUS(up("0a050a016110052a030a01650a030a0162", &m, &n, &off), PBW_OK);
    CHECK_EQ(m.kind, WPS_UP_SEND_TO_GROUP);
    CHECK_VIEW(m.u.send_to_group.group, "b");
    CHECK(!m.u.send_to_group.has_ack_id);

    test_context("merging");
    /* send_to_group{group "a", ack 5} + send_to_group{data{binary "z"}}:
     * merged, and the group survives */
    CHECK_STATUS(up("0a050a016110050a051a0312017a", &m, &n, &off), PBW_OK);
    CHECK_EQ(m.kind, WPS_UP_SEND_TO_GROUP);
    CHECK_VIEW(m.u.send_to_group.group, "a");
    CHECK(m.u.send_to_group.has_ack_id && m.u.send_to_group.ack_id == 5);
    CHECK(m.u.send_to_group.data.kind == WPS_DATA_BINARY);
    CHECK_VIEW(m.u.send_to_group.data.bytes, "z");
    CHECK(m.u.send_to_group.data.raw.ptr == in + 11); /* one occurrence of data */
    CHECK_EQ(m.u.send_to_group.data.raw.len, 3);

    /* data given twice: text "x" then binary "yyy" - binary wins, and raw
     * is gone because the value came from two occurrences */
    CHECK_STATUS(up("0a0c1a030a01781a051203797979", &m, &n, &off), PBW_OK);
    CHECK(m.u.send_to_group.data.kind == WPS_DATA_BINARY);
    CHECK_VIEW(m.u.send_to_group.data.bytes, "yyy");
    CHECK(m.u.send_to_group.data.raw.ptr == NULL && m.u.send_to_group.data.raw.len == 0);

    /* protobuf_data{type_url "t"} then protobuf_data{value "xy"}: the Any
     * merges */
    CHECK_STATUS(up("0a0f1a051a030a01741a061a0412027879", &m, &n, &off), PBW_OK);
    CHECK(m.u.send_to_group.data.kind == WPS_DATA_PROTOBUF);
    CHECK_VIEW(m.u.send_to_group.data.type_url, "t");
    CHECK_VIEW(m.u.send_to_group.data.bytes, "xy");
    /* protobuf_data{type_url "t"} then text_data "zzz": the Any is gone */
    CHECK_STATUS(up("0a0e1a051a030a01741a050a037a7a7a", &m, &n, &off), PBW_OK);
    CHECK(m.u.send_to_group.data.kind == WPS_DATA_TEXT);
    CHECK_VIEW(m.u.send_to_group.data.bytes, "zzz");
    CHECK(m.u.send_to_group.data.type_url.len == 0);

    test_context("nested oneof");
    /* system{connected{connection_id "c"}} then system{disconnected{reason
     * "z"}}: the system message merges, its oneof switches */
    CHECK_STATUS(down("1a050a030a01631a05120312017a", &d, &n, &off), PBW_OK);
    CHECK_EQ(d.kind, WPS_DOWN_SYSTEM);
    CHECK_EQ(d.u.system.kind, WPS_SYSTEM_DISCONNECTED);
    CHECK_VIEW(d.u.system.u.disconnected.reason, "z");
}

static void test_maps(void)
{
    wps_upstream m;
    wps_downstream d;
    wps_map_iter it;
    wps_kv kv;
    pbw_bytes v;
    size_t n, off, i;
    const char *want[][2] = {{"a", "1"}, {"b", "2"}, {"a", "3"}, {"c", ""}, {"", "e"}};

    test_context("map walk");
    /* send_to_group{group "g", metadata a:1, b:2}, an unknown field, then a
     * second send_to_group{metadata a:3, c:<no value>, <no key>:e} */
    CHECK_STATUS(up("0a130a016732060a016112013132060a0162120132"
                    "f80101"
                    "0a1232060a016112013332030a01633203120165",
                    &m, &n, &off),
                 PBW_OK);
    CHECK_EQ(m.u.send_to_group.metadata.count, 5);
    wps_map_begin(&it, &m.u.send_to_group.metadata);
    for (i = 0; wps_map_next(&it, &kv); i++) {
        if (i >= 5)
            break;
        CHECK_VIEW(kv.key, want[i][0]);
        CHECK_VIEW(kv.value, want[i][1]);
        CHECK(inside(kv.key, in, n) && inside(kv.value, in, n));
    }
    CHECK_EQ(i, 5);
    CHECK(!wps_map_next(&it, &kv)); /* stays at the end */
    CHECK(wps_map_find(&m.u.send_to_group.metadata, (const uint8_t *)"a", 1, &v));
    CHECK_VIEW(v, "3"); /* the later entry wins */
    CHECK(wps_map_find(&m.u.send_to_group.metadata, (const uint8_t *)"", 0, &v));
    CHECK_VIEW(v, "e");
    CHECK(!wps_map_find(&m.u.send_to_group.metadata, (const uint8_t *)"z", 1, &v));

    /* Entries of a member that was switched away do not count:
     * send_to_group{group "g", a:1}, event{"e"}, send_to_group{z:""} */
    CHECK_STATUS(up("0a0b0a016732060a01611201312a030a01650a0532030a017a", &m, &n, &off),
                 PBW_OK);
    CHECK_EQ(m.kind, WPS_UP_SEND_TO_GROUP);
    CHECK_EQ(m.u.send_to_group.metadata.count, 1);
    CHECK(wps_map_find(&m.u.send_to_group.metadata, (const uint8_t *)"z", 1, &v));
    CHECK(!wps_map_find(&m.u.send_to_group.metadata, (const uint8_t *)"a", 1, &v));

    test_context("map in a merged optional sub-message");
    /* set_group_state{state{k:v}} + set_group_state{state{k:w, j:x}} */
    CHECK_STATUS(up("7a0a1a080a060a016b1201767a121a100a060a016b1201770a060a016a120178",
                    &m, &n, &off),
                 PBW_OK);
    CHECK_EQ(m.kind, WPS_UP_SET_GROUP_STATE);
    CHECK(m.u.set_group_state.has_state);
    CHECK_EQ(m.u.set_group_state.state.entries.count, 3);
    CHECK(wps_map_find(&m.u.set_group_state.state.entries, (const uint8_t *)"k", 1, &v));
    CHECK_VIEW(v, "w");

    test_context("items");
    {
        wps_items_iter ii;
        wps_group_state_item item;
        const wps_group_state_list *l;
        /* group_state_update{group "room", items [c1{user "", state{x:1,
         * y:2}, updated -1}, c2{updated 1700000000000}], sequence_id 0} */
        CHECK_STATUS(down("4a3a0a04726f6f6d12230a02633112001a100a060a01781201310a060a0179120132"
                          "20ffffffffffffffffff01120b0a0263322080d095ffbc311800",
                          &d, &n, &off),
                     PBW_OK);
        CHECK_EQ(d.kind, WPS_DOWN_GROUP_STATE_UPDATE);
        l = &d.u.group_state_update;
        CHECK_EQ(l->items.count, 2);
        CHECK(l->has_sequence_id && l->sequence_id == 0);
        wps_items_begin(&ii, &l->items);
        CHECK(wps_items_next(&ii, &item));
        CHECK_VIEW(item.connection_id, "c1");
        CHECK(item.has_user_id && item.user_id.len == 0);
        CHECK(item.has_state && item.state.entries.count == 2);
        CHECK(item.updated_at == -1);
        CHECK(wps_map_find(&item.state.entries, (const uint8_t *)"y", 1, &v));
        CHECK_VIEW(v, "2");
        CHECK(wps_items_next(&ii, &item));
        CHECK_VIEW(item.connection_id, "c2");
        CHECK(!item.has_user_id && !item.has_state);
        CHECK(item.updated_at == 1700000000000LL);
        CHECK(!wps_items_next(&ii, &item));

        /* Items of two occurrences of the parent are all kept, in order. */
        CHECK_STATUS(down("52080a016712030a0161520512030a0162520512030a0163", &d, &n, &off),
                     PBW_OK);
        l = &d.u.group_state_snapshot;
        CHECK_EQ(l->items.count, 3);
        wps_items_begin(&ii, &l->items);
        CHECK(wps_items_next(&ii, &item) && item.connection_id.len == 1 &&
              item.connection_id.ptr[0] == 'a');
        CHECK(wps_items_next(&ii, &item) && item.connection_id.ptr[0] == 'b');
        CHECK(wps_items_next(&ii, &item) && item.connection_id.ptr[0] == 'c');
        CHECK(!wps_items_next(&ii, &item));
    }
}

static void test_encode_built(void)
{
    wps_upstream m;
    wps_downstream d;
    wps_kv meta[2];
    wps_kv entries[2];
    wps_group_state_item items[2];
    unsigned char out[64];
    size_t written;

    test_context("encode caller-built upstream");
    memset(&m, 0, sizeof m);
    m.kind = WPS_UP_SEND_TO_GROUP;
    m.u.send_to_group.group = view("chat");
    m.u.send_to_group.has_ack_id = 1; /* ack id 0 is a real ack id */
    m.u.send_to_group.has_data = 1;
    m.u.send_to_group.data.kind = WPS_DATA_TEXT;
    m.u.send_to_group.data.bytes = view("hi");
    m.u.send_to_group.has_no_echo = 1;
    m.u.send_to_group.has_ttl_seconds = 1;
    meta[0].key = view("a");
    meta[0].value = view("1");
    meta[1].key = view("b");
    meta[1].value = view(""); /* written with an empty value: 0a 01 62 12 00 */
    m.u.send_to_group.metadata.entries = meta;
    m.u.send_to_group.metadata.count = 2;
    m.u.send_to_group.has_stream = 1;
    m.u.send_to_group.stream.stream_id = view("s");
    m.u.send_to_group.stream.has_idle_timeout_ms = 1;
    check_up_encoding(&m, "0a280a046368617410001a040a0268692000280032060a016112013132050a016212"
                          "003a050a01731000");

    memset(&m, 0, sizeof m);
    m.kind = WPS_UP_EVENT;
    m.u.event.event = view("ev");
    m.u.event.has_data = 1;
    m.u.event.data.kind = WPS_DATA_PROTOBUF;
    m.u.event.data.type_url = view("t/x");
    m.u.event.data.bytes = view("\x01\x02");
    m.u.event.has_ack_id = 1;
    m.u.event.ack_id = UINT64_MAX;
    check_up_encoding(&m, "2a1c0a026576120b1a090a03742f781202010218ffffffffffffffffff01");

    memset(&m, 0, sizeof m);
    m.kind = WPS_UP_PING;
    check_up_encoding(&m, "4a00");

    memset(&m, 0, sizeof m);
    m.kind = WPS_UP_UNSUBSCRIBE_GROUP_STATE; /* field 17: a two-byte tag */
    m.u.unsubscribe_group_state.group = view("g");
    m.u.unsubscribe_group_state.has_ack_id = 1;
    m.u.unsubscribe_group_state.ack_id = 300;
    check_up_encoding(&m, "8a01060a016710ac02");

    memset(&m, 0, sizeof m);
    m.kind = WPS_UP_SET_GROUP_STATE;
    m.u.set_group_state.group = view("g");
    m.u.set_group_state.has_state = 1; /* present but empty */
    check_up_encoding(&m, "7a050a01671a00");
    entries[0].key = view("k");
    entries[0].value = view("v");
    m.u.set_group_state.state.entries.entries = entries;
    m.u.set_group_state.state.entries.count = 1;
    check_up_encoding(&m, "7a0d0a01671a080a060a016b120176");

    memset(&m, 0, sizeof m);
    check_up_encoding(&m, ""); /* kind NONE: the empty message */
    CHECK_STATUS(wps_upstream_encode(&m, NULL, 0, &written), PBW_OK);
    CHECK_EQ(written, 0);

    test_context("encode caller-built downstream");
    memset(&d, 0, sizeof d);
    d.kind = WPS_DOWN_GROUP_STATE_UPDATE;
    d.u.group_state_update.group = view("room");
    memset(items, 0, sizeof items);
    items[0].connection_id = view("c1");
    items[0].has_user_id = 1;
    items[0].has_state = 1;
    entries[0].key = view("x");
    entries[0].value = view("1");
    entries[1].key = view("y");
    entries[1].value = view("2");
    items[0].state.entries.entries = entries;
    items[0].state.entries.count = 2;
    items[0].updated_at = -1;
    items[1].connection_id = view("c2");
    items[1].updated_at = 1700000000000LL;
    d.u.group_state_update.items.items = items;
    d.u.group_state_update.items.count = 2;
    d.u.group_state_update.has_sequence_id = 1;
    check_down_encoding(&d, "4a3a0a04726f6f6d12230a02633112001a100a060a01781201310a060a01791201"
                            "3220ffffffffffffffffff01120b0a0263322080d095ffbc311800");

    memset(&d, 0, sizeof d);
    d.kind = WPS_DOWN_DATA; /* the deepest chain of singular sub-messages */
    d.u.data.from = view("group");
    d.u.data.has_group = 1;
    d.u.data.group = view("g");
    d.u.data.has_data = 1;
    d.u.data.data.kind = WPS_DATA_BINARY; /* empty binary: still written */
    d.u.data.has_sequence_id = 1;
    d.u.data.sequence_id = 7;
    d.u.data.has_stream = 1;
    d.u.data.stream.stream_id = view("s");
    d.u.data.stream.stream_sequence_id = 3;
    d.u.data.stream.has_end_of_stream = 1;
    d.u.data.stream.end_of_stream = 9; /* any non-zero is true: written as 1 */
    d.u.data.stream.has_error = 1;
    d.u.data.stream.error.name = view("n");
    d.u.data.stream.error.message = view("m");
    d.u.data.stream.error.user_error_code = view("u");
    check_down_encoding(&d, "12240a0567726f75701201671a021200200732120a01731003180122090a016e1201"
                            "6d1a0175");

    memset(&d, 0, sizeof d);
    d.kind = WPS_DOWN_SYSTEM;
    d.u.system.kind = WPS_SYSTEM_CONNECTED;
    d.u.system.u.connected.connection_id = view("c");
    d.u.system.u.connected.user_id = view("u");
    d.u.system.u.connected.has_reconnection_token = 1;
    check_down_encoding(&d, "1a0a0a080a01631201751a00");

    memset(&d, 0, sizeof d);
    d.kind = WPS_DOWN_INVOKE_RESPONSE;
    d.u.invoke_response.invocation_id = view("i");
    d.u.invoke_response.success = 1;
    d.u.invoke_response.has_data = 1;
    d.u.invoke_response.data.kind = WPS_DATA_JSON;
    d.u.invoke_response.data.bytes = view("{}");
    d.u.invoke_response.has_error = 1;
    check_down_encoding(&d, "2a0d0a016910011a0422027b7d2200");

    test_context("encode rejects kinds outside their enum");
    memset(&m, 0, sizeof m);
    m.kind = (wps_up_kind)2; /* field 2 is not a member of the oneof */
    CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &written), PBW_E_ARG);
    m.kind = (wps_up_kind)12; /* reserved */
    CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &written), PBW_E_ARG);
    m.kind = (wps_up_kind)18;
    CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &written), PBW_E_ARG);
    m.kind = WPS_UP_STREAM_DATA;
    m.u.stream_data.has_data = 1;
    m.u.stream_data.data.kind = (wps_data_kind)5;
    CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &written), PBW_E_ARG);
    memset(&d, 0, sizeof d);
    d.kind = WPS_DOWN_SYSTEM;
    d.u.system.kind = (wps_system_kind)3;
    CHECK_STATUS(wps_downstream_encode(&d, out, sizeof out, &written), PBW_E_ARG);
    d.kind = (wps_down_kind)11;
    CHECK_STATUS(wps_downstream_encode(&d, out, sizeof out, &written), PBW_E_ARG);
}

/* wps_*_data: the MessageData of the members that have one, when set. */
static void test_data_of(void)
{
    wps_upstream m;
    wps_downstream d;
    unsigned k;

    test_context("wps_upstream_data / wps_downstream_data");
    for (k = 0; k <= 20; k++) { /* every kind, the holes and beyond */
        const wps_data *want = NULL;
        memset(&m, 0, sizeof m);
        m.kind = (wps_up_kind)k;
        CHECK(wps_upstream_data(&m) == NULL); /* has_data not set */
        switch (k) {
        case WPS_UP_SEND_TO_GROUP:
            m.u.send_to_group.has_data = 1;
            want = &m.u.send_to_group.data;
            break;
        case WPS_UP_EVENT:
            m.u.event.has_data = 1;
            want = &m.u.event.data;
            break;
        case WPS_UP_INVOKE_EVENT:
            m.u.invoke_event.has_data = 1;
            want = &m.u.invoke_event.data;
            break;
        case WPS_UP_STREAM_DATA:
            m.u.stream_data.has_data = 1;
            want = &m.u.stream_data.data;
            break;
        default:
            memset(&m.u, 1, sizeof m.u); /* whatever the bytes: no data */
            break;
        }
        CHECK(wps_upstream_data(&m) == want);
    }
    for (k = 0; k <= 12; k++) {
        const wps_data *want = NULL;
        memset(&d, 0, sizeof d);
        d.kind = (wps_down_kind)k;
        CHECK(wps_downstream_data(&d) == NULL);
        if (k == WPS_DOWN_DATA) {
            d.u.data.has_data = 1;
            want = &d.u.data.data;
        } else if (k == WPS_DOWN_INVOKE_RESPONSE) {
            d.u.invoke_response.has_data = 1;
            want = &d.u.invoke_response.data;
        } else {
            memset(&d.u, 1, sizeof d.u);
        }
        CHECK(wps_downstream_data(&d) == want);
    }
}

static void test_round_trip_of_decoded_maps(void)
{
    wps_upstream m, again;
    unsigned char out[128];
    size_t n, off, written;
    wps_map_iter a, b;
    wps_kv x, y;

    test_context("decoded map re-encoded");
    /* entries spread over two occurrences of the parent, one with its value
     * before its key and an unknown field inside: re-encoded canonically in
     * wire order */
    CHECK_STATUS(up("0a0d0a016732081201320a016218050a0532030a0163", &m, &n, &off), PBW_OK);
    CHECK_STATUS(wps_upstream_encode(&m, out, sizeof out, &written), PBW_OK);
    CHECK_STATUS(wps_upstream_decode(out, written, &again, 0, &off), PBW_OK);
    CHECK_EQ(again.u.send_to_group.metadata.count, 2);
    wps_map_begin(&a, &m.u.send_to_group.metadata);
    wps_map_begin(&b, &again.u.send_to_group.metadata);
    while (wps_map_next(&a, &x)) {
        CHECK(wps_map_next(&b, &y));
        CHECK_MEM(x.key.ptr, x.key.len, y.key.ptr, y.key.len);
        CHECK_MEM(x.value.ptr, x.value.len, y.value.ptr, y.value.len);
    }
    CHECK(!wps_map_next(&b, &y));
    /* canonical bytes: group, then b:2, then c:"" */
    {
        unsigned char want[64];
        size_t wn = test_unhex("0a120a016732060a016212013232050a01631200", want);
        CHECK_MEM(out, written, want, wn);
    }
}

static void test_flags_and_errors(void)
{
    wps_upstream m;
    size_t n, off;

    test_context("UTF-8 flag");
    n = test_unhex("0a060a04c0af6869", in);
    CHECK_STATUS(wps_upstream_decode(in, n, &m, 0, &off), PBW_E_UTF8);
    CHECK_EQ(off, 4);
    CHECK_EQ(m.kind, WPS_UP_NONE);
    CHECK_STATUS(wps_upstream_decode(in, n, &m, WPS_DECODE_NO_UTF8, &off), PBW_OK);
    CHECK_EQ(m.kind, WPS_UP_SEND_TO_GROUP);
    CHECK_EQ(m.u.send_to_group.group.len, 4);

    test_context("error resets the message");
    n = test_unhex("0a030a0161 0a", in); /* a valid member, then a cut field */
    CHECK_STATUS(wps_upstream_decode(in, n, &m, 0, &off), PBW_E_TRUNCATED);
    CHECK_EQ(off, 6);
    CHECK_EQ(m.kind, WPS_UP_NONE);
    CHECK_STATUS(wps_upstream_decode(in, n, &m, 0, NULL), PBW_E_TRUNCATED);
}

/* Every status code comes out of the public API somewhere: one way each. */
static void test_every_status(void)
{
    static const struct {
        const char *hex;
        pbw_status want;
    } decode_cases[] = {
        {"4a00", PBW_OK},
        {"0880", PBW_E_TRUNCATED},                           /* a varint cut short */
        {"08ffffffffffffffffffff01", PBW_E_VARINT},           /* 11-byte varint */
        {"0001", PBW_E_FIELD_ZERO},                           /* tag 00 */
        {"0f", PBW_E_WIRE_TYPE},                              /* wire type 7 */
        {"0a05", PBW_E_LENGTH},                               /* length past the end */
        {"0a8080808008", PBW_E_TOO_BIG},                      /* a 2^31 length */
        {"0c", PBW_E_END_GROUP},                              /* stray end-group */
        {"0b", PBW_E_OPEN_GROUP},                             /* group never closed */
        {"0a040a02c0af", PBW_E_UTF8},                         /* overlong '/' */
    };
    int seen[PBW_STATUS_COUNT] = {0};
    unsigned char buf[512], out[8];
    size_t i, n, off;
    wps_upstream m;
    wps_stream s;
    wps_stream_event ev;
    const uint8_t *p;
    pbw_status st;

    test_context("every status");
    for (i = 0; i < sizeof decode_cases / sizeof decode_cases[0]; i++) {
        n = test_unhex(decode_cases[i].hex, buf);
        st = wps_upstream_decode(buf, n, &m, 0, &off);
        CHECK_STATUS(st, decode_cases[i].want);
        seen[st] = 1;
    }
    /* 101 nested unknown groups: deeper than PBW_MAX_DEPTH */
    for (n = 0; n < 101; n++)
        buf[n] = 0x0b;
    st = wps_upstream_decode(buf, n, &m, 0, &off);
    CHECK_STATUS(st, PBW_E_DEPTH);
    seen[st] = 1;
    /* the streaming decoder needs more input */
    wps_stream_init_upstream(&s, &m, out, sizeof out, WPS_LEN_UNKNOWN, 0);
    p = buf;
    n = test_unhex("0a02", buf);
    st = wps_stream_next(&s, &p, buf + n, &ev);
    CHECK_STATUS(st, PBW_NEED_MORE);
    seen[st] = 1;
    /* encoding into too small a buffer, and an invalid kind */
    memset(&m, 0, sizeof m);
    m.kind = WPS_UP_PING;
    st = wps_upstream_encode(&m, out, 1, &n);
    CHECK_STATUS(st, PBW_E_NOSPACE);
    seen[st] = 1;
    m.kind = (wps_up_kind)3;
    st = wps_upstream_encode(&m, out, sizeof out, &n);
    CHECK_STATUS(st, PBW_E_ARG);
    seen[st] = 1;
    /* a json payload that is not JSON (the service core's validator) */
    st = wps_json_validate((const uint8_t *)"[1,]", 4, &off);
    CHECK_STATUS(st, PBW_E_JSON);
    seen[st] = 1;
    /* the json subprotocol's requests and renderings (wps_service.h §5) */
    {
        static const struct {
            const char *json;
            pbw_status want;
        } json_cases[] = {
            {"{\"type\":\"invokeResponse\"}", PBW_E_NO_RENDERING},
            {"{\"type\":1}", PBW_E_JSON_TYPE},
            {"{\"type\":\"joinGroup\"}", PBW_E_JSON_MISSING},
            {"{\"type\":\"ping\",\"type\":\"ping\"}", PBW_E_JSON_DUPLICATE},
            {"{\"type\":\"sequenceAck\",\"sequenceId\":-1}", PBW_E_RANGE},
            {"{\"type\":\"event\",\"event\":\"e\",\"dataType\":\"binary\",\"data\":\"A\"}",
             PBW_E_BASE64},
        };
        for (i = 0; i < sizeof json_cases / sizeof json_cases[0]; i++) {
            st = wps_json_request_parse((const uint8_t *)json_cases[i].json,
                                        strlen(json_cases[i].json), &m, NULL, 0, NULL, &off);
            CHECK_STATUS(st, json_cases[i].want);
            seen[st] = 1;
        }
    }
    for (i = 0; i < PBW_STATUS_COUNT; i++) {
        test_context("every status: %s", pbw_status_name((pbw_status)i));
        CHECK(seen[i]);
    }
}

void suite_messages(void)
{
    test_data_of();
    test_every_status();
    test_views_and_presence();
    test_oneof_and_merge();
    test_maps();
    test_encode_built();
    test_round_trip_of_decoded_maps();
    test_flags_and_errors();
}
