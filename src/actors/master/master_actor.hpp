#pragma once
// The master's actor: a thin shell around master::master_core (src/core/master), which makes
// every decision. The actor maps typed messages and timers to core calls and carries out the
// effects: it delivers replies through response promises, writes batches of log records to
// the journal (src/storage/journal.hpp: one write + one fdatasync per batch, group commit) and
// checkpoints, and logs the core's events. Also serves the master's console commands
// (master_console.cpp).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include <spdlog/common.h>

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/master/master_metrics.hpp"
#include "actors/master/master_replication.hpp"
#include "common/config.hpp"
#include "core/master/hot_chunks.hpp"
#include "core/master/master_core.hpp"
#include "core/security/server_token.hpp"
#include "net/status_board.hpp"
#include "proto/interfaces.hpp"
#include "storage/journal.hpp"

namespace dfs {

class master_reads;

struct master_state {
  static inline const char* name = "master";
  master_state() = default;
  master_state(const master_state&) = delete;
  master_state& operator=(const master_state&) = delete;
  // Detaches from `reads` first: the request port's threads must not see the core go.
  ~master_state();
  config cfg;
  std::string capability_key;  // from cluster.key: signs the chunks' capability tokens
  std::unique_ptr<master::master_core> core;
  std::unique_ptr<journal> log;
  uint64_t checkpoint_seq = 0;  // the checkpoint being written on the journal's thread (0: none)
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
                   console_waiter, caf::typed_response_promise<lease_reply>,
                   caf::typed_response_promise<lock_reply>>>
      promises;
  std::unique_ptr<master_metrics> metrics;    // null without a registry
  std::shared_ptr<net::status_board> status;  // null without a status page
  uint32_t ticks = 0;                         // metrics are refreshed every few ticks
  std::optional<core::time_point> last_tick;  // when the last tick ran: a late one is a pause
  node_id id;

  // -- replicated masters (master.replicas > 1; master_replicated.cpp) --------------------------
  // Null with one master. With several, `core` exists only while this master is active, and
  // `log` (the single master's journal) is not used.
  std::unique_ptr<master_replication> repl;
  uint64_t active_term = 0;  // the term `core` serves; 0: standby
  core::time_point active_since{};
  struct proposal_in_flight {  // the core's batch in flight as a log entry (the core has one at
                               // most)
    uint64_t batch_id = 0, index = 0, term = 0;
    master::log_batch batch;
  };
  std::optional<proposal_in_flight> proposal;
  struct peer {  // another master's node actor, for replication messages
    node_actor handle;
    bool connecting = false;
    core::time_point retry_at{};
  };
  std::map<endpoint, peer> peers;
  security::server_token own_token;              // for the other masters (key from cluster.key)
  uint64_t replog_dropped = 0;                   // messages to a master we had no connection to
  uint64_t stale_reads = 0, stale_refusals = 0;  // --stale-ok reads answered as a standby
  // Chunkservers membership lists alive: where a standby's stale layouts send readers.
  std::map<endpoint, node_id> chunkservers_up;
  struct handover_waiter {  // console `masters handover`: answered once it is over
    caf::typed_response_promise<admin_reply> rp;
    endpoint target;
    uint64_t term = 0;  // ours when it started
    core::time_point started{};
  };
  std::optional<handover_waiter> handover;

  // Reads the request port answers between this actor's messages (master_reads.hpp, set by
  // master_impl); null when spawned without it.
  std::shared_ptr<master_reads> reads;
  // The single master's journal failure, set by log_batches; the actor then reloads the
  // metadata from the disk (reload_after_journal_failure).
  std::string journal_error;
  // What mutations applied by the request port left for this actor to carry out (a checkpoint
  // due, repair updates, ...), under master_reads' mutex; a flush message follows them.
  std::vector<master::master_effects> port_effects;
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

// -- master_actor.cpp, shared with master_replicated.cpp ---------------------------------------
master::core_options core_options_of(const config& cfg);
void carry_out(master_self self, master::master_effects fx);
spdlog::level::level_enum level_of(master::event_level l);
// One master's flush: logs and fsyncs the core's batches until none is left, handing each
// one's effects (the answers it made durable) to `done` (the actor: carry_out; the request
// port's thread: master_reads::mutate).
void log_batches(master_state& st, const std::function<void(master::master_effects)>& done);
// Answers every client waiting on this actor's promises with `status` and `line`.
void answer_waiters(master_self self, ns_status status, const std::string& line);
// After log_batches failed (st.journal_error): every waiting client gets the failure, and the
// core is rebuilt from what the disk holds, refusing changes until the master is restarted.
void reload_after_journal_failure(master_self self);
// The journal failed and the core has not been reloaded yet.
inline bool journal_reload_due(const master_state& st) {
  return !st.journal_error.empty() && st.core && st.core->refusal().empty();
}
// fault.crash_after_log (tests): exits if `b` holds a client mutation of that kind.
void maybe_crash_after_log(const std::string& fault, const master::log_batch& b);
[[noreturn]] void master_fatal(const std::string& what);

// -- master_replicated.cpp: several masters ----------------------------------------------------
// Opens the replicated log; this master starts as a standby.
void start_replication(master_self self);
void on_replog_message(master_self self, const endpoint& from, const replog::message& m);
void replication_tick(master_self self);
// The core's next batch as a log entry (the flush of a replicated master).
void flush_replicated(master_self self);
// The error line a standby answers with.
std::string not_leader_line(const master_state& st);
// Whether this master may answer from its own state now: reads, chunk leases and file locks.
// One master: always. Replicated: the active master only within its read lease
// (replog::node::read_lease); past it (paused longer, a handover under way) another master may
// lead and have committed changes this one has not seen.
bool may_answer_locally(const master_state& st);
// The error line of an active master out of its read lease (answered `unavailable`: ask again).
std::string lease_lapsed_line(const master_state& st);
std::string masters_text(const master_state& st);
// A --stale-ok read on a standby: the answer from its committed metadata, or not_leader (with
// the active master's address) when it has not heard from one recently enough.
ns_reply standby_stale_read(master_state& st, const stale_read_request& r);
// A monitored peer connection went down.
void on_peer_down(master_self self, const caf::actor_addr& source);
// Console `masters handover [H:P]` (admin): hands the active role to another master.
caf::result<admin_reply> masters_handover(master_self self, const std::vector<std::string>& args);

// -- master_console.cpp -----------------------------------------------------------------------
caf::result<admin_reply> master_console(master_self self, const admin_request& req);

}  // namespace dfs
