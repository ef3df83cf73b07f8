#pragma once
// replog::node: one master's end of a Raft-style replicated log (README.md). Pure: driven by
// messages, ticks, the outcome of its own disk writes and proposals; every call returns the
// effects the owner must carry out. No clock reads, no I/O, no global randomness (election
// jitter comes from cfg.seed).
//
//            timeout (voter)          pre-vote majority          vote majority
//   follower ---------------> pre_candidate -----------> candidate -----------> leader
//     ^  ^                        |   timeout: again        |  timeout:            |
//     |  |  leader's message of   |                         |  pre-vote again      |
//     |  +--- a term >= ours -----+-------------------------+                      |
//     |                                                                            |
//     +------- higher term seen / no majority heard for an election timeout -------+
//                                  (check-quorum)
//   learner: a follower whose disk is not the voter of its address in its latest configuration
//   (a wiped disk before readmission): never campaigns, never grants votes; still acknowledges.
//
// Effects ordering contract (the owner MUST keep it):
//   1. `hard` and `snapshot` are written and synced before any message of the same batch is sent
//      (a vote is granted, a term adopted, a snapshot acknowledged only once on disk).
//   2. `log` writes are queued in order (truncate, then append) and group-committed; once every
//      write up to id N is synced the owner calls on_persisted(N). Acknowledgements of entries are
//      sent only from effects produced after that, and the leader counts itself in a majority
//      only for entries so persisted: committed => on disk at a majority.
//   3. Then `send`. `applied` may be acted on at once (committed entries, in index order).
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/replog/durable_state.hpp"
#include "core/replog/messages.hpp"
#include "core/replog/state_machine.hpp"
#include "core/time.hpp"

namespace dfs::replog {

using core::duration;
using core::time_point;
using std::chrono::milliseconds;

struct node_config {
  endpoint self;
  std::vector<endpoint> masters;  // every configured master, self included (the voter addresses)
  uint64_t seed = 1;              // election timeout jitter (deterministic)
  milliseconds heartbeat_ms{50};
  // A follower campaigns after hearing no leader for a random time in [t, 2t); a leader that has
  // not heard a majority for t steps down; a node that heard a leader within t refuses votes.
  milliseconds election_timeout_ms{500};
  uint32_t max_entries_per_append = 64;
  uint64_t max_append_bytes = 1 << 20;
  uint64_t max_entry_bytes = 16 << 20;
  uint64_t max_snapshot_chunk_bytes = 64 << 10;
  uint64_t max_snapshot_bytes = uint64_t{1} << 32;
  uint64_t max_uncommitted_entries = 1024;  // propose() refuses beyond (back-pressure)
  uint64_t snapshot_every = 4096;           // applied entries between two local snapshots
};

enum class role : uint8_t {
  follower = 0,
  pre_candidate = 1,
  candidate = 2,
  leader = 3,
  learner = 4
};
const char* to_string(role r);

struct outbound {
  endpoint to;
  message msg;
};
struct applied_entry {
  uint64_t index = 0;
  uint64_t term = 0;
  entry_kind kind = entry_kind::data;
  std::string data;
  std::string result;  // state_machine::apply's result (data entries)
};
struct snapshot_write {
  snapshot_meta meta;
  std::string data;
  // true: the log on disk does not continue this snapshot; drop all of it (and every queued log
  // write) together with writing the snapshot. false: drop only entries <= meta.index.
  bool discard_log = false;
};
struct log_write {
  uint64_t id = 0;
  uint64_t truncate_from = 0;  // 0: none; else drop entries with index >= truncate_from first
  std::vector<entry> entries;
};
struct effects {
  std::optional<hard_state> hard;          // contract step 1
  std::optional<snapshot_write> snapshot;  // contract step 1 (after hard)
  std::optional<log_write> log;            // contract step 2
  std::vector<outbound> send;              // contract step 3
  std::vector<applied_entry> applied;      // committed, applied to the state machine, in order
  bool state_restored = false;             // the state machine was replaced by a snapshot
  std::vector<std::string> events;         // "became_leader term=4" ...
};

// transferring: a leadership handover is under way (ask again: it ends within an election
// timeout, and then this node or the new leader accepts proposals).
enum class propose_status : uint8_t {
  ok = 0,
  not_leader = 1,
  overloaded = 2,
  too_large = 3,
  transferring = 4
};
const char* to_string(propose_status s);
struct proposal {
  propose_status status = propose_status::ok;
  uint64_t index = 0;  // ok: the entry's index and term; it is committed iff an applied entry
  uint64_t term = 0;   //     with this index carries this term (another term: lost)
  endpoint leader;     // not_leader: the leader we know of, if any
  effects fx;
};

// Leadership handover (Raft thesis 3.10): the leader stops taking proposals, brings the target's
// log up to date, then tells it to campaign at once (timeout_now); its vote requests carry the
// transfer flag, so voters grant them although they heard the leader recently. The transfer ends
// when another node leads; after an election timeout without that, this leader goes on as before.
enum class transfer_status : uint8_t {
  started = 0,
  not_leader = 1,      // only the leader hands over
  single_master = 2,   // no other voter to hand over to
  unknown_target = 3,  // the target is not a configured master
  not_a_voter = 4,     // the target's disk is not the voter of its address (a learner)
  self_target = 5,     // the target is this node
};
const char* to_string(transfer_status s);
struct transfer_result {
  transfer_status status = transfer_status::started;
  endpoint target;  // started: who is to take over
  effects fx;
};

// Per-follower replication progress, as the leader sees it (also the console's lag).
struct peer_progress {
  endpoint address;
  uint64_t incarnation = 0;  // of the disk that answered last
  uint64_t match = 0;        // acknowledged on its disk and equal to ours
  uint64_t next = 1;         // next index to send
  bool confirmed = false;    // answered success in this term (else probing backwards)
  time_point last_heard{}, last_send{};
  // The newest send time of ours (message::echo) it answered in this term: it heard us then or
  // later, so it refuses to elect anybody else for an election timeout after it (read_lease).
  time_point acked_send{};
  uint64_t snapshot_offset = 0;  // bytes of our snapshot it has (when next <= snapshot index)
  uint64_t snapshot_index = 0;   // which snapshot that offset is of
};

struct replog_counters {
  uint64_t elections = 0, pre_votes = 0, leaderships = 0, check_quorum_stepdowns = 0;
  uint64_t snapshots_sent = 0, snapshots_installed = 0, local_snapshots = 0, readmits = 0;
  uint64_t truncations = 0, stale_incarnation_drops = 0, rejected_appends = 0;
  uint64_t transfers_started = 0, transfers_aborted = 0, timeout_now_sent = 0;
  uint64_t transfer_campaigns = 0;  // campaigns started by a timeout_now
};

class node {
 public:
  // `disk`: what the owner read back (fresh_disk() for a new disk, written before this runs).
  // Restores `app` from the snapshot; restored_ok() says whether that worked.
  node(node_config cfg, state_machine& app, const durable_state& disk, time_point now);

