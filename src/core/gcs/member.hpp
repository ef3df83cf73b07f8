#pragma once
// gcs::member: one fileserver's end of the total-order reliable multicast (gcs-protocol.md).
// Pure: driven by packets, ticks, membership reports and client submissions, each call returning
// the effects the owning actor must carry out. No clock reads, no I/O, no randomness.
//
// States (per member)                        Primary flag of the installed view
//
//   joining --PROPOSE--> flushing               primary   : a strict majority of the latest
//      ^                   |  ^                             primary view (or, at genesis, of
//      |          INSTALL  |  | newer PROPOSE             expected_group_size); orders, delivers,
//      |         (ack it)  v  |                             acknowledges clients
//      |                installing              non-primary: orders nothing, refuses clients with
//      |                   |                                "not in primary partition"; keeps its
//      |   COMMIT or any   |                                log and pending install for the merge
//      |   new-view packet v
//      +---(never back)-- normal --PROPOSE (newer id)--> flushing
//
// The coordinator (lowest node id among the members membership calls alive) runs, besides its own
// member state: PROPOSE -> collect FLUSH from all (timeout: drop the silent, new proposal) ->
// INSTALL -> collect INSTALL_ACK from all (timeout: same) -> COMMIT.
//
// Deviations from the notes, all for safety (see README.md): delivery waits for majority
// stability (uniform delivery), INSTALL is two-phase (INSTALL/ACK then COMMIT) and an acknowledged
// but uncommitted primary INSTALL counts as possibly installed in later view changes.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/node_id.hpp"
#include "core/gcs/durable_image.hpp"
#include "core/gcs/messages.hpp"
#include "core/gcs/replicated_state.hpp"
#include "core/time.hpp"

