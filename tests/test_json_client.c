/* SPDX-License-Identifier: MIT */
/*
 * tests/test_json_client.c - the json subprotocols both ways (wps_service.h
 * section 5): every downstream rendering byte for byte, every request kind,
 * every error with its offset, the scratch buffer's rules, the size bound.
 * Part of tests/run.c (suite_json_client).  The official client's view of
 * the same code is tests/json_client/real_client.cjs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "../wps_service.h"
#include "../tools/wps_json.h"

static pbw_bytes S(const char *s)
{
    pbw_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = strlen(s);
    return b;
}

/* Renders m, checks size == written and that one byte less is NOSPACE. */
static void render_is(const wps_downstream *m, const char *want)
{
    uint8_t out[512];
    size_t size = 0, n = 0;
    CHECK_STATUS(wps_json_client_down_size(m, NULL, &size), PBW_OK);
    CHECK_STATUS(wps_json_client_down_write(m, NULL, out, sizeof out, &n), PBW_OK);
    CHECK_EQ(n, size);
    CHECK_MEM(out, n, want, strlen(want));
    if (size) {
        CHECK_STATUS(wps_json_client_down_write(m, NULL, out, size - 1, &n), PBW_E_NOSPACE);
        CHECK_EQ(n, size);
    }
    CHECK_STATUS(wps_json_validate(out, size, NULL), PBW_OK);
}

