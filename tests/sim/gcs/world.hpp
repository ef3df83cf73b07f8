#pragma once
// A simulated fileserver group for the GCS: real gcs::member + ftqueue::replica per node over the
// seeded sim_network, the harness playing membership (true liveness/connectivity reported after
// a detection delay) and clients (submit, retry with the same request number elsewhere after a
// refusal or a timeout). Invariant checkers run after every step; the first violation is kept
// in `failure` with the virtual time and the run stops.
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/ftqueue/replica.hpp"
#include "core/gcs/member.hpp"
#include "sim/common/sim_network.hpp"

namespace dfs::sim::gcs_world {

using core::time_point;
using std::chrono::milliseconds;

struct world_options {
  size_t nodes = 3;
  size_t clients = 4;
  double loss = 0.0;
  double duplicate = 0.0;
  milliseconds max_delay{5};
  milliseconds detect_min{50}, detect_max{250};  // membership detection delay
  milliseconds client_timeout{1500};
  gcs::gcs_config cfg;             // cfg.durable: every node has a disk that survives its crashes
  milliseconds max_sync_delay{4};  // a log append reaches the disk after 0..this (group commit)
  // While a member's disk is spare (gcs::member::disk_spare), its appends reach the disk this
  // long after the first of a batch, as gcs.spare_sync_us makes the owner do. 0: as the others.
  milliseconds spare_sync_delay{0};
  // One node whose disk is this slow (its appends reach the disk this long after the first of a
  // batch, spare or not); slow_disk_slot >= nodes: none.
  size_t slow_disk_slot = SIZE_MAX;
  milliseconds slow_disk_delay{0};
  // An image write blocks the member this long (the owner writes it on the member's thread
  // before the batch's packets leave): packets to it wait, its ticks wait, its sends leave
  // after. 0: instant. Slow disks, or large queues, make every view change write big images.
  milliseconds image_delay{0};
  uint64_t ops_per_client = 25;
  bool clients_on_first_node = false;  // else client i starts at node i mod nodes
};

class world {
 public:
  world(uint64_t seed, world_options opts);

  // Runs the simulation until `until` (virtual time since start).
  void run_for(milliseconds d);
  // Faults (applied at the current virtual time).
  void crash(size_t slot);
  void restart(size_t slot);
  // Every node at once (a power cut): with durable disks, only synced log entries survive.
  void crash_all();
  void partition(const std::vector<std::set<size_t>>& groups);
  void heal();
  void set_loss(double loss, double dup);
  // Chaos: random crashes (never a majority of the latest primary view), restarts, partitions,
  // merges, loss changes for `d`.
  void chaos(milliseconds d, bool crashes, bool partitions);
  // Heal everything, restart crashed nodes, stop loss, and run until every client finished its
  // operations and all nodes agree (or `limit` passes). Records a failure if they do not.
  void settle(milliseconds limit);

  bool up(size_t slot) const { return nodes_[slot].up; }
  const gcs::member& member(size_t slot) const { return *nodes_[slot].m; }
  size_t acked() const { return acks_.size(); }
  // Virtual time from a request's first submission to its acknowledgement, per acknowledged
  // request, in the order they were acknowledged.
  const std::vector<milliseconds>& ack_latencies() const { return ack_latencies_; }
  uint64_t max_delivered() const { return history_.empty() ? 0 : history_.rbegin()->first; }
  const std::string& failure() const { return failure_; }
  // Coverage: what the run exercised (summed over every incarnation of every node).
  struct coverage {
    uint64_t views = 0, primary_views = 0, state_transfers = 0, not_primary_refusals = 0;
    uint64_t unknown_outcomes = 0, nacks = 0, retransmissions = 0, acks = 0;
    uint64_t recoveries = 0, lost_unsynced = 0, whole_group_crashes = 0, images = 0;
    uint64_t acknowledgements = 0;  // STATUS packets sent on a packet's or a sync's progress
    // FLUSH packets sent; those carrying a state; those without the held log
    uint64_t flushes = 0, flush_states = 0, flushes_without_log = 0;
    uint64_t view_records = 0;
  };
  const coverage& covered() const { return cov_; }
  std::string summary() const;