namespace dfs::gcs {

using core::duration;
using core::time_point;
using std::chrono::milliseconds;

struct gcs_config {
  // Genesis rule: with no primary history anywhere, a view is primary iff more than
  // expected_group_size / 2 of its members are bootstrap members (the configured number of
  // fileservers). Only a fileserver of the cluster's very first start may set `bootstrap`: a
  // restarted one without persisted state must never help found a second lineage.
  uint32_t expected_group_size = 3;
  bool bootstrap = false;
  uint32_t max_unstable_msgs = 1024;        // held messages not yet fully stable; beyond: queue ops
  uint32_t max_queued_ops = 4096;           // client ops waiting for a view or for the window
  uint32_t max_order_batch = 32;            // msg ids per ORDER slot
  uint32_t max_nack_batch = 64;             // items per NACK
  uint32_t max_retransmits_per_tick = 256;  // messages resent per tick (rate limit)
  uint32_t max_payload_bytes = 64 * 1024;
  uint32_t max_snapshot_bytes = 64 * 1024 * 1024;
  milliseconds status_interval_ms{
      20};  // STATUS heartbeat when all is delivered (else nack_interval_ms)
  milliseconds nack_interval_ms{5};   // minimum time between NACK rounds
  milliseconds view_retry_ms{50};     // resend PROPOSE / FLUSH / INSTALL / INSTALL_ACK
  milliseconds view_timeout_ms{600};  // coordinator drops silent members and re-proposes
  // A member of our primary view silent this long (STATUS flows every status_interval_ms) is
  // left out of the next view without waiting for membership to declare it dead: failover in
  // well under a second. Only while we hear a majority (a stalled or cut-off member must not
  // suspect everyone else). 0: rely on membership alone.
  milliseconds suspect_after_ms{0};
  // Operations on disk (durable_image.hpp): a member counts towards the majority that delivers
  // an operation only once the operation is synced to its disk. False: memory only.
  bool durable = false;
  // A new image (compaction) once the log since the last one holds this many entries and, for
  // an image of image_bytes_by_count or more, at least as many bytes as that image: an image
  // then costs no more than the log it replaces. With a big queue state (7 MB at 550,000 items)
  // the count alone rewrote all of it every few thousand operations, each time holding the
  // member for tens of milliseconds.
  uint32_t checkpoint_every = 8192;
  uint64_t image_bytes_by_count = 1 << 20;
};

enum class member_state : uint8_t { joining = 0, normal = 1, flushing = 2, installing = 3 };
const char* to_string(member_state s);

enum class reply_status : uint8_t {
  ok = 0,
  not_primary = 1,      // "not in primary partition": retry on another fileserver
  unknown_outcome = 2,  // lost in a view change; may or may not be applied: retry (same req no)
  overloaded = 3,       // queue of waiting operations full
  too_large = 4,        // payload above max_payload_bytes
};
const char* to_string(reply_status s);

struct outbound {
  node_id to;
  packet pkt;
};
struct delivery {
  uint64_t seq = 0;
  msg_id id;
  client_op op;
  std::string result;  // what replicated_state::apply returned
};
struct client_reply {
  uint64_t client_id = 0;
  uint64_t request_no = 0;
  reply_status status = reply_status::ok;
  std::string result;  // application result when ok
  std::string error;   // human-readable reason otherwise
};
struct effects {
  std::vector<outbound> send;
  std::vector<delivery> deliveries;
  std::vector<client_reply> replies;
  std::vector<view_desc> views_installed;
  std::vector<std::string> events;  // "view_installed view=3@h:1#1 primary=1 members=3" ...
  bool state_restored = false;      // the application state was replaced by a snapshot
  // Durability (gcs_config::durable). The owner writes `checkpoint` (replacing image and log)
  // before carrying out any `send` of this batch, then appends `appends` to the log and, once
  // they are synced, calls on_synced(log_generation, last appended seq).
  bool has_checkpoint = false;
  durable_image checkpoint;
  // Written after `checkpoint` (if any) and before any `send`, as durably; never in the same
  // batch as an image that came after it.
  bool has_record = false;
  view_record record;
  std::vector<log_entry> appends;
  uint64_t log_generation = 0;
};

struct gcs_counters {
  uint64_t multicast = 0, orders_assigned = 0, nacks_sent = 0, nacks_received = 0;
  uint64_t retransmissions = 0, deliveries = 0, views_installed = 0, state_transfers = 0;
  uint64_t refused = 0, dropped_packets = 0;
  uint64_t state_snapshots = 0;  // of the replicated state: images, FLUSHes, INSTALLs
};

class member {
 public:
  // `recovered`: the image a durable member restarts from (a genesis member only if the image
  // has no installed primary view).
  member(node_id self, gcs_config cfg, replicated_state& app,
         const durable_image* recovered = nullptr);

  [[nodiscard]] effects on_packet(const node_id& from, const packet& p, time_point now);
  [[nodiscard]] effects on_tick(time_point now);
  // The live group members according to membership (self is added if missing).
  [[nodiscard]] effects on_membership(std::vector<node_id> alive, time_point now);
  [[nodiscard]] effects submit(client_op op, time_point now);
  // The log appends of `generation` up to seq `upto` are on disk. Never returns a checkpoint:
  // the owner may call it on the disk's writer thread, which could not write an image it then
  // waits for. A checkpoint due meanwhile comes with the next packet or tick.
  [[nodiscard]] effects on_synced(uint64_t generation, uint64_t upto, time_point now);

  // Read API for the console and tests.
  const node_id& self() const { return self_; }
  member_state state() const { return state_; }
  const view_desc& view() const { return view_; }
  int rank() const { return rank_; }  // -1 without a view
  bool is_primary() const { return state_ == member_state::normal && view_.primary; }
  const view_desc& last_primary() const { return last_primary_; }
  // A primary INSTALL acknowledged but never seen committed (restricts future primary views).
  bool has_pending_primary() const { return has_pending_primary_; }
  const view_desc& pending_primary() const { return pending_primary_.view; }
  uint64_t delivered_upto() const { return delivered_upto_; }
  uint64_t majority_stable_upto() const { return majority_upto_; }
  uint64_t stable_upto() const { return stable_upto_; }
  uint64_t synced_upto() const { return synced_upto_; }
  // True when no majority needs this member's disk: with operations on disk, in a primary view
  // of n, the members ranked from floor(n/2)+1 on (one of 3, two of 5). The first floor(n/2)+1
  // members make every operation durable at a majority by themselves, so the owner may sync this
  // member's log late (gcs.spare_sync_us): fewer fsyncs for the same operations. Its late sync
  // still counts as soon as it happens, which is what completes a majority while the disk of
  // one of the others is slow.
  bool disk_spare() const;
  size_t pending_count() const { return data_.size() + queued_.size(); }
  size_t waiting_replies() const { return replies_.size() + queued_.size(); }
  const gcs_counters& counters() const { return counters_; }

