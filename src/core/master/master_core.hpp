#pragma once
// master_core: every decision of the master, as one pure class. It takes client requests,
// chunkserver registrations and heartbeats, membership events, ticks and the outcome of its
// own disk writes, and returns effects: replies, batches of log records to make durable, a
// checkpoint to write, events to log. The master actor (src/actors/master) only carries them
// out; the storage simulation (tests/sim/storage) drives the same class over a simulated
// network and disk.
//
// A mutation, from request to reply:
//
//   request ──validate──▶ record ──apply──▶ open batch ──take_batch──▶ in flight
//      │ bad input                (state changes at once, so the       │ write + fsync
//      ▼                           next request validates against it)  ▼
//   error reply                                            on_batch_durable(ok)
//                                                            │ ok: replies, freed chunks
//                                                            │     handed to heartbeats
//                                                            │ failed: every waiter gets
//                                                            ▼     `unavailable`, mutations
//                                                          done      are refused from then on
//
// Group commit: every record applied while a batch is in flight joins the next one, so a burst
// of clients shares one fsync. At most one batch is in flight.
//
// Reads see applied state, so a read that saw a record not yet durable is answered only when
// that record is: a reply never shows what a crash could take back. Chunks freed by a record
// (rm, versions beyond max_versions), and chunks a report shows to be orphans of applied state,
// are handed to their chunkservers only after that state is durable: a crash before that brings
// the versions back, and their chunks must still exist.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "core/master/dir_leases.hpp"
#include "core/master/lease_table.hpp"
#include "core/master/lock_table.hpp"
#include "core/master/master_state.hpp"
#include "core/master/messages.hpp"
#include "core/master/repair_service.hpp"
#include "core/registry/chunkserver_registry.hpp"
#include "core/time.hpp"

namespace dfs::master {

struct core_options {
  master_options meta;
  uint32_t write_quorum = 2;                        // quorum.write
  uint64_t default_chunk_size_bytes = 64ull << 20;  // master.chunk_size
  uint32_t heartbeat_interval_ms = 1000;            // told to chunkservers
  registry::registry_options registry;              // unhealthy / removed thresholds
  uint64_t checkpoint_bytes = 64ull << 20;          // checkpoint once the log is this long...
  core::duration checkpoint_interval = std::chrono::minutes(10);  // ... or this old
  core::duration repair_interval = std::chrono::seconds(1);       // how often to plan copies
  core::duration copy_timeout = std::chrono::minutes(2);  // a copy never answered has failed
  // A chunk short of replicas whose lease ended for its repair gets no new grant until its copy
  // is planned (at most repair_hold_plan) and done (at most repair_hold_copy from that end);
  // then leases go on as before, and that chunk is not held again for repair_hold_again.
  core::duration repair_hold_plan = std::chrono::seconds(5);
  core::duration repair_hold_copy = std::chrono::seconds(30);
  core::duration repair_hold_again = std::chrono::minutes(5);
  uint64_t trash_ttl_ms = 86400000;          // master.trash_ttl_s
  uint32_t hot_max_replicas = 5;             // replicator.max_replicas: the target of a hot chunk
  uint32_t max_trims_per_plan = 1024;        // surplus replicas told to delete per repair plan
  uint32_t max_deletes_per_heartbeat = 512;  // chunk deletes handed to one heartbeat reply
  uint32_t balance_threshold_pct = 10;       // balance.threshold_pct (100: never rebalance)
  lease_options lease;                       // [lease]
  lock_options lock;                         // [lock]: file locks (soft state)
  // master.dir_lease_ms: directory leases' term (0: off); a directory another client changed
  // within dir_lease_quiet gets none (dir_leases.hpp).
  core::duration dir_lease_term = std::chrono::milliseconds(500);
  core::duration dir_lease_quiet = std::chrono::seconds(2);
  uint32_t dir_lease_max_entries = 1024;  // a larger directory gets no lease
};

// The actor's name for a request whose reply is pending (e.g. its response promise).
using request_token = uint64_t;

struct master_reply {
  request_token token = 0;
  std::variant<ns_reply, put_plan, lease_reply, lock_reply> reply;
};

// Applied records to make durable with one write + one fsync.
struct log_batch {
  uint64_t id = 0;
  std::vector<log_record> records;
};

enum class event_level : uint8_t { debug, info, warn, error, critical };

// One structured log line ("chunkserver_removed node=... reason=...") for the actor to log.
struct master_event {
  event_level level = event_level::info;
  std::string text;
};

// A namespace request that changes the namespace (logged), not a read.
bool is_mutation(ns_op op);

struct master_effects {
  std::vector<master_reply> replies;
  bool flush = false;                         // a batch is ready: call take_batch() soon
  std::optional<master_snapshot> checkpoint;  // write it, then call on_checkpoint_done
  std::vector<master_event> events;
  // For the repair actor (repair_service): copies that ended, servers gone, a plan due.
  std::optional<repair_update> repair;
  // For the replicator actor (hot_chunks): client reads per chunk from a heartbeat.
  std::vector<chunk_reads> reads;
  // Answers held until directory leases end (dir_leases.hpp): call release_held at this time.
  std::optional<core::time_point> wake_at;
};

class master_core {
 public:
  // Registered, not removed chunkservers by id, for lookups (repair scan, trim).
  using server_index = std::map<node_id, const registry::chunkserver_info*, node_id_lookup_less>;

