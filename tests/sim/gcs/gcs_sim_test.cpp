// Seeded simulations of the GCS with FTQueue replicas (issue 5 item 4). Each sweep prints the
// seed of a failing run; DFS_SIM_SEED=<seed> replays it, DFS_SIM_RUNS=<n> resizes sweeps.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "core/gcs/completion.hpp"
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

struct sweep_spec {
  uint64_t runs, base;
  double loss;
  bool crashes, partitions;
};

// Runs a sweep (3 and 5 members alternating) and returns what it covered in total.
world::coverage sweep(const sweep_spec& sp) {
  world::coverage total;
  for (uint64_t seed : sweep_seeds(sp.runs, sp.base)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    size_t nodes = seed % 2 ? 3 : 5;
    double loss = sp.loss * static_cast<double>(seed % 7) / 6.0;  // 0 .. sp.loss
    world w(seed, opts(nodes, loss, 0.05));
    w.run_for(milliseconds(500));
    if (sp.crashes || sp.partitions)
      w.chaos(milliseconds(3000), sp.crashes, sp.partitions);
    else
      w.run_for(milliseconds(2000));
    w.settle(milliseconds(30000));
    if (!w.failure().empty()) {
      ADD_FAILURE() << w.failure();
      break;
    }
    const auto& c = w.covered();
    total.views += c.views;
    total.primary_views += c.primary_views;
    total.state_transfers += c.state_transfers;
    total.not_primary_refusals += c.not_primary_refusals;
    total.unknown_outcomes += c.unknown_outcomes;
    total.nacks += c.nacks;
    total.retransmissions += c.retransmissions;
    total.acks += c.acks;
  }
  std::printf(
      "  coverage: views=%llu primary=%llu state_transfers=%llu refusals=%llu "
      "unknown_outcome=%llu nacks=%llu retransmissions=%llu acks=%llu\n",
      (unsigned long long)total.views, (unsigned long long)total.primary_views,
      (unsigned long long)total.state_transfers, (unsigned long long)total.not_primary_refusals,
      (unsigned long long)total.unknown_outcomes, (unsigned long long)total.nacks,
      (unsigned long long)total.retransmissions, (unsigned long long)total.acks);
  return total;
}

bool full_sweep() {
  return std::getenv("DFS_SIM_SEED") == nullptr;
}

TEST(GcsSim, LossDuplicationReorderSweep) {
  auto c = sweep({60, 1, 0.3, false, false});
  if (full_sweep()) {
    EXPECT_GT(c.retransmissions, 0u);
  }
}

TEST(GcsSim, CrashesAndRestartsSweep) {
  auto c = sweep({70, 1000, 0.2, true, false});
  if (full_sweep()) {
    EXPECT_GT(c.state_transfers, 0u);
  }
}

TEST(GcsSim, PartitionsAndMergesSweep) {
  auto c = sweep({70, 2000, 0.2, false, true});
  if (full_sweep()) {
    EXPECT_GT(c.not_primary_refusals, 0u);
    EXPECT_GT(c.state_transfers, 0u);
  }
}

TEST(GcsSim, EverythingSweep) {
  auto c = sweep({100, 3000, 0.3, true, true});
  if (full_sweep()) {
    EXPECT_GT(c.views, 0u);
  }
}

// A minority partition refuses with "not in primary partition"; the majority keeps serving;
// after the merge the minority takes the primary's state.
TEST(GcsSim, MinorityRefusesMajorityServesMergeTransfersState) {
  world w(77, opts(5, 0.0));
  w.run_for(milliseconds(1000));
  w.partition({{0, 1}, {2, 3, 4}});
  w.run_for(milliseconds(2000));
  ASSERT_TRUE(w.failure().empty()) << w.failure();
  EXPECT_FALSE(w.member(0).is_primary());
  EXPECT_FALSE(w.member(1).is_primary());
  EXPECT_TRUE(w.member(2).is_primary());
  EXPECT_EQ(w.member(2).view().members.size(), 3u);
  EXPECT_GT(w.covered().not_primary_refusals, 0u);
  w.settle(milliseconds(20000));
  ASSERT_TRUE(w.failure().empty()) << w.failure();
  EXPECT_GT(w.covered().state_transfers, 0u);
}

// An even split of a 4-member primary view leaves no side primary.
TEST(GcsSim, EvenSplitHasNoPrimary) {
  world_options o = opts(4, 0.0);
  world w(78, o);
  w.run_for(milliseconds(2000));
  ASSERT_TRUE(w.member(0).is_primary()) << w.summary();
  w.partition({{0, 1}, {2, 3}});
  w.run_for(milliseconds(2000));
  ASSERT_TRUE(w.failure().empty()) << w.failure();
  for (size_t s = 0; s < 4; ++s) EXPECT_FALSE(w.member(s).is_primary()) << s;
  w.settle(milliseconds(20000));
  ASSERT_TRUE(w.failure().empty()) << w.failure();
}

// compute_completion's DFS_ASSERT: two FLUSH answers that name different messages at one seq of
// the same primary view cannot come from a correct member, so the coordinator stops rather than
// pick one (a delivered message could be lost).
TEST(GcsCompletionDeathTest, TwoMessagesAtOneSeqAreAnAssert) {
  node_id a{"10.0.0.1", 17000, 1}, b{"10.0.0.2", 17000, 2};
  std::vector<node_id> members{a, b};
  gcs::view_desc old_primary{{1, a}, members, true, 1};
  auto flush_with = [&](const node_id& sender) {
    gcs::flush_msg f;
    f.current = old_primary;
    f.last_primary = old_primary;
    f.entries.push_back({1, {sender, 1}, {1, 1, "op"}});
    return f;
  };
  // Agreeing answers complete the old view with its one message.
  std::map<node_id, gcs::flush_msg> agree{{a, flush_with(a)}, {b, flush_with(a)}};
  auto c = gcs::compute_completion({2, a}, members, agree, 2);
  EXPECT_TRUE(c.install.view.primary);
  ASSERT_EQ(c.install.entries.size(), 1u);
  EXPECT_EQ(c.install.entries[0].id, (gcs::msg_id{a, 1}));
  std::map<node_id, gcs::flush_msg> contradict{{a, flush_with(a)}, {b, flush_with(b)}};
  EXPECT_DEATH((void)gcs::compute_completion({2, a}, members, contradict, 2),
               "DFS_ASSERT failed.*two messages ordered at seq 1");
}

}  // namespace
}  // namespace dfs::sim::gcs_world