 private:
  struct data_entry {
    client_op op;
    view_id view;
    bool ordered = false;
    uint64_t arrival = 0;
  };
  struct watermark {  // received sender seqs: everything <= upto plus `above`
    uint64_t upto = 0;
    std::set<uint64_t> above;
    bool has(uint64_t s) const { return s <= upto || above.count(s) > 0; }
    void add(uint64_t s);
  };
  struct coordination {
    bool active = false;
    bool installing = false;
    view_id id;
    std::vector<node_id> members;
    std::map<node_id, flush_msg> flushes;
    std::set<node_id> acks;
    install_msg install;
    std::map<node_id, bool> needs_snapshot;
    time_point started{}, last_send{};
    // Our own FLUSH names our state without its bytes (taken at the INSTALL, only if a member
    // needs them); what our state was then, asserted unchanged when they are taken.
    uint64_t own_delivered = 0, own_transfers = 0;
    view_id own_pending;
  };

  // Normal operation (member.cpp).
  void handle_data(const data_msg& d, effects& fx);
  void handle_order(const order_msg& o, effects& fx);
  void handle_status(const node_id& from, const status_msg& s);
  void handle_nack(const node_id& from, const nack_msg& n, effects& fx);
  void originate(client_op op, time_point now, effects& fx);
  void try_assign(time_point now, effects& fx);
  // `may_image`: false from on_synced (see there); the periodic image then waits.
  void progress(time_point now, effects& fx, bool may_image = true);
  void deliver_upto(uint64_t target, effects& fx);
  void deliver_one(uint64_t seq, const msg_id& id, const client_op& op, effects& fx);
  void collect_garbage();
  void send_nacks(time_point now, effects& fx);
  void acknowledge_held(uint64_t before, time_point now, effects& fx);
  void broadcast(packet p, time_point now, effects& fx);
  void send_to(const node_id& to, packet p, effects& fx);
  status_msg my_status() const;
  uint64_t reported_held() const;
  void log_held(effects& fx);
  void write_image(const install_msg* pending, effects& fx);
  void write_view_record(const install_msg* pending, effects& fx);
  void write_acked_install(const install_msg& in, effects& fx);
  void refuse(const client_op& op, reply_status st, const std::string& why, effects& fx);

  // View change (member_view.cpp).
  void maybe_propose(time_point now, effects& fx);
  void suspect_silent(time_point now, effects& fx);
  std::vector<node_id> target_members(time_point now);
  void handle_view_request(const node_id& from, const packet& p, time_point now, effects& fx);
  void start_proposal(std::vector<node_id> members, time_point now, effects& fx);
  void handle_propose(const node_id& from, const packet& p, time_point now, effects& fx);
  void handle_flush(const node_id& from, const packet& p, time_point now, effects& fx);
  void handle_install(const node_id& from, const packet& p, time_point now, effects& fx);
  void handle_install_ack(const node_id& from, const packet& p, time_point now, effects& fx);
  void handle_commit(const packet& p, time_point now, effects& fx);
  void coordinator_tick(time_point now, effects& fx);
  void accept_proposal(const view_id& id, const node_id& proposer,
                       const std::vector<node_id>& members, time_point now, effects& fx);
  void build_install(time_point now, effects& fx);
  void send_install(const node_id& to, time_point now, effects& fx);
  void finish_commit(time_point now, effects& fx);
  // false leaves the state, or the held log, out (propose_msg::latest_primary).
  flush_msg make_flush(bool with_snapshot, bool with_log);
  std::string own_state();  // counts the snapshots it takes
  // The newest primary view we installed or acknowledged (empty id: none).
  view_id latest_primary_id() const;
  packet propose_packet() const;
  packet flush_packet();  // our FLUSH for the accepted proposal
  void commit_install(const install_msg& in, time_point now, effects& fx);
  void apply_primary_install(const install_msg& in, effects& fx);
  void reset_view_tracking(const install_msg& in);