  master_core(core_options opts, node_id self);

  // Recovery: the newest checkpoint (a default snapshot without one) and the records logged
  // after it. Grace periods of uncommitted handles restart at `now`. Errors (corrupt_state) on
  // a damaged log.
  [[nodiscard]] result<void> recover(const master_snapshot& checkpoint,
                                     const std::vector<log_record>& records, core::time_point now);

  // -- clients --------------------------------------------------------------------------------
  // `wall_ms` (Unix ms): the deletion time of an rm (files go to the trash).
  [[nodiscard]] master_effects on_request(request_token t, const ns_request& r,
                                          core::time_point now, uint64_t wall_ms = 0);
  [[nodiscard]] master_effects on_request(request_token t, const trash_request& r,
                                          core::time_point now);
  [[nodiscard]] master_effects on_request(request_token t, const versions_request& r);
  [[nodiscard]] master_effects on_request(request_token t, const layout_request& r);
  [[nodiscard]] master_effects on_put(request_token t, const put_request& r, core::time_point now);
  // The answer to a read (stat or list; layout; versions) when it can be given now: nothing
  // this master applied waits for its fsync (a read never shows what a crash could undo;
  // on_request holds it until then). nullopt: not a read, or something is not durable yet.
  // Const and touching nothing else, so another thread may call them while the master actor
  // is between messages (actors/master/master_reads.hpp).
  [[nodiscard]] std::optional<ns_reply> read_now(const ns_request& r) const;
  [[nodiscard]] std::optional<ns_reply> read_now(const layout_request& r) const;
  [[nodiscard]] std::optional<ns_reply> read_now(const versions_request& r) const;
  // stat_dir, like read_now but granting the directory lease it answers with (so not const;
  // the same thread rules as read_now).
  [[nodiscard]] std::optional<ns_reply> read_dir_now(const ns_request& r, core::time_point now);
  // Answers of changes whose directories' leases have ended by `now` (dir_leases.hpp).
  [[nodiscard]] master_effects release_held(core::time_point now);
  // Whether a change by `client` now might have its answer held (the request port's thread
  // then leaves it to the actor, which can answer later).
  bool change_may_wait(uint64_t client, core::time_point now) const {
    return !held_.empty() || dir_leases_.change_may_wait(client, now);
  }
  const dir_leases& directory_leases() const { return dir_leases_; }
  // `wall_ms`: the commit's mtime (Unix ms), read by the caller.
  [[nodiscard]] master_effects on_commit(request_token t, const put_commit& r, core::time_point now,
                                         uint64_t wall_ms);
  // The lease on one chunk (master_leases.cpp): the valid one, or a new grant (version bump
  // logged, handed to the primary with its next heartbeat); answered once the primary has
  // confirmed it, or with an error (busy: another lease may still run; no_servers: no live
  // replica holds the current version; not_found/invalid_argument: no such chunk).
  // A chunk shared with another version (refcount > 1) is never leased: asked by path and
  // index, it is first copied on its chunkservers (copy-on-write, master_cow.cpp) and the
  // lease is granted on the copy; asked by handle, it is refused (conflict).
  [[nodiscard]] master_effects on_lease(request_token t, const lease_request& r,
                                        core::time_point now);
  // A write or append past a file's end (master_grow.cpp): new chunks and a larger size,
  // logged; answered with the file's stat once durable. Refused while another client holds
  // the file's exclusive lock.
  [[nodiscard]] master_effects on_grow(request_token t, const grow_request& r, core::time_point now,
                                       uint64_t wall_ms);
  // File locks (lock_table.hpp): an acquire that must wait is answered later (on_tick, or a
  // release). Not logged: a new active master starts with none.
  [[nodiscard]] master_effects on_lock(request_token t, const lock_request& r,
                                       core::time_point now);

