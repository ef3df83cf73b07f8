// The gcs datagram path: frames round-trip, small packets for one peer share bundles (in order),
// oversize packets are fragmented and reassembled (in any order, duplicates ignored; pulled a
// few fragments at a time through a small socket buffer, lost ones asked for again), and bad
// datagrams are counted and dropped.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <random>
#include <set>

#include "net/gcs_transport.hpp"
#include "proto/wire.hpp"

namespace {

using dfs::gcs_net::encode_packet;
using dfs::gcs_net::encode_packets;
using dfs::gcs_net::receiver;

dfs::node_id self{"127.0.0.1", 17000, 42};

dfs::gcs::packet install_with_snapshot(size_t bytes) {
  dfs::gcs::packet p;
  p.kind = dfs::gcs::packet_kind::install;
  p.view.epoch = 7;
  p.view.coordinator = self;
  p.install.has_snapshot = true;
  p.install.snapshot_seq = 99;
  std::mt19937 rng(1);
  p.install.snapshot.resize(bytes);
  for (auto& c : p.install.snapshot) c = static_cast<char>(rng());
  return p;
}

TEST(GcsWire, SmallPacketIsOneDatagram) {
  dfs::net::packet_codec codec{"dfs", "key"};
  dfs::gcs::packet p;
  p.kind = dfs::gcs::packet_kind::data;
  p.data.push_back({{self, 3}, {11, 12, "payload"}});
  uint64_t seq = 0;
  auto d = encode_packet(codec, self, p, seq);
  ASSERT_EQ(d.size(), 1u);
  receiver rx{codec};
  auto r = rx.on_datagram(d[0]);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->from, self);
  ASSERT_EQ(r->pkts.size(), 1u);
  // Field by field (a string rendering would hide a field both sides drop); the packet's
  // operator== covers the fields this packet leaves at their defaults too.
  EXPECT_EQ(r->pkts[0].kind, dfs::gcs::packet_kind::data);
  ASSERT_EQ(r->pkts[0].data.size(), 1u);
  EXPECT_EQ(r->pkts[0].data[0].id, (dfs::gcs::msg_id{self, 3}));
  EXPECT_EQ(r->pkts[0].data[0].op.client_id, 11u);
  EXPECT_EQ(r->pkts[0].data[0].op.request_no, 12u);
  EXPECT_EQ(r->pkts[0].data[0].op.payload, "payload");
  EXPECT_TRUE(r->pkts[0] == p);
}

TEST(GcsWire, SnapshotIsFragmentedAndReassembledInAnyOrder) {
  dfs::net::packet_codec codec{"dfs", "key"};
  auto p = install_with_snapshot(300000);
  uint64_t seq = 0;
  auto d = encode_packet(codec, self, p, seq);
  ASSERT_GT(d.size(), 4u);
  for (auto& x : d) EXPECT_LE(x.size(), dfs::net::max_datagram_bytes);
  std::reverse(d.begin(), d.end());
  d.push_back(d.front());  // a duplicate after completion starts nothing harmful
  receiver rx{codec};
  int complete = 0;
  for (size_t i = 0; i + 1 < d.size(); ++i) {
    auto r = rx.on_datagram(d[i]);
    if (r) {
      ++complete;
      ASSERT_EQ(r->pkts.size(), 1u);
      EXPECT_EQ(r->pkts[0].install.snapshot, p.install.snapshot);
      EXPECT_EQ(r->pkts[0].install.snapshot_seq, 99u);
      EXPECT_TRUE(r->pkts[0] == p) << "reassembled packet differs";
    }
  }
  EXPECT_EQ(complete, 1);
  EXPECT_EQ(rx.counters().reassembled, 1u);
}

dfs::gcs::packet data_packet(uint64_t sender_seq, size_t payload_bytes) {
  dfs::gcs::packet p;
  p.kind = dfs::gcs::packet_kind::data;
  p.data.push_back({{self, sender_seq}, {11, sender_seq, std::string(payload_bytes, 'q')}});
  return p;
}

// Decodes every datagram with one receiver and returns the packets in arrival order (a
// fragment returns nothing until its packet is whole).
std::vector<dfs::gcs::packet> receive_all(const dfs::net::packet_codec& codec,
                                          const std::vector<std::string>& datagrams) {
  receiver rx{codec};
  std::vector<dfs::gcs::packet> out;
  for (auto& d : datagrams) {
    EXPECT_LE(d.size(), dfs::net::max_datagram_bytes);
    auto r = rx.on_datagram(d);
    if (!r) continue;
    EXPECT_EQ(r->from, self);
    for (auto& p : r->pkts) out.push_back(p);
  }
  EXPECT_EQ(rx.counters().bad_frame + rx.counters().bad_payload, 0u);
  return out;
}

