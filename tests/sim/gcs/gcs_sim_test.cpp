// Seeded simulations of the GCS with FTQueue replicas (issue 5 item 4). Each sweep prints the
// seed of a failing run; DFS_SIM_SEED=<seed> replays it, DFS_SIM_RUNS=<n> resizes sweeps.
#include <gtest/gtest.h>

#include "world.hpp"

namespace dfs::sim::gcs_world {
namespace {

world_options opts(size_t nodes, double loss, double dup = 0.0) {
  world_options o;
  o.nodes = nodes;
  o.clients = nodes + 1;
  o.loss = loss;
  o.duplicate = dup;
  o.cfg.expected_group_size = static_cast<uint32_t>(nodes);
  return o;
}

#define EXPECT_RUN_OK(w)              \
  do {                                \
    if (!(w).failure().empty()) {     \
      ADD_FAILURE() << (w).failure(); \
      return;                         \
    }                                 \
  } while (0)

TEST(GcsSim, ThreeMembersNoLossServeAndAgree) {
  world w(1, opts(3, 0.0));
  w.run_for(milliseconds(3000));
  w.settle(milliseconds(10000));
  EXPECT_RUN_OK(w);
  EXPECT_GE(w.acked(), 4u * 25u);
  EXPECT_TRUE(w.member(0).is_primary());
}

TEST(GcsSim, LossDuplicationReorderSweep) {
  for (uint64_t seed : sweep_seeds(60)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    size_t nodes = seed % 2 ? 3 : 5;
    world w(seed, opts(nodes, 0.05 * static_cast<double>(seed % 7), 0.05));
    w.run_for(milliseconds(2000));
    w.settle(milliseconds(20000));
    EXPECT_RUN_OK(w);
  }
}

TEST(GcsSim, CrashesAndRestartsSweep) {
  for (uint64_t seed : sweep_seeds(60, 1000)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    size_t nodes = seed % 2 ? 3 : 5;
    world w(seed, opts(nodes, 0.1, 0.02));
    w.run_for(milliseconds(500));
    w.chaos(milliseconds(3000), true, false);
    w.settle(milliseconds(30000));
    EXPECT_RUN_OK(w);
  }
}

TEST(GcsSim, PartitionsAndMergesSweep) {
  for (uint64_t seed : sweep_seeds(60, 2000)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    size_t nodes = seed % 2 ? 3 : 5;
    world w(seed, opts(nodes, 0.1, 0.02));
    w.run_for(milliseconds(500));
    w.chaos(milliseconds(3000), false, true);
    w.settle(milliseconds(30000));
    EXPECT_RUN_OK(w);
  }
}

TEST(GcsSim, EverythingSweep) {
  for (uint64_t seed : sweep_seeds(60, 3000)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    size_t nodes = seed % 2 ? 3 : 5;
    world w(seed, opts(nodes, 0.3, 0.05));
    w.run_for(milliseconds(500));
    w.chaos(milliseconds(3000), true, true);
    w.settle(milliseconds(30000));
    EXPECT_RUN_OK(w);
  }
}

}  // namespace
}  // namespace dfs::sim::gcs_world
