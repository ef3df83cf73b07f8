// The gcs datagram path: frames round-trip, small packets for one peer share bundles (in order),
// oversize packets are fragmented and reassembled (in any order, duplicates ignored), and bad
// datagrams are counted and dropped.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

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
