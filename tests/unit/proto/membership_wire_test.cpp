// SWIM packets through the byte encoding used on the gossip socket: round trip, and random
// or truncated payloads are rejected without crashing (the HMAC keeps strangers out, but a
// holder of the key, or an empty key, must not be able to crash a node either).
#include <gtest/gtest.h>

#include <random>

#include "proto/membership.hpp"
#include "proto/wire.hpp"
#include "roundtrip.hpp"
#include "same_bytes.hpp"

using namespace dfs;
using namespace dfs::membership;

namespace {

packet sample() {
  packet p;
  p.kind = packet_kind::ping_req;
  p.sender = {"127.0.0.1", 17000, 1719000000000ull};
  p.sender_incarnation = 3;
  p.sender_meta = "introducer,master";
  p.seq = 42;
  p.target = {"127.0.0.1", 17010, 1719000000001ull};
  p.updates.push_back({p.target, member_state::suspect, 2, p.sender, "chunkserver"});
  p.state.push_back({p.sender, member_state::alive, 3, {}, "introducer,master"});
  return p;
}

}  // namespace

TEST(MembershipWire, RoundTrip) {
  dfs::test::expect_roundtrip(sample());
  dfs::test::expect_same_bytes(sample());  // the gossip socket's codec (proto/wire.hpp)
  auto bytes = wire::encode(sample());
  packet back;
  ASSERT_TRUE(wire::decode(bytes, back));
  EXPECT_EQ(back.updates, sample().updates);
  EXPECT_EQ(back.sender_meta, "introducer,master");
}

TEST(MembershipWire, TruncatedOrExtendedIsRejected) {
  auto bytes = wire::encode(sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    packet p;
    EXPECT_FALSE(wire::decode(std::string_view(bytes).substr(0, n), p)) << n;
  }
  packet p;
  EXPECT_FALSE(wire::decode(bytes + "x", p));
}

TEST(MembershipWire, RandomBytesAreRejectedAndMutationsNeverYieldAnUnencodablePacket) {
  std::mt19937_64 rng(11);
  auto good = wire::encode(sample());
  int random_accepted = 0, mutated_rejected = 0, mutated_accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string d = good;
    packet p;
    if (i % 2 == 0) {
      d.resize(rng() % 300);
      for (auto& c : d) c = static_cast<char>(rng());
      random_accepted += wire::decode(d, p) ? 1 : 0;
      continue;
    }
    for (int k = 0; k < 4; ++k) d[rng() % d.size()] = static_cast<char>(rng());
    if (!wire::decode(d, p)) {
      ++mutated_rejected;
      continue;
    }
    // What is accepted is a well-formed packet: it encodes and decodes to itself again.
    ++mutated_accepted;
    auto again = wire::encode(p);
    packet q;
    ASSERT_TRUE(wire::decode(again, q)) << "accepted packet does not survive its own encoding";
    EXPECT_EQ(wire::encode(q), again);
  }
  EXPECT_EQ(random_accepted, 0) << "random bytes decoded as a packet";
  EXPECT_GT(mutated_rejected, 0);
  EXPECT_GT(mutated_accepted, 0);  // the loop above checked something
  packet after;
  ASSERT_TRUE(wire::decode(good, after)) << "a valid packet is still accepted after garbage";
  EXPECT_EQ(after, sample());
}