TEST(GcsWire, SmallPacketsForOnePeerShareOneDatagramInOrder) {
  dfs::net::packet_codec codec{"dfs", "key"};
  std::vector<dfs::gcs::packet> ps;
  for (uint64_t i = 1; i <= 20; ++i) ps.push_back(data_packet(i, 40));
  ps[7].kind = dfs::gcs::packet_kind::status;  // any kind may share a bundle
  ps[7].status.held_upto = 77;
  uint64_t seq = 0, too_large = 0;
  auto d = encode_packets(codec, self, ps, seq, too_large);
  EXPECT_EQ(d.size(), 1u);
  EXPECT_EQ(too_large, 0u);
  EXPECT_EQ(receive_all(codec, d), ps);
}

TEST(GcsWire, BundlesSplitAtTheDatagramSizeAndABigPacketGoesAloneInOrder) {
  dfs::net::packet_codec codec{"dfs", "key"};
  std::vector<dfs::gcs::packet> ps;
  for (uint64_t i = 1; i <= 30; ++i) ps.push_back(data_packet(i, 5000));  // ~150 KB: 3+ bundles
  ps.insert(ps.begin() + 10, install_with_snapshot(200000));              // fragmented alone
  uint64_t seq = 0, too_large = 0;
  auto d = encode_packets(codec, self, ps, seq, too_large);
  EXPECT_GE(d.size(), 3u + 4u);
  EXPECT_EQ(too_large, 0u);
  EXPECT_EQ(receive_all(codec, d), ps);
}

TEST(GcsWire, APacketTooLargeToSendIsCountedAndTheOthersStillGo) {
  dfs::net::packet_codec codec{"dfs", "key"};
  std::vector<dfs::gcs::packet> ps{
      data_packet(1, 10),
      install_with_snapshot(dfs::gcs_net::max_fragments * dfs::gcs_net::fragment_bytes + 1),
      data_packet(2, 10)};
  uint64_t seq = 0, too_large = 0;
  auto d = encode_packets(codec, self, ps, seq, too_large);
  EXPECT_EQ(too_large, 1u);
  EXPECT_EQ(receive_all(codec, d), (std::vector<dfs::gcs::packet>{ps[0], ps[2]}));
}

TEST(GcsWire, ABundleWithABadPartIsDroppedWhole) {
  dfs::net::packet_codec codec{"dfs", "key"};
  dfs::gcs::frame f;
  f.sender = self;
  f.kind = dfs::gcs::frame_kind::bundle;
  f.parts = {dfs::wire::encode(data_packet(1, 10)), "\x07 not a packet"};
  receiver rx{codec};
  EXPECT_FALSE(rx.on_datagram(codec.encode(dfs::net::channel::gcs, dfs::wire::encode(f))));
  f.parts.clear();  // an empty bundle is no packet either
  EXPECT_FALSE(rx.on_datagram(codec.encode(dfs::net::channel::gcs, dfs::wire::encode(f))));
  EXPECT_EQ(rx.counters().bad_payload, 2u);
  EXPECT_EQ(rx.counters().bundles, 0u);
}

TEST(GcsWire, BadDatagramsAreCountedAndDropped) {
  dfs::net::packet_codec codec{"dfs", "key"};
  receiver rx{codec};
  EXPECT_FALSE(rx.on_datagram("garbage"));
  EXPECT_EQ(rx.counters().bad_frame, 1u);
  dfs::net::packet_codec other{"dfs", "other-key"};
  uint64_t seq = 0;
  auto forged = encode_packet(other, self, dfs::gcs::packet{}, seq);
  EXPECT_FALSE(rx.on_datagram(forged[0]));
  EXPECT_EQ(rx.counters().bad_frame, 2u);
  auto junk = codec.encode(dfs::net::channel::gcs, "\x01\x02\x03 not a frame");
  EXPECT_FALSE(rx.on_datagram(junk));
  EXPECT_EQ(rx.counters().bad_payload, 1u);
}

}  // namespace

// Two members' sockets, each holding at most `room` datagrams (what a 208 KiB socket buffer
// holds of 60 KB fragments is three); beyond it a datagram is dropped, as the kernel drops it.
// `lose` drops chosen fragments on their first way to b. Each member reads one datagram at a
// time and sends its replies back.
struct two_members {
  dfs::net::packet_codec codec{"dfs", "key"};
  dfs::node_id a_id{"127.0.0.1", 17000, 1}, b_id{"127.0.0.1", 17010, 2};
  std::shared_ptr<dfs::gcs_net::fragment_store> a_store =
      std::make_shared<dfs::gcs_net::fragment_store>(codec, a_id);
  receiver a{codec, a_id, a_store}, b{codec, b_id, nullptr};
  size_t room = 3;
  std::deque<std::string> to_a, to_b;
  std::set<uint32_t> lose;  // fragment indices lost on their first way to b
  uint64_t dropped = 0, pokes = 0;

