/* SPDX-License-Identifier: MIT */
// bench/peers/col_libprotobuf.cc - Google's libprotobuf (C++), Debian's
// libprotobuf-dev, with code that protoc --cpp_out generates at build time
// from shared/spec/webpubsub.proto.
//
//   libprotobuf.parse-arena  Arena::CreateMessage + ParseFromArray, the
//                            arena Reset() before every message (one message
//                            per arena lifetime; a 64 KiB initial block is
//                            reused, so small messages never reach malloc)
//   libprotobuf.parse        one message object reused: ParseFromArray per
//                            message (which Clear()s it first)
//   libprotobuf.serialize    SerializeToArray from messages parsed beforehand.
//                            Plain SerializeToArray: deterministic mode only
//                            changes the order of map entries, the corpus has
//                            no message with maps, and the verification
//                            checks every output byte against the corpus.
// libprotobuf checks UTF-8 of proto3 strings: it is the only peer doing what
// ours.decode does.
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <google/protobuf/arena.h>
#include <google/protobuf/reflection.h>

#include "webpubsub.pb.h"
#include "harness.h"

namespace gp = google::protobuf;
using azure::webpubsub::DownstreamMessage;
using azure::webpubsub::UpstreamMessage;

namespace {

alignas(64) char arena_block[1 << 16];

struct arena_state {
    gp::Arena *arena;
};

gp::Arena *make_arena()
{
    gp::ArenaOptions o;
    o.initial_block = arena_block;
    o.initial_block_size = sizeof arena_block;
    return new gp::Arena(o);
}

template <class M> bool round_trip(const M &m, const bp_corpus *c, size_t i)
{
    size_t n = m.ByteSizeLong();
    if (n != c->len[i] || n > BP_OUT_CAP)
        return false;
    if (!m.SerializeToArray(bp_out, (int)n))
        return false;
    return memcmp(bp_out, c->msg[i], n) == 0;
}

template <class M> void *verify(const bp_corpus *c, char *why, size_t wl)
{
    M m;
    for (size_t i = 0; i < c->count; i++) {
        if (!m.ParseFromArray(c->msg[i], (int)c->len[i]))
            return bp_fail(why, wl, "#%zu rejected by ParseFromArray", i);
        if (!round_trip(m, c, i))
            return bp_fail(why, wl, "#%zu: parse then serialize does not give the corpus bytes", i);
    }
    return &bp_nostate;
}

void *verify_any(const bp_corpus *c, char *why, size_t wl)
{
    return c->down ? verify<DownstreamMessage>(c, why, wl) : verify<UpstreamMessage>(c, why, wl);
}

// ---- parse with an arena, reset per message ----

void *prep_arena(const bp_corpus *c, char *why, size_t wl, int *)
{
    if (!verify_any(c, why, wl))
        return nullptr;
    // the arena path too: parse on the arena, serialize, compare
    std::unique_ptr<gp::Arena> a(make_arena());
    for (size_t i = 0; i < c->count; i++) {
        a->Reset();
        bool ok;
        if (c->down) {
            auto *m = gp::Arena::CreateMessage<DownstreamMessage>(a.get());
            ok = m->ParseFromArray(c->msg[i], (int)c->len[i]) && round_trip(*m, c, i);
        } else {
            auto *m = gp::Arena::CreateMessage<UpstreamMessage>(a.get());
            ok = m->ParseFromArray(c->msg[i], (int)c->len[i]) && round_trip(*m, c, i);
        }
        if (!ok)
            return bp_fail(why, wl, "#%zu: arena parse then serialize does not give the corpus bytes", i);
    }
    auto *s = new arena_state;
    s->arena = a.release();
    return s;
}

void release_arena(void *st)
{
    auto *s = static_cast<arena_state *>(st);
    delete s->arena;
    delete s;
}

template <class M> uint64_t arena_pass(gp::Arena *a, const bp_corpus *c)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < c->count; i++) {
        a->Reset();
        M *m = gp::Arena::CreateMessage<M>(a);
        sum += m->ParseFromArray(c->msg[i], (int)c->len[i]);
        sum += (uint64_t)m->message_case();
    }
    return sum;
}

// ---- parse into one reused message ----

struct reuse_state {
    UpstreamMessage up;
    DownstreamMessage down;
};

void *prep_reuse(const bp_corpus *c, char *why, size_t wl, int *)
{
    if (!verify_any(c, why, wl))
        return nullptr;
    return new reuse_state;
}