  node_id self_;
  gcs_config cfg_;
  replicated_state& app_;
  gcs_counters counters_;

  member_state state_ = member_state::joining;
  view_desc view_;
  int rank_ = -1;
  view_desc last_primary_;
  std::vector<node_id> alive_;
  std::set<node_id> excluded_;  // dropped by our proposal timeout, until excluded_until_
  std::map<node_id, time_point> last_heard_;  // members of the installed view
  time_point excluded_until_{};
  // cfg_.view_timeout_ms, doubled after each proposal that timed out until a view of every live
  // member commits (coordinator_tick): members whose answers take longer still get in.
  milliseconds view_timeout_{};
  uint64_t max_epoch_seen_ = 0;

  // View change, member side.
  view_id accepted_;  // highest proposal accepted (flushed for)
  node_id proposer_;
  view_id proposer_latest_;  // its propose_msg::latest_primary (empty: our FLUSH has our state)
  std::vector<node_id> proposed_members_;
  time_point accepted_at_{};
  bool has_acked_ = false;  // acked_ is the INSTALL of accepted_
  install_msg acked_;
  bool has_pending_primary_ = false;  // a primary INSTALL acked but never seen committed
  install_msg pending_primary_;
  time_point last_view_send_{};
  view_id last_committed_;  // as coordinator: answer late INSTALL_ACKs with COMMIT
  std::vector<node_id> last_committed_members_;
  coordination coord_;

  // Log and ordering state of the current view.
  uint64_t delivered_upto_ = 0;
  uint64_t held_upto_ = 0;
  uint64_t majority_upto_ = 0;
  uint64_t stable_upto_ = 0;
  std::map<msg_id, data_entry> data_;
  std::map<uint64_t, msg_id> unordered_;  // arrival -> id
  std::map<uint64_t, msg_id> orders_;     // seq -> id (held above stable_upto_)
  std::map<uint64_t, order_msg> slots_;   // current view's slots held (above stable)
  std::set<msg_id> wanted_;               // ordered, DATA missing
  std::map<node_id, watermark> recv_;     // DATA received per sender in this view
  std::vector<status_msg> peers_;         // per rank
  uint64_t slots_held_ = 0;               // contiguous slots held in this view
  uint64_t next_seq_ = 0;                 // first seq after the contiguous slots
  uint64_t slots_known_ = 0;              // slots known to exist (from ORDERs and STATUS)
  uint64_t originated_upto_ = 0;
  uint64_t arrivals_ = 0;
  // Durability: held seqs handed to the log, synced there, and the log's generation (a new one
  // after every image, so a late on_synced of an older log cannot count).
  uint64_t appended_upto_ = 0;
  uint64_t synced_upto_ = 0;
  uint64_t generation_ = 0;
  bool has_image_ = false;  // written or recovered: a view record can belong to it
  uint64_t appended_since_image_ = 0;
  uint64_t appended_bytes_since_image_ = 0;  // of the entries (an estimate: payload + ids)
  uint64_t image_bytes_ = 0;                 // of the last image (snapshot and entries)
  std::map<msg_id, client_op> replies_;      // our own multicast ops awaiting delivery
  std::deque<client_op> queued_;

  time_point last_status_{};
  time_point last_nack_{};
  uint32_t nack_round_ = 0;
  uint32_t retransmit_budget_ = 0;
};

}  // namespace dfs::gcs
