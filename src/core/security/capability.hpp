#pragma once
// Capability tokens of the data plane (SECURITY.md). The master hands one out with every chunk
// of a put plan (write) and of a layout (read); a chunkserver serves a data-port request only
// with a token that its cluster's master signed for exactly that chunk and operation, and that
// has not expired. Signed with HMAC-SHA256 under a key derived from cluster.key, which the
// master and the chunkservers hold and clients never see: a client can use a token, not make
// or widen one.
//
// A write token also names the chain: the data endpoints ("host:port") the master placed the
// chunk on. A chunkserver takes a push only if it is one of them, and forwards it only to the
// others — never to an address that came from the wire alone.
//
// Binary form (little-endian), at most max_capability_bytes:
//   u8 format (1), u8 op, u64 handle, u64 chunk version, u64 expiry (unix ms),
//   u8 chain length (<= max_capability_chain), chain x (u16 length (1..max_endpoint_bytes),
//   bytes), 32 bytes HMAC-SHA256 over everything before it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/security/auth_token.hpp"

namespace dfs::security {

enum class capability_op : uint8_t { read = 1, write = 2 };
const char* to_string(capability_op op);

struct capability {
  capability_op op = capability_op::read;
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
  uint64_t expiry_ms = 0;          // unix milliseconds
  std::vector<std::string> chain;  // write: every replica the master placed the chunk on

  friend bool operator==(const capability& a, const capability& b) {
    return a.op == b.op && a.handle == b.handle && a.chunk_version == b.chunk_version &&
           a.expiry_ms == b.expiry_ms && a.chain == b.chain;
  }
};

constexpr size_t max_capability_chain = 17;            // a chunk's replicas (replication <= 17)
constexpr size_t max_capability_endpoint_bytes = 260;  // a DNS name, ":", a port
constexpr size_t max_capability_bytes = 4608;  // the longest chain of the longest names fits

// The key capabilities are signed with, from cluster.key.
std::string capability_key(std::string_view cluster_key);

// Throws std::invalid_argument if the capability breaks the bounds above (the master's bug).
std::string sign_capability(const capability& c, std::string_view key);

// The capability in `token` if `key` signed it and it has not expired at `now_ms`.
token_result<capability> verify_capability(std::string_view token, std::string_view key,
                                           uint64_t now_ms);

// What a chunkserver checks besides the signature. `self` is its data endpoint, `next_hops`
// the rest of the chain a push names on the wire. Errors: forbidden, with the reason.
token_result<capability> check_read(token_result<capability> c, uint64_t handle);
token_result<capability> check_push(token_result<capability> c, uint64_t handle,
                                    uint64_t chunk_version, std::string_view self,
                                    const std::vector<std::string>& next_hops);
// Mutations (issue 13): the master signs a lease's capability as a write of the chunk at the
// lease's version naming every replica. A client's write or append, and every message
// between the replicas, carries it: `peer` (a replica sending to us; empty for a client's
// request) and `self` must both be named.
token_result<capability> check_mutation(token_result<capability> c, uint64_t handle,
                                        uint64_t chunk_version, std::string_view self,
                                        std::string_view peer = {});
// A client's mutation at the primary `self`: the secondaries it names must be exactly the
// lease's other replicas (the capability's chain without `self`). The primary forwards to them
// and acknowledges once they have it, so one left out would miss acknowledged bytes. Empty
// when they are; else why not.
std::string secondaries_mismatch(const capability& c, std::string_view self,
                                 const std::vector<std::string>& secondaries);

}  // namespace dfs::security