static void test_down(void)
{
    wps_downstream m;
    wps_kv kv[2];
    wps_group_state_item items[2];

    test_context("json down: ack");
    memset(&m, 0, sizeof m);
    m.kind = WPS_DOWN_ACK;
    m.u.ack.ack_id = 18446744073709551615u;
    render_is(&m, "{\"type\":\"ack\",\"ackId\":18446744073709551615,\"success\":false}");
    m.u.ack.ack_id = 1;
    m.u.ack.success = 1;
    m.u.ack.has_error = 1;
    m.u.ack.error.name = S("Forbidden");
    m.u.ack.error.message = S("no \"role\"");
    render_is(&m, "{\"type\":\"ack\",\"ackId\":1,\"success\":true,\"error\":{\"name\":\"Forbidden\","
                  "\"message\":\"no \\\"role\\\"\"}}");

    test_context("json down: system");
    memset(&m, 0, sizeof m);
    m.kind = WPS_DOWN_SYSTEM;
    m.u.system.kind = WPS_SYSTEM_CONNECTED;
    m.u.system.u.connected.connection_id = S("c1");
    m.u.system.u.connected.user_id = S("u");
    render_is(&m, "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u\",\"connectionId\":\"c1\"}");
    m.u.system.u.connected.has_reconnection_token = 1;
    m.u.system.u.connected.reconnection_token = S("tok");
    render_is(&m, "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u\",\"connectionId\":\"c1\","
                  "\"reconnectionToken\":\"tok\"}");
    memset(&m.u.system, 0, sizeof m.u.system);
    m.u.system.kind = WPS_SYSTEM_DISCONNECTED;
    m.u.system.u.disconnected.reason = S("bye\n");
    render_is(&m, "{\"type\":\"system\",\"event\":\"disconnected\",\"message\":\"bye\\n\"}");

    test_context("json down: pong, invoke response, streams");
    memset(&m, 0, sizeof m);
    m.kind = WPS_DOWN_PONG;
    render_is(&m, "{\"type\":\"pong\"}");
    memset(&m, 0, sizeof m);
    m.kind = WPS_DOWN_INVOKE_RESPONSE;
    m.u.invoke_response.invocation_id = S("i1");
    m.u.invoke_response.success = 1;
    m.u.invoke_response.has_data = 1;
    m.u.invoke_response.data.kind = WPS_DATA_BINARY;
    m.u.invoke_response.data.bytes = S("\x01\x02\x03");
    render_is(&m, "{\"type\":\"invokeResponse\",\"invocationId\":\"i1\",\"success\":true,"
                  "\"dataType\":\"binary\",\"data\":\"AQID\"}");
    memset(&m, 0, sizeof m);
    m.kind = WPS_DOWN_STREAM_ACK;
    m.u.stream_ack.stream_id = S("s");
    m.u.stream_ack.expected_sequence_id = 9007199254740993u;
    render_is(&m, "{\"type\":\"streamAck\",\"streamId\":\"s\",\"expectedSequenceId\":9007199254740993}");
    memset(&m, 0, sizeof m);
    m.kind = WPS_DOWN_STREAM_NACK;
    m.u.stream_nack.stream_id = S("s");
    m.u.stream_nack.name = S("n");
    m.u.stream_nack.message = S("m");
    m.u.stream_nack.expected_sequence_id = 3;
    render_is(&m, "{\"type\":\"streamNack\",\"streamId\":\"s\",\"name\":\"n\",\"message\":\"m\","
                  "\"expectedSequenceId\":3}");
    memset(&m, 0, sizeof m);
    m.kind = WPS_DOWN_STREAM_CLOSED;
    m.u.stream_closed.stream_id = S("s");
    m.u.stream_closed.has_error = 1;
    m.u.stream_closed.error.name = S("Idle");
    render_is(&m, "{\"type\":\"streamClosed\",\"streamId\":\"s\",\"error\":{\"name\":\"Idle\","
                  "\"message\":\"\"}}");

    test_context("json down: group state");
    memset(&m, 0, sizeof m);
    memset(items, 0, sizeof items);
    m.kind = WPS_DOWN_GROUP_STATE_SNAPSHOT;
    m.u.group_state_snapshot.group = S("g");
    m.u.group_state_snapshot.has_sequence_id = 1;
    m.u.group_state_snapshot.sequence_id = 7;
    kv[0].key = S("a");
    kv[0].value = S("1");
    kv[1].key = S("a");
    kv[1].value = S("2");
    items[0].connection_id = S("c");
    items[0].has_user_id = 1;
    items[0].user_id = S("u");
    items[0].has_state = 1;
    items[0].state.entries.entries = kv;
    items[0].state.entries.count = 2;
    items[0].updated_at = -5;
    items[1].connection_id = S("d");
    m.u.group_state_snapshot.items.items = items;
    m.u.group_state_snapshot.items.count = 2;
    render_is(&m, "{\"sequenceId\":7,\"type\":\"groupStateSnapshot\",\"group\":\"g\",\"items\":["
                  "{\"connectionId\":\"c\",\"userId\":\"u\",\"state\":{\"a\":\"1\",\"a\":\"2\"},"
                  "\"updatedAt\":-5},{\"connectionId\":\"d\",\"updatedAt\":0}]}");
    m.kind = WPS_DOWN_GROUP_STATE_UPDATE;
    m.u.group_state_update.has_sequence_id = 0;
    m.u.group_state_update.items.count = 0;
    render_is(&m, "{\"type\":\"groupStateUpdate\",\"group\":\"g\",\"items\":[]}");

    test_context("json down: errors");
    {
        size_t n = 99;
        uint8_t out[64];
        memset(&m, 0, sizeof m);
        CHECK_STATUS(wps_json_client_down_size(&m, NULL, &n), PBW_E_NO_RENDERING);
        CHECK_EQ(n, 0);
        m.kind = WPS_DOWN_SYSTEM;
        CHECK_STATUS(wps_json_client_down_write(&m, NULL, out, sizeof out, &n),
                     PBW_E_NO_RENDERING);
        m.kind = (wps_down_kind)42;
        CHECK_STATUS(wps_json_client_down_size(&m, NULL, &n), PBW_E_NO_RENDERING);
        memset(&m, 0, sizeof m);
        m.kind = WPS_DOWN_STREAM_ACK;
        m.u.stream_ack.stream_id.ptr = (const uint8_t *)"\xff";
        m.u.stream_ack.stream_id.len = 1;
        CHECK_STATUS(wps_json_client_down_size(&m, NULL, &n), PBW_E_UTF8);
        /* lengths whose rendering could not be counted in size_t: refused
         * before a byte is read */
        m.u.stream_ack.stream_id.len = SIZE_MAX / 4;
        CHECK_STATUS(wps_json_client_down_size(&m, NULL, &n), PBW_E_TOO_BIG);
        memset(&m, 0, sizeof m);
        m.kind = WPS_DOWN_DATA;
        m.u.data.from = S("server");
        m.u.data.has_data = 1;
        m.u.data.data.kind = WPS_DATA_BINARY;
        m.u.data.data.bytes.ptr = (const uint8_t *)"x";
        m.u.data.data.bytes.len = SIZE_MAX / 2;
        CHECK_STATUS(wps_json_client_down_size(&m, NULL, &n), PBW_E_TOO_BIG);
        m.u.data.data.kind = WPS_DATA_JSON;
        m.u.data.data.bytes = S("[1,");
        CHECK_STATUS(wps_json_client_down_size(&m, NULL, &n), PBW_E_JSON);
    }
}

