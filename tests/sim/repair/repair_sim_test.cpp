// The repair planner against 10,000 chunks on a simulated cluster: random chunkserver deaths,
// stalls (unhealthy, then back or dead), joins and corrupt replicas; copies take time and
// sometimes fail. Checked after every step: throttles hold (copies per server, bytes per
// second), no copy comes from a server that is not a healthy holder of the current version,
// no copy goes to a holder. When the failures stop, every chunk that still has a replica gets
// back to its target.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "core/master/repair_planner.hpp"
#include "sim/common/sim_network.hpp"

namespace dfs::master {
namespace {

using registry::health;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr auto step = milliseconds(100);
constexpr uint64_t mib = 1ull << 20;
constexpr double copy_bytes_per_s = 200.0 * mib;  // one copy's speed

struct copy_job {
  copy_order order;
  core::time_point done_at;
  bool fails;
};

class repair_world {
 public:
  repair_world(uint64_t seed, size_t servers, size_t chunks) : rng_(seed), planner_(options()) {
    for (size_t i = 0; i < servers; ++i) add_server();
    for (size_t c = 0; c < chunks; ++c) {
      repair_chunk ch{chunk_handle{c + 1}, 1, (1 + rng_() % 8) * mib, {}, 3, rng_() % 10 == 0};
      while (ch.replicas.size() < 3) {
        auto& s = servers_[rng_() % servers_.size()];
        if (std::find(ch.replicas.begin(), ch.replicas.end(), s.id) == ch.replicas.end())
          ch.replicas.push_back(s.id);
      }
      chunks_.push_back(ch);
    }
  }

  static repair_options options() {
    repair_options o;
    o.max_copies_per_server = 2;
    o.max_bytes_per_s = 400 * mib;
    o.delay = seconds(5);
    o.retry_after = seconds(2);
    return o;
  }

  // One step of virtual time; `chaos` draws failures.
  void run_step(bool chaos) {
    now_ += step;
    if (chaos) faults();
    finish_copies();
    auto orders = planner_.plan(chunks_, servers_, now_);
    for (auto& o : orders) start(o);
    check_throttles();
  }

  bool all_at_target() const {
    for (auto& c : chunks_)
      if (!c.replicas.empty() && live_replicas(c) < c.target) return false;
    return true;
  }

  std::string describe() const {
    size_t below = 0, healthy = 0;
    for (auto& c : chunks_)
      if (!c.replicas.empty() && live_replicas(c) < c.target) ++below;
    for (auto& s : servers_) healthy += s.state == health::healthy ? 1 : 0;
    std::string example;
    for (auto& c : chunks_)
      if (!c.replicas.empty() && live_replicas(c) < c.target && example.empty()) {
        example = " e.g. " + c.handle.to_string() + " on";
        for (auto& r : c.replicas) example += " " + r.to_string();
      }
    return example + " below target " + std::to_string(below) + ", servers " +
           std::to_string(servers_.size()) + " healthy " + std::to_string(healthy) + ", queued " +
           std::to_string(planner_.stats().queued) + " missing " +
           std::to_string(planner_.stats().missing) + " in flight " +
           std::to_string(planner_.in_flight()) + " jobs " + std::to_string(jobs_.size());
  }

  void heal() {  // stalled servers come back
    for (auto& s : servers_)
      if (s.state == health::unhealthy) s.state = health::healthy;
  }

  std::string failure;
  size_t planner_in_flight() const { return planner_.in_flight(); }
  const repair_stats& stats() const { return planner_.stats(); }
  uint64_t deaths = 0, joins = 0, stalls = 0, corruptions = 0, lost_chunks = 0;

 private:
  void add_server() {
    auto id = node_id{"127.0.0.1", static_cast<uint16_t>(17100 + 10 * next_port_++), 1};
    servers_.push_back(
        {id, health::healthy, {}, 1ull << 40, "z" + std::to_string(rng_() % 3), false});
  }

  repair_server* server(const node_id& n) {
    for (auto& s : servers_)
      if (s.id == n) return &s;
    return nullptr;
  }

  uint32_t live_replicas(const repair_chunk& c) const {
    uint32_t n = 0;
    for (auto& r : c.replicas)
      for (auto& s : servers_)
        if (s.id == r && s.state == health::healthy) ++n;
    return n;
  }

