#pragma once
// A simulated group of masters for the replicated log: real replog::node per slot over the seeded
// sim_network, each with a simulated disk (hard state and snapshot written synchronously, log
// writes group-committed after a random delay; a crash keeps a random prefix of the unsynced
// writes, a wipe loses everything), and clients proposing entries to whoever is leader.
// Invariant checkers run after every step; the first violation is kept in `failure` (with the
// seed and the virtual time) and the run stops.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/replog/node.hpp"
#include "sim/common/sim_network.hpp"

namespace dfs::sim::replog_world {

using core::time_point;
using std::chrono::milliseconds;

// The replicated application: a hash chain over every applied entry plus the last few entries
// (so that snapshots span several chunks).
class chain_app : public replog::state_machine {
 public:
  std::string apply(const std::string& data) override;
  std::string snapshot() const override;
  bool restore(const std::string& bytes) override;
  std::string digest() const { return std::to_string(count_) + ":" + std::to_string(hash_); }

 private:
  uint64_t count_ = 0;
  uint64_t hash_ = 1469598103934665603ULL;
  std::vector<std::string> recent_;
};

struct world_options {
  size_t nodes = 3;
  double loss = 0.0;
  double duplicate = 0.0;
  milliseconds max_delay{8};
  double long_delay_chance = 0.0;  // messages held up to long_delay (from wiped disks, say)
  milliseconds long_delay{0};
  milliseconds max_sync_delay{6};  // a log write reaches the disk 0..this after it is queued
  milliseconds propose_every{6};   // clients propose about this often (0: never)
  replog::node_config cfg;         // timing and bounds; self, masters and seed are set per node
};

class world {
 public:
  world(uint64_t seed, world_options opts);

  void run_for(milliseconds d);
  // Faults, applied at the current virtual time.
  void crash(size_t slot);
  void restart(size_t slot);
  void wipe(size_t slot);  // crash and lose the whole disk; the next restart is a new disk
  void crash_all();        // a power cut
  // The process stops for `d` (SIGSTOP, a stalled VM): no ticks, no disk reports, messages to it
  // wait. When it resumes, a read that waited is answered before anything else is handled.
  void pause(size_t slot, milliseconds d);
  void partition(const std::vector<std::set<size_t>>& groups);
  void heal();
  void set_loss(double loss, double dup);
  void set_proposing(bool on) { proposing_ = on; }
  // A disk that syncs exactly `d` after a write is queued (0: the random default).
  void set_disk_delay(size_t slot, milliseconds d) { disk_delay_[slot] = d; }
  // Random faults for `d`: crashes and restarts (any node, any time, the whole group included),
  // partitions (leader isolation included), loss changes and, if `wipes`, wiped disks (one not
  // yet readmitted at a time).
  // `transfers`: the leader also hands over, now and then, to a random node (or the most up to
  // date one), also while the other faults go on.
  void chaos(milliseconds d, bool crashes, bool partitions, bool wipes, bool transfers = false);
  // Heal, restart every node, stop loss; run until one leader is followed by all, every disk is
  // a voter again, all nodes applied the same state, and a fresh proposal commits everywhere.
  void settle(milliseconds limit);

  // Proposes at `slot` now; returns the index if that node was leader and accepted it.
  std::optional<uint64_t> propose(size_t slot, const std::string& data);
  // Asks `slot` to hand leadership over to `target` (none: the most up-to-date voter).
  replog::transfer_status transfer(size_t slot, std::optional<size_t> target);
  std::optional<size_t> leader() const;  // an up leader of the highest term, if any
  bool up(size_t slot) const { return nodes_[slot].up; }
  const replog::node& node(size_t slot) const { return *nodes_[slot].n; }
  const chain_app& app(size_t slot) const { return *nodes_[slot].app; }
  bool ever_applied(const std::string& data) const { return applied_data_.count(data) > 0; }
  bool acked(const std::string& data) const;
  size_t acks() const { return acks_.size(); }
  time_point now() const { return now_; }
  const std::string& failure() const { return failure_; }
  struct coverage {
    uint64_t elections = 0, leaderships = 0, check_quorum = 0, snapshots_installed = 0;
    uint64_t readmits = 0, truncations = 0, acks = 0, crashes = 0, torn_writes = 0;
    uint64_t power_cuts = 0, wipes = 0, stale_drops = 0;
    uint64_t transfers_started = 0, transfers_aborted = 0, transfer_campaigns = 0;
    uint64_t transfers_done = 0;  // the target led in a later term, the transfer still on
    uint64_t lease_checks = 0;    // times a node held a read lease and was checked
    uint64_t pauses = 0;
  };
  const coverage& covered() const { return cov_; }
  std::string summary() const;

 private:
  struct sim_node {
    bool up = false;
    uint64_t generation = 0;  // process restarts of this slot
    std::unique_ptr<chain_app> app;
    std::unique_ptr<replog::node> n;
    time_point next_tick{};
    uint64_t applied_seen = 0;  // last index this process applied (checked contiguous)
    std::string digest_seen;    // the application's digest after it
    uint64_t leader_term_checked = 0;
    std::map<uint64_t, replog::entry> proposed;              // index -> what a client proposed here
    time_point paused_until{};                               // in the future: stopped (pause())
    std::vector<std::pair<endpoint, replog::message>> held;  // arrived while paused
  };
  struct disk {
    bool exists = false;
    replog::hard_state hard;
    replog::snapshot_meta snap;
    std::string snap_data;
    std::vector<replog::entry> log;
    std::vector<replog::log_write> queued;  // written, not yet synced
    bool sync_pending = false;
    time_point sync_at{};
  };
  struct applied_rec {
    uint64_t term;
    replog::entry_kind kind;
    std::string data;
    std::string digest;  // of the application after it
  };
  struct ack_rec {
    uint64_t index, term;
    std::string data;
  };

  endpoint addr(size_t slot) const;
  size_t slot_of(const endpoint& a) const;
  void step(time_point t);
  void handle(size_t slot, replog::effects fx);
  void write_disk(size_t slot, replog::effects& fx);
  void sync_disks();
  void drive_clients();
  void check_applied(size_t slot, const replog::applied_entry& a);
  void check_restored(size_t slot);
  void check_leader(size_t slot);
  void check_read_lease(size_t slot);
  bool paused(size_t slot) const { return nodes_[slot].paused_until > now_; }
  void resume_due();
  bool leader_has(const replog::node& n, const ack_rec& a);
  void check_log_matching(size_t slot);
  bool converged() const;
  bool wipe_outstanding() const;
  void fail(const std::string& why);
  void absorb_counters(size_t slot);
  void trace(const std::string& line) const;

  uint64_t seed_;
  world_options opts_;
  std::mt19937_64 rng_;
  sim_network<endpoint, replog::message> net_;
  time_point now_{};
  std::vector<sim_node> nodes_;
  std::vector<disk> disks_;
  std::vector<milliseconds> disk_delay_;
  uint64_t next_incarnation_ = 1;
  uint64_t next_data_ = 1;
  time_point next_propose_{};
  bool proposing_ = true;
  std::string failure_;
  coverage cov_;
  bool trace_ = false;

  // Invariant state.
  std::map<uint64_t, std::pair<size_t, uint64_t>> leaders_;  // term -> (slot, incarnation)
  std::map<uint64_t, applied_rec> applied_;                  // index -> first application
  std::set<std::string> applied_data_;
  std::vector<ack_rec> acks_;
  // Handovers under way: target slot -> the term in which it was started.
  std::map<size_t, uint64_t> transfers_;
};

}  // namespace dfs::sim::replog_world
