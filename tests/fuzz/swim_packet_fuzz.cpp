// SWIM gossip datagrams (net/packet_codec.hpp, core/membership/messages.hpp): UDP packets on the
// control port from anyone, authenticated by an HMAC over cluster.key.
//
// The input is tried as a datagram as it is (the header checks and the MAC), then as the payload
// of a datagram signed with the test key: past the HMAC, which no fuzzer forges, to the CAF
// decoding of the packet and to a SWIM member that receives it.
//
// Properties: the codec returns the payload it signed; a packet that decodes re-encodes to one
// that decodes equal; a member fed any packet never aborts, keeps its bounds (max_members) and
// sends only packets that fit one datagram.
#include <string>
#include <string_view>

#include "core/membership/swim.hpp"
#include "fuzz/fuzz_check.hpp"
#include "net/packet_codec.hpp"
#include "proto/membership.hpp"
#include "proto/wire.hpp"

using namespace dfs;
using namespace dfs::membership;

namespace {

const net::packet_codec& codec() {
  static const net::packet_codec c("fuzz", "fuzz cluster key");
  return c;
}

void check_member(const packet& p) {
  const time_point start{std::chrono::hours(1)};
  membership_config cfg;
  cfg.max_members = 8;
  swim s(node_id{"10.0.0.1", 7000, 1}, cfg, 42, start);
  auto check = [&](const effects& fx) {
    for (auto& o : fx.send) {
      auto bytes = wire::encode(o.pkt);
      FUZZ_CHECK(!bytes.empty() && bytes.size() <= net::max_datagram_payload_bytes);
      FUZZ_CHECK(o.pkt.updates.size() <= cfg.max_piggyback);
    }
    FUZZ_CHECK(s.live_count() <= cfg.max_members + 1);
  };
  check(s.join({endpoint{"10.0.0.2", 7000}}, start));
  auto from = p.sender.empty() ? endpoint{"10.0.0.3", 7000} : p.sender.address();
  check(s.on_packet(from, p, start + std::chrono::milliseconds(1)));
  check(s.on_packet(from, p, start + std::chrono::milliseconds(2)));  // a duplicate
  for (int i = 1; i <= 3; ++i) check(s.on_tick(start + std::chrono::seconds(i)));
}

void check_payload(std::string_view payload) {
  packet p;
  if (!wire::decode(payload, p)) return;
  auto bytes = wire::encode(p);
  packet again;
  FUZZ_CHECK(wire::decode(bytes, again) && again == p);
  check_member(p);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::as_view(data, size);
  auto raw = codec().decode(in);
  if (raw.error == net::packet_error::none) {
    FUZZ_CHECK(raw.payload.size() + net::packet_header_bytes + net::packet_mac_bytes == size);
    if (raw.ch == net::channel::membership) check_payload(raw.payload);
  }
  auto signed_dgram = codec().encode(net::channel::membership, in);
  if (size > net::max_datagram_payload_bytes) {
    FUZZ_CHECK(signed_dgram.empty());
    return 0;
  }
  auto d = codec().decode(signed_dgram);
  FUZZ_CHECK(d.error == net::packet_error::none && d.ch == net::channel::membership &&
             d.payload == in);
  check_payload(d.payload);
  return 0;
}