  // -- chunkservers and membership --------------------------------------------------------------
  registration_ack on_register(const chunkserver_registration& r, core::time_point now,
                               master_effects& fx);
  heartbeat_reply on_heartbeat(const chunkserver_heartbeat& hb, core::time_point now,
                               master_effects& fx);
  // Membership declared a chunkserver dead (`left` false) or it left: removed at once.
  [[nodiscard]] master_effects on_member_down(const node_id& id, bool left, core::time_point now);
  // `wall_ms` (Unix ms, 0: unknown): trash entries older than trash_ttl_ms are purged.
  [[nodiscard]] master_effects on_tick(core::time_point now, uint64_t wall_ms = 0);

  // -- the repair and replicator actors -------------------------------------------------------
  // The repair actor's answer to an update: its orders wait for their targets' heartbeats.
  [[nodiscard]] master_effects on_repair_answer(const repair_answer& a, core::time_point now);
  // Copy orders for `target`'s heartbeat reply (once each). on_heartbeat already adds those
  // ready then; the actor adds those of a plan the heartbeat itself triggered.
  std::vector<copy_instruction> take_copy_orders(const node_id& target);
  // The replicator actor's hot chunks: their target is hot_max_replicas, and repair copies
  // them first among chunks with as many replicas.
  void set_hot_chunks(const std::vector<uint64_t>& handles);

  // -- the log ----------------------------------------------------------------------------------
  // The open batch, if it has records and no other batch is in flight.
  std::optional<log_batch> take_batch();
  // The in-flight batch reached the disk (ok) or may not have (failed: refuse from now on).
  // `log_bytes`: the log's length since the last checkpoint, for the checkpoint policy.
  [[nodiscard]] master_effects on_batch_durable(uint64_t batch_id, bool ok, uint64_t log_bytes,
                                                core::time_point now);
  [[nodiscard]] master_effects on_checkpoint_done(bool ok, const std::string& error,
                                                  core::time_point now);
  // The pending checkpoint's snapshot still holds exactly what the log holds: no batch became
  // durable since it was taken. The owner writes it only then (and otherwise reports it
  // failed, and the next one is taken later): a checkpoint missing a logged record would
  // let the journal delete the only copy of that record.
  bool checkpoint_is_current() const {
    return checkpoint_pending_ && durable_records_ == records_in_checkpoint_;
  }

