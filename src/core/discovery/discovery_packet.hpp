#pragma once
// LAN discovery (cluster.discovery = multicast, seed 001): a client sends a probe to the
// multicast group; every master and fileserver answers it, to the probe's sender, with where
// its control port is and which roles it runs. Both are signed (HMAC-SHA256 under a key derived
// from cluster.discovery_key), so that nobody without the key can make a client talk to a host
// of its choosing, and an answer repeats the probe's random nonce, so that a recorded answer
// cannot be replayed to a later probe. Decoding is pure and total: any bytes give a packet or
// one clear error, never a crash (tests/unit/discovery, tests/fuzz/discovery_fuzz.cpp).
//
// Binary form (little-endian):
//   u32 magic "DFSD", u8 version (1), u8 type (1 probe, 2 answer), u16 body bytes,
//   u64 nonce, body, 32 bytes HMAC-SHA256 over everything before it.
//   probe body:  empty
//   answer body: u16 control port (> 0), u8 roles (bit set of discovery_role),
//                u8 host bytes (1..255), host
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace dfs::discovery {

inline constexpr uint32_t magic = 0x44534644;  // "DFSD" read little-endian
inline constexpr uint8_t version = 1;
inline constexpr size_t header_bytes = 16;
inline constexpr size_t mac_bytes = 32;
inline constexpr size_t max_packet_bytes = 512;
static_assert(header_bytes == 4 + 1 + 1 + 2 + 8, "magic, version, type, body length, nonce");
static_assert(header_bytes + 2 + 1 + 1 + 255 + mac_bytes <= max_packet_bytes);

enum class packet_type : uint8_t { probe = 1, answer = 2 };

// Roles an answer names, as bits (explicit values: they are on the wire).
enum class discovery_role : uint8_t { master = 1, fileserver = 2, chunkserver = 4, introducer = 8 };

struct answer {
  std::string host;  // where the control port listens (node.host)
  uint16_t port = 0;
  uint8_t roles = 0;  // discovery_role bits

  bool has(discovery_role r) const { return (roles & static_cast<uint8_t>(r)) != 0; }
  friend bool operator==(const answer& a, const answer& b) {
    return a.host == b.host && a.port == b.port && a.roles == b.roles;
  }
};

struct packet {
  packet_type type = packet_type::probe;
  uint64_t nonce = 0;
  answer body;  // answers only
};

enum class errc : uint8_t {
  ok = 0,
  malformed = 1,  // too short or long, bad magic, version, type, lengths, body
  bad_mac = 2,    // not signed with our key (another cluster, or forged)
};
using error = basic_error<errc>;
template <class T>
using result = basic_result<T, error>;

// The key discovery packets are signed with, from cluster.discovery_key.
std::string packet_key(std::string_view discovery_key);

std::string encode_probe(uint64_t nonce, std::string_view key);
// Throws std::invalid_argument for a host of 0 or more than 255 bytes or port 0 (our bug).
std::string encode_answer(uint64_t nonce, const answer& a, std::string_view key);
result<packet> decode(std::string_view bytes, std::string_view key);

// "master,fileserver" <-> bits; unknown role names are left out.
uint8_t role_bits(const std::string& comma_list);
std::string role_names(uint8_t bits);

}  // namespace dfs::discovery
