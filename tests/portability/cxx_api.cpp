/* SPDX-License-Identifier: MIT */
// The public API used from C++ (built by `make portability` with g++ and
// clang++, -Wall -Wextra -Wpedantic -Werror, linked with the library built
// as C).  Beyond tests/compile_cxx.cpp: the headers next to the standard
// C++ headers, the X-macro status list, PBW_UTF8_INIT, WPS_HEAD_TAIL_MAX as
// an array bound, caller-built maps and items, every encoder, the
// iterators, and the streaming decoder fed one byte at a time.
// Exits 0 when every check holds.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../../pbwire.h"
#include "../../wps_messages.h"

namespace {

int passed, failed;

void check(bool ok, const char *what, int line)
{
    if (ok) {
        ++passed;
    } else {
        ++failed;
        std::fprintf(stderr, "FAIL cxx_api.cpp:%d: %s\n", line, what);
    }
}
#define CHECK(cond) check((cond), #cond, __LINE__)

pbw_bytes view(const std::string &s)
{
    pbw_bytes b;
    b.ptr = reinterpret_cast<const uint8_t *>(s.data());
    b.len = s.size();
    return b;
}

std::string str(pbw_bytes b)
{
    return b.len ? std::string(reinterpret_cast<const char *>(b.ptr), b.len) : std::string();
}

typedef std::vector<uint8_t> bytes;

// The status codes, expanded from the header's X-macro in C++.
struct status_name {
    pbw_status status;
    const char *name;
};
#define STATUS_ROW(name, value, text) {name, #name},
const status_name statuses[] = {PBW_STATUS_LIST(STATUS_ROW)};
#undef STATUS_ROW

void wire()
{
    uint8_t buf[PBW_VARINT_MAX];
    uint8_t *end = pbw_write_varint(buf, 300);
    const uint8_t *p = buf;
    uint64_t v = 0;
    CHECK(end - buf == 2 && pbw_varint_size(300) == 2);
    CHECK(pbw_read_varint64(&p, end, &v) == PBW_OK && v == 300 && p == end);

    // An unknown group {field 2 = 1} skipped whole.
    const uint8_t group[] = {0x0b, 0x10, 0x01, 0x0c};
    const uint8_t *q = group, *err = NULL;
    CHECK(pbw_skip_field(&q, group + sizeof group, PBW_MAX_DEPTH, &err) == PBW_OK &&
          q == group + sizeof group);

    // UTF-8 fed in two pieces that split a character, then a bad byte.
    const std::string text = "h\xc3\xa9llo";
    pbw_utf8 u = PBW_UTF8_INIT;
    const uint8_t *t = reinterpret_cast<const uint8_t *>(text.data());
    CHECK(pbw_utf8_feed(&u, t, 2) == 2 && !pbw_utf8_finish(&u));
    CHECK(pbw_utf8_feed(&u, t + 2, text.size() - 2) == text.size() - 2 && pbw_utf8_finish(&u));
    const uint8_t bad[] = {'a', 0xc0, 0x80};
    size_t at = 0;
    CHECK(!pbw_utf8_valid(bad, sizeof bad, &at) && at == 1);

    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        CHECK(std::strcmp(pbw_status_name(statuses[i].status), statuses[i].name) == 0 &&
              pbw_strerror(statuses[i].status)[0] != '\0');
    CHECK(sizeof statuses / sizeof statuses[0] == PBW_STATUS_COUNT);
}

void upstream()
{
    const std::string group = "chat", text = "hello", k1 = "a", v1 = "1", k2 = "b", v2 = "2";
    const wps_kv meta[] = {{view(k1), view(v1)}, {view(k2), view(v2)}};
    wps_upstream m = wps_upstream();
    m.kind = WPS_UP_SEND_TO_GROUP;
    wps_send_to_group &s = m.u.send_to_group;
    s.group = view(group);
    s.has_ack_id = 1;
    s.ack_id = 0; // a real ack id
    s.has_data = 1;
    s.data.kind = WPS_DATA_TEXT;
    s.data.bytes = view(text);
    s.metadata.entries = meta;
    s.metadata.count = 2;

    size_t n = wps_upstream_size(&m), written = 0;
    bytes out(n);
    CHECK(wps_upstream_encode(&m, out.data(), n - 1, &written) == PBW_E_NOSPACE && written == n);
    CHECK(wps_upstream_encode(&m, out.data(), n, &written) == PBW_OK && written == n);

    wps_upstream d;
    size_t off = 0;
    CHECK(wps_upstream_decode(out.data(), out.size(), &d, 0, &off) == PBW_OK && off == n);
    CHECK(d.kind == WPS_UP_SEND_TO_GROUP);
    const wps_send_to_group &r = d.u.send_to_group;
    CHECK(str(r.group) == group && r.has_ack_id && r.ack_id == 0);
    CHECK(r.has_data && r.data.kind == WPS_DATA_TEXT && str(r.data.bytes) == text);
    CHECK(r.data.bytes.ptr >= out.data() && r.data.bytes.ptr < out.data() + n); // zero copy

    wps_map_iter it;
    wps_kv kv;
    std::string seen;
    wps_map_begin(&it, &r.metadata);
    while (wps_map_next(&it, &kv))
        seen += str(kv.key) + "=" + str(kv.value) + ";";
    CHECK(seen == "a=1;b=2;");
    pbw_bytes value;
    CHECK(wps_map_find(&r.metadata, reinterpret_cast<const uint8_t *>("b"), 1, &value) &&
          str(value) == v2);

    // The decoded struct encodes back to the same bytes.
    bytes again(n);
    CHECK(wps_upstream_encode(&d, again.data(), n, &written) == PBW_OK && again == out);

    // A truncated frame: rejected, the struct reset.
    CHECK(wps_upstream_decode(out.data(), n - 1, &d, 0, &off) != PBW_OK && d.kind == WPS_UP_NONE);
}

void items()
{
    const std::string group = "room", c1 = "conn1", c2 = "conn2", user = "u", k = "mood", v = "ok";
    const wps_kv state[] = {{view(k), view(v)}};
    wps_group_state_item list[2] = {};
    list[0].connection_id = view(c1);
    list[0].has_user_id = 1;
    list[0].user_id = view(user);
    list[0].has_state = 1;
    list[0].state.entries.entries = state;
    list[0].state.entries.count = 1;
    list[0].updated_at = -5;
    list[1].connection_id = view(c2);

    wps_downstream m = wps_downstream();
    m.kind = WPS_DOWN_GROUP_STATE_SNAPSHOT;
    wps_group_state_list &g = m.u.group_state_snapshot;
    g.group = view(group);
    g.items.items = list;
    g.items.count = 2;
    g.has_sequence_id = 1;
    g.sequence_id = 9;

    size_t n = wps_downstream_size(&m), written = 0, off = 0;
    bytes out(n);
    CHECK(wps_downstream_encode(&m, out.data(), n, &written) == PBW_OK && written == n);
    wps_downstream d;
    CHECK(wps_downstream_decode(out.data(), n, &d, 0, &off) == PBW_OK);
    CHECK(d.kind == WPS_DOWN_GROUP_STATE_SNAPSHOT && d.u.group_state_snapshot.items.count == 2);

    wps_items_iter it;
    wps_group_state_item item;
    int count = 0;
    wps_items_begin(&it, &d.u.group_state_snapshot.items);
    while (wps_items_next(&it, &item)) {
        if (count++ == 0) {
            wps_map_iter mi;
            wps_kv kv;
            CHECK(str(item.connection_id) == c1 && item.has_user_id && str(item.user_id) == user);
            CHECK(item.updated_at == -5 && item.has_state);
            wps_map_begin(&mi, &item.state.entries);
            CHECK(wps_map_next(&mi, &kv) && str(kv.key) == k && str(kv.value) == v);
            CHECK(!wps_map_next(&mi, &kv));
        } else {
            CHECK(str(item.connection_id) == c2 && !item.has_user_id && !item.has_state);
        }
    }
    CHECK(count == 2);
}

// Split encoding, then the same frame through the streaming decoder one
// byte at a time.
void split_and_stream()
{
    const std::string from = "group", group = "chat", payload(300, 'x');
    wps_downstream m = wps_downstream();
    m.kind = WPS_DOWN_DATA;
    wps_data_message &dm = m.u.data;
    dm.from = view(from);
    dm.has_group = 1;
    dm.group = view(group);
    dm.has_data = 1;
    dm.data.kind = WPS_DATA_BINARY;
    dm.data.bytes = view(payload);

    size_t n = wps_downstream_size(&m), written = 0, head = 0, tail = 0;
    bytes full(n);
    CHECK(wps_downstream_encode(&m, full.data(), n, &written) == PBW_OK);

    uint8_t ht[WPS_HEAD_TAIL_MAX(5 + 4, 0, 0)];
    CHECK(wps_downstream_encode_split(&m, ht, sizeof ht, &head, &tail) == PBW_OK);
    bytes joined(ht, ht + head);
    joined.insert(joined.end(), payload.begin(), payload.end());
    joined.insert(joined.end(), ht + head, ht + head + tail);
    CHECK(joined == full);

    wps_downstream d;
    wps_stream s;
    uint8_t scratch[64];
    std::string got;
    bool done = false;
    wps_stream_event ev;
    wps_stream_init_downstream(&s, &d, scratch, sizeof scratch, full.size(), 0);
    for (size_t i = 0; i <= full.size() && !done; i++) {
        const uint8_t *p = i < full.size() ? &full[i] : NULL;
        const uint8_t *end = p ? p + 1 : NULL;
        pbw_status st = PBW_E_ARG;
        while (!done && (st = wps_stream_next(&s, &p, end, &ev)) == PBW_OK) {
            switch (ev.type) {
            case WPS_EV_PAYLOAD_BEGIN:
            case WPS_EV_PAYLOAD_DISCARD:
                got.clear();
                break;
            case WPS_EV_PAYLOAD_CHUNK:
                got += str(ev.chunk);
                break;
            case WPS_EV_PAYLOAD_END:
                CHECK(ev.kind == WPS_DATA_BINARY && ev.data == &d.u.data.data);
                break;
            case WPS_EV_MESSAGE_END:
                done = true;
                break;
            }
        }
        if (!done)
            CHECK(st == PBW_NEED_MORE);
    }
    CHECK(done && got == payload && wps_stream_offset(&s) == full.size());
    CHECK(d.kind == WPS_DOWN_DATA && str(d.u.data.from) == from && str(d.u.data.group) == group);
    CHECK(d.u.data.data.bytes.ptr == NULL && d.u.data.data.bytes.len == payload.size());

    // Unknown length: finish() completes the message.
    wps_stream_init_downstream(&s, &d, scratch, sizeof scratch, WPS_LEN_UNKNOWN, WPS_DECODE_NO_UTF8);
    const uint8_t *p = full.data();
    while (wps_stream_next(&s, &p, full.data() + full.size(), &ev) == PBW_OK) {
    }
    pbw_status st;
    while ((st = wps_stream_finish(&s, &ev)) == PBW_OK && ev.type != WPS_EV_MESSAGE_END) {
    }
    CHECK(st == PBW_OK && ev.type == WPS_EV_MESSAGE_END && d.kind == WPS_DOWN_DATA);
}

} // namespace

int main()
{
    wire();
    upstream();
    items();
    split_and_stream();
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
