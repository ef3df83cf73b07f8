#pragma once
// What the web status page (issue 16 item 3) shows, as plain data: each section is filled by
// the actor that owns the state (membership: members; master: chunkservers, files, repair;
// fileserver's sequencer: GCS view and queues), published to the node's status board
// (net/status_board.hpp) and rendered here, as JSON or HTML, without reading anything else.
// Ages are taken by the publishing actor, so rendering needs no clock.
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace dfs::status {

struct node_section {
  std::string id;     // host:port#incarnation
  std::string roles;  // comma separated
  uint16_t http_port = 0;
  // The master's status page (scheme://host:port/), linked from nodes without a master; "" if
  // unknown.
  std::string master_url;
};

struct member_row {
  std::string id;
  std::string state;  // alive, suspect, dead, left
  uint64_t incarnation = 0;
  int64_t last_heard_ms = -1;  // age when published; -1 for ourselves
  std::string address;
  std::string roles;
};

struct membership_section {
  bool present = false;
  std::vector<member_row> members;
  uint64_t suspicions = 0, refutations = 0;  // raised by us, of us
};

struct chunkserver_row {
  std::string id;
  std::string data;   // host:data_port
  std::string zone;   // "" when none configured
  std::string state;  // healthy, unhealthy, removed (core/registry)
  std::string drain;  // "", draining, drained
  int64_t heartbeat_age_ms = 0;
  uint64_t capacity_bytes = 0, free_bytes = 0, used_bytes = 0, chunks = 0;
};

// Field-wise, for the wire round-trip tests (the master's section crosses the network:
// proto/status.hpp).
inline bool operator==(const chunkserver_row& a, const chunkserver_row& b) {
  return std::tie(a.id, a.data, a.zone, a.state, a.drain, a.heartbeat_age_ms, a.capacity_bytes,
                  a.free_bytes, a.used_bytes,
                  a.chunks) == std::tie(b.id, b.data, b.zone, b.state, b.drain, b.heartbeat_age_ms,
                                        b.capacity_bytes, b.free_bytes, b.used_bytes, b.chunks);
}

struct repair_section {
  uint64_t queued = 0, missing = 0, in_flight = 0, done = 0, failed = 0, bytes_done = 0;
  double bytes_per_s = 0;
};

inline bool operator==(const repair_section& a, const repair_section& b) {
  return std::tie(a.queued, a.missing, a.in_flight, a.done, a.failed, a.bytes_done,
                  a.bytes_per_s) ==
         std::tie(b.queued, b.missing, b.in_flight, b.done, b.failed, b.bytes_done, b.bytes_per_s);
}

struct master_section {
  bool present = false;
  // "" when this node runs the master; otherwise the master it was asked from (a fileserver's
  // page shows the cluster's chunkservers too, roles/master_status_poller.hpp).
  std::string from;
  uint64_t files = 0, file_bytes = 0, chunks = 0;
  uint64_t under_replicated = 0;
  uint32_t replication = 0;  // the target
  std::vector<chunkserver_row> chunkservers;
  repair_section repair;
};

inline bool operator==(const master_section& a, const master_section& b) {
  return std::tie(a.present, a.from, a.files, a.file_bytes, a.chunks, a.under_replicated,
                  a.replication, a.chunkservers, a.repair) ==
         std::tie(b.present, b.from, b.files, b.file_bytes, b.chunks, b.under_replicated,
                  b.replication, b.chunkservers, b.repair);
}

struct queue_row {
  uint64_t id = 0;
  std::string label;
  uint64_t size = 0;
};

struct gcs_section {
  bool present = false;
  std::string view_id;  // "" before the first view
  std::string state;
  bool primary = false;
  int rank = -1;
  uint64_t delivered = 0, stable = 0, pending = 0, applied = 0;
  std::vector<std::string> members;  // by rank
  std::vector<queue_row> queues;     // the first max_listed_queues by id
  uint64_t total_queues = 0;
};

// A page stays small whatever the number of queues.
inline constexpr size_t max_listed_queues = 200;

struct snapshot {
  node_section node;
  membership_section membership;
  master_section master;
  gcs_section gcs;
};

// Per zone ("" when none configured): chunkservers, healthy ones, capacity and free bytes.
struct zone_row {
  std::string zone;
  uint64_t servers = 0, healthy = 0, capacity_bytes = 0, free_bytes = 0;
};
std::vector<zone_row> zones_of(const std::vector<chunkserver_row>& servers);

// Members by state ("alive" -> 3, ...).
std::map<std::string, uint64_t> members_by_state(const std::vector<member_row>& members);

}  // namespace dfs::status