  // -- read-only views (console, tests) -------------------------------------------------------
  const master_state& meta() const { return meta_; }
  const registry::chunkserver_registry& registry() const { return registry_; }
  // This master did not run for `missed` (its actor saw a tick that late): chunkservers are
  // not judged by heartbeats it could not read meanwhile (chunkserver_registry::excuse).
  void on_paused(core::duration missed, core::time_point now) { registry_.excuse(missed, now); }
  const std::map<node_id, uint64_t>& used_bytes() const { return used_bytes_; }
  const core_options& options() const { return opts_; }
  // The repair actor's figures as of its last answer.
  const repair_progress& repair() const { return repair_progress_; }
  const std::set<uint64_t>& hot() const { return hot_; }
  const lease_table& leases() const { return leases_; }
  const lock_table& locks() const { return locks_; }
  // Copy-on-write copies running (ordered, not yet logged as a cow_record), by new handle.
  size_t cows_in_flight() const { return cows_.size(); }
  // Version updates not yet confirmed by the replica's report, by chunkserver.
  const std::map<node_id, std::map<uint64_t, uint64_t>>& version_updates() const {
    return version_updates_;
  }
  bool hot(chunk_handle h) const { return hot_.count(h.value) > 0; }
  size_t copies_in_flight() const { return copies_.size(); }
  size_t repair_orders_unsent() const;
  bool journal_failed() const { return journal_failed_; }
  // One master whose journal failed, reloaded from what its disk holds: it takes no change
  // again (errc::journal_failed, `why` in the answer) until restarted. Without it a failed batch
  // answers `unavailable`, which clients ask again (replicated masters: another takes over).
  void refuse_changes(const std::string& why);
  const std::string& refusal() const { return refusal_; }
  bool idle() const { return open_.records.empty() && !in_flight_; }
  // Console `drain`/`undrain`: a draining chunkserver takes no new chunks, and repair copies
  // every chunk it holds to others until they reach their target without it. Keyed by the
  // control address, so it survives a restart of the chunkserver; logged (drain_record), so
  // it survives a restart of the master. Answered once durable; not_found for an address no
  // registered chunkserver has (undrain also takes one that is only in the drain list).
  [[nodiscard]] master_effects on_drain(request_token t, const endpoint& addr, bool on,
                                        core::time_point now);
  bool draining(const node_id& n) const {
    return meta_.draining().count(n.address().to_string()) > 0;
  }
  // Draining and every chunk it holds has its target replicas elsewhere.
  bool drained(const node_id& n) const;
  // Replica addresses of the nodes that are registered and not removed (others are skipped).
  std::vector<replica_addr> replica_addrs(const std::vector<node_id>& nodes) const;

 private:
  // on_commit's materialize_version: an inline version's bytes moved into chunks.
  [[nodiscard]] master_effects on_materialize(request_token t, const put_commit& r,
                                              const std::vector<chunk_meta>& chunks,
                                              core::time_point now);
  // What to answer once a batch is durable.
  struct commit_waiter {
    std::string path;
    std::vector<ns_chunk> chunks;
    ns_version created;  // the version this commit made (not the newest at reply time)
  };
  struct waiter {
    request_token token = 0;
    std::variant<ns_reply, put_plan, commit_waiter> reply;
    bool silent = false;  // internal records (abandon): no reply
  };
  struct batch {
    std::vector<log_record> records;
    std::vector<waiter> waiters;
    std::map<node_id, std::vector<uint64_t>> freed;  // chunk deletes to hand out once durable
    std::vector<bump_version_record> bumps;          // lease grants to offer once durable
    std::vector<uint64_t> cow_allocations;  // copy-on-write handles (new) to order once durable
    core::time_point answer_after{};  // directory leases its changes wait for (dir_leases.hpp)
  };
  ns_reply stat_dir_reply(const ns_request& r, core::time_point now);
  void hold_answers(core::time_point until, master_effects& fx, size_t from);

