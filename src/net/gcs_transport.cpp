#include "net/gcs_transport.hpp"

#include "proto/wire.hpp"

namespace dfs::gcs_net {

namespace {

std::string fragment_datagram(const net::packet_codec& codec, const node_id& self, uint64_t frag_id,
                              uint32_t count, uint32_t index, std::string_view frame) {
  gcs::frame frag;
  frag.sender = self;
  frag.kind = gcs::frame_kind::fragment;
  frag.frag_id = frag_id;
  frag.frag_count = count;
  frag.frag_index = index;
  frag.frag_bytes = std::string(frame.substr(size_t{index} * fragment_bytes, fragment_bytes));
  return codec.encode(net::channel::gcs, wire::encode(frag));
}

uint32_t fragment_count(size_t bytes) {
  return static_cast<uint32_t>((bytes + fragment_bytes - 1) / fragment_bytes);
}

std::string packet_frame(const node_id& self, const gcs::packet& p) {
  gcs::frame f;
  f.sender = self;
  f.kind = gcs::frame_kind::packet;
  f.pkt = p;
  return wire::encode(f);
}

// Small packets share bundles of up to fragment_bytes; a bigger one (an encoded packet frame)
// goes to `alone`, which returns its datagrams (none when it cannot be sent).
template <class Alone>
std::vector<std::string> encode_with(const net::packet_codec& codec, const node_id& self,
                                     const std::vector<gcs::packet>& packets, uint64_t& too_large,
                                     Alone alone) {
  std::vector<std::string> out;
  auto one = [&](const gcs::packet& p) {
    auto bytes = packet_frame(self, p);
    auto datagrams = bytes.empty() ? std::vector<std::string>{}
                     : bytes.size() <= fragment_bytes
                         ? std::vector<std::string>{codec.encode(net::channel::gcs, bytes)}
                         : alone(std::move(bytes));
    if (datagrams.empty()) ++too_large;
    for (auto& d : datagrams) out.push_back(std::move(d));
  };
  if (packets.size() == 1) {
    one(packets.front());
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
      one(p);
      continue;
    }
    if (bytes + encoded.size() + part_overhead > fragment_bytes) flush();
    bytes += encoded.size() + part_overhead;
    bundle.parts.push_back(std::move(encoded));
  }
  flush();
  return out;
}

}  // namespace

std::vector<std::string> encode_packet(const net::packet_codec& codec, const node_id& self,
                                       const gcs::packet& p, uint64_t& frag_seq) {
  uint64_t too_large = 0;
  return encode_packets(codec, self, {p}, frag_seq, too_large);
}

std::vector<std::string> encode_packets(const net::packet_codec& codec, const node_id& self,
                                        const std::vector<gcs::packet>& packets, uint64_t& frag_seq,
                                        uint64_t& too_large) {
  return encode_with(codec, self, packets, too_large, [&](std::string frame) {
    std::vector<std::string> out;
    auto count = fragment_count(frame.size());
    if (count > max_fragments) return out;
    auto id = ++frag_seq;
    for (uint32_t i = 0; i < count; ++i)
      out.push_back(fragment_datagram(codec, self, id, count, i, frame));
    return out;
  });
}

std::vector<std::string> encode_packets(const net::packet_codec& codec, const node_id& self,
                                        const std::vector<gcs::packet>& packets,
                                        fragment_store& store, const node_id& to,
                                        uint64_t& too_large) {
  return encode_with(codec, self, packets, too_large,
                     [&](std::string frame) { return store.start(to, std::move(frame)); });
}

std::vector<std::string> fragment_store::start(const node_id& to, std::string frame,
                                               clock::time_point now) {
  std::vector<std::string> out;
  auto count = fragment_count(frame.size());
  if (count > max_fragments) return out;
  std::lock_guard<std::mutex> lock(mu_);
  auto& t = out_[to];
  auto first = std::min(count, fragment_window);
  t = transfer{++frag_seq_, count, std::move(frame), first - 1, now};
  for (uint32_t i = 0; i < first; ++i)
    out.push_back(fragment_datagram(codec_, self_, t.frag_id, count, i, t.frame));
  return out;
}

std::optional<std::string> fragment_store::part(const node_id& to, uint64_t frag_id, uint32_t index,
                                                clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto t = out_.find(to);
  if (t == out_.end() || t->second.frag_id != frag_id || index > t->second.count)
    return std::nullopt;
  if (index == t->second.count) {  // received whole
    out_.erase(t);
    return std::nullopt;
  }
  t->second.last = index;
  t->second.active = now;
  t->second.pokes = 0;
  return fragment_datagram(codec_, self_, frag_id, t->second.count, index, t->second.frame);
}

