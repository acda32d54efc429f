/* SPDX-License-Identifier: MIT */
// bench/peers/col_protozero.cc - protozero (Debian's libprotozero-dev,
// header-only): what a protozero user writes to extract the fields our
// decoder extracts, and to write them back.
//
//   protozero.decode  a hand-written pull loop (pbf_reader) over the whole
//                     schema: every field of the message is visited, every
//                     sub-message descended into (map entries, Any and empty
//                     messages included), strings and bytes taken as
//                     zero-copy views (get_view), scalars read, unknown
//                     fields and known fields of the wrong wire type skipped,
//                     no UTF-8 checks.  Output: our wps_* structs (the same
//                     fields ours.decode fills), maps and group-state items
//                     as arrays of views in a per-message pool.
//   protozero.encode  pbf_writer (into a fixed_size_buffer_adaptor over one
//                     output buffer) from those structs: nested writers for
//                     sub-messages (protozero reserves 5 bytes for the length
//                     and closes the gap afterwards), fields in field-number
//                     order, proto3 defaults omitted.
//
// The verification decodes every message with protozero.decode, then
// encodes it with protozero.encode AND with wps_*_encode: both must give the
// corpus bytes back (so the loop really extracted every field).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <protozero/basic_pbf_writer.hpp>
#include <protozero/buffer_fixed.hpp>
#include <protozero/pbf_reader.hpp>

#include "../../wps_messages.h"
#include "harness.h"

