// Total-order multicast datagrams of the fileservers (net/gcs_transport.hpp, proto/gcs.hpp): UDP
// packets on port P+2, authenticated by an HMAC over cluster.key, possibly fragments of one
// packet that the receiver reassembles.
//
// The input is cut into up to 8 datagram payloads (a u16 length before each), each signed with
// the test key (past the HMAC, which no fuzzer forges) and fed in order to one receiver, so
// that fragments of several senders and packets interleave.
//
// The receiver has a fragment store holding one big packet to a peer, so fragment requests
// (frame kind 4) are answered too, and it asks for fragments itself.
//
// Properties: the receiver returns packets (one, or a bundle's) or nothing, never throws or
// aborts; its replies are datagrams no bigger than a datagram may be; the packets it returns,
// sent again through encode_packets, arrive equal and in the same order at a fresh receiver.
#include <memory>
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

const node_id self{"10.0.0.1", 7000, 1};

// A store with a packet of 3 fragments in transfer to 10.0.0.2:7000#2 (frag_id 1).
std::shared_ptr<gcs_net::fragment_store> store_with_transfer() {
  auto store = std::make_shared<gcs_net::fragment_store>(codec(), self);
  gcs::packet p;
  p.kind = gcs::packet_kind::install;
  p.install.has_snapshot = true;
  p.install.snapshot.assign(2 * gcs_net::fragment_bytes, 's');
  uint64_t too_large = 0;
  gcs_net::encode_packets(codec(), self, {p}, *store, node_id{"10.0.0.2", 7000, 2}, too_large);
  return store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::as_view(data, size);
  gcs_net::receiver rx(codec(), self, store_with_transfer());
  std::vector<std::string> replies;
  auto feed = [&](std::string_view datagram) {
    auto r = rx.on_datagram(datagram, &replies);
    for (auto& d : replies) FUZZ_CHECK(d.size() <= net::max_datagram_bytes);
    replies.clear();
    if (r) check_received(*r);
  };
  feed(in);  // unsigned: dropped unless forged
  for (int i = 0; i < 8 && in.size() >= 2; ++i) {
    size_t n = std::min<size_t>(get_le(in.data(), 2), in.size() - 2);
    if (i == 7) n = in.size() - 2;  // the last one takes the rest
    auto payload = in.substr(2, n);
    in.remove_prefix(2 + n);
    feed(codec().encode(net::channel::gcs, payload));
  }
  return 0;
}