  // `changer`: the client whose request it is (0: unknown; a request_record names its own),
  // whose own directory leases do not hold the answer back.
  void log_and_apply(log_record rec, waiter w, core::time_point now, master_effects& fx,
                     uint64_t changer = 0);
  // A client's mutation: logged as a request_record (with `id` and `o`, so that a retry is
  // answered from the request table) when the client tagged it, as the bare record otherwise.
  void log_client(const request_id& id, request_outcome o, client_mutation op, waiter w,
                  core::time_point now, master_effects& fx);
  // A retry of a mutation already applied (or forgotten): answered, and true; else false.
  bool answer_retry(request_token t, const request_id& id, const std::string& path,
                    master_effects& fx);
  // The reply a mutation gave, rebuilt from its outcome (`path`: the request's path).
  ns_reply outcome_reply(const request_outcome& o, const std::string& path) const;
  // The batch holding the newest applied records not yet durable (open, else in flight), if any:
  // whatever saw the current state waits for it.
  batch* newest_undurable();
  bool all_durable() const { return open_.records.empty() && !in_flight_; }
  // The replies of the reads, from the applied state (durable or not).
  ns_reply read_reply(const ns_request& r) const;  // stat or list
  ns_reply read_reply(const layout_request& r) const;
  ns_reply read_reply(const versions_request& r) const;
  // Deletes judged from a report (orphans, stale replicas) against applied state: at once when
  // that state is durable, else after the batch holding it is (found by the storage
  // simulation: a report racing a remove made chunkservers delete the chunks of a file whose
  // remove was then lost in a crash).
  std::vector<uint64_t> durable_deletes(const node_id& n, std::vector<uint64_t> handles);
  // A read's reply: at once, or after the batch holding what it saw is durable.
  void answer_read(request_token t, ns_reply r, master_effects& fx);
  void deliver(batch& b, bool ok, master_effects& fx);
  void on_health_changes(const std::vector<registry::health_change>& changes, master_effects& fx);
  // Repair (design.md §6): plans copies for chunks below their replication at most once per
  // repair_interval; orders wait for their target's next heartbeat reply, and a copy that
  // reports nothing within copy_timeout counts as failed (its target is avoided for a while).
  // `at_once`: plan even if the last plan was less than repair_interval ago.
  void plan_repairs(core::time_point now, master_effects& fx, bool at_once = false);
  // The chunks plan_repairs must look at, given the servers whose replicas count; nullopt:
  // every chunk.
  std::optional<std::vector<uint64_t>> repair_candidates(
      const std::set<node_id, node_id_lookup_less>& counted) const;
  void on_copy_results(const chunkserver_heartbeat& hb, core::time_point now, master_effects& fx);
  bool copying(chunk_handle h) const;
  // Replicas beyond a chunk's target (a hot chunk cooled, a returning chunkserver, a drained
  // server's copies) are told to delete themselves, never below the target of healthy,
  // non-draining replicas, and never while a copy of the chunk is in flight.
  void trim(chunk_handle h, const chunk_entry& e, uint32_t target, const server_index& servers,
            size_t& budget, master_effects& fx);
  // Rebalance: when the fullest and the emptiest healthy chunkservers differ by more than
  // balance_threshold_pct points of usage (chunk bytes / capacity), chunks to move from the
  // fullest to the emptiest (the repair actor copies them when it has nothing queued; the
  // surplus is trimmed after).
  std::optional<move_request> rebalance_request(
      const std::vector<registry::chunkserver_info>& servers) const;
  double usage(const registry::chunkserver_info& s) const;
  void start_copy(const copy_order& o, core::time_point now, master_effects& fx);
  void maybe_checkpoint(core::time_point now, master_effects& fx);
  // -- leases (master_leases.cpp) --
  result<chunk_handle> lease_target(const lease_request& r) const;
  // The lease on `h` for request `t`: the valid one, join a grant under way, or a new grant.
  void lease_chunk(request_token t, chunk_handle h, core::time_point now, master_effects& fx);
  std::optional<node_id> pick_primary(const chunk_entry& e) const;
  std::vector<node_id> live_secondaries(const chunk_entry& e, const node_id& primary) const;
  std::optional<bump_version_record> log_grant(request_token t, chunk_handle h,
                                               const node_id& primary, core::time_point now,
                                               master_effects& fx);
  // A secondary of `l` is gone for good: restarted as a new incarnation, or silent for
  // registry.removed_after (master_leases.cpp says why not sooner).
  bool names_gone_secondary(const lease_info& l, core::time_point now) const;
  // A new lease to `l`'s primary without its gone secondaries, if one may be granted now.
  bool supersede_lease(request_token t, chunk_handle h, const lease_info& l, core::time_point now,
                       master_effects& fx);
  // Until leases_.quiet_until() after a restart or failover: may a lease of an earlier life
  // still run on `e`, and to whom may a grant go now (master_takeover.cpp).
  struct earlier_lease {
    bool settled = false;         // none can stand in the way of a grant (to `only`, if set)
    std::optional<node_id> only;  // the one primary a grant may go to now
    std::string registering;      // not settled for a moment: replicas are registering
  };
  earlier_lease earlier_lease_on(const chunk_entry& e, core::time_point now) const;
  lease_reply lease_reply_of(const lease_info& l, bool granted, core::time_point now) const;
  void answer_lease_waiters(chunk_handle h, core::time_point now, master_effects& fx);
  void fail_lease_waiters(chunk_handle h, errc code, const std::string& why, master_effects& fx);
  void on_bumps_logged(const batch& b, bool ok, master_effects& fx);
  void leases_on_heartbeat(const chunkserver_heartbeat& hb, core::time_point now,
                           heartbeat_reply& reply, master_effects& fx);
  // Leases the heartbeat's primary should give up now (a repair or a snapshot waits for them).
  void revoke_leases(const chunkserver_heartbeat& hb, core::time_point now, heartbeat_reply& reply,
                     master_effects& fx);
  void leases_on_tick(core::time_point now, master_effects& fx);
  void leases_on_node_gone(const node_id& n, master_effects& fx);
  // Replicas that reported an older version with the current bytes: tell them the version.
  void note_behind(const node_id& n, const std::vector<chunk_handle>& behind);
  void send_deferred(master_effects& fx);
  void confirm_versions(const node_id& n, const std::vector<chunk_report>& reported);
  ns_reply layout_reply(const file_layout& l) const;
  std::set<node_id> healthy_servers() const;  // chunkservers the registry calls healthy
  bool lease_may_run(chunk_handle h, core::time_point now) const;  // master_repair.cpp
  // Fewer replicas on live, non-draining servers than the replication target while a healthy,
  // non-draining server holds none: a copy can restore them (master_repair.cpp).
  bool short_of_replicas(const chunk_entry& e) const;
  // Short of replicas, and no wait for its copy given up on lately (its lease is not extended).
  bool awaits_repair(chunk_handle h, const chunk_entry& e, core::time_point now) const;
  // Why a grant on `h` (no lease can run) waits for a copy of it; nullopt: it does not.
  std::optional<std::string> repair_holds_grant(chunk_handle h, const chunk_entry& e,
                                                core::time_point now, master_effects& fx);
  struct repair_hold {
    core::time_point since;  // when its grants began to wait
    bool over = false;       // its wait ended without the copy (logged once)
  };
  std::map<uint64_t, repair_hold> repair_holds_;  // by handle
  // A snapshot waits for the leases on these chunks to run out (until then: no renewal, no
  // new grant), by handle; volatile.
  std::map<uint64_t, core::time_point> snapshot_waits_;
  std::map<std::string, core::time_point> snapshot_paths_;  // no new lease by path either
  bool snapshot_waits_for(chunk_handle h, core::time_point now) const;
  // -- snapshot and copy-on-write (master_cow.cpp) --
  void on_snapshot(request_token t, const ns_request& r, core::time_point now, uint64_t wall_ms,
                   master_effects& fx);
  // An existing chunk of `chunks` under a lease (any phase): sharing it now would let the
  // primary mutate bytes another version reads.
  std::optional<chunk_handle> leased_chunk(const std::vector<chunk_meta>& chunks) const;
  // A lease asked by path on shared chunk `old`: start its copy, or join the one running.
  void copy_before_lease(request_token t, const lease_request& r, chunk_handle old,
                         core::time_point now, master_effects& fx);
  void on_cow_allocations_logged(const batch& b, bool ok, master_effects& fx);
  // Reported chunks (full or incremental report of `n`) that are copy-on-write copies.
  void note_cow_copies(const node_id& n, const std::vector<chunk_report>& reported);
  // Copies reported (or removed), orders for the reply, jobs advanced.
  void cows_on_heartbeat(const chunkserver_heartbeat& hb, core::time_point now,
                         heartbeat_reply& reply, master_effects& fx);
  // Jobs whose live holders all reported (or, past the deadline, any did) are logged and
  // leased; jobs past the deadline with no copy fail their waiters.
  void advance_cows(core::time_point now, master_effects& fx);
  void fail_cow(uint64_t new_handle, const std::string& why, master_effects& fx);