  void put(std::deque<std::string>& q, std::string d) {
    if (q.size() >= room) {
      ++dropped;
      return;
    }
    q.push_back(std::move(d));
  }
  void to_b_from_a(std::string d) {
    dfs::gcs::frame f;
    auto decoded = codec.decode(d);
    if (dfs::wire::decode(decoded.payload, f) && lose.erase(f.frag_index) > 0) return;
    put(to_b, std::move(d));
  }
  // a sends `p` to b; returns what b reassembled, after every datagram on the way was read.
  // When nothing is on its way, a's clock moves on to its next poke.
  std::vector<dfs::gcs::packet> send(const dfs::gcs::packet& p) {
    uint64_t too_large = 0;
    for (auto& d : dfs::gcs_net::encode_packets(codec, a_id, {p}, *a_store, b_id, too_large))
      to_b_from_a(std::move(d));
    EXPECT_EQ(too_large, 0u);
    std::vector<dfs::gcs::packet> got;
    std::vector<std::string> replies;
    auto now = std::chrono::steady_clock::now();
    for (;;) {
      if (to_a.empty() && to_b.empty()) {
        if (a_store->in_transfer() == 0) break;
        now += dfs::gcs_net::fragment_store::quiet;
        ++pokes;
        for (auto& [to, d] : a_store->poke(now)) to_b_from_a(std::move(d));
        continue;
      }
      if (!to_b.empty()) {
        auto d = std::move(to_b.front());
        to_b.pop_front();
        if (auto r = b.on_datagram(d, &replies))
          for (auto& x : r->pkts) got.push_back(x);
        for (auto& x : replies) put(to_a, std::move(x));
        replies.clear();
      }
      if (!to_a.empty()) {
        auto d = std::move(to_a.front());
        to_a.pop_front();
        EXPECT_FALSE(a.on_datagram(d, &replies)) << "a fragment request is not a packet";
        for (auto& x : replies) to_b_from_a(std::move(x));
        replies.clear();
      }
    }
    return got;
  }
};

TEST(GcsWire, ABigPacketCrossesASocketThatHoldsThreeDatagrams) {
  two_members m;
  auto p = install_with_snapshot(5 << 20);  // ~90 fragments, a FLUSH of a big queue state
  auto got = m.send(p);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0] == p);
  EXPECT_EQ(m.dropped, 0u) << "at most fragment_window fragments are on their way";
  EXPECT_EQ(m.pokes, 0u);
  EXPECT_EQ(m.b.counters().reassembled, 1u);
  // 88 fragments, each once, but the last ones, which b asks for again while on their way.
  EXPECT_LE(m.b.counters().fragments, 88u + dfs::gcs_net::fragment_window);
  EXPECT_EQ(m.a_store->in_transfer(), 0u) << "b said it has it all";
}

TEST(GcsWire, FragmentsLostOnTheWayAreAskedForAgain) {
  two_members m;
  m.lose = {0, 5, 6, 40, 87};  // the first, two in a row (the whole window), and the last
  auto p = install_with_snapshot(5 << 20);
  auto got = m.send(p);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0] == p);
  EXPECT_EQ(m.b.counters().reassembled, 1u);
  EXPECT_GE(m.pokes, 1u) << "losing the whole window stops the requests until a poke";
  EXPECT_EQ(m.a_store->in_transfer(), 0u);
  // A lost packet is sent again as a new packet, which arrives whole; nothing of it is mixed
  // with the old one's fragments.
  auto again = m.send(install_with_snapshot(300000));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].install.snapshot.size(), 300000u);
}

TEST(GcsWire, RequestsForFragmentsNotInTransferGetNothing) {
  two_members m;
  auto p = install_with_snapshot(300000);
  uint64_t too_large = 0;
  auto first = dfs::gcs_net::encode_packets(m.codec, m.a_id, {p}, *m.a_store, m.b_id, too_large);
  ASSERT_EQ(first.size(), dfs::gcs_net::fragment_window);
  dfs::gcs::frame f;
  ASSERT_TRUE(dfs::wire::decode(m.codec.decode(first[0]).payload, f));
  EXPECT_TRUE(m.a_store->part(m.b_id, f.frag_id, 4));
  EXPECT_FALSE(m.a_store->part(m.b_id, f.frag_id + 1, 0)) << "another packet";
  EXPECT_FALSE(m.a_store->part(m.b_id, f.frag_id, 5000)) << "no such fragment";
  EXPECT_FALSE(m.a_store->part(m.a_id, f.frag_id, 0)) << "sent to someone else";
  // A request from anyone to a receiver without a store is dropped without an answer.
  dfs::gcs::frame ask;
  ask.sender = m.a_id;
  ask.kind = dfs::gcs::frame_kind::fragment_request;
  ask.frag_id = f.frag_id;
  std::vector<std::string> replies;
  EXPECT_FALSE(
      m.b.on_datagram(m.codec.encode(dfs::net::channel::gcs, dfs::wire::encode(ask)), &replies));
  EXPECT_TRUE(replies.empty());
  EXPECT_EQ(m.b.counters().bad_frame + m.b.counters().bad_payload, 0u);
}
