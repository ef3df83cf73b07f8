// Lease simulation sweep (lease_world.hpp lists what is checked). DFS_SIM_SEED=n replays one
// run; DFS_SIM_RUNS=n sets the sweep size.
#include <gtest/gtest.h>

#include "sim/common/sanitized.hpp"
#include "sim/lease/lease_world.hpp"

namespace dfs::sim::lease {
namespace {

// Under ASan/UBSan a run is ~10x slower: a fifth of the sweep keeps the suite quick.
constexpr uint64_t sweep_runs = sanitized_build ? 300 : 2000;

coverage sweep(uint64_t runs, uint64_t base, const world_options& opts) {
  coverage total;
  for (auto seed : sweep_seeds(runs, base)) {
    world w(seed, opts);
    w.run();
    EXPECT_EQ(w.failure(), "") << "replay: DFS_SIM_SEED=" << seed;
    if (!w.failure().empty()) break;
    auto& c = w.covered();
    total.grants += c.grants;
    total.renewals += c.renewals;
    total.taken += c.taken;
    total.master_restarts += c.master_restarts;
    total.cs_restarts += c.cs_restarts;
    total.partitions += c.partitions;
    total.refused += c.refused;
    total.takeover_grants += c.takeover_grants;
    total.supersedes += c.supersedes;
    total.revokes += c.revokes;
    total.releases += c.releases;
  }
  return total;
}

void expect_coverage(const coverage& c) {
  if (std::getenv("DFS_SIM_SEED") != nullptr) return;
  EXPECT_GT(c.grants, 0u);
  EXPECT_GT(c.renewals, 0u);
  EXPECT_GT(c.taken, 0u);
  EXPECT_GT(c.master_restarts, 0u);
  EXPECT_GT(c.cs_restarts, 0u);
  EXPECT_GT(c.partitions, 0u);
  EXPECT_GT(c.refused, 0u);
  EXPECT_GT(c.takeover_grants, 0u);
  EXPECT_GT(c.supersedes, 0u);
  EXPECT_GT(c.revokes, 0u);
  EXPECT_GT(c.releases, 0u);
}

TEST(LeaseSim, NeverTwoPrimariesUnderLossPartitionsCrashesAndDrift) {
  auto c = sweep(sweep_runs, 1, world_options{});
  expect_coverage(c);
}

TEST(LeaseSim, HeavyLossAndShortLeases) {
  world_options o;
  o.lease_duration = milliseconds(300);
  o.loss = 0.3;
  o.duplicate = 0.2;
  o.max_delay = milliseconds(60);
  o.partitions_per_s = 1;
  expect_coverage(sweep(sweep_runs / 2, 100001, o));
}

// Of seeds 1..100, the runs that saw two primaries at once.
uint64_t runs_with_two_primaries(const world_options& o) {
  uint64_t failed = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    world w(seed, o);
    w.run();
    if (w.failure().find("two primaries") != std::string::npos) ++failed;
  }
  return failed;
}

// The check has teeth: a master configured without the drift margin (max_drift_ppm 0, while
// clocks drift by 5%) re-grants too early, and the sweep must see two primaries at once.
TEST(LeaseSim, WithoutTheDriftMarginTheSweepFindsTwoPrimaries) {
  if (std::getenv("DFS_SIM_SEED") != nullptr) GTEST_SKIP();
  world_options o;
  o.configured_drift_ppm = 0;
  o.lease_duration = milliseconds(2000);  // the overlap window is duration x 2 x drift
  EXPECT_GT(runs_with_two_primaries(o), 0u) << "dropping the margin went unnoticed";
}

// The takeover rule has teeth too: granting at once to any current replica after a master
// restart (not only to the primary of the chunk's last grant) must give two primaries.
TEST(LeaseSim, ATakeoverGrantingToAnyReplicaFindsTwoPrimaries) {
  if (std::getenv("DFS_SIM_SEED") != nullptr) GTEST_SKIP();
  world_options o;
  o.takeover_any_primary = true;
  EXPECT_GT(runs_with_two_primaries(o), 0u)
      << "granting to any replica after a takeover went unnoticed";
}

// Revocation has teeth: a master that ends a lease when it sends the revocation (instead of
// when the primary reports it released) re-grants while a primary that never got the
// revocation (lost, late) still acts.
TEST(LeaseSim, EndingALeaseWhenRevokingItFindsTwoPrimaries) {
  if (std::getenv("DFS_SIM_SEED") != nullptr) GTEST_SKIP();
  world_options o;
  o.release_when_revoking = true;
  EXPECT_GT(runs_with_two_primaries(o), 0u)
      << "ending a lease before its primary gave it up went unnoticed";
}

}  // namespace
}  // namespace dfs::sim::lease
