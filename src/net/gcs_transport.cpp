#include "net/gcs_transport.hpp"

#include "proto/wire.hpp"

namespace dfs::gcs_net {

std::vector<std::string> encode_packet(const net::packet_codec& codec, const node_id& self,
                                       const gcs::packet& p, uint64_t& frag_seq) {
  gcs::frame f;
  f.sender = self;
  f.kind = gcs::frame_kind::packet;
  f.pkt = p;
  auto bytes = wire::encode(f);
  if (bytes.empty()) return {};
  if (bytes.size() <= fragment_bytes) return {codec.encode(net::channel::gcs, bytes)};
  size_t count = (bytes.size() + fragment_bytes - 1) / fragment_bytes;
  if (count > max_fragments) return {};
  std::vector<std::string> out;
  gcs::frame frag;
  frag.sender = self;
  frag.kind = gcs::frame_kind::fragment;
  frag.frag_id = ++frag_seq;
  frag.frag_count = static_cast<uint32_t>(count);
  for (size_t i = 0; i < count; ++i) {
    frag.frag_index = static_cast<uint32_t>(i);
    frag.frag_bytes = bytes.substr(i * fragment_bytes, fragment_bytes);
    out.push_back(codec.encode(net::channel::gcs, wire::encode(frag)));
  }
  return out;
}

std::optional<receiver::received> receiver::on_datagram(std::string_view datagram) {
  ++counters_.datagrams;
  auto d = codec_.decode(datagram);
  if (d.error != net::packet_error::none || d.ch != net::channel::gcs) {
    ++counters_.bad_frame;
    return std::nullopt;
  }
  gcs::frame f;
  if (!wire::decode(d.payload, f)) {
    ++counters_.bad_payload;
    return std::nullopt;
  }
  if (f.kind == gcs::frame_kind::fragment) return on_fragment(std::move(f));
  if (f.kind != gcs::frame_kind::packet) {
    ++counters_.bad_payload;
    return std::nullopt;
  }
  return received{std::move(f.sender), std::move(f.pkt)};
}

std::optional<receiver::received> receiver::on_fragment(gcs::frame&& f) {
  ++counters_.fragments;
  if (f.frag_count == 0 || f.frag_count > max_fragments || f.frag_index >= f.frag_count) {
    ++counters_.bad_payload;
    return std::nullopt;
  }
  auto& p = partial_[f.sender];
  if (p.frag_id != f.frag_id) {
    if (f.frag_id < p.frag_id) return std::nullopt;  // a late part of an abandoned packet
    if (p.have > 0) ++counters_.fragments_discarded;
    p = partial{f.frag_id, std::vector<std::string>(f.frag_count), 0};
  }
  if (p.parts.size() != f.frag_count) {
    ++counters_.bad_payload;
    return std::nullopt;
  }
  auto& slot = p.parts[f.frag_index];
  if (!slot.empty()) return std::nullopt;  // duplicate
  slot = std::move(f.frag_bytes);
  if (++p.have < p.parts.size()) return std::nullopt;
  std::string whole;
  for (auto& part : p.parts) whole += part;
  p.parts.clear();
  p.have = 0;
  gcs::frame inner;
  if (!wire::decode(whole, inner) || inner.kind != gcs::frame_kind::packet ||
      inner.sender != f.sender) {
    ++counters_.bad_payload;
    return std::nullopt;
  }
  ++counters_.reassembled;
  return received{std::move(inner.sender), std::move(inner.pkt)};
}

}  // namespace dfs::gcs_net
