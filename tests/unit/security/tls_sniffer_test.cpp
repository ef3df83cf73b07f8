// The control gate's view of a TLS stream: handshake records, then application data; anything
// that is not TLS is recognised from its first bytes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/security/tls_sniffer.hpp"

using dfs::security::tls_sniffer;
using state = tls_sniffer::state;

namespace {

std::string record(uint8_t type, size_t len) {
  std::string r = {static_cast<char>(type), 3, 3, static_cast<char>(len >> 8),
                   static_cast<char>(len & 0xff)};
  return r + std::string(len, 'x');
}

state feed(tls_sniffer& s, const std::string& bytes) {
  return s.feed(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

TEST(TlsSniffer, HandshakeThenApplicationDataIsEstablished) {
  tls_sniffer s;
  EXPECT_EQ(feed(s, record(22, 300)), state::handshaking);
  EXPECT_EQ(feed(s, record(20, 1) + record(22, 50)), state::handshaking);
  EXPECT_EQ(feed(s, record(23, 40)), state::established);
}

TEST(TlsSniffer, RecordsSplitAtAnyByteAreFollowed) {
  auto stream = record(22, 517) + record(22, 90) + record(23, 20);
  for (size_t cut = 1; cut < 40; ++cut) {
    tls_sniffer s;
    state last = state::handshaking;
    for (size_t i = 0; i < stream.size(); i += cut) last = feed(s, stream.substr(i, cut));
    EXPECT_EQ(last, state::established) << cut;
  }
}

TEST(TlsSniffer, AnythingElseIsNotTls) {
  std::vector<std::string> bad = {
      std::string("\x00\x00\x00\x28\x00", 5),  // a CAF/BASP header
      "GET / HTTP/1.1\r\n",                    // HTTP
      record(23, 10),                          // application data before any handshake
      std::string("\x16\x02\x00\x00\x10", 5),  // SSLv2-ish version byte
      std::string("\x16\x03\x01\xff\xff", 5),  // longer than any TLS record
      std::string("\x16\x03\x01\x00\x00", 5),  // an empty record
  };
  for (auto& b : bad) {
    tls_sniffer s;
    EXPECT_EQ(feed(s, b), state::not_tls) << b;
  }
  tls_sniffer s;
  EXPECT_EQ(feed(s, record(22, 10) + std::string("\x63\x03\x03\x00\x01", 5)), state::not_tls);
}