  void remove_server(node_id n) {  // by value: n may name an element of servers_
    ++deaths;
    servers_.erase(std::remove_if(servers_.begin(), servers_.end(),
                                  [&](const repair_server& s) { return s.id == n; }),
                   servers_.end());
    for (auto& c : chunks_) {
      auto before = c.replicas.size();
      c.replicas.erase(std::remove(c.replicas.begin(), c.replicas.end(), n), c.replicas.end());
      if (before > 0 && c.replicas.empty()) ++lost_chunks;
    }
    planner_.on_server_gone(n, now_);
  }

  void faults() {
    std::uniform_real_distribution<double> u(0, 1);
    size_t alive = 0;
    for (auto& s : servers_) alive += s.state == health::healthy ? 1 : 0;
    if (u(rng_) < 0.004 && alive > 5) remove_server(servers_[rng_() % servers_.size()].id);
    if (u(rng_) < 0.004 && alive > 5) {
      auto& s = servers_[rng_() % servers_.size()];
      if (s.state == health::healthy) {
        ++stalls;
        s.state = health::unhealthy;
        s.unhealthy_since = now_;
      }
    }
    for (size_t i = 0; i < servers_.size(); ++i) {  // stalled servers come back or die
      auto& s = servers_[i];
      if (s.state != health::unhealthy) continue;
      if (u(rng_) < 0.02)
        s.state = health::healthy;
      else if (now_ - s.unhealthy_since > seconds(20)) {
        remove_server(s.id);
        break;
      }
    }
    if (u(rng_) < 0.003) {
      ++joins;
      add_server();
    }
    if (u(rng_) < 0.05) {  // a replica found corrupt: dropped from the chunk table
      auto& c = chunks_[rng_() % chunks_.size()];
      if (c.replicas.size() > 1) {
        ++corruptions;
        c.replicas.erase(c.replicas.begin() + static_cast<long>(rng_() % c.replicas.size()));
      }
    }
  }

  void start(const copy_order& o) {
    auto& c = chunks_.at(o.handle.value - 1);
    auto* src = server(o.source);
    bool holds = std::find(c.replicas.begin(), c.replicas.end(), o.source) != c.replicas.end();
    if (src == nullptr || src->state != health::healthy || !holds || o.chunk_version != 1)
      failure = "copy of " + o.handle.to_string() + " from a server that is not a healthy holder";
    if (std::find(c.replicas.begin(), c.replicas.end(), o.target) != c.replicas.end())
      failure = "copy of " + o.handle.to_string() + " to a server that holds it";
    bytes_started_ += o.size_bytes;
    auto took = std::chrono::duration_cast<core::duration>(
        std::chrono::duration<double>(double(o.size_bytes) / copy_bytes_per_s));
    jobs_.push_back({o, now_ + took, rng_() % 20 == 0});
  }

  void finish_copies() {
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      if (it->done_at > now_) {
        ++it;
        continue;
      }
      auto& o = it->order;
      auto* src = server(o.source);
      auto* dst = server(o.target);
      bool ok = !it->fails && src != nullptr && dst != nullptr && dst->state == health::healthy;
      auto& c = chunks_.at(o.handle.value - 1);
      if (ok) c.replicas.push_back(o.target);
      planner_.on_copy_done(o, ok, now_);
      it = jobs_.erase(it);
    }
  }

  void check_throttles() {
    std::map<node_id, uint32_t> load;
    for (auto& j : jobs_) {
      ++load[j.order.source];
      ++load[j.order.target];
    }
    for (auto& [n, l] : load)
      if (l > options().max_copies_per_server && server(n) != nullptr)
        failure = "server " + n.to_string() + " has " + std::to_string(l) + " copies in flight";
    // Bytes started since the start never exceed the rate times the time plus one second.
    double allowed = double(options().max_bytes_per_s) *
                     (std::chrono::duration<double>(now_ - start_).count() + 1.0);
    if (double(bytes_started_) > allowed + double(8 * mib))
      failure = "bandwidth throttle exceeded: " + std::to_string(bytes_started_) + " bytes";
  }

