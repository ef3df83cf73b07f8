// Mutation-order simulation sweep (mutation_world.hpp lists what is checked). DFS_SIM_SEED=n
// replays one run; DFS_SIM_RUNS=n sets the sweep size.
#include <gtest/gtest.h>

#include <cstdio>

#include "sim/common/sanitized.hpp"
#include "sim/mutation/mutation_world.hpp"

namespace dfs::sim::mutation {
namespace {

constexpr uint64_t sweep_runs = sanitized_build ? 400 : 2000;

coverage sweep(uint64_t runs, uint64_t base, const world_options& opts) {
  coverage t;
  for (auto seed : sweep_seeds(runs, base)) {
    world w(seed, opts);
    w.run();
    EXPECT_EQ(w.failure(), "") << "replay: DFS_SIM_SEED=" << seed;
    if (!w.failure().empty()) break;
    const auto& c = w.covered();
    t.runs += c.runs;
    t.applied += c.applied;
    t.acked_writes += c.acked_writes;
    t.acked_appends += c.acked_appends;
    t.next_chunk += c.next_chunk;
    t.stale_refused += c.stale_refused;
    t.data_missing += c.data_missing;
    t.crashes += c.crashes;
    t.held += c.held;
    t.resend_requests += c.resend_requests;
    t.joined_or_cached += c.joined_or_cached;
    t.duplicates += c.duplicates;
    t.handovers += c.handovers;
    t.adopted += c.adopted;
  }
  if (std::getenv("DFS_SIM_VERBOSE") != nullptr)
    std::printf(
        "runs=%llu applied=%llu writes=%llu appends=%llu next_chunk=%llu stale_refused=%llu "
        "data_missing=%llu crashes=%llu held=%llu resend_requests=%llu retries=%llu dups=%llu "
        "handovers=%llu adopted=%llu\n",
        (unsigned long long)t.runs, (unsigned long long)t.applied,
        (unsigned long long)t.acked_writes, (unsigned long long)t.acked_appends,
        (unsigned long long)t.next_chunk, (unsigned long long)t.stale_refused,
        (unsigned long long)t.data_missing, (unsigned long long)t.crashes,
        (unsigned long long)t.held, (unsigned long long)t.resend_requests,
        (unsigned long long)t.joined_or_cached, (unsigned long long)t.duplicates,
        (unsigned long long)t.handovers, (unsigned long long)t.adopted);
  return t;
}

void expect_coverage(const coverage& c, bool crashes) {
  if (std::getenv("DFS_SIM_SEED") != nullptr) return;
  EXPECT_GT(c.acked_writes, 0u);
  EXPECT_GT(c.acked_appends, 0u);
  EXPECT_GT(c.next_chunk, 0u);
  EXPECT_GT(c.stale_refused, 0u);
  EXPECT_GT(c.held, 0u);
  EXPECT_GT(c.joined_or_cached, 0u);
  EXPECT_GT(c.duplicates, 0u);
  if (crashes) {
    EXPECT_GT(c.crashes, 0u);
    EXPECT_GT(c.data_missing, 0u);
    EXPECT_GT(c.resend_requests, 0u);
  }
}

TEST(MutationSim, ReplicasApplyOneOrderUnderLossDuplicationAndASecondaryCrash) {
  expect_coverage(sweep(sweep_runs, 1, world_options{}), true);
}

TEST(MutationSim, HeavyLossManyClientsSmallChunks) {
  world_options o;
  o.clients = 8;
  o.ops_per_client = 6;
  o.stale_clients = 3;
  o.chunk_size = 512;
  o.append_chunks = 80;
  o.loss = 0.25;
  o.duplicate = 0.2;
  o.max_delay = milliseconds(30);
  expect_coverage(sweep(sweep_runs / 4, 500001, o), true);
}

// A sweep with a change of lease version mid-run (`same_primary`: the primary itself takes the
// next one), which must have happened and been adopted by replicas.
void sweep_with_new_version(uint64_t base, bool same_primary) {
  world_options o;
  o.handover = true;
  o.same_primary = same_primary;
  o.long_delay_chance = 0.02;
  auto c = sweep(sweep_runs / 2, base, o);
  expect_coverage(c, true);
  if (std::getenv("DFS_SIM_SEED") == nullptr) {
    EXPECT_GT(c.handovers, 0u);
    EXPECT_GT(c.adopted, 0u);
  }
}

// The lease moves to a secondary mid-run: mutations in flight fail, clients retry at the new
// primary, replicas adopt the new version from its mutations and refuse the old one's.
TEST(MutationSim, PrimaryChangeMidRun) {
  sweep_with_new_version(900001, false);
}

// The primary takes a new lease (the next version) while its old one runs, as when the master
// supersedes a lease naming a gone secondary: replicas adopt the new version from its
// mutations and refuse the old one's that arrive late; nothing acknowledged is lost.
TEST(MutationSim, SamePrimaryNewVersionMidRun) {
  sweep_with_new_version(1300001, true);
}

}  // namespace
}  // namespace dfs::sim::mutation
