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

std::vector<std::string> encode_packets(const net::packet_codec& codec, const node_id& self,
                                        const std::vector<gcs::packet>& packets, uint64_t& frag_seq,
                                        uint64_t& too_large) {
  std::vector<std::string> out;
  auto alone = [&](const gcs::packet& p) {
    auto datagrams = encode_packet(codec, self, p, frag_seq);
    if (datagrams.empty()) ++too_large;
    for (auto& d : datagrams) out.push_back(std::move(d));
  };
  if (packets.size() == 1) {
    alone(packets.front());
    return out;
  }
  // A part costs its bytes and at most 10 of length prefix: a bundle is no bigger than a
  // fragment frame, which fits a datagram.
  constexpr size_t part_overhead = 10;
  gcs::frame bundle;
  bundle.sender = self;
  bundle.kind = gcs::frame_kind::bundle;
  size_t bytes = 0;
  auto flush = [&] {
    if (bundle.parts.empty()) return;
    out.push_back(codec.encode(net::channel::gcs, wire::encode(bundle)));
    bundle.parts.clear();
    bytes = 0;
  };
  for (const auto& p : packets) {
    auto encoded = wire::encode(p);
    if (encoded.empty() || encoded.size() + part_overhead > fragment_bytes) {
      flush();  // keeps the order
      alone(p);
      continue;
    }
    if (bytes + encoded.size() + part_overhead > fragment_bytes) flush();
    bytes += encoded.size() + part_overhead;
    bundle.parts.push_back(std::move(encoded));
  }
  flush();
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
  if (f.kind == gcs::frame_kind::bundle) return on_bundle(std::move(f));
  if (f.kind != gcs::frame_kind::packet) {
    ++counters_.bad_payload;
    return std::nullopt;
  }
  received r{std::move(f.sender), {}};
  r.pkts.push_back(std::move(f.pkt));
  return r;
}

// All or nothing: one bad part drops the datagram (it was not sent by a peer of ours).
std::optional<receiver::received> receiver::on_bundle(gcs::frame&& f) {
  received r{std::move(f.sender), std::vector<gcs::packet>(f.parts.size())};
  for (size_t i = 0; i < f.parts.size(); ++i)
    if (!wire::decode(f.parts[i], r.pkts[i])) {
      ++counters_.bad_payload;
      return std::nullopt;
    }
  if (r.pkts.empty()) {
    ++counters_.bad_payload;
    return std::nullopt;
  }
  ++counters_.bundles;
  return r;
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
  received r{std::move(inner.sender), {}};
  r.pkts.push_back(std::move(inner.pkt));
  return r;
}

}  // namespace dfs::gcs_net