  std::mt19937_64 rng_;
  repair_planner planner_;
  std::vector<repair_server> servers_;
  std::vector<repair_chunk> chunks_;
  std::vector<copy_job> jobs_;
  core::time_point start_{}, now_{};
  uint64_t bytes_started_ = 0;
  int next_port_ = 0;
};

TEST(RepairSim, ThrottledRepairBringsEveryChunkBackToItsTarget) {
  // What the sweep exercised, summed: one run may see no death and so no failed copy (seeds
  // 7038 and 7094), a sweep must see both.
  uint64_t faults = 0, corruptions = 0, done = 0, failed = 0;
  for (auto seed : sim::sweep_seeds(3, 1)) {
    SCOPED_TRACE("seed=" + std::to_string(seed) + " (replay: DFS_SIM_SEED=" + std::to_string(seed) +
                 ")");
    repair_world w(seed, 10, 10000);
    for (int i = 0; i < 600 && w.failure.empty(); ++i) w.run_step(true);  // 60 s of failures
    w.heal();
    // Up to 300 s quiet, and longer while copies keep completing: a run with many deaths has
    // more copies to make than 300 s at the throttle allows (seed 12063: 7 deaths, 5 servers
    // left, ~16,900 copies). A planner that stops making progress still fails here.
    int steps = 0;
    uint64_t done_before = w.stats().done;
    while (w.failure.empty() && !w.all_at_target() && steps < 30000) {
      w.run_step(false);
      if (++steps % 600 != 0) continue;  // every 60 s
      if (steps >= 3000 && w.stats().done == done_before) break;
      done_before = w.stats().done;
    }
    for (int i = 0; i < 20; ++i) w.run_step(false);  // copies started last finish (<= 40 ms)
    ASSERT_EQ(w.failure, "");
    EXPECT_EQ(w.planner_in_flight(), 0u) << "copies still counted in flight: " << w.describe();
    EXPECT_TRUE(w.all_at_target())
        << "not back at target after 300 s without failures: " << w.describe();
    faults += w.deaths + w.stalls;
    corruptions += w.corruptions;
    done += w.stats().done;
    failed += w.stats().failed;
    std::printf(
        "[repair] seed=%llu deaths=%llu stalls=%llu joins=%llu corrupt=%llu lost=%llu "
        "copies done=%llu failed=%llu quiet_steps=%d\n",
        (unsigned long long)seed, (unsigned long long)w.deaths, (unsigned long long)w.stalls,
        (unsigned long long)w.joins, (unsigned long long)w.corruptions,
        (unsigned long long)w.lost_chunks, (unsigned long long)w.stats().done,
        (unsigned long long)w.stats().failed, steps);
  }
  if (std::getenv("DFS_SIM_SEED") != nullptr) return;  // one replayed run proves nothing broad
  EXPECT_GT(faults, 0u);
  EXPECT_GT(corruptions, 0u);
  EXPECT_GT(done, 0u);
  EXPECT_GT(failed, 0u);
}

TEST(RepairPlanner, OneCopyChunksFirstThenHotThenByHandle) {
  repair_planner p({1, 1ull << 40, seconds(30), seconds(10), 1024});
  auto n = [](int i) { return node_id{"h", static_cast<uint16_t>(i), 1}; };
  std::vector<repair_server> servers;
  for (int i = 1; i <= 8; ++i)
    servers.push_back({n(i), health::healthy, {}, 1ull << 40, "", false});
  std::vector<repair_chunk> chunks = {
      {chunk_handle{1}, 1, mib, {n(1), n(2)}, 3, false},
      {chunk_handle{2}, 1, mib, {n(3), n(4)}, 3, true},
      {chunk_handle{3}, 1, mib, {n(5)}, 3, false},
  };
  auto orders = p.plan(chunks, servers, core::time_point{});
  ASSERT_FALSE(orders.empty());
  EXPECT_EQ(orders[0].handle.value, 3u) << "the single-copy chunk goes first";
  EXPECT_EQ(orders[1].handle.value, 2u) << "then the hot one";
  EXPECT_LE(p.load(n(5)), 1u) << "one copy per server in flight";
}

TEST(RepairPlanner, AnUnhealthyServerIsWaitedForThenRepairedAround) {
  repair_planner p({2, 1ull << 40, seconds(30), seconds(10), 1024});
  auto n = [](int i) { return node_id{"h", static_cast<uint16_t>(i), 1}; };
  core::time_point t0{};
  std::vector<repair_server> servers;
  for (int i = 1; i <= 5; ++i)
    servers.push_back({n(i), health::healthy, {}, 1ull << 40, "", false});
  servers[0].state = health::unhealthy;
  servers[0].unhealthy_since = t0;
  std::vector<repair_chunk> chunks = {{chunk_handle{1}, 1, mib, {n(1), n(2), n(3)}, 3, false}};
  EXPECT_TRUE(p.plan(chunks, servers, t0 + seconds(29)).empty()) << "copied before the delay";
  auto orders = p.plan(chunks, servers, t0 + seconds(31));
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_NE(orders[0].source, n(1)) << "copied from the unhealthy server";
  EXPECT_TRUE(orders[0].target == n(4) || orders[0].target == n(5));
  // A failed copy is retried elsewhere.
  p.on_copy_done(orders[0], false, t0 + seconds(32));
  auto again = p.plan(chunks, servers, t0 + seconds(33));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_NE(again[0].target, orders[0].target);
}

TEST(RepairPlanner, ANewZoneIsPreferredAndTheByteBudgetHolds) {
  repair_planner p({4, 10 * mib, seconds(30), seconds(10), 1024});
  auto n = [](int i) { return node_id{"h", static_cast<uint16_t>(i), 1}; };
  std::vector<repair_server> servers = {{n(1), health::healthy, {}, 100 * mib, "a", false},
                                        {n(2), health::healthy, {}, 900 * mib, "a", false},
                                        {n(3), health::healthy, {}, 100 * mib, "b", false}};
  std::vector<repair_chunk> chunks;
  for (uint64_t h = 1; h <= 5; ++h)
    chunks.push_back({chunk_handle{h}, 1, 4 * mib, {n(1)}, 2, false});
  auto orders = p.plan(chunks, servers, core::time_point{});
  ASSERT_EQ(orders.size(), 2u) << "10 MiB/s of budget: two 4 MiB copies, not three";
  EXPECT_EQ(orders[0].target, n(3)) << "zone b before more free space in zone a";
  EXPECT_TRUE(p.plan(chunks, servers, core::time_point{}).empty()) << "budget spent";
  EXPECT_FALSE(p.plan(chunks, servers, core::time_point{} + seconds(1)).empty()) << "refilled";
}

TEST(RepairPlanner, ADrainingServersReplicasDoNotCountAndItIsASourceNeverATarget) {
  repair_planner p({4, 1ull << 40, seconds(30), seconds(10), 1024});
  auto n = [](int i) { return node_id{"h", static_cast<uint16_t>(i), 1}; };
  std::vector<repair_server> servers;
  for (int i = 1; i <= 5; ++i)
    servers.push_back({n(i), health::healthy, {}, 1ull << 40, "", false});
  servers[0].draining = true;  // n(1)
  servers[4].draining = true;  // n(5): empty, draining too: no target
  // On n(1) (draining), n(2), n(3): one copy is owed, to n(4) only; n(1) may be its source.
  std::vector<repair_chunk> chunks = {{chunk_handle{1}, 1, mib, {n(1), n(2), n(3)}, 3, false},
                                      {chunk_handle{2}, 1, mib, {n(1)}, 3, false}};
  auto orders = p.plan(chunks, servers, core::time_point{});
  // Chunk 2 counts no replica: first, three copies from n(1) to n(2..4); chunk 1 owes one,
  // and n(4) is the only non-draining server without it.
  ASSERT_EQ(orders.size(), 4u);
  for (auto& o : orders) {
    EXPECT_NE(o.target, n(1));
    EXPECT_NE(o.target, n(5)) << "a draining server received a copy";
    if (o.handle.value == 1) {
      EXPECT_EQ(o.target, n(4));
    }
    if (o.handle.value == 2) {
      EXPECT_EQ(o.source, n(1));
    }
  }
  EXPECT_EQ(orders[0].handle.value, 2u);
}

TEST(RepairPlanner, CopiesSpreadOverTargetsBeforeFreeSpaceDecides) {
  repair_planner p({8, 1ull << 40, seconds(30), seconds(10), 1024});
  auto n = [](int i) { return node_id{"h", static_cast<uint16_t>(i), 1}; };
  // n(2) reports a GiB more free space than n(3..5) (a heartbeat earlier on a shared disk):
  // eight copies from n(1) still go two to each target, not all eight to n(2).
  std::vector<repair_server> servers;
  for (int i = 1; i <= 5; ++i)
    servers.push_back({n(i), health::healthy, {}, (i == 2 ? 11 : 10) * 1024 * mib, "", false});
  std::vector<repair_chunk> chunks;
  for (uint64_t h = 1; h <= 8; ++h)
    chunks.push_back({chunk_handle{h}, 1, 64 * mib, {n(1)}, 2, false});
  auto orders = p.plan(chunks, servers, core::time_point{});
  ASSERT_EQ(orders.size(), 8u);
  std::map<node_id, int> per_target;
  for (auto& o : orders) ++per_target[o.target];
  for (int i = 2; i <= 5; ++i) EXPECT_EQ(per_target[n(i)], 2) << n(i).to_string();
  EXPECT_EQ(orders[0].target, n(2)) << "loads equal: the most free space first";
}

}  // namespace
}  // namespace dfs::master
