#pragma once
// Chunkserver <-> master control messages: registration and heartbeats.
// Incompatible changes get a new type (heartbeat_v2), never an edit of an old one.
#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

#include "proto/common.hpp"

namespace dfs {

struct chunkserver_registration {
  node_id id;
  uint16_t data_port = 0;
  std::string zone;
  uint64_t capacity_bytes = 0;
  uint64_t free_bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunkserver_registration& x) {
  return f(caf::meta::type_name("dfs::chunkserver_registration"), x.id, x.data_port, x.zone,
           x.capacity_bytes, x.free_bytes);
}

struct registration_ack {
  node_id master;
  uint32_t heartbeat_interval_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, registration_ack& x) {
  return f(caf::meta::type_name("dfs::registration_ack"), x.master, x.heartbeat_interval_ms);
}

struct chunkserver_heartbeat {
  node_id id;
  uint64_t seq = 0;
  uint64_t capacity_bytes = 0;
  uint64_t free_bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunkserver_heartbeat& x) {
  return f(caf::meta::type_name("dfs::chunkserver_heartbeat"), x.id, x.seq, x.capacity_bytes,
           x.free_bytes);
}

struct heartbeat_reply {
  bool registered = false;  // false: the master does not know us (restart): register again
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat_reply& x) {
  return f(caf::meta::type_name("dfs::heartbeat_reply"), x.registered);
}

}  // namespace dfs
