#pragma once
// The two ends of LAN discovery as pure logic (the sockets are in src/net/discovery.hpp):
// `answer_probe` is what a server does with a datagram from the group; `finder` is a client's
// probe and the answers it collects. Bad, foreign-keyed and stale (other nonce) datagrams are
// counted and dropped, never answered.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/discovery/discovery_packet.hpp"

namespace dfs::discovery {

// A server's reply to `datagram`: the signed answer `self` if it is a valid probe, else
// nothing (an answer from another server on the group, garbage, another cluster's probe).
std::optional<std::string> answer_probe(std::string_view datagram, const answer& self,
                                        std::string_view key);

class finder {
 public:
  // `nonce`: random, fresh per discovery; `key`: packet_key(cluster.discovery_key).
  finder(uint64_t nonce, std::string key);

  std::string probe() const { return encode_probe(nonce_, key_); }
  // A datagram that came back to the probing socket.
  void on_datagram(std::string_view datagram);

  // Servers found, one per host:port (roles merged), in the order they first answered.
  const std::vector<answer>& found() const { return found_; }
  size_t dropped() const { return dropped_; }
  // The first server found with `r`, if any.
  std::optional<answer> first_with(discovery_role r) const;

  static constexpr size_t max_found = 256;  // a bound on what a flood of answers can cost

 private:
  uint64_t nonce_;
  std::string key_;
  std::vector<answer> found_;
  size_t dropped_ = 0;
};

}  // namespace dfs::discovery
