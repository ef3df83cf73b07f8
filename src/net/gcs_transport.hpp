#pragma once
// The gcs packets on the wire: encoding into authenticated datagrams (bundling small packets
// for one peer into one datagram, fragmenting what does not fit in one), and the receiving side
// that runs on the socket's thread: authenticate, decode, reassemble, then hand whole packets to
// the sequencer. Bad datagrams are counted and dropped, never thrown.
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/node_id.hpp"
#include "net/packet_codec.hpp"
#include "proto/gcs.hpp"

namespace dfs::gcs_net {

// Bytes of an encoded packet frame carried per fragment: one datagram with the fragment frame
// and the HMAC frame around it stays under net::max_datagram_bytes.
constexpr size_t fragment_bytes = 60000;
// Bound on a reassembled packet (a snapshot in INSTALL/FLUSH); gcs_config::max_snapshot_bytes
// must stay below it.
constexpr size_t max_fragments = 1200;

struct rx_counters {
  std::atomic<uint64_t> datagrams{0}, bad_frame{0}, bad_payload{0}, fragments{0}, reassembled{0},
      fragments_discarded{0}, bundles{0};
};

// The datagrams for `p` (several when fragmented). `frag_seq` numbers this sender's fragmented
// packets. Empty when the packet exceeds max_fragments * fragment_bytes.
std::vector<std::string> encode_packet(const net::packet_codec& codec, const node_id& self,
                                       const gcs::packet& p, uint64_t& frag_seq);

// The datagrams for `packets` to one peer, in their order: small packets share bundles of up to
// fragment_bytes (one datagram each), a bigger one goes alone as encode_packet sends it. A packet
// encode_packet cannot send is left out and counted in `too_large`.
std::vector<std::string> encode_packets(const net::packet_codec& codec, const node_id& self,
                                        const std::vector<gcs::packet>& packets, uint64_t& frag_seq,
                                        uint64_t& too_large);

// Socket-thread side. Not thread-safe: one instance per socket, used only on its io thread.
class receiver {
 public:
  struct received {
    node_id from;
    std::vector<gcs::packet> pkts;  // one, or a bundle's in order
  };
  explicit receiver(const net::packet_codec& codec) : codec_(codec) {}
  std::optional<received> on_datagram(std::string_view datagram);
  rx_counters& counters() { return counters_; }

 private:
  struct partial {
    uint64_t frag_id = 0;
    std::vector<std::string> parts;
    size_t have = 0;
  };
  std::optional<received> on_fragment(gcs::frame&& f);
  std::optional<received> on_bundle(gcs::frame&& f);

  const net::packet_codec& codec_;
  std::map<node_id, partial> partial_;  // one packet in reassembly per sender
  rx_counters counters_;
};

}  // namespace dfs::gcs_net
