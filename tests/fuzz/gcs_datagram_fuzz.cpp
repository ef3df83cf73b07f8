// Total-order multicast datagrams of the fileservers (net/gcs_transport.hpp, proto/gcs.hpp): UDP
// packets on port P+2, authenticated by an HMAC over cluster.key, possibly fragments of one
// packet that the receiver reassembles.
//
// The input is cut into up to 8 datagram payloads (a u16 length before each), each signed with
// the test key (past the HMAC, which no fuzzer forges) and fed in order to one receiver, so
// that fragments of several senders and packets interleave.
//
// Properties: the receiver returns packets (one, or a bundle's) or nothing, never throws or
// aborts; the packets it returns, sent again through encode_packets, arrive equal and in the
// same order at a fresh receiver.
#include <string>
#include <string_view>

#include "common/little_endian.hpp"
#include "fuzz/fuzz_check.hpp"
#include "net/gcs_transport.hpp"
#include "proto/wire.hpp"

using namespace dfs;

namespace {

const net::packet_codec& codec() {
  static const net::packet_codec c("fuzz", "fuzz cluster key");
  return c;
}

void check_received(const gcs_net::receiver::received& r) {
  FUZZ_CHECK(!r.pkts.empty());
  uint64_t frag_seq = 0, too_large = 0;
  auto datagrams = gcs_net::encode_packets(codec(), r.from, r.pkts, frag_seq, too_large);
  FUZZ_CHECK(!datagrams.empty() && too_large == 0);
  gcs_net::receiver fresh(codec());
  std::vector<gcs::packet> back;
  for (auto& d : datagrams) {
    auto got = fresh.on_datagram(d);
    if (!got) continue;  // a fragment of a packet not yet complete
    FUZZ_CHECK(got->from == r.from);
    for (auto& p : got->pkts) back.push_back(std::move(p));
  }
  FUZZ_CHECK(back == r.pkts);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::as_view(data, size);
  gcs_net::receiver rx(codec());
  if (auto r = rx.on_datagram(in)) check_received(*r);  // unsigned: dropped unless forged
  for (int i = 0; i < 8 && in.size() >= 2; ++i) {
    size_t n = std::min<size_t>(get_le(in.data(), 2), in.size() - 2);
    if (i == 7) n = in.size() - 2;  // the last one takes the rest
    auto payload = in.substr(2, n);
    in.remove_prefix(2 + n);
    if (auto r = rx.on_datagram(codec().encode(net::channel::gcs, payload))) check_received(*r);
  }
  return 0;
}