  [[nodiscard]] effects on_message(const endpoint& from, const message& m, time_point now);
  [[nodiscard]] effects on_tick(time_point now);
  // Every log write with id <= write_id is synced.
  [[nodiscard]] effects on_persisted(uint64_t write_id, time_point now);
  [[nodiscard]] proposal propose(std::string data, time_point now);
  // Hands leadership to `target` (empty: the voter whose log is the most up to date).
  [[nodiscard]] transfer_result transfer_leadership(const endpoint& target, time_point now);

  // Read API for the console and tests.
  const endpoint& self() const { return cfg_.self; }
  role current_role() const;
  bool is_leader() const { return role_ == role::leader; }
  uint64_t term() const { return hard_.term; }
  uint64_t incarnation() const { return hard_.incarnation; }
  const endpoint& leader() const { return leader_; }  // empty: unknown
  // When a leader's message last came, also while campaigning since; none if never.
  std::optional<time_point> leader_last_heard() const {
    if (leader_heard_at_ == time_point{}) return std::nullopt;
    return leader_heard_at_;
  }
  uint64_t commit_index() const { return commit_; }
  uint64_t last_applied() const { return applied_; }
  uint64_t last_index() const { return snap_.index + log_.size(); }
  uint64_t persisted_index() const { return persisted_; }
  uint64_t snapshot_index() const { return snap_.index; }
  const configuration& config() const { return latest_; }
  bool config_committed() const { return latest_index_ <= commit_; }
  uint64_t durable_commit() const { return hard_.commit; }
  uint64_t config_index() const { return latest_index_; }
  bool is_voter() const { return latest_.admits(cfg_.self, hard_.incarnation); }
  const std::map<endpoint, peer_progress>& progress() const { return peers_; }  // leader only
  const entry* entry_at(uint64_t index) const;  // nullptr if compacted away or beyond the log
  std::optional<uint64_t> term_at(uint64_t index) const;
  bool restored_ok() const { return restored_ok_; }
  bool transferring() const { return role_ == role::leader && transfer_to_ != endpoint{}; }
  const endpoint& transfer_target() const { return transfer_to_; }  // empty: none
  const replog_counters& counters() const { return counters_; }

  // Whether the leader may answer a read from its own state at `now` (Raft thesis 6.4.1, lease
  // reads): a majority answered messages it sent less than lease_fraction election timeouts ago.
  // Each of them refuses to elect another leader for a whole election timeout after hearing us
  // (in_lease; also right after its own restart, which forgets what it heard), so until then no
  // other leader can commit anything. Only once an entry of its term has committed and been
  // applied (before that, earlier terms' committed entries may be missing here). Off while a
  // handover may let the target win without that rule (from the first timeout_now of this term),
  // and for a leader that has not heard a majority since it was elected. A leader paused past its
  // lease (a stalled VM, SIGSTOP) answers reads again only once a majority answered it after the
  // pause, or it steps down.
  bool read_lease(time_point now) const;
  // The fraction of the election timeout a lease lasts: the rest covers the two clocks' rates
  // differing (a leader's clock that runs slow would otherwise keep its lease too long).
  static constexpr double lease_fraction = 0.9;