/* Parses json; checks the status and offset. */
static pbw_status parse(const char *json, wps_upstream *m, uint8_t *scratch, size_t cap,
                        size_t *off)
{
    return wps_json_request_parse((const uint8_t *)json, strlen(json), m, scratch, cap, NULL,
                                  off);
}

static void fails(const char *json, pbw_status want, size_t want_off)
{
    wps_upstream m;
    uint8_t scratch[256];
    size_t off = 12345;
    test_context("json request %s", json);
    CHECK_STATUS(parse(json, &m, scratch, sizeof scratch, &off), want);
    CHECK_EQ(off, want_off);
    CHECK_EQ(m.kind, WPS_UP_NONE);
}

static void parses_to(const char *json, const char *want)
{
    wps_upstream m;
    uint8_t scratch[256];
    size_t off = 0;
    char *got;
    test_context("json request %s", json);
    CHECK_STATUS(parse(json, &m, scratch, sizeof scratch, &off), PBW_OK);
    CHECK_EQ(off, strlen(json));
    got = wps_json_of(0, &m);
    if (strcmp(got, want) != 0)
        test_fail_at(__FILE__, __LINE__, "got %s, want %s", got, want);
    else
        test_passed++;
    free(got);
}

static void test_up(void)
{
    wps_upstream m;
    uint8_t scratch[64];
    size_t off, used;
    const char *j;

    parses_to("{\"type\":\"joinGroup\",\"group\":\"g\",\"ackId\":1}",
              "{\"joinGroupMessage\": {\"group\": \"g\", \"ackId\": \"1\"}}");
    parses_to(" {\"group\":\"g\" , \"type\" : \"leaveGroup\",\"x\":[{}]} ",
              "{\"leaveGroupMessage\": {\"group\": \"g\"}}");
    parses_to("{\"type\":\"sendToGroup\",\"group\":\"g\",\"noEcho\":false,\"data\":{\"a\": 1}}",
              "{\"sendToGroupMessage\": {\"group\": \"g\", \"data\": {\"jsonData\": \"{\\\"a\\\": 1}\"}, "
              "\"noEcho\": false}}");
    parses_to("{\"type\":\"sendToGroup\",\"group\":\"g\",\"dataType\":\"protobuf\",\"data\":\"CgF0EgIIAQ==\","
              "\"stream\":{\"streamId\":\"s\",\"idleTimeoutMs\":4294967295}}",
              "{\"sendToGroupMessage\": {\"group\": \"g\", \"data\": {\"protobufData\": {\"typeUrl\": \"t\", "
              "\"value\": \"CAE=\"}}, \"stream\": {\"streamId\": \"s\", \"idleTimeoutMs\": 4294967295}}}");
    parses_to("{\"type\":\"event\",\"event\":\"e\\u00e9\\ud83d\\ude00\",\"dataType\":\"text\",\"data\":\"\\n\"}",
              "{\"eventMessage\": {\"event\": \"e\xc3\xa9\xf0\x9f\x98\x80\", \"data\": {\"textData\": \"\\n\"}}}");
    parses_to("{\"type\":\"sequenceAck\",\"sequenceId\":18446744073709551615}",
              "{\"sequenceAckMessage\": {\"sequenceId\": \"18446744073709551615\"}}");
    parses_to("{\"type\":\"ping\",\"ackId\":null}", "{\"pingMessage\": {}}");
    parses_to("{\"type\":\"invoke\",\"invocationId\":\"i\",\"target\":\"event\",\"event\":\"e\"}",
              "{\"invokeEventMessage\": {\"event\": \"e\", \"invocationId\": \"i\"}}");
    parses_to("{\"type\":\"cancelInvocation\",\"invocationId\":\"i\"}",
              "{\"cancelInvocationMessage\": {\"invocationId\": \"i\"}}");
    parses_to("{\"type\":\"streamData\",\"streamId\":\"s\",\"streamSequenceId\":0,\"dataType\":\"binary\",\"data\":\"\"}",
              "{\"streamDataMessage\": {\"streamId\": \"s\", \"streamSequenceId\": \"0\", \"data\": {\"binaryData\": \"\"}}}");
    parses_to("{\"type\":\"streamEnd\",\"streamId\":\"s\",\"error\":{\"userErrorCode\":\"u\"}}",
              "{\"streamEndMessage\": {\"streamId\": \"s\", \"error\": {\"userErrorCode\": \"u\"}}}");
    parses_to("{\"type\":\"setGroupState\",\"group\":\"g\",\"state\":{\"b\":\"2\",\"a\":\"1\"}}",
              "{\"setGroupStateMessage\": {\"group\": \"g\", \"state\": {\"entries\": {\"a\": \"1\", \"b\": \"2\"}}}}");
    parses_to("{\"type\":\"setGroupState\",\"group\":\"g\",\"state\":null}",
              "{\"setGroupStateMessage\": {\"group\": \"g\"}}");
    parses_to("{\"type\":\"subscribeGroupState\",\"group\":\"g\"}",
              "{\"subscribeGroupStateMessage\": {\"group\": \"g\"}}");
    parses_to("{\"type\":\"unsubscribeGroupState\",\"group\":\"g\",\"ackId\":0}",
              "{\"unsubscribeGroupStateMessage\": {\"group\": \"g\", \"ackId\": \"0\"}}");
    parses_to("{\"t\\u0079pe\":\"p\\u0069ng\"}", "{\"pingMessage\": {}}");

    /* every error, with its offset */
    fails("", PBW_E_JSON, 0);
    fails("{\"type\":\"ping\"", PBW_E_JSON, 14);
    fails("{\"type\":\"ping\"} x", PBW_E_JSON, 16);
    fails("{\"type\":\"p\xc3\x28\"}", PBW_E_UTF8, 10);
    fails("[1]", PBW_E_JSON_TYPE, 0);
    fails("{\"type\":7}", PBW_E_JSON_TYPE, 8);
    fails("{\"type\":\"nope\"}", PBW_E_JSON_TYPE, 8);
    fails("{\"type\":\"invokeResponse\"}", PBW_E_NO_RENDERING, 8);
    fails("{\"type\":\"joinGroup\"}", PBW_E_JSON_MISSING, 19);
    fails("{\"type\":\"joinGroup\",\"group\":null}", PBW_E_JSON_MISSING, 32);
    fails("{}", PBW_E_JSON_MISSING, 1);
    fails("{\"type\":\"joinGroup\",\"group\":1}", PBW_E_JSON_TYPE, 28);
    fails("{\"type\":\"ping\",\"type\":\"ping\"}", PBW_E_JSON_DUPLICATE, 15);
    fails("{\"type\":\"setGroupState\",\"group\":\"g\",\"state\":{\"a\":\"1\",\"\\u0061\":\"2\"}}",
          PBW_E_JSON_DUPLICATE, 44);
    fails("{\"type\":\"setGroupState\",\"group\":\"g\",\"state\":{\"a\":1}}", PBW_E_JSON_TYPE, 49);
    fails("{\"type\":\"sequenceAck\",\"sequenceId\":18446744073709551616}", PBW_E_RANGE, 35);
    fails("{\"type\":\"sequenceAck\",\"sequenceId\":1e3}", PBW_E_RANGE, 35);
    fails("{\"type\":\"sequenceAck\",\"sequenceId\":-0}", PBW_E_RANGE, 35);
    fails("{\"type\":\"sequenceAck\",\"sequenceId\":\"1\"}", PBW_E_JSON_TYPE, 35);
    fails("{\"type\":\"sendToGroup\",\"group\":\"g\",\"stream\":{\"streamId\":\"s\",\"idleTimeoutMs\":4294967296}}",
          PBW_E_RANGE, 75);
    fails("{\"type\":\"sendToGroup\",\"group\":\"g\",\"stream\":{}}", PBW_E_JSON_MISSING, 44);
    fails("{\"type\":\"sendToGroup\",\"group\":\"g\",\"noEcho\":1}", PBW_E_JSON_TYPE, 43);
    fails("{\"type\":\"sendToGroup\",\"group\":\"g\",\"dataType\":\"text\"}", PBW_E_JSON_MISSING, 51);
    fails("{\"type\":\"sendToGroup\",\"group\":\"g\",\"dataType\":\"xml\",\"data\":1}", PBW_E_JSON_TYPE, 45);
    fails("{\"type\":\"sendToGroup\",\"group\":\"g\",\"dataType\":\"text\",\"data\":1}", PBW_E_JSON_TYPE, 59);
    fails("{\"type\":\"event\",\"event\":\"e\",\"dataType\":\"binary\",\"data\":\"AR==\"}", PBW_E_BASE64, 55);
    fails("{\"type\":\"event\",\"event\":\"e\",\"dataType\":\"binary\",\"data\":\"AQI\"}", PBW_E_BASE64, 55);
    fails("{\"type\":\"event\",\"event\":\"e\",\"dataType\":\"binary\",\"data\":\"A-==\"}", PBW_E_BASE64, 55);
    fails("{\"type\":\"event\",\"event\":\"e\",\"dataType\":\"protobuf\",\"data\":\"CgV0\"}", PBW_E_LENGTH, 57);
    fails("{\"type\":\"invoke\",\"invocationId\":\"i\",\"target\":\"group\"}", PBW_E_JSON_TYPE, 45);
    fails("{\"type\":\"joinGroup\",\"group\":\"\\udc00\"}", PBW_E_UTF8, 29);
    fails("{\"type\":\"joinGroup\",\"group\":\"\\ud800x\"}", PBW_E_UTF8, 29);

    test_context("json request: memory");
    /* no escapes: views into the frame, no scratch at all */
    j = "{\"type\":\"joinGroup\",\"group\":\"abc\"}";
    CHECK_STATUS(wps_json_request_parse((const uint8_t *)j, strlen(j), &m, NULL, 0, &used, &off),
                 PBW_OK);
    CHECK(m.u.join_group.group.ptr == (const uint8_t *)j + 29);
    CHECK_EQ(used, 0);
    /* escapes and base64 in the scratch buffer; too small: NOSPACE */
    j = "{\"type\":\"event\",\"event\":\"a\\nb\",\"dataType\":\"binary\",\"data\":\"AQID\"}";
    CHECK_STATUS(wps_json_request_parse((const uint8_t *)j, strlen(j), &m, scratch, sizeof scratch,
                                        &used, &off),
                 PBW_OK);
    CHECK_EQ(used, 6);
    CHECK(m.u.event.event.ptr == scratch);
    CHECK_VIEW(m.u.event.event, "a\nb");
    CHECK_MEM(m.u.event.data.bytes.ptr, m.u.event.data.bytes.len, "\x01\x02\x03", 3);
    CHECK_STATUS(wps_json_request_parse((const uint8_t *)j, strlen(j), &m, scratch, 5, &used, &off),
                 PBW_E_NOSPACE);
    CHECK_EQ(off, 58);
    CHECK_STATUS(wps_json_request_parse((const uint8_t *)j, strlen(j), &m, scratch, 2, &used, &off),
                 PBW_E_NOSPACE);
    CHECK_EQ(off, 24);
    /* state entries at the end of the scratch, aligned */
    j = "{\"type\":\"setGroupState\",\"group\":\"g\",\"state\":{\"k\":\"v\"}}";
    CHECK_STATUS(wps_json_request_parse((const uint8_t *)j, strlen(j), &m, scratch + 1,
                                        sizeof scratch - 1, &used, &off),
                 PBW_OK);
    CHECK_EQ(m.u.set_group_state.state.entries.count, 1);
    CHECK((uintptr_t)m.u.set_group_state.state.entries.entries % sizeof(void *) == 0);
    CHECK_STATUS(wps_json_request_parse((const uint8_t *)j, strlen(j), &m, scratch,
                                        sizeof(wps_kv) - 1, &used, &off),
                 PBW_E_NOSPACE);
    CHECK_STATUS(wps_json_request_parse(NULL, 3, &m, NULL, 0, NULL, &off), PBW_E_ARG);
    /* an empty state needs no scratch; a state with entries does */
    j = "{\"type\":\"setGroupState\",\"group\":\"g\",\"state\":{}}";
    CHECK_STATUS(wps_json_request_parse((const uint8_t *)j, strlen(j), &m, NULL, 0, &used, &off),
                 PBW_OK);
    CHECK(m.u.set_group_state.has_state);
    CHECK_EQ(m.u.set_group_state.state.entries.count, 0);
    CHECK_EQ(used, 0);
    j = "{\"type\":\"setGroupState\",\"group\":\"g\",\"state\":{\"k\":\"v\"}}";
    CHECK_STATUS(wps_json_request_parse((const uint8_t *)j, strlen(j), &m, NULL, 0, &used, &off),
                 PBW_E_NOSPACE);
    CHECK_EQ(off, 44);
}

void suite_json_client(void)
{
    test_down();
    test_up();
}