std::vector<std::pair<node_id, std::string>> fragment_store::poke(clock::time_point now) {
  std::vector<std::pair<node_id, std::string>> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto t = out_.begin(); t != out_.end();) {
    auto& x = t->second;
    if (now - x.active < quiet) {
      ++t;
      continue;
    }
    if (++x.pokes > max_pokes) {  // the peer is gone; the protocol sends the packet again
      t = out_.erase(t);
      continue;
    }
    x.active = now;
    out.emplace_back(t->first,
                     fragment_datagram(codec_, self_, x.frag_id, x.count, x.last, x.frame));
    ++t;
  }
  return out;
}

size_t fragment_store::in_transfer() const {
  std::lock_guard<std::mutex> lock(mu_);
  return out_.size();
}

std::optional<receiver::received> receiver::on_datagram(std::string_view datagram,
                                                        std::vector<std::string>* replies) {
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
  if (f.kind == gcs::frame_kind::fragment) return on_fragment(std::move(f), replies);
  if (f.kind == gcs::frame_kind::bundle) return on_bundle(std::move(f));
  if (f.kind == gcs::frame_kind::fragment_request) {
    on_request(f, replies);
    return std::nullopt;
  }
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

void receiver::on_request(const gcs::frame& f, std::vector<std::string>* replies) {
  if (!store_ || !replies) return;
  if (auto d = store_->part(f.sender, f.frag_id, f.frag_index)) {
    ++counters_.fragments_served;
    replies->push_back(std::move(*d));
  }
}

void receiver::ask(const partial& p, uint32_t index, std::vector<std::string>* replies) {
  gcs::frame a;
  a.sender = self_;
  a.kind = gcs::frame_kind::fragment_request;
  a.frag_id = p.frag_id;
  a.frag_index = index;
  ++counters_.fragments_asked;
  replies->push_back(codec_.encode(net::channel::gcs, wire::encode(a)));
}

// One request per fragment that arrives keeps fragment_window of them on their way: the next
// one not sent yet. A fragment sent before the one that came and still missing was lost: it is
// asked for again, once (more if it stays missing after every other came). If every fragment
// on its way is lost, the sender's poke (fragment_store::poke) sends one again.
void receiver::ask_next(partial& p, uint32_t arrived, bool fresh,
                        std::vector<std::string>* replies) {
  if (!replies || self_.empty()) return;
  auto count = static_cast<uint32_t>(p.parts.size());
  if (fresh) {
    for (; p.hole < std::min(arrived, p.next_ask); ++p.hole)
      if (p.parts[p.hole].empty()) ask(p, p.hole, replies);
    p.hole = std::max(p.hole, std::min(arrived + 1, p.next_ask));
  }
  if (p.next_ask < count) return ask(p, p.next_ask++, replies);
  // Everything was sent: ask for the first missing fragment again, round after round.
  for (uint32_t k = 0; k < count; ++k) {
    uint32_t i = (p.hole + k) % count;
    if (p.parts[i].empty()) {
      p.hole = i + 1;
      return ask(p, i, replies);
    }
  }
}

std::optional<receiver::received> receiver::on_fragment(gcs::frame&& f,
                                                        std::vector<std::string>* replies) {
  ++counters_.fragments;
  if (f.frag_count == 0 || f.frag_count > max_fragments || f.frag_index >= f.frag_count) {
    ++counters_.bad_payload;
    return std::nullopt;
  }
  auto& p = partial_[f.sender];
  if (p.frag_id != f.frag_id) {
    if (f.frag_id < p.frag_id) return std::nullopt;  // a late part of an abandoned packet
    if (p.have > 0) ++counters_.fragments_discarded;
    p = partial{f.frag_id, std::vector<std::string>(f.frag_count), 0, fragment_window, 0, false};
  }
  if (p.done) {  // a late duplicate of a packet already whole: its sender did not hear that
    if (replies && !self_.empty()) ask(p, f.frag_count, replies);
    return std::nullopt;
  }
  if (p.parts.size() != f.frag_count) {
    ++counters_.bad_payload;
    return std::nullopt;
  }
  auto& slot = p.parts[f.frag_index];
  bool fresh = slot.empty();
  if (fresh) {
    slot = std::move(f.frag_bytes);
    ++p.have;
  }
  if (p.have < p.parts.size()) {
    ask_next(p, f.frag_index, fresh, replies);  // a duplicate asks too: it is one that came
    return std::nullopt;
  }
  // Whole: the sender may drop it.
  if (replies && !self_.empty()) ask(p, static_cast<uint32_t>(p.parts.size()), replies);
  std::string whole;
  whole.reserve(p.parts.size() * fragment_bytes);
  for (auto& part : p.parts) whole += part;
  p.parts.clear();
  p.have = 0;
  p.done = true;
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