void release_reuse(void *st)
{
    delete static_cast<reuse_state *>(st);
}

template <class M> uint64_t reuse_pass(M &m, const bp_corpus *c)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < c->count; i++) {
        sum += m.ParseFromArray(c->msg[i], (int)c->len[i]); // Clear() + merge
        sum += (uint64_t)m.message_case();
    }
    return sum;
}

// ---- serialize ----

struct ser_state {
    std::vector<std::unique_ptr<UpstreamMessage>> up;
    std::vector<std::unique_ptr<DownstreamMessage>> down;
};

void *prep_serialize(const bp_corpus *c, char *why, size_t wl, int *)
{
    if (!verify_any(c, why, wl))
        return nullptr;
    auto *s = new ser_state;
    for (size_t i = 0; i < c->count; i++) {
        if (c->down) {
            s->down.emplace_back(new DownstreamMessage);
            s->down.back()->ParseFromArray(c->msg[i], (int)c->len[i]);
        } else {
            s->up.emplace_back(new UpstreamMessage);
            s->up.back()->ParseFromArray(c->msg[i], (int)c->len[i]);
        }
    }
    return s;
}

void release_serialize(void *st)
{
    delete static_cast<ser_state *>(st);
}

template <class V> uint64_t serialize_pass(const V &v)
{
    uint64_t sum = 0;
    for (const auto &m : v) {
        // SerializeToArray computes the size itself (ByteSizeLong), checks it
        // against the room given, then writes
        sum += m->SerializeToArray(bp_out, (int)BP_OUT_CAP);
        sum += (uint64_t)m->GetCachedSize();
    }
    return sum;
}

// ---- reflection tag count (for the tag-walk floor's check) ----

long count_tags(const gp::Message &m)
{
    const gp::Reflection *r = m.GetReflection();
    std::vector<const gp::FieldDescriptor *> fields;
    r->ListFields(m, &fields);
    long n = 0;
    for (const gp::FieldDescriptor *f : fields) {
        if (f->is_repeated()) {
            int k = r->FieldSize(m, f);
            n += k;
            if (f->cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE)
                for (int j = 0; j < k; j++)
                    n += count_tags(r->GetRepeatedMessage(m, f, j));
        } else {
            n += 1;
            if (f->cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE)
                n += count_tags(r->GetMessage(m, f));
        }
    }
    return n;
}

} // namespace

extern "C" {

uint64_t bp_col_lpb_parse_arena(void *st, const bp_corpus *c)
{
    gp::Arena *a = static_cast<arena_state *>(st)->arena;
    return c->down ? arena_pass<DownstreamMessage>(a, c) : arena_pass<UpstreamMessage>(a, c);
}

uint64_t bp_col_lpb_parse(void *st, const bp_corpus *c)
{
    auto *s = static_cast<reuse_state *>(st);
    return c->down ? reuse_pass(s->down, c) : reuse_pass(s->up, c);
}

uint64_t bp_col_lpb_serialize(void *st, const bp_corpus *c)
{
    auto *s = static_cast<ser_state *>(st);
    return c->down ? serialize_pass(s->down) : serialize_pass(s->up);
}

long bp_lpb_count_tags(int down, const uint8_t *msg, size_t len)
{
    if (down) {
        DownstreamMessage m;
        return m.ParseFromArray(msg, (int)len) ? count_tags(m) : -1;
    }
    UpstreamMessage m;
    return m.ParseFromArray(msg, (int)len) ? count_tags(m) : -1;
}

const bp_column bp_cols_libprotobuf[] = {
    {"libprotobuf.parse-arena", "libprotobuf", "libprotobuf arena", BP_DECODE, 1,
     "bp_col_lpb_parse_arena", prep_arena, bp_col_lpb_parse_arena, release_arena},
    {"libprotobuf.parse", "libprotobuf", "libprotobuf", BP_DECODE, 1, "bp_col_lpb_parse",
     prep_reuse, bp_col_lpb_parse, release_reuse},
    {"libprotobuf.serialize", "libprotobuf", "libprotobuf", BP_ENCODE, 1, "bp_col_lpb_serialize",
     prep_serialize, bp_col_lpb_serialize, release_serialize},
    {nullptr, nullptr, nullptr, 0, 0, nullptr, nullptr, nullptr, nullptr}};

} // extern "C"