  core_options opts_;
  node_id self_;
  master_state meta_;
  registry::chunkserver_registry registry_;
  // When recover() ran (this master's start, or a standby's turn to be active): until the
  // registry's unhealthy_after has passed, live chunkservers may not have registered yet.
  std::optional<core::time_point> recovered_at_;
  std::map<node_id, uint64_t> used_bytes_;  // by chunk files, from heartbeats
  // Replicas of freed chunks, sent with the holder's next heartbeat reply: a chunkserver does
  // not re-report chunks it already reported.
  std::map<node_id, std::vector<uint64_t>> pending_deletes_;

  batch open_;
  std::optional<batch> in_flight_;
  uint64_t next_batch_id_ = 1;
  uint64_t in_flight_id_ = 0;
  bool flush_requested_ = false;
  bool journal_failed_ = false;
  // refuse_changes' answer. Only a core that logs nothing more has one, so a failed batch's
  // waiters (deliver, on_bumps_logged, ...) get `unavailable`; new requests get the refusal.
  std::string refusal_;
  errc refusal_code() const { return refusal_.empty() ? errc::unavailable : errc::journal_failed; }
  std::string refusal_text(const char* otherwise) const {
    return refusal_.empty() ? otherwise : refusal_;
  }
  uint64_t records_since_checkpoint_ = 0;
  uint64_t records_at_checkpoint_ = 0;       // of those, the ones the pending checkpoint holds
  uint64_t durable_records_ = 0;             // records made durable since this core started
  uint64_t records_in_checkpoint_ = 0;       // durable_records_ when the pending one was taken
  bool logged_while_checkpointing_ = false;  // a batch became durable since it was asked for
  uint64_t log_bytes_ = 0;
  core::time_point last_checkpoint_{};
  bool checkpoint_pending_ = false;

