#include "net/packet_codec.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace dfs::net;

TEST(PacketCodec, RoundTrip) {
  packet_codec c{"dfs", "secret"};
  auto d = c.encode(channel::gcs, "hello");
  ASSERT_EQ(d.size(), packet_header_bytes + 5 + packet_mac_bytes);
  auto r = c.decode(d);
  EXPECT_EQ(r.error, packet_error::none);
  EXPECT_EQ(r.ch, channel::gcs);
  EXPECT_EQ(r.payload, "hello");
  EXPECT_EQ(c.decode(c.encode(channel::membership, "")).error, packet_error::none);
}

TEST(PacketCodec, RejectsWrongKeyAndCluster) {
  packet_codec a{"dfs", "k1"}, b{"dfs", "k2"}, other{"other", "k1"};
  auto d = a.encode(channel::membership, "x");
  EXPECT_EQ(b.decode(d).error, packet_error::bad_mac);
  EXPECT_EQ(other.decode(d).error, packet_error::wrong_cluster);
}

TEST(PacketCodec, EveryFlippedByteIsRejected) {
  packet_codec c{"dfs", "k"};
  auto d = c.encode(channel::membership, "some payload bytes");
  for (size_t i = 0; i < d.size(); ++i) {
    auto bad = d;
    bad[i] = static_cast<char>(bad[i] ^ 0x40);
    EXPECT_NE(c.decode(bad).error, packet_error::none) << "byte " << i;
  }
}

TEST(PacketCodec, TruncatedAndOversized) {
  packet_codec c{"dfs", "k"};
  auto d = c.encode(channel::membership, "payload");
  for (size_t n = 0; n < d.size(); ++n)
    EXPECT_NE(c.decode(std::string_view(d).substr(0, n)).error, packet_error::none) << n;
  EXPECT_EQ(c.decode(std::string(max_datagram_bytes + 1, 'x')).error, packet_error::too_large);
  EXPECT_TRUE(c.encode(channel::gcs, std::string(max_datagram_payload_bytes + 1, 'x')).empty());
  EXPECT_FALSE(c.encode(channel::gcs, std::string(max_datagram_payload_bytes, 'x')).empty());
}

TEST(PacketCodec, RandomBytesNeverAccepted) {
  packet_codec c{"dfs", ""};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string d(rng() % 200, '\0');
    for (auto& ch : d) ch = static_cast<char>(rng());
    if (i % 2 == 0 && d.size() >= 4) d.replace(0, 4, "DFSP");  // get past the magic
    EXPECT_NE(c.decode(d).error, packet_error::none);
  }
}
