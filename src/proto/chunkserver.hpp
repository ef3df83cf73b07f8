#pragma once
// Chunkserver <-> master control messages: registration and heartbeats.
// Incompatible changes get a new type (heartbeat_v2), never an edit of an old one.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "proto/common.hpp"

namespace dfs {

// One line of a chunkserver's chunk report.
struct chunk_report {
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
  uint64_t size_bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk_report& x) {
  return f(caf::meta::type_name("dfs::chunk_report"), x.handle, x.chunk_version, x.size_bytes);
}

struct chunkserver_registration {
  node_id id;
  uint16_t data_port = 0;
  std::string zone;
  uint64_t capacity_bytes = 0;
  uint64_t free_bytes = 0;
  uint64_t used_bytes = 0;           // by chunk files
  std::vector<chunk_report> chunks;  // full report: every chunk held
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunkserver_registration& x) {
  return f(caf::meta::type_name("dfs::chunkserver_registration"), x.id, x.data_port, x.zone,
           x.capacity_bytes, x.free_bytes, x.used_bytes, x.chunks);
}

struct registration_ack {
  node_id master;
  uint32_t heartbeat_interval_ms = 0;
  std::vector<uint64_t> delete_chunks;  // handles the chunkserver should not hold
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, registration_ack& x) {
  return f(caf::meta::type_name("dfs::registration_ack"), x.master, x.heartbeat_interval_ms,
           x.delete_chunks);
}

struct chunkserver_heartbeat {
  node_id id;
  uint64_t seq = 0;
  uint64_t capacity_bytes = 0;
  uint64_t free_bytes = 0;
  uint64_t used_bytes = 0;
  std::vector<chunk_report> added;  // incremental report since the last heartbeat
  std::vector<uint64_t> removed;    // deleted, expired or found corrupt
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunkserver_heartbeat& x) {
  return f(caf::meta::type_name("dfs::chunkserver_heartbeat"), x.id, x.seq, x.capacity_bytes,
           x.free_bytes, x.used_bytes, x.added, x.removed);
}

struct heartbeat_reply {
  bool registered = false;  // false: the master does not know us (restart): register again
  std::vector<uint64_t> delete_chunks;  // orphans, dropped versions, stale replicas
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat_reply& x) {
  return f(caf::meta::type_name("dfs::heartbeat_reply"), x.registered, x.delete_chunks);
}

}  // namespace dfs
