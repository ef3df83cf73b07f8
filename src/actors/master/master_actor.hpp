#pragma once
// The master's actor: owns the chunkserver registry (src/core/registry) and the metadata
// (src/core/master master_state + the journal). Registrations and heartbeats feed chunk
// reports into the chunk table; client requests are validated into records, applied, and
// answered only after their batch is durable (group commit: one fdatasync per batch, see
// master_meta.cpp). Also serves the master's console commands (master_console.cpp).
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <caf/typed_event_based_actor.hpp>

#include "common/config.hpp"
#include "core/master/master_state.hpp"
#include "core/registry/chunkserver_registry.hpp"
#include "proto/interfaces.hpp"
#include "storage/journal.hpp"

namespace dfs {

struct master_state {
  static inline const char* name = "master";
  master_state() : registry(registry::registry_options{}) {}
  registry::chunkserver_registry registry;
  node_id self;
  uint32_t heartbeat_interval_ms = 1000;
  config cfg;
  // -- metadata ---------------------------------------------------------------------------
  master::master_state meta;
  std::unique_ptr<journal> log;
  std::vector<master::log_record> batch;           // applied, not yet durable
  std::vector<std::function<void(bool)>> waiters;  // answered once `batch` is durable
  bool flush_scheduled = false;
  bool journal_failed = false;
  uint64_t records_since_checkpoint = 0;
  core::time_point last_checkpoint;
  std::map<node_id, uint64_t> used_bytes;  // by chunk files, from heartbeats
  // Replicas of freed chunks (rm, versions beyond max_versions), sent with the holder's next
  // heartbeat reply: a chunkserver does not re-report chunks it already reported.
  std::map<node_id, std::vector<uint64_t>> pending_deletes;
};

using master_self = master_actor::stateful_pointer<master_state>;

// `membership` (may be null) is subscribed to: a chunkserver it declares dead is removed at
// once, without waiting for the heartbeat thresholds.
master_actor::behavior_type master_fn(master_self self, config cfg, node_id id,
                                      failure_detector_actor membership);

// -- master_meta.cpp --------------------------------------------------------------------------
// Recovers the metadata from <data_dir>/master; exits the process if the journal is unusable.
void recover_metadata(master_self self);
// Applies a validated record and queues it for the next group commit; `done(ok)` runs after
// the batch's fdatasync.
void log_and_apply(master_self self, master::log_record rec, std::function<void(bool)> done);
void flush_journal(master_self self);
void on_meta_tick(master_self self);
caf::result<ns_reply> handle_ns(master_self self, const ns_request& r);
caf::result<put_plan> handle_put(master_self self, const put_request& r);
caf::result<ns_reply> handle_commit(master_self self, const put_commit& r);
// Replica addresses of the nodes that are still registered (others are skipped).
std::vector<replica_addr> replica_addrs(const master_state& st, const std::vector<node_id>& ns);

// -- master_console.cpp -----------------------------------------------------------------------
admin_reply master_console(master_self self, const admin_request& req);

}  // namespace dfs
