/* SPDX-License-Identifier: MIT */
// bench/fanout_protozero.cc - the protozero columns of bench/fanout.c
// (fanout_protozero.h).  Written as a protozero user would: a pbf_reader
// pull loop taking zero-copy views, and a pbf_writer with nested writers
// into a fixed buffer.  A sub-message that arrives empty is written back
// empty (proto3 presence of a message field), as libprotobuf does.
#include <stdexcept>

#include <protozero/basic_pbf_writer.hpp>
#include <protozero/buffer_fixed.hpp>
#include <protozero/pbf_reader.hpp>

#include "fanout_protozero.h"

namespace {

using protozero::pbf_reader;
using W = protozero::basic_pbf_writer<protozero::fixed_size_buffer_adaptor>;

void message_data(pbf_reader r, fanout_pz_group_msg *m)
{
    while (r.next()) {
        unsigned f = r.tag();
        if (f >= 1 && f <= 4 && r.wire_type() == protozero::pbf_wire_type::length_delimited) {
            protozero::data_view v = r.get_view(); // the oneof: the last one wins
            m->data_field = f;
            m->data = reinterpret_cast<const uint8_t *>(v.data());
            m->data_len = v.size();
        } else {
            r.skip();
        }
    }
}

void send_to_group(pbf_reader r, fanout_pz_group_msg *m)
{
    while (r.next()) {
        switch (r.tag_and_type()) {
        case protozero::tag_and_type(1, protozero::pbf_wire_type::length_delimited): {
            protozero::data_view v = r.get_view();
            m->group = reinterpret_cast<const uint8_t *>(v.data());
            m->group_len = v.size();
            break;
        }
        case protozero::tag_and_type(2, protozero::pbf_wire_type::varint):
            (void)r.get_uint64(); // ack_id: not forwarded
            break;
        case protozero::tag_and_type(3, protozero::pbf_wire_type::length_delimited):
            m->has_data = 1;
            message_data(r.get_message(), m);
            break;
        default:
            r.skip();
        }
    }
}

// The fields of UpstreamMessage's oneof (webpubsub.proto).
bool upstream_member(unsigned f)
{
    return f == 1 || (f >= 5 && f <= 17 && f != 12);
}

} // namespace

extern "C" int fanout_pz_decode(const uint8_t *frame, size_t len, fanout_pz_group_msg *m)
{
    *m = fanout_pz_group_msg{};
    bool found = false;
    try {
        pbf_reader r{reinterpret_cast<const char *>(frame), len};
        while (r.next()) {
            bool ld = r.wire_type() == protozero::pbf_wire_type::length_delimited;
            if (r.tag() == 1 && ld) {
                send_to_group(r.get_message(), m); // sub-messages merge
                found = true;
            } else {
                if (ld && upstream_member(r.tag())) { // another kind: the oneof switches
                    found = false;
                    *m = fanout_pz_group_msg{};
                }
                r.skip();
            }
        }
    } catch (const protozero::exception &) {
        return 0;
    }
    return found ? 1 : 0;
}

extern "C" size_t fanout_pz_encode(const fanout_pz_group_msg *m, uint64_t seq, uint8_t *out,
                                   size_t cap)
{
    protozero::fixed_size_buffer_adaptor buf(reinterpret_cast<char *>(out), cap);
    try {
        W w{buf};
        W dm{w, 2}; // DownstreamMessage.data_message
        dm.add_string(1, "group", 5);
        dm.add_bytes(2, reinterpret_cast<const char *>(m->group), m->group_len);
        if (m->data_field) {
            W d{dm, 3};
            d.add_bytes(m->data_field, reinterpret_cast<const char *>(m->data), m->data_len);
        } else if (m->has_data) {
            dm.add_bytes(3, "", 0); // protozero drops a nested writer left empty
        }
        dm.add_uint64(4, seq);
    } catch (const std::length_error &) {
        return 0;
    }
    return buf.size();
}