  repair_progress repair_progress_;
  std::vector<copy_outcome> outcomes_;  // for the next repair update
  std::vector<node_id> gone_;           // for the next repair update
  std::set<uint64_t> hot_;              // from the replicator actor
  struct copy_in_flight {
    copy_order order;
    core::time_point deadline;
  };
  std::map<uint64_t, copy_in_flight> copies_;                // by order id: planned, not yet done
  std::map<node_id, std::vector<uint64_t>> copies_to_send_;  // order ids by target
  std::optional<core::time_point> last_repair_plan_;

  lease_table leases_;
  dir_leases dir_leases_;
  // Answers of durable changes waiting for directory leases to end, by release time.
  std::multimap<core::time_point, master_reply> held_;
  // Tagged requests whose answers are held, and until when: a retry waits as long.
  std::map<std::pair<uint64_t, uint64_t>, core::time_point> held_requests_;
  lock_table locks_;  // soft state: never logged nor in checkpoints
  // Clients waiting for the lease on a chunk (until its primary confirms it), by handle.
  struct lease_waiter {
    request_token token = 0;
    bool granted = false;  // this request made the grant
  };
  std::map<uint64_t, std::vector<lease_waiter>> lease_waiters_;
  // New versions the live replicas (not the primary) must take: node -> handle -> version.
  std::map<node_id, std::map<uint64_t, uint64_t>> version_updates_;
  // Copy-on-write of a shared chunk before its first lease, from the request to the logged
  // cow_record (master_cow.cpp).
  struct cow_job {
    std::string path;  // canonical
    uint64_t version_number = 0;
    uint64_t chunk_index = 0;
    chunk_handle old_handle;
    chunk_handle new_handle;
    uint64_t chunk_version = 0;  // of the old chunk: the copy's too
    uint64_t size_bytes = 0;
    std::set<node_id> ordered;  // holders of the old chunk told to copy it
    std::set<node_id> copied;   // those that reported the copy
    bool orders_sent = false;   // the allocation is durable: orders handed out
    core::time_point deadline;
    std::vector<request_token> waiters;  // lease requests, first one first
  };
  std::map<uint64_t, cow_job> cows_;                         // by new handle
  std::map<node_id, std::vector<local_copy>> local_copies_;  // orders for the next heartbeat
};

}  // namespace dfs::master