namespace {

using protozero::pbf_reader;
using WT = protozero::pbf_wire_type;
using W = protozero::basic_pbf_writer<protozero::fixed_size_buffer_adaptor>;

constexpr uint32_t LD(uint32_t f) { return protozero::tag_and_type(f, WT::length_delimited); }
constexpr uint32_t VI(uint32_t f) { return protozero::tag_and_type(f, WT::varint); }

// ---------------------------------------------------------------- decode

// Maps and repeated items are collected into a pool (reset per message).
constexpr size_t POOL_KV = 1024, POOL_ITEMS = 256;
struct pool {
    wps_kv kv[POOL_KV];
    size_t nkv;
    wps_group_state_item item[POOL_ITEMS];
    size_t nitem;
};
pool g_pool;

struct pz_error {};

inline pbw_bytes view(pbf_reader &r)
{
    protozero::data_view v = r.get_view();
    return pbw_bytes{reinterpret_cast<const uint8_t *>(v.data()), v.size()};
}

// A map entry (or a group-state item) appended to the map's run of the
// pool.  The corpus never interleaves two maps' entries; a message that
// does is refused (a real user would collect into per-map containers).
void kv_entry(pbf_reader r, wps_map *m, pool &p)
{
    if (p.nkv == POOL_KV || (m->count && m->entries + m->count != p.kv + p.nkv))
        throw pz_error{};
    wps_kv *kv = &p.kv[p.nkv++];
    kv->key = pbw_bytes{nullptr, 0};
    kv->value = pbw_bytes{nullptr, 0};
    if (!m->count)
        m->entries = kv;
    m->count++;
    while (r.next()) {
        switch (r.tag_and_type()) {
        case LD(1): kv->key = view(r); break;
        case LD(2): kv->value = view(r); break;
        default: r.skip();
        }
    }
}

void group_state(pbf_reader r, wps_group_state *g, pool &p)
{
    while (r.next()) {
        if (r.tag_and_type() == LD(1))
            kv_entry(r.get_message(), &g->entries, p);
        else
            r.skip();
    }
}

void msg_data(pbf_reader r, wps_data *d)
{
    while (r.next()) {
        switch (r.tag_and_type()) {
        case LD(1): d->kind = WPS_DATA_TEXT; d->bytes = view(r); d->type_url = pbw_bytes{nullptr, 0}; break;
        case LD(2): d->kind = WPS_DATA_BINARY; d->bytes = view(r); d->type_url = pbw_bytes{nullptr, 0}; break;
        case LD(4): d->kind = WPS_DATA_JSON; d->bytes = view(r); d->type_url = pbw_bytes{nullptr, 0}; break;
        case LD(3): {
            if (d->kind != WPS_DATA_PROTOBUF) {
                d->kind = WPS_DATA_PROTOBUF;
                d->bytes = d->type_url = pbw_bytes{nullptr, 0};
            }
            pbf_reader a = r.get_message();
            while (a.next()) {
                switch (a.tag_and_type()) {
                case LD(1): d->type_url = view(a); break;
                case LD(2): d->bytes = view(a); break;
                default: a.skip();
                }
            }
            break;
        }
        default: r.skip();
        }
    }
}

// A MessageData field: keep its raw bytes (one occurrence) and decode it.
void data_field(pbf_reader &r, wps_data *d, uint8_t *has)
{
    pbw_bytes raw = view(r);
    d->raw = *has ? pbw_bytes{nullptr, 0} : raw;
    *has = 1;
    msg_data(pbf_reader(reinterpret_cast<const char *>(raw.ptr), raw.len), d);
}

void stream_start(pbf_reader r, wps_stream_start *s)
{
    while (r.next()) {
        switch (r.tag_and_type()) {
        case LD(1): s->stream_id = view(r); break;
        case VI(2): s->idle_timeout_ms = r.get_uint32(); s->has_idle_timeout_ms = 1; break;
        default: r.skip();
        }
    }
}

void skip_all(pbf_reader r)
{
    while (r.next())
        r.skip();
}

void group_request(pbf_reader r, wps_group_request *g)
{
    while (r.next()) {
        switch (r.tag_and_type()) {
        case LD(1): g->group = view(r); break;
        case VI(2): g->ack_id = r.get_uint64(); g->has_ack_id = 1; break;
        default: r.skip();
        }
    }
}

template <class T> inline T *select(int &kind, int k, T *member)
{
    if (kind != k) {
        memset(member, 0, sizeof *member);
        kind = k;
    }
    return member;
}

void upstream(const uint8_t *buf, size_t len, wps_upstream *m, pool &p)
{
    pbf_reader r(reinterpret_cast<const char *>(buf), len);
    int kind = WPS_UP_NONE;
    while (r.next()) {
        if (r.wire_type() != WT::length_delimited) {
            r.skip();
            continue;
        }
        switch (r.tag()) {
        case 1: {
            wps_send_to_group *s = select(kind, WPS_UP_SEND_TO_GROUP, &m->u.send_to_group);
            pbf_reader q = r.get_message();
            while (q.next()) {
                switch (q.tag_and_type()) {
                case LD(1): s->group = view(q); break;
                case VI(2): s->ack_id = q.get_uint64(); s->has_ack_id = 1; break;
                case LD(3): data_field(q, &s->data, &s->has_data); break;
                case VI(4): s->no_echo = q.get_bool(); s->has_no_echo = 1; break;
                case VI(5): s->ttl_seconds = q.get_uint32(); s->has_ttl_seconds = 1; break;
                case LD(6): kv_entry(q.get_message(), &s->metadata, p); break;
                case LD(7): s->has_stream = 1; stream_start(q.get_message(), &s->stream); break;
                default: q.skip();
                }
            }
            break;
        }
        case 5: {
            wps_event_message *e = select(kind, WPS_UP_EVENT, &m->u.event);
            pbf_reader q = r.get_message();
            while (q.next()) {
                switch (q.tag_and_type()) {
                case LD(1): e->event = view(q); break;
                case LD(2): data_field(q, &e->data, &e->has_data); break;
                case VI(3): e->ack_id = q.get_uint64(); e->has_ack_id = 1; break;
                case LD(4): kv_entry(q.get_message(), &e->metadata, p); break;
                case LD(5): e->has_stream = 1; stream_start(q.get_message(), &e->stream); break;
                default: q.skip();
                }
            }
            break;
        }
        case 6: group_request(r.get_message(), select(kind, WPS_UP_JOIN_GROUP, &m->u.join_group)); break;
        case 7: group_request(r.get_message(), select(kind, WPS_UP_LEAVE_GROUP, &m->u.leave_group)); break;
        case 16:
            group_request(r.get_message(),
                          select(kind, WPS_UP_SUBSCRIBE_GROUP_STATE, &m->u.subscribe_group_state));
            break;
        case 17:
            group_request(r.get_message(),
                          select(kind, WPS_UP_UNSUBSCRIBE_GROUP_STATE, &m->u.unsubscribe_group_state));
            break;
        case 8: {
            wps_sequence_ack *a = select(kind, WPS_UP_SEQUENCE_ACK, &m->u.sequence_ack);
            pbf_reader q = r.get_message();
            while (q.next()) {
                if (q.tag_and_type() == VI(1))
                    a->sequence_id = q.get_uint64();
                else
                    q.skip();
            }
            break;
        }
        case 9:
            kind = WPS_UP_PING;
            skip_all(r.get_message());
            break;
        case 10: {
            wps_invoke_event *e = select(kind, WPS_UP_INVOKE_EVENT, &m->u.invoke_event);
            pbf_reader q = r.get_message();
            while (q.next()) {
                switch (q.tag_and_type()) {
                case LD(1): e->event = view(q); break;
                case LD(2): e->invocation_id = view(q); break;
                case LD(3): data_field(q, &e->data, &e->has_data); break;
                case LD(4): kv_entry(q.get_message(), &e->metadata, p); break;
                case LD(5): e->has_stream = 1; stream_start(q.get_message(), &e->stream); break;
                default: q.skip();
                }
            }
            break;
        }
        case 11: {
            wps_cancel_invocation *ci = select(kind, WPS_UP_CANCEL_INVOCATION, &m->u.cancel_invocation);
            pbf_reader q = r.get_message();
            while (q.next()) {
                if (q.tag_and_type() == LD(1))
                    ci->invocation_id = view(q);
                else
                    q.skip();
            }
            break;
        }
        case 13: {
            wps_stream_data *s = select(kind, WPS_UP_STREAM_DATA, &m->u.stream_data);
            pbf_reader q = r.get_message();
            while (q.next()) {
                switch (q.tag_and_type()) {
                case LD(1): s->stream_id = view(q); break;
                case VI(2): s->stream_sequence_id = q.get_uint64(); s->has_stream_sequence_id = 1; break;
                case LD(3): data_field(q, &s->data, &s->has_data); break;
                default: q.skip();
                }
            }
            break;
        }
        case 14: {
            wps_stream_end *s = select(kind, WPS_UP_STREAM_END, &m->u.stream_end);
            pbf_reader q = r.get_message();
            while (q.next()) {
                switch (q.tag_and_type()) {
                case LD(1): s->stream_id = view(q); break;
                case LD(2): {
                    s->has_error = 1;
                    pbf_reader e = q.get_message();
                    while (e.next()) {
                        switch (e.tag_and_type()) {
                        case LD(1): s->error.message = view(e); s->error.has_message = 1; break;
                        case LD(2): s->error.user_error_code = view(e); s->error.has_user_error_code = 1; break;
                        default: e.skip();
                        }
                    }
                    break;
                }
                default: q.skip();
                }
            }
            break;
        }
        case 15: {
            wps_set_group_state *s = select(kind, WPS_UP_SET_GROUP_STATE, &m->u.set_group_state);
            pbf_reader q = r.get_message();
            while (q.next()) {
                switch (q.tag_and_type()) {
                case LD(1): s->group = view(q); break;
                case VI(2): s->ack_id = q.get_uint64(); s->has_ack_id = 1; break;
                case LD(3): s->has_state = 1; group_state(q.get_message(), &s->state, p); break;
                default: q.skip();
                }
            }
            break;
        }
        default: r.skip();
        }
    }
    m->kind = static_cast<wps_up_kind>(kind);
}

void error_msg(pbf_reader r, wps_error *e)
{
    while (r.next()) {
        switch (r.tag_and_type()) {
        case LD(1): e->name = view(r); break;
        case LD(2): e->message = view(r); break;
        default: r.skip();
        }
    }
}

void group_state_item(pbf_reader r, wps_items *items, pool &p)
{
    if (p.nitem == POOL_ITEMS || (items->count && items->items + items->count != p.item + p.nitem))
        throw pz_error{};
    wps_group_state_item *it = &p.item[p.nitem++];
    memset(it, 0, sizeof *it);
    if (!items->count)
        items->items = it;
    items->count++;
    while (r.next()) {
        switch (r.tag_and_type()) {
        case LD(1): it->connection_id = view(r); break;
        case LD(2): it->user_id = view(r); it->has_user_id = 1; break;
        case LD(3): it->has_state = 1; group_state(r.get_message(), &it->state, p); break;
        case VI(4): it->updated_at = r.get_int64(); break;
        default: r.skip();
        }
    }
}

void group_state_list(pbf_reader r, wps_group_state_list *g, pool &p)
{
    while (r.next()) {
        switch (r.tag_and_type()) {
        case LD(1): g->group = view(r); break;
        case LD(2): group_state_item(r.get_message(), &g->items, p); break;
        case VI(3): g->sequence_id = r.get_uint64(); g->has_sequence_id = 1; break;
        default: r.skip();
        }
    }
}

void downstream(const uint8_t *buf, size_t len, wps_downstream *m, pool &p)
{
    pbf_reader r(reinterpret_cast<const char *>(buf), len);
    int kind = WPS_DOWN_NONE;
    while (r.next()) {
        if (r.wire_type() != WT::length_delimited) {
            r.skip();
            continue;
        }
        switch (r.tag()) {
        case 1: {
            wps_ack *a = select(kind, WPS_DOWN_ACK, &m->u.ack);
            pbf_reader q = r.get_message();
            while (q.next()) {
                switch (q.tag_and_type()) {
                case VI(1): a->ack_id = q.get_uint64(); break;
                case VI(2): a->success = q.get_bool(); break;
                case LD(3): a->has_error = 1; error_msg(q.get_message(), &a->error); break;
                default: q.skip();
                }
            }
            break;
        }
        case 2: {
            wps_data_message *d = select(kind, WPS_DOWN_DATA, &m->u.data);
            pbf_reader q = r.get_message();
            while (q.next()) {
                switch (q.tag_and_type()) {
                case LD(1): d->from = view(q); break;
                case LD(2): d->group = view(q); d->has_group = 1; break;
                case LD(3): data_field(q, &d->data, &d->has_data); break;
                case VI(4): d->sequence_id = q.get_uint64(); d->has_sequence_id = 1; break;
                case LD(5): kv_entry(q.get_message(), &d->metadata, p); break;
                case LD(6): {
                    d->has_stream = 1;
                    wps_stream_info *s = &d->stream;
                    pbf_reader t = q.get_message();
                    while (t.next()) {
                        switch (t.tag_and_type()) {
                        case LD(1): s->stream_id = view(t); break;
                        case VI(2): s->stream_sequence_id = t.get_uint64(); break;
                        case VI(3): s->end_of_stream = t.get_bool(); s->has_end_of_stream = 1; break;
                        case LD(4): {
                            s->has_error = 1;
                            pbf_reader e = t.get_message();
                            while (e.next()) {
                                switch (e.tag_and_type()) {
                                case LD(1): s->error.name = view(e); break;
                                case LD(2): s->error.message = view(e); break;
                                case LD(3): s->error.user_error_code = view(e); break;
                                default: e.skip();
                                }
                            }
                            break;
                        }
                        default: t.skip();
                        }
                    }
                    break;
                }
                default: q.skip();
                }
            }
            break;
        }
        case 3: {
            wps_system *s = select(kind, WPS_DOWN_SYSTEM, &m->u.system);
            int sk = s->kind;
            pbf_reader q = r.get_message();
            while (q.next()) {
                switch (q.tag_and_type()) {
                case LD(1): {
                    wps_connected *cn = select(sk, WPS_SYSTEM_CONNECTED, &s->u.connected);
                    pbf_reader t = q.get_message();
                    while (t.next()) {
                        switch (t.tag_and_type()) {
                        case LD(1): cn->connection_id = view(t); break;
                        case LD(2): cn->user_id = view(t); break;
                        case LD(3): cn->reconnection_token = view(t); cn->has_reconnection_token = 1; break;
                        default: t.skip();
                        }
                    }
                    break;
                }
                case LD(2): {
                    wps_disconnected *dc = select(sk, WPS_SYSTEM_DISCONNECTED, &s->u.disconnected);
                    pbf_reader t = q.get_message();
                    while (t.next()) {
                        if (t.tag_and_type() == LD(2))
                            dc->reason = view(t);
                        else
                            t.skip();
                    }
                    break;
                }
                default: q.skip();
                }
            }
            s->kind = static_cast<wps_system_kind>(sk);
            break;
        }
        case 4:
            kind = WPS_DOWN_PONG;
            skip_all(r.get_message());
            break;
        case 5: {
            wps_invoke_response *v = select(kind, WPS_DOWN_INVOKE_RESPONSE, &m->u.invoke_response);
            pbf_reader q = r.get_message();
            while (q.next()) {
                switch (q.tag_and_type()) {
                case LD(1): v->invocation_id = view(q); break;
                case VI(2): v->success = q.get_bool(); break;
                case LD(3): data_field(q, &v->data, &v->has_data); break;
                case LD(4): v->has_error = 1; error_msg(q.get_message(), &v->error); break;
                case LD(5): kv_entry(q.get_message(), &v->metadata, p); break;
                default: q.skip();
                }
            }
            break;
        }
        case 6: {
            wps_stream_ack *a = select(kind, WPS_DOWN_STREAM_ACK, &m->u.stream_ack);
            pbf_reader q = r.get_message();
            while (q.next()) {
                switch (q.tag_and_type()) {
                case LD(1): a->stream_id = view(q); break;
                case VI(2): a->expected_sequence_id = q.get_uint64(); break;
                default: q.skip();
                }
            }
            break;
        }
        case 7: {
            wps_stream_nack *a = select(kind, WPS_DOWN_STREAM_NACK, &m->u.stream_nack);
            pbf_reader q = r.get_message();
            while (q.next()) {
                switch (q.tag_and_type()) {
                case LD(1): a->stream_id = view(q); break;
                case LD(2): a->name = view(q); break;
                case LD(3): a->message = view(q); break;
                case VI(4): a->expected_sequence_id = q.get_uint64(); break;
                default: q.skip();
                }
            }
            break;
        }
        case 8: {
            wps_stream_closed *a = select(kind, WPS_DOWN_STREAM_CLOSED, &m->u.stream_closed);
            pbf_reader q = r.get_message();
            while (q.next()) {
                switch (q.tag_and_type()) {
                case LD(1): a->stream_id = view(q); break;
                case LD(2): a->has_error = 1; error_msg(q.get_message(), &a->error); break;
                default: q.skip();
                }
            }
            break;
        }
        case 9:
            group_state_list(r.get_message(), select(kind, WPS_DOWN_GROUP_STATE_UPDATE, &m->u.group_state_update), p);
            break;
        case 10:
            group_state_list(r.get_message(), select(kind, WPS_DOWN_GROUP_STATE_SNAPSHOT, &m->u.group_state_snapshot), p);
            break;
        default: r.skip();
        }
    }
    m->kind = static_cast<wps_down_kind>(kind);
}

// ---------------------------------------------------------------- encode

protozero::fixed_size_buffer_adaptor *g_buf;

inline void bytes(W &w, uint32_t tag, pbw_bytes b)
{
    w.add_bytes(tag, reinterpret_cast<const char *>(b.ptr), b.len);
}
inline void str(W &w, uint32_t tag, pbw_bytes b) // proto3 singular: omitted when empty
{
    if (b.len)
        bytes(w, tag, b);
}

// A sub-message with presence.  protozero drops a nested message that stays
// empty, so a present-but-empty one is written as an empty field.
template <class F> inline void sub(W &w, uint32_t tag, F &&body)
{
    size_t before = g_buf->size();
    {
        W s{w, tag};
        body(s);
    }
    if (g_buf->size() == before)
        w.add_bytes(tag, "", 0);
}

void map_out(W &w, uint32_t tag, const wps_map &m)
{
    if (!m.count)
        return;
    wps_map_iter it;
    wps_kv kv;
    wps_map_begin(&it, &m);
    while (wps_map_next(&it, &kv)) {
        W e{w, tag}; // key and value always written, as libprotobuf does
        bytes(e, 1, kv.key);
        bytes(e, 2, kv.value);
    }
}

void data_out(W &w, uint32_t tag, const wps_data &d)
{
    sub(w, tag, [&](W &s) {
        switch (d.kind) {
        case WPS_DATA_TEXT: bytes(s, 1, d.bytes); break;
        case WPS_DATA_BINARY: bytes(s, 2, d.bytes); break;
        case WPS_DATA_JSON: bytes(s, 4, d.bytes); break;
        case WPS_DATA_PROTOBUF:
            sub(s, 3, [&](W &a) {
                str(a, 1, d.type_url);
                str(a, 2, d.bytes);
            });
            break;
        default: break;
        }
    });
}

void stream_start_out(W &w, uint32_t tag, const wps_stream_start &s)
{
    sub(w, tag, [&](W &q) {
        str(q, 1, s.stream_id);
        if (s.has_idle_timeout_ms)
            q.add_uint32(2, s.idle_timeout_ms);
    });
}

void group_request_out(W &w, uint32_t tag, const wps_group_request &g)
{
    sub(w, tag, [&](W &q) {
        str(q, 1, g.group);
        if (g.has_ack_id)
            q.add_uint64(2, g.ack_id);
    });
}

void group_state_out(W &w, uint32_t tag, const wps_group_state &g)
{
    sub(w, tag, [&](W &q) { map_out(q, 1, g.entries); });
}

void error_out(W &w, uint32_t tag, const wps_error &e)
{
    sub(w, tag, [&](W &q) {
        str(q, 1, e.name);
        str(q, 2, e.message);
    });
}

void upstream_out(W &w, const wps_upstream &m)
{
    switch (m.kind) {
    case WPS_UP_SEND_TO_GROUP: {
        const wps_send_to_group &s = m.u.send_to_group;
        sub(w, 1, [&](W &q) {
            str(q, 1, s.group);
            if (s.has_ack_id) q.add_uint64(2, s.ack_id);
            if (s.has_data) data_out(q, 3, s.data);
            if (s.has_no_echo) q.add_bool(4, s.no_echo);
            if (s.has_ttl_seconds) q.add_uint32(5, s.ttl_seconds);
            map_out(q, 6, s.metadata);
            if (s.has_stream) stream_start_out(q, 7, s.stream);
        });
        break;
    }
    case WPS_UP_EVENT: {
        const wps_event_message &e = m.u.event;
        sub(w, 5, [&](W &q) {
            str(q, 1, e.event);
            if (e.has_data) data_out(q, 2, e.data);
            if (e.has_ack_id) q.add_uint64(3, e.ack_id);
            map_out(q, 4, e.metadata);
            if (e.has_stream) stream_start_out(q, 5, e.stream);
        });
        break;
    }
    case WPS_UP_JOIN_GROUP: group_request_out(w, 6, m.u.join_group); break;
    case WPS_UP_LEAVE_GROUP: group_request_out(w, 7, m.u.leave_group); break;
    case WPS_UP_SUBSCRIBE_GROUP_STATE: group_request_out(w, 16, m.u.subscribe_group_state); break;
    case WPS_UP_UNSUBSCRIBE_GROUP_STATE: group_request_out(w, 17, m.u.unsubscribe_group_state); break;
    case WPS_UP_SEQUENCE_ACK:
        sub(w, 8, [&](W &q) {
            if (m.u.sequence_ack.sequence_id) q.add_uint64(1, m.u.sequence_ack.sequence_id);
        });
        break;
    case WPS_UP_PING: w.add_bytes(9, "", 0); break;
    case WPS_UP_INVOKE_EVENT: {
        const wps_invoke_event &e = m.u.invoke_event;
        sub(w, 10, [&](W &q) {
            str(q, 1, e.event);
            str(q, 2, e.invocation_id);
            if (e.has_data) data_out(q, 3, e.data);
            map_out(q, 4, e.metadata);
            if (e.has_stream) stream_start_out(q, 5, e.stream);
        });
        break;
    }
    case WPS_UP_CANCEL_INVOCATION:
        sub(w, 11, [&](W &q) { str(q, 1, m.u.cancel_invocation.invocation_id); });
        break;
    case WPS_UP_STREAM_DATA: {
        const wps_stream_data &s = m.u.stream_data;
        sub(w, 13, [&](W &q) {
            str(q, 1, s.stream_id);
            if (s.has_stream_sequence_id) q.add_uint64(2, s.stream_sequence_id);
            if (s.has_data) data_out(q, 3, s.data);
        });
        break;
    }
    case WPS_UP_STREAM_END: {
        const wps_stream_end &s = m.u.stream_end;
        sub(w, 14, [&](W &q) {
            str(q, 1, s.stream_id);
            if (s.has_error)
                sub(q, 2, [&](W &e) {
                    if (s.error.has_message) bytes(e, 1, s.error.message);
                    if (s.error.has_user_error_code) bytes(e, 2, s.error.user_error_code);
                });
        });
        break;
    }
    case WPS_UP_SET_GROUP_STATE: {
        const wps_set_group_state &s = m.u.set_group_state;
        sub(w, 15, [&](W &q) {
            str(q, 1, s.group);
            if (s.has_ack_id) q.add_uint64(2, s.ack_id);
            if (s.has_state) group_state_out(q, 3, s.state);
        });
        break;
    }
    default: break;
    }
}

void items_out(W &w, uint32_t tag, const wps_items &items)
{
    if (!items.count)
        return;
    wps_items_iter it;
    wps_group_state_item g;
    wps_items_begin(&it, &items);
    while (wps_items_next(&it, &g)) {
        sub(w, tag, [&](W &q) {
            str(q, 1, g.connection_id);
            if (g.has_user_id) bytes(q, 2, g.user_id);
            if (g.has_state) group_state_out(q, 3, g.state);
            if (g.updated_at) q.add_int64(4, g.updated_at);
        });
    }
}

void group_state_list_out(W &w, uint32_t tag, const wps_group_state_list &g)
{
    sub(w, tag, [&](W &q) {
        str(q, 1, g.group);
        items_out(q, 2, g.items);
        if (g.has_sequence_id) q.add_uint64(3, g.sequence_id);
    });
}

void downstream_out(W &w, const wps_downstream &m)
{
    switch (m.kind) {
    case WPS_DOWN_ACK: {
        const wps_ack &a = m.u.ack;
        sub(w, 1, [&](W &q) {
            if (a.ack_id) q.add_uint64(1, a.ack_id);
            if (a.success) q.add_bool(2, true);
            if (a.has_error) error_out(q, 3, a.error);
        });
        break;
    }
    case WPS_DOWN_DATA: {
        const wps_data_message &d = m.u.data;
        sub(w, 2, [&](W &q) {
            str(q, 1, d.from);
            if (d.has_group) bytes(q, 2, d.group);
            if (d.has_data) data_out(q, 3, d.data);
            if (d.has_sequence_id) q.add_uint64(4, d.sequence_id);
            map_out(q, 5, d.metadata);
            if (d.has_stream) {
                const wps_stream_info &s = d.stream;
                sub(q, 6, [&](W &t) {
                    str(t, 1, s.stream_id);
                    if (s.stream_sequence_id) t.add_uint64(2, s.stream_sequence_id);
                    if (s.has_end_of_stream) t.add_bool(3, s.end_of_stream);
                    if (s.has_error)
                        sub(t, 4, [&](W &e) {
                            str(e, 1, s.error.name);
                            str(e, 2, s.error.message);
                            str(e, 3, s.error.user_error_code);
                        });
                });
            }
        });
        break;
    }
    case WPS_DOWN_SYSTEM: {
        const wps_system &s = m.u.system;
        sub(w, 3, [&](W &q) {
            if (s.kind == WPS_SYSTEM_CONNECTED) {
                const wps_connected &c = s.u.connected;
                sub(q, 1, [&](W &t) {
                    str(t, 1, c.connection_id);
                    str(t, 2, c.user_id);
                    if (c.has_reconnection_token) bytes(t, 3, c.reconnection_token);
                });
            } else if (s.kind == WPS_SYSTEM_DISCONNECTED) {
                sub(q, 2, [&](W &t) { str(t, 2, s.u.disconnected.reason); });
            }
        });
        break;
    }
    case WPS_DOWN_PONG: w.add_bytes(4, "", 0); break;
    case WPS_DOWN_INVOKE_RESPONSE: {
        const wps_invoke_response &v = m.u.invoke_response;
        sub(w, 5, [&](W &q) {
            str(q, 1, v.invocation_id);
            if (v.success) q.add_bool(2, true);
            if (v.has_data) data_out(q, 3, v.data);
            if (v.has_error) error_out(q, 4, v.error);
            map_out(q, 5, v.metadata);
        });
        break;
    }
    case WPS_DOWN_STREAM_ACK: {
        const wps_stream_ack &a = m.u.stream_ack;
        sub(w, 6, [&](W &q) {
            str(q, 1, a.stream_id);
            if (a.expected_sequence_id) q.add_uint64(2, a.expected_sequence_id);
        });
        break;
    }
    case WPS_DOWN_STREAM_NACK: {
        const wps_stream_nack &a = m.u.stream_nack;
        sub(w, 7, [&](W &q) {
            str(q, 1, a.stream_id);
            str(q, 2, a.name);
            str(q, 3, a.message);
            if (a.expected_sequence_id) q.add_uint64(4, a.expected_sequence_id);
        });
        break;
    }
    case WPS_DOWN_STREAM_CLOSED: {
        const wps_stream_closed &a = m.u.stream_closed;
        sub(w, 8, [&](W &q) {
            str(q, 1, a.stream_id);
            if (a.has_error) error_out(q, 2, a.error);
        });
        break;
    }
    case WPS_DOWN_GROUP_STATE_UPDATE: group_state_list_out(w, 9, m.u.group_state_update); break;
    case WPS_DOWN_GROUP_STATE_SNAPSHOT: group_state_list_out(w, 10, m.u.group_state_snapshot); break;
    default: break;
    }
}

// ---------------------------------------------------------------- columns

union any_msg {
    wps_upstream up;
    wps_downstream down;
};

inline bool decode_one(int down, const uint8_t *p, size_t n, any_msg *m, pool &pl)
{
    pl.nkv = pl.nitem = 0;
    try {
        if (down)
            downstream(p, n, &m->down, pl);
        else
            upstream(p, n, &m->up, pl);
        return true;
    } catch (const protozero::exception &) {
        return false;
    } catch (const pz_error &) {
        return false;
    }
}

inline size_t encode_one(int down, const any_msg &m, uint8_t *out, size_t cap)
{
    protozero::fixed_size_buffer_adaptor buf(reinterpret_cast<char *>(out), cap);
    g_buf = &buf;
    W w{buf};
    if (down)
        downstream_out(w, m.down);
    else
        upstream_out(w, m.up);
    return buf.size();
}

// A decoded message that outlives the pool: its map entries and items copied.
struct kept {
    any_msg m;
    std::vector<wps_kv> kv;
    std::vector<wps_group_state_item> items;
};

void rebase(kept &k, int down, const pool &pl)
{
    k.kv.assign(pl.kv, pl.kv + pl.nkv);
    k.items.assign(pl.item, pl.item + pl.nitem);
    // every pointer into the pool now points into the copies
    auto fix_map = [&](wps_map &mp) {
        if (mp.entries) mp.entries = k.kv.data() + (mp.entries - pl.kv);
    };
    auto fix_items = [&](wps_items &is) {
        if (is.items) is.items = k.items.data() + (is.items - pl.item);
    };
    for (auto &it : k.items)
        fix_map(it.state.entries);
    if (down) {
        wps_downstream &d = k.m.down;
        switch (d.kind) {
        case WPS_DOWN_DATA: fix_map(d.u.data.metadata); break;
        case WPS_DOWN_INVOKE_RESPONSE: fix_map(d.u.invoke_response.metadata); break;
        case WPS_DOWN_GROUP_STATE_UPDATE: fix_items(d.u.group_state_update.items); break;
        case WPS_DOWN_GROUP_STATE_SNAPSHOT: fix_items(d.u.group_state_snapshot.items); break;
        default: break;
        }
    } else {
        wps_upstream &u = k.m.up;
        switch (u.kind) {
        case WPS_UP_SEND_TO_GROUP: fix_map(u.u.send_to_group.metadata); break;
        case WPS_UP_EVENT: fix_map(u.u.event.metadata); break;
        case WPS_UP_INVOKE_EVENT: fix_map(u.u.invoke_event.metadata); break;
        case WPS_UP_SET_GROUP_STATE: fix_map(u.u.set_group_state.state.entries); break;
        default: break;
        }
    }
}

static uint8_t check_buf[BP_OUT_CAP];

void *verify(const bp_corpus *c, char *why, size_t wl, std::vector<kept> *keep)
{
    for (size_t i = 0; i < c->count; i++) {
        any_msg m;
        if (!decode_one(c->down, c->msg[i], c->len[i], &m, g_pool))
            return bp_fail(why, wl, "#%zu rejected by the protozero loop", i);
        size_t n = encode_one(c->down, m, bp_out, BP_OUT_CAP);
        if (n != c->len[i] || memcmp(bp_out, c->msg[i], n) != 0)
            return bp_fail(why, wl, "#%zu: protozero decode then encode does not give the corpus bytes", i);
        size_t n2 = 0;
        pbw_status st = c->down ? wps_downstream_encode(&m.down, check_buf, sizeof check_buf, &n2)
                                : wps_upstream_encode(&m.up, check_buf, sizeof check_buf, &n2);
        if (st != PBW_OK || n2 != c->len[i] || memcmp(check_buf, c->msg[i], n2) != 0)
            return bp_fail(why, wl, "#%zu: protozero decode then wps encode does not give the corpus bytes", i);
        if (keep) {
            keep->emplace_back();
            kept &k = keep->back();
            k.m = m;
            rebase(k, c->down, g_pool);
        }
    }
    return &bp_nostate;
}

void *prep_decode(const bp_corpus *c, char *why, size_t wl, int *)
{
    return verify(c, why, wl, nullptr);
}

void *prep_encode(const bp_corpus *c, char *why, size_t wl, int *)
{
    auto *v = new std::vector<kept>;
    v->reserve(c->count);
    if (!verify(c, why, wl, v)) {
        delete v;
        return nullptr;
    }
    return v;
}

void release_none(void *) {}
void release_encode(void *st) { delete static_cast<std::vector<kept> *>(st); }

} // namespace

