#pragma once
// Client side of the data protocol (data_frame.hpp): push one chunk along a replica chain,
// read a range, ask for a replica's (version, length, checksum), list a chunkserver. Blocking;
// callers run several on threads for a window of chunks in flight. Connections come from a
// conn_pool and go back to it after a clean exchange; a transport failure on a reused
// connection is retried once on a fresh one (the peer may have closed it while idle). Every
// failure throws data_error with one line naming the replica.
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/chunkserver/mutation_messages.hpp"
#include "core/master/messages.hpp"
#include "net/conn_pool.hpp"

namespace dfs::net {

struct data_error : std::runtime_error {
  uint32_t status;        // chunkstore::errc of the replica, or 0 for transport errors
  bool retriable = true;  // false: the exchange had effects (bytes handed on): never repeated
  data_error(uint32_t s, const std::string& what, bool may_retry = true)
      : std::runtime_error(what), status(s), retriable(may_retry) {}
};

struct data_endpoint {
  std::string host;
  uint16_t port = 0;
  std::string text() const { return host + ":" + std::to_string(port); }
};

// The data port of a replica the master named.
inline data_endpoint endpoint_of(const replica_addr& r) {
  return {r.id.host, r.data_port};
}

struct push_result {
  std::vector<std::string> stored;  // "host:port" of every replica that made it durable
  std::string errors;               // what went wrong further down the chain, if anything
};

// `token`: the capability the master gave with the plan (write) or the layout (read).
push_result push_chunk(conn_pool& pool, const std::vector<data_endpoint>& chain, uint64_t data_id,
                       uint64_t handle, uint64_t version, const std::string& token,
                       std::string_view data);

// Mutation data (issue 13): the same push, held by every replica for a write or append named
// by `data_id` instead of becoming a chunk; `token` is the lease's capability.
push_result push_held(conn_pool& pool, const std::vector<data_endpoint>& chain, uint64_t data_id,
                      uint64_t handle, uint64_t version, const std::string& token,
                      std::string_view data);

// Asks the primary `at` to apply a write or record append (net/mutation_wire.hpp); its answer.
struct mutate_result {
  chunkserver::mutation_status status = chunkserver::mutation_status::ok;
  uint64_t offset = 0;
};
mutate_result mutate(conn_pool& pool, const data_endpoint& at, const chunkserver::client_request& r,
                     const std::string& token);

std::string read_chunk(conn_pool& pool, const data_endpoint& at, uint64_t handle, uint64_t offset,
                       uint64_t length, const std::string& token);
// read_chunk, handing the bytes to `sink` frame by frame as they arrive instead of gathering
// them (a repair copy writes them straight to disk). The frames are contiguous, in order, and
// `length` bytes in all when it returns. `sink` may throw to abandon the read (the connection
// is closed, not pooled); a failure after bytes went to the sink is not retried.
void read_chunk_to(conn_pool& pool, const data_endpoint& at, uint64_t handle, uint64_t offset,
                   uint64_t length, const std::string& token,
                   const std::function<void(std::string_view)>& sink);

struct replica_stat {
  uint64_t version = 0;
  uint64_t length = 0;
  uint32_t crc32c = 0;
};
replica_stat stat_chunk(conn_pool& pool, const data_endpoint& at, uint64_t handle,
                        const std::string& token);

struct store_listing {
  uint64_t total_chunks = 0;
  uint64_t used_bytes = 0;
  struct entry {
    uint64_t handle, version, length;
  };
  std::vector<entry> chunks;  // may be cut short for huge stores (total_chunks says)
};
// Needs an admin certificate (TLS on the data port).
store_listing list_store(conn_pool& pool, const data_endpoint& at);

}  // namespace dfs::net
