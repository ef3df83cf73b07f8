#pragma once
// The gcs packets on the wire: encoding into authenticated datagrams (bundling small packets
// for one peer into one datagram, fragmenting what does not fit in one), and the receiving side
// that runs on the socket's thread: authenticate, decode, reassemble, then hand whole packets to
// the sequencer. Bad datagrams are counted and dropped, never thrown.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
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
// Fragments of a packet sent unasked; the receiver asks for one more as each arrives
// (fragment_request), so that at most this many of them wait in its socket. Sent at once, the
// ~90 fragments of a 5 MB FLUSH or INSTALL overflowed the peer's socket buffer (208 KiB by
// default: three fragments) every time, the packet never arrived, and the view change never
// completed: the group stayed without a primary view for good.
constexpr uint32_t fragment_window = 2;

struct rx_counters {
  std::atomic<uint64_t> datagrams{0}, bad_frame{0}, bad_payload{0}, fragments{0}, reassembled{0},
      fragments_discarded{0}, bundles{0}, fragments_asked{0}, fragments_served{0};
};

// The datagrams for `p`, every fragment of a big one at once (tests and the fuzzer; the
// sequencer sends through a fragment_store). `frag_seq` numbers this sender's fragmented
// packets. Empty when the packet exceeds max_fragments * fragment_bytes.
std::vector<std::string> encode_packet(const net::packet_codec& codec, const node_id& self,
                                       const gcs::packet& p, uint64_t& frag_seq);

// The datagrams for `packets` to one peer, in their order: small packets share bundles of up to
// fragment_bytes (one datagram each), a bigger one goes alone as encode_packet sends it. A packet
// encode_packet cannot send is left out and counted in `too_large`.
std::vector<std::string> encode_packets(const net::packet_codec& codec, const node_id& self,
                                        const std::vector<gcs::packet>& packets, uint64_t& frag_seq,
                                        uint64_t& too_large);

// The packets too big for one datagram that this member is sending: the latest to each peer,
// whose fragments the peer asks for one by one after the first fragment_window, and says when
// it has them all. Thread-safe: filled and poked on the sending thread, asked on the socket's.
// A packet is kept until the peer has it or the next big one to that peer replaces it.
class fragment_store {
 public:
  using clock = std::chrono::steady_clock;
  // A transfer with no request for this long gets its last fragment again (poke).
  static constexpr std::chrono::milliseconds quiet{20};
  // Pokes without an answer before the transfer is dropped (its peer is gone, or has it).
  static constexpr uint32_t max_pokes = 50;

  fragment_store(const net::packet_codec& codec, node_id self)
      : codec_(codec), self_(std::move(self)) {}
  // Keeps `frame` (an encoded packet frame bigger than fragment_bytes) as the packet in transfer
  // to `to` and returns its first fragments; empty when it exceeds max_fragments.
  std::vector<std::string> start(const node_id& to, std::string frame,
                                 clock::time_point now = clock::now());
  // The datagram of fragment `index` of packet `frag_id` to `to`; nullopt when that packet is no
  // longer the one in transfer to `to`, or there is no such fragment. Index == the fragment
  // count: `to` has them all, and the packet is dropped.
  std::optional<std::string> part(const node_id& to, uint64_t frag_id, uint32_t index,
                                  clock::time_point now = clock::now());
  // For every transfer quiet for `quiet`: its last fragment sent, again, to restart the
  // requests (every fragment on its way was lost). (peer, datagram) pairs.
  std::vector<std::pair<node_id, std::string>> poke(clock::time_point now = clock::now());
  size_t in_transfer() const;

 private:
  struct transfer {
    uint64_t frag_id = 0;
    uint32_t count = 0;
    std::string frame;
    uint32_t last = 0;  // the fragment sent last
    clock::time_point active;
    uint32_t pokes = 0;  // since the last request
  };
  const net::packet_codec& codec_;
  node_id self_;
  mutable std::mutex mu_;
  std::map<node_id, transfer> out_;
  uint64_t frag_seq_ = 0;
};

// The datagrams for `packets` to `to` as encode_packets cuts them, except that a packet too big
// for one datagram goes through `store`: its first fragments now, the others as `to` asks.
std::vector<std::string> encode_packets(const net::packet_codec& codec, const node_id& self,
                                        const std::vector<gcs::packet>& packets,
                                        fragment_store& store, const node_id& to,
                                        uint64_t& too_large);

// Socket-thread side. Not thread-safe: one instance per socket, used only on its io thread.
class receiver {
 public:
  struct received {
    node_id from;
    std::vector<gcs::packet> pkts;  // one, or a bundle's in order
  };
  // `self` names this member in its fragment requests; `store` (may be null) answers the
  // requests of others.
  explicit receiver(const net::packet_codec& codec, node_id self = {},
                    std::shared_ptr<fragment_store> store = nullptr)
      : codec_(codec), self_(std::move(self)), store_(std::move(store)) {}
  // Datagrams to send back to the datagram's source go to `replies` (when not null): a request
  // for the next fragment of a packet in reassembly, or a fragment asked for.
  std::optional<received> on_datagram(std::string_view datagram,
                                      std::vector<std::string>* replies = nullptr);
  rx_counters& counters() { return counters_; }

 private:
  struct partial {
    uint64_t frag_id = 0;
    std::vector<std::string> parts;
    size_t have = 0;
    uint32_t next_ask = 0;  // below it every fragment was sent or asked for once
    uint32_t hole = 0;      // below it every missing fragment was asked for again
    bool done = false;      // reassembled and handed on
  };
  std::optional<received> on_fragment(gcs::frame&& f, std::vector<std::string>* replies);
  std::optional<received> on_bundle(gcs::frame&& f);
  void on_request(const gcs::frame& f, std::vector<std::string>* replies);
  void ask(const partial& p, uint32_t index, std::vector<std::string>* replies);
  void ask_next(partial& p, uint32_t arrived, bool fresh, std::vector<std::string>* replies);

  const net::packet_codec& codec_;
  node_id self_;
  std::shared_ptr<fragment_store> store_;
  std::map<node_id, partial> partial_;  // one packet in reassembly per sender
  rx_counters counters_;
};

}  // namespace dfs::gcs_net