extern "C" {

uint64_t bp_col_pz_decode(void *, const bp_corpus *c)
{
    uint64_t sum = 0;
    any_msg m;
    for (size_t i = 0; i < c->count; i++) {
        sum += decode_one(c->down, c->msg[i], c->len[i], &m, g_pool);
        sum += c->down ? (uint64_t)m.down.kind : (uint64_t)m.up.kind;
    }
    return sum;
}

uint64_t bp_col_pz_encode(void *st, const bp_corpus *c)
{
    const auto &v = *static_cast<std::vector<kept> *>(st);
    uint64_t sum = 0;
    for (size_t i = 0; i < c->count; i++)
        sum += encode_one(c->down, v[i].m, bp_out, BP_OUT_CAP);
    return sum;
}

const bp_column bp_cols_protozero[] = {
    {"protozero.decode", "protozero", "protozero", BP_DECODE, 1, "bp_col_pz_decode", prep_decode,
     bp_col_pz_decode, release_none},
    {"protozero.encode", "protozero", "protozero", BP_ENCODE, 1, "bp_col_pz_encode", prep_encode,
     bp_col_pz_encode, release_encode},
    {nullptr, nullptr, nullptr, 0, 0, nullptr, nullptr, nullptr, nullptr}};

} // extern "C"
