#pragma once
// The master's actor: a thin shell around master::master_core (src/core/master), which makes
// every decision. The actor maps typed messages and timers to core calls and carries out the
// effects: it delivers replies through response promises, writes batches of log records to
// the journal (src/storage/journal.hpp: one write + one fdatasync per batch, group commit) and
// checkpoints, and logs the core's events. Also serves the master's console commands
// (master_console.cpp).
#include <cstdint>
#include <map>
#include <memory>
#include <variant>

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/master/master_metrics.hpp"
#include "common/config.hpp"
#include "core/master/hot_chunks.hpp"
#include "core/master/master_core.hpp"
#include "net/status_board.hpp"
#include "proto/interfaces.hpp"
#include "storage/journal.hpp"

namespace dfs {

struct master_state {
  static inline const char* name = "master";
  config cfg;
  std::string capability_key;  // from cluster.key: signs the chunks' capability tokens
  std::unique_ptr<master::master_core> core;
  std::unique_ptr<journal> log;
  repair_actor repair;          // plans copies (repair_actor.hpp)
  replicator_actor replicator;  // tells hot chunks (replicator_actor.hpp)
  // Replies the core has not given yet, by the token it knows them by.
  master::request_token next_token = 1;
  struct console_waiter {  // a console command that changes logged state
    caf::typed_response_promise<admin_reply> rp;
    std::string ok_text;  // the answer once durable (errors: the core's message)
  };
  std::map<
      master::request_token,
      std::variant<caf::typed_response_promise<ns_reply>, caf::typed_response_promise<put_plan>,
                   console_waiter, caf::typed_response_promise<lease_reply>>>
      promises;
  std::unique_ptr<master_metrics> metrics;    // null without a registry
  std::shared_ptr<net::status_board> status;  // null without a status page
  uint32_t ticks = 0;                         // metrics are refreshed every few ticks
};

using master_self = master_actor::stateful_pointer<master_state>;

// `membership` (may be null) is subscribed to: a chunkserver it declares dead is removed at
// once, without waiting for the heartbeat thresholds. `repair` and `replicator` are the
// master's helpers (spawned beside it by the role, src/roles/master.cpp). `metrics` (may be
// null): the registry of master_metrics.hpp. `status` (may be null): the board the master's
// section of the status page is published to (master_status.hpp).
master_actor::behavior_type master_fn(master_self self, config cfg, node_id id,
                                      failure_detector_actor membership, repair_actor repair,
                                      replicator_actor replicator,
                                      std::shared_ptr<net::metrics> metrics,
                                      std::shared_ptr<net::status_board> status);

// Their options from the config ([repair], [replicator]).
master::repair_options repair_options_of(const config& cfg);
master::hot_options hot_options_of(const config& cfg);

// Console drain/undrain: logged, answered `ok_text` once durable.
caf::result<admin_reply> master_drain(master_self self, const endpoint& addr, bool on,
                                      std::string ok_text);

// -- master_console.cpp -----------------------------------------------------------------------
caf::result<admin_reply> master_console(master_self self, const admin_request& req);

}  // namespace dfs