 private:
  struct pending_write {
    uint64_t id;
    uint64_t last;  // our last index once this write is on disk (lowered by later truncations)
  };

  // Roles and elections (node.cpp).
  void reset_election_timer(time_point now);
  void become_follower(uint64_t term, const endpoint& leader, uint64_t leader_inc, time_point now,
                       effects& fx);
  void start_pre_vote(time_point now, effects& fx);
  void campaign(time_point now, effects& fx, bool forced = false);
  void become_leader(time_point now, effects& fx);
  void step_down(const char* why, effects& fx);
  void handle_vote_request(const endpoint& from, const message& m, time_point now, effects& fx);
  void handle_vote_reply(const endpoint& from, const message& m, time_point now, effects& fx);
  void handle_timeout_now(const endpoint& from, const message& m, time_point now, effects& fx);
  bool in_lease(time_point now) const;
  bool granted(const voter& v) const;
  bool log_up_to_date(uint64_t last_index, uint64_t last_term) const;
  void persist_hard(effects& fx);
  void send(const endpoint& to, message m, effects& fx);
  // A quorum of every configuration in force (the latest and, while it is uncommitted, the one
  // before it), counting voter v iff counts(v).
  bool quorum(const std::function<bool(const voter&)>& counts) const;
  uint64_t last_term() const;

  // Log, persistence, commit, apply, snapshots (node_log.cpp).
  void append_local(std::vector<entry> entries, uint64_t truncate_from, effects& fx);
  void truncate_from(uint64_t index, effects& fx);
  void refresh_config();
  void advance_commit(uint64_t index, effects& fx);
  void note_config_commit(effects& fx);
  void apply_committed(effects& fx);
  void maybe_compact(effects& fx);
  void take_local_snapshot(effects& fx);
  configuration config_at(uint64_t index) const;
  void handle_append(const endpoint& from, const message& m, time_point now, effects& fx);
  void handle_snapshot(const endpoint& from, const message& m, time_point now, effects& fx);
  void install_snapshot(const snapshot_meta& meta, std::string data, effects& fx);
  void reply_append(bool ok, uint64_t hint, effects& fx);
  uint64_t acked_match() const;

  // Leader side (node_leader.cpp).
  void handle_append_reply(const endpoint& from, const message& m, time_point now, effects& fx);
  void handle_snapshot_reply(const endpoint& from, const message& m, time_point now, effects& fx);
  peer_progress* progress_of(const endpoint& from, uint64_t incarnation, time_point now);
  peer_progress* replying_peer(const endpoint& from, const message& m, time_point now, effects& fx);
  void note_held(peer_progress& p, uint64_t index, time_point now, effects& fx);
  void send_append(peer_progress& p, time_point now, effects& fx);
  void send_snapshot_chunk(peer_progress& p, time_point now, effects& fx);
  void leader_tick(time_point now, effects& fx);
  void leader_commit(effects& fx);
  void maybe_readmit(time_point now, effects& fx);
  void replicate_new(time_point now, effects& fx);
  void transfer_progress(peer_progress& p, time_point now, effects& fx);
  void end_transfer(const char* why, effects& fx);

  node_config cfg_;
  state_machine& app_;
  bool restored_ok_ = true;
  replog_counters counters_;
  uint64_t rng_;  // splitmix64 state, from cfg.seed

  hard_state hard_;
  role role_ = role::follower;
  endpoint leader_;
  uint64_t leader_incarnation_ = 0;
  time_point leader_heard_at_{};
  bool heard_leader_ = false;
  int64_t leader_echo_ = 0;  // follower: the newest message::echo taken from leader_
  // A node restarted with a term refuses votes as if it had just heard a leader (it may have
  // answered one whose read lease still runs on it).
  time_point restart_lease_until_{};
  uint64_t lease_void_term_ = 0;  // a timeout_now left in this term: no read lease in it
  time_point election_deadline_{};
  time_point leader_since_{};
  std::map<endpoint, uint64_t> votes_;  // granted (pre-)votes: address -> incarnation

  snapshot_meta snap_;
  std::string snap_data_;
  std::deque<entry> log_;  // indexes snap_.index + 1 ...
  uint64_t commit_ = 0;
  uint64_t applied_ = 0;
  uint64_t persisted_ = 0;     // our log is on disk up to here
  uint64_t leader_match_ = 0;  // follower: our log equals the current leader's up to here
  uint64_t next_write_id_ = 1;
  std::deque<pending_write> writes_;
  configuration latest_;  // newest config in the log (or the snapshot's)
  uint64_t latest_index_ = 0;
  configuration previous_;  // the one before it: also in force while latest is uncommitted

  // Follower: snapshot being received.
  snapshot_meta incoming_meta_;
  uint64_t incoming_term_ = 0;
  std::string incoming_;

  std::map<endpoint, peer_progress> peers_;  // leader only

  // Leader: handover under way (empty: none); it is given up at transfer_deadline_.
  endpoint transfer_to_;
  time_point transfer_deadline_{};
};

}  // namespace dfs::replog
