#include "net/mutation_wire.hpp"

#include "common/limits.hpp"
#include "net/data_frame.hpp"
#include "net/data_messages.hpp"

namespace dfs::net {

namespace cs = chunkserver;

namespace {

void put_endpoint(wire_writer& w, const endpoint& e) {
  w.str(e.host).u16(e.port);
}

bool get_endpoint(wire_reader& r, endpoint& e) {
  e.host = r.str(max_host_bytes);
  e.port = r.u16();
  return r.ok() && !e.host.empty() && e.port != 0;
}

// Enums travel as u16; anything past the last value is malformed.
template <class E>
bool get_enum(wire_reader& r, E& out, E last) {
  auto v = r.u16();
  if (!r.ok() || v > static_cast<uint16_t>(last)) return false;
  out = static_cast<E>(v);
  return true;
}

template <class E>
uint16_t u16_of(E e) {
  return static_cast<uint16_t>(e);
}

}  // namespace

std::string encode(const mutate_msg& m) {
  auto& q = m.request;
  wire_writer w;
  w.u64(q.client_id).u64(q.request_number).u64(q.handle).u16(u16_of(q.op));
  w.u64(q.offset).u64(q.length).u64(q.data.value);
  w.u32(static_cast<uint32_t>(q.secondaries.size()));
  for (auto& s : q.secondaries) put_endpoint(w, s);
  w.u64(q.chunk_size_bytes).str(m.token);
  return w.take();
}

bool decode(std::string_view in, mutate_msg& out) {
  wire_reader r(in);
  out = {};
  auto& q = out.request;
  q.client_id = r.u64();
  q.request_number = r.u64();
  q.handle = r.u64();
  if (!get_enum(r, q.op, cs::client_op::append)) return false;
  q.offset = r.u64();
  q.length = r.u64();
  q.data.value = r.u64();
  auto n = r.u32();
  if (!r.ok() || n > max_chain_hops) return false;
  for (uint32_t i = 0; i < n; ++i) {
    endpoint e;
    if (!get_endpoint(r, e)) return false;
    q.secondaries.push_back(std::move(e));
  }
  q.chunk_size_bytes = r.u64();
  out.token = r.str(max_token_bytes);
  return r.done() && q.handle != 0 && q.length != 0 &&
         q.chunk_size_bytes <= limits::max_chunk_size_bytes &&
         q.length <= limits::max_chunk_size_bytes && q.offset <= limits::max_chunk_size_bytes;
}

std::string encode(const mutate_reply_msg& m) {
  wire_writer w;
  w.u16(u16_of(m.status)).u64(m.offset);
  return w.take();
}

bool decode(std::string_view in, mutate_reply_msg& out) {
  wire_reader r(in);
  out = {};
  if (!get_enum(r, out.status, cs::mutation_status::busy)) return false;
  out.offset = r.u64();
  return r.done();
}

// Every peer frame: from, handle, version, the message's own fields, token. `fields(w)` /
// `fields(r)` write or read the middle; decode also checks `valid` on the whole message.
template <class M, class Write>
std::string encode_peer(const peer_msg<M>& p, Write fields) {
  wire_writer w;
  put_endpoint(w, p.from);
  w.u64(p.body.handle).u64(p.body.chunk_version);
  fields(w);
  w.str(p.token);
  return w.take();
}

template <class M, class Read>
bool decode_peer(std::string_view in, peer_msg<M>& out, Read fields) {
  wire_reader r(in);
  out = {};
  if (!get_endpoint(r, out.from)) return false;
  out.body.handle = r.u64();
  out.body.chunk_version = r.u64();
  if (!fields(r)) return false;
  out.token = r.str(max_token_bytes);
  return r.done() && out.body.handle != 0;
}

std::string encode(const peer_mutation& p) {
  auto& m = p.body;
  return encode_peer(p, [&](wire_writer& w) {
    w.u64(m.serial).u16(u16_of(m.kind)).u64(m.offset).u64(m.length).u64(m.data.value);
  });
}

bool decode(std::string_view in, peer_mutation& out) {
  auto& m = out.body;
  return decode_peer(in, out,
                     [&](wire_reader& r) {
                       m.serial = r.u64();
                       if (!get_enum(r, m.kind, cs::mutation_kind::pad)) return false;
                       m.offset = r.u64();
                       m.length = r.u64();
                       m.data.value = r.u64();
                       return true;
                     }) &&
         m.serial != 0 && m.length != 0 && m.length <= limits::max_chunk_size_bytes &&
         m.offset <= limits::max_chunk_size_bytes;
}

std::string encode(const peer_ack& p) {
  return encode_peer(p, [&](wire_writer& w) { w.u64(p.body.serial).u16(u16_of(p.body.status)); });
}

bool decode(std::string_view in, peer_ack& out) {
  return decode_peer(in, out, [&](wire_reader& r) {
    out.body.serial = r.u64();
    return get_enum(r, out.body.status, cs::ack_status::out_of_sync);
  });
}

std::string encode(const peer_resend& p) {
  return encode_peer(p, [&](wire_writer& w) { w.u64(p.body.next_serial); });
}

bool decode(std::string_view in, peer_resend& out) {
  return decode_peer(in, out, [&](wire_reader& r) {
    out.body.next_serial = r.u64();
    return true;
  });
}

std::string encode(const peer_gone& p) {
  return encode_peer(p, [&](wire_writer& w) { w.u64(p.body.serial); });
}

bool decode(std::string_view in, peer_gone& out) {
  return decode_peer(in, out, [&](wire_reader& r) {
    out.body.serial = r.u64();
    return true;
  });
}

}  // namespace dfs::net
