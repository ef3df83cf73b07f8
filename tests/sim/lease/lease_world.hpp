#pragma once
// Lease simulation (issue 13 item 6): the master's lease_table and the chunkservers'
// primary_leases over a lossy, partitioning simulated network, every node on its own clock
// drifting within ±drift_ppm of real time, with crashes and restarts of the master and the
// chunkservers. Clients ask for leases at random; primaries with "mutations" ask for renewals.
//
// Checked after every event, in REAL (simulated global) time:
// - at most one chunkserver considers itself primary of a chunk (by its own clock);
// - the master hands out a grant only after the previous lease on that chunk has expired (or
//   its primary reported it released after a revocation) by its clock plus the margin, and,
//   after a restart, only after duration + margin.
// A new primary appears only when a reply is delivered, so checking after every event checks
// every instant.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "core/chunkserver/primary_lease.hpp"
#include "core/master/lease_table.hpp"
#include "sim/common/sim_network.hpp"

namespace dfs::sim::lease {

using std::chrono::milliseconds;

struct world_options {
  uint32_t chunkservers = 4;
  uint32_t chunks = 3;
  milliseconds lease_duration{1000};
  uint32_t drift_ppm = 50000;  // the nodes' real clock rate bound (5%: drift is visible)
  // What the master is configured with; below drift_ppm the margin is too short (the sweep
  // that drops the margin sets 0 here).
  uint32_t configured_drift_ppm = 50000;
  milliseconds heartbeat{100};
  milliseconds run{20000};
  double loss = 0.05;
  double duplicate = 0.05;
  milliseconds max_delay{20};
  double partitions_per_s = 0.3;
  double master_crashes_per_s = 0.1;
  double chunkserver_crashes_per_s = 0.2;
  double lease_requests_per_s = 20;
  // After a master restart, grant at once to the primary of a chunk's last durable grant
  // (master_takeover.cpp). `takeover_any_primary`: the wrong rule, to any live replica (the
  // sweep that must find two primaries).
  bool takeover_grants = true;
  bool takeover_any_primary = false;
  // Chance that a request finding a confirmed lease has its primary take a new one at once
  // (lease_table::supersede, as when a secondary of the running lease is gone).
  double supersede_chance = 0.2;
  // Chance that the master revokes a running, confirmed lease its primary claims in a
  // heartbeat (a repair or a snapshot waits for it); the lease ends when the primary's
  // heartbeat reports it released. `release_when_revoking`: the wrong rule, ending it as the
  // revocation is sent (the sweep that must find two primaries).
  double revoke_chance = 0.1;
  bool release_when_revoking = false;
};

struct coverage {
  uint64_t grants = 0, renewals = 0, taken = 0, master_restarts = 0, cs_restarts = 0,
           partitions = 0, refused = 0, overlaps_near = 0, takeover_grants = 0, supersedes = 0,
           revokes = 0, releases = 0;
};

class world {
 public:
  world(uint64_t seed, world_options opts);
  void run();
  const std::string& failure() const { return failure_; }
  const coverage& covered() const { return cov_; }

 private:
  using addr = uint32_t;  // 0: the master, 1..n: chunkservers
  struct heartbeat_msg {
    uint64_t seq = 0;
    uint64_t life = 0;  // the sender's incarnation
    std::vector<lease_claim> claims;
    std::vector<lease_revocation> released;
    std::map<uint64_t, uint64_t> versions;  // handle -> version held
  };
  struct reply_msg {
    uint64_t seq = 0;
    std::vector<lease_grant> grants;
    std::vector<version_update> versions;
    std::vector<lease_revocation> revoke;
  };
  using msg = std::variant<heartbeat_msg, reply_msg>;

  struct node_clock {
    core::time_point life_start_real{};
    core::time_point local_at_start{};
    double rate = 1.0;
    core::time_point local(core::time_point real) const;
    core::duration real_delay(core::duration local_d) const;
  };
  struct cs_node {
    node_clock clock;
    bool up = true;
    uint64_t life = 0;
    uint64_t seq = 0;
    std::map<uint64_t, core::time_point> sent;  // seq -> local send time
    std::map<uint64_t, uint64_t> versions;      // durable on its disk
    dfs::chunkserver::primary_leases leases;
  };
  struct master_node {
    node_clock clock;
    bool up = true;
    uint64_t life = 0;
    std::unique_ptr<master::lease_table> table;
    std::map<uint64_t, uint64_t> durable_versions;  // the log
    std::map<uint64_t, uint64_t> versions;          // applied (durable or about to be)
    std::map<uint64_t, node_id> durable_holders;    // the log: each grant's primary
    std::map<uint64_t, node_id> holders;            // applied
    std::map<uint64_t, bool> takeover_grant;        // the grant under way skipped the wait-out
    std::map<uint64_t, bool> superseding;           // the grant under way supersedes a lease
    std::map<addr, uint64_t> lives;                 // incarnation last heard, this life
    std::map<addr, core::time_point> last_heard;    // local clock
    std::map<addr, std::map<uint64_t, uint64_t>> reported;
    std::map<uint64_t, core::time_point> last_expiry;  // per chunk, this life, master clock
    core::time_point started{};
  };
  enum class ev : uint8_t { cs_tick, master_tick, bump_durable, request, crash, restart, heal };
  struct event {
    core::time_point at;
    uint64_t order;
    ev kind;
    addr who;
    uint64_t life;
    uint64_t arg;
    bool operator>(const event& o) const { return at != o.at ? at > o.at : order > o.order; }
  };

  void schedule(core::time_point at, ev kind, addr who, uint64_t life, uint64_t arg = 0);
  void handle(const event& e);
  void deliver(const sim_network<addr, msg>::envelope& env);
  void on_heartbeat(addr from, const heartbeat_msg& hb);
  void on_reply(addr to, const reply_msg& r);
  void cs_tick(addr a);
  void request_lease(uint64_t handle);
  // During the restart wait-out: may chunk `h` be granted now, and to whom only.
  bool takeover_settled(uint64_t h, core::time_point local, std::optional<addr>& only);
  void start_master();
  void start_chunkserver(addr a);
  node_clock new_clock(core::time_point local_base);
  void check();
  void fail(const std::string& why);
  master::lease_options master_lease_options() const;

  uint64_t seed_;
  world_options opts_;
  std::mt19937_64 rng_;
  sim_network<addr, msg> net_;
  core::time_point now_{};  // real time
  uint64_t order_ = 0;
  std::priority_queue<event, std::vector<event>, std::greater<event>> events_;
  master_node master_;
  std::vector<cs_node> cs_;  // index a-1
  std::string failure_;
  coverage cov_;
  double mutation_chance_ = 0;  // per primary and heartbeat: "mutations" ask for an extension
};

}  // namespace dfs::sim::lease