 private:
  struct node {
    node_id id;
    bool up = true;
    std::unique_ptr<ftqueue::replica> app;
    std::unique_ptr<gcs::member> m;
    time_point next_tick{};
    std::vector<node_id> reported;  // membership last told
    std::vector<node_id> target;    // truth waiting to be reported
    time_point report_at{};
    bool report_pending = false;
    std::set<gcs::msg_id> delivered;  // since the last state restore
    time_point busy_until{};          // writing an image (world_options::image_delay)
    std::vector<sim_network<node_id, gcs::packet>::envelope> inbox;  // came meanwhile
  };
  // A durable node's disk: the image and the synced log survive a crash, unsynced appends do
  // not (a crash between the write and the fsync).
  struct disk {
    bool has_image = false;
    gcs::durable_image image;
    bool has_record = false;  // written after `image`
    gcs::view_record record;
    std::vector<gcs::log_entry> log, unsynced;
    uint64_t generation = 0;
    bool sync_pending = false;
    time_point sync_at{};
  };
  struct client {
    uint64_t id = 0;
    uint64_t req = 0;
    std::string payload;
    size_t slot = 0;
    bool waiting = false;  // a submission is outstanding
    // An attempt of this request may have been applied (no answer, or "outcome unknown"). A
    // real client reports a "not in primary partition" refusal as "not applied" unless so.
    bool in_doubt = false;
    time_point sent{}, retry_at{};
    time_point first_sent{};  // of the current request, retries included
    uint64_t ops_left = 0;
    int64_t queue = 0;  // the queue id this client pushes to (0: not created yet)
  };
  struct ack {
    uint64_t client, req;
    std::string result;
    gcs::view_id view;
    uint64_t seq;
  };

  void step(time_point t);
  void write_disk(size_t slot, gcs::effects& fx);
  void sync_disks();
  void count_acknowledgements(const gcs::effects& fx);
  void handle(size_t slot, gcs::effects fx);
  void check_delivery(size_t slot, const gcs::delivery& d);
  void check_view(size_t slot, const gcs::view_desc& v);
  void check_reply(size_t slot, const gcs::client_reply& r);
  void update_membership();
  void drive_clients();
  void submit(client& c);
  std::string next_payload(client& c);
  bool converged() const;
  void fail(const std::string& why);
  size_t slot_of(const node_id& id) const;

  uint64_t seed_;
  world_options opts_;
  std::mt19937_64 rng_;
  sim_network<node_id, gcs::packet> net_;
  time_point now_{};
  std::vector<node> nodes_;
  std::vector<disk> disks_;  // per slot, across incarnations
  std::vector<int> group_;   // partition group per slot
  std::vector<client> clients_;
  uint64_t incarnation_ = 1;
  std::string failure_;
  coverage cov_;

  // Invariant state.
  std::map<uint64_t, gcs::msg_id> history_;            // seq -> message, first delivery anywhere
  std::map<uint64_t, std::string> results_;            // seq -> application result
  std::map<uint64_t, size_t> state_hash_;              // seq -> hash of the replica after it
  std::map<gcs::msg_id, uint64_t> seq_of_;             // message -> seq (unique)
  std::set<std::pair<uint64_t, uint64_t>> submitted_;  // (client, req) ever submitted
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> first_seq_;  // (client, req) first delivered
  std::vector<ack> acks_;
  std::vector<milliseconds> ack_latencies_;
  // (client, req) a client was told, by refusals only, was not applied and gave up on.
  std::set<std::pair<uint64_t, uint64_t>> refused_;
  std::map<uint64_t, gcs::view_id> primary_by_epoch_;
  std::vector<gcs::view_desc> primaries_;
};

}  // namespace dfs::sim::gcs_world
