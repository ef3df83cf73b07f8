// LAN discovery packets: round trips, signatures, nonces, and bad input as one clear error.
#include <gtest/gtest.h>

#include "core/discovery/finder.hpp"

namespace dfs::discovery {
namespace {

const std::string key = packet_key("discovery secret");
const answer master{"10.0.0.5", 17010, static_cast<uint8_t>(discovery_role::master)};

TEST(Discovery, ProbeAndAnswerRoundTrip) {
  auto p = decode(encode_probe(42, key), key);
  ASSERT_TRUE(p.ok()) << p.err().message;
  EXPECT_EQ(p->type, packet_type::probe);
  EXPECT_EQ(p->nonce, 42u);
  auto a = decode(encode_answer(42, master, key), key);
  ASSERT_TRUE(a.ok()) << a.err().message;
  EXPECT_EQ(a->type, packet_type::answer);
  EXPECT_EQ(a->body, master);
  EXPECT_EQ(role_names(role_bits("master,fileserver,bogus")), "master,fileserver");
  EXPECT_THROW(encode_answer(1, answer{"", 1, 0}, key), std::invalid_argument);
}

TEST(Discovery, AnotherKeyOrAnyChangedByteIsRefused) {
  auto bytes = encode_answer(7, master, key);
  EXPECT_EQ(decode(bytes, packet_key("other cluster")).err().code, errc::bad_mac);
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(decode(bad, key).ok()) << "byte " << i;
  }
  EXPECT_EQ(decode("", key).err().code, errc::malformed);
  EXPECT_EQ(decode(std::string(600, 'x'), key).err().code, errc::malformed);
  EXPECT_EQ(decode(bytes.substr(0, bytes.size() - 1), key).err().code, errc::malformed);
  EXPECT_NE(decode(std::string(48, '\0'), key).err().message.find("discovery packet"),
            std::string::npos);
}

TEST(Discovery, AServerAnswersOnlyValidProbes) {
  auto reply = answer_probe(encode_probe(9, key), master, key);
  ASSERT_TRUE(reply);
  EXPECT_EQ(decode(*reply, key)->nonce, 9u);
  EXPECT_FALSE(answer_probe(*reply, master, key)) << "an answer is never answered (no loops)";
  EXPECT_FALSE(answer_probe(encode_probe(9, packet_key("x")), master, key));
  EXPECT_FALSE(answer_probe("garbage", master, key));
}

TEST(Discovery, AFinderKeepsAnswersToItsOwnProbeOnly) {
  finder f(1234, key);
  f.on_datagram(f.probe());                                     // our own probe, looped back
  f.on_datagram(encode_answer(999, master, key));               // an answer to an older probe
  f.on_datagram(encode_answer(1234, master, packet_key("x")));  // another cluster
  EXPECT_TRUE(f.found().empty());
  EXPECT_EQ(f.dropped(), 3u);
  answer fs{"10.0.0.6", 17020, static_cast<uint8_t>(discovery_role::fileserver)};
  f.on_datagram(*answer_probe(f.probe(), fs, key));
  f.on_datagram(*answer_probe(f.probe(), master, key));
  f.on_datagram(*answer_probe(f.probe(), master, key));  // twice: one entry
  answer fs_too = master;
  fs_too.roles = static_cast<uint8_t>(discovery_role::fileserver);
  f.on_datagram(*answer_probe(f.probe(), fs_too, key));  // roles of one node merge
  ASSERT_EQ(f.found().size(), 2u);
  EXPECT_EQ(f.first_with(discovery_role::master)->host, "10.0.0.5");
  EXPECT_EQ(f.first_with(discovery_role::fileserver)->host, "10.0.0.6");
  EXPECT_TRUE(f.found()[1].has(discovery_role::fileserver));
  EXPECT_FALSE(f.first_with(discovery_role::introducer));
  for (uint16_t p = 1; p < 400; ++p) f.on_datagram(encode_answer(1234, {"h", p, 1}, key));
  EXPECT_EQ(f.found().size(), finder::max_found) << "bounded";
}

}  // namespace
}  // namespace dfs::discovery
