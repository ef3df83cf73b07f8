#pragma once
// The frame of every UDP datagram we send (gossip, total-order multicast), checked at the
// edge before anything is deserialised:
//
//   offset size field
//        0    4 magic "DFSP"
//        4    1 version (1)
//        5    1 channel (1 = membership, 2 = gcs)
//        6    2 reserved (0)
//        8    4 cluster id (CRC32C of cluster.name): packets of another cluster are dropped
//       12    4 payload length
//       16    n payload (CAF binary serialisation of the channel's packet struct)
//     16+n   32 HMAC-SHA256(cluster.key, bytes 0 .. 16+n)
//
// With an empty cluster key the HMAC still guards against corruption but not forgery.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/crypto.hpp"

namespace dfs::net {

enum class channel : uint8_t { membership = 1, gcs = 2 };

constexpr size_t packet_header_bytes = 16;
constexpr size_t packet_mac_bytes = 32;
constexpr size_t max_datagram_bytes = 65000;  // under the 65507-byte UDP payload limit
constexpr size_t max_datagram_payload_bytes =
    max_datagram_bytes - packet_header_bytes - packet_mac_bytes;

enum class packet_error : uint8_t {
  none = 0,
  too_short,
  too_large,
  bad_magic,
  bad_version,
  wrong_cluster,
  bad_length,
  bad_mac,
  unknown_channel,
};

const char* to_string(packet_error e);

class packet_codec {
 public:
  packet_codec(const std::string& cluster_name, std::string key);

  // The datagram for `payload`; empty if the payload exceeds max_datagram_payload_bytes.
  std::string encode(channel ch, std::string_view payload) const;

  struct decoded {
    packet_error error = packet_error::none;
    channel ch = channel::membership;
    std::string_view payload;  // points into the datagram
  };
  decoded decode(std::string_view datagram) const;

  uint32_t cluster_id() const { return cluster_id_; }

 private:
  uint32_t cluster_id_;
  crypto::hmac_sha256_key mac_;
};

}  // namespace dfs::net
