// Joins, leaves, partitions, restarts, duplication/reordering and determinism (issue 3, item 2).
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "sim/membership/swim_cluster.hpp"

namespace dfs::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

net_options lan(double loss = 0.0) {
  net_options o;
  o.loss = loss;
  o.min_delay = std::chrono::microseconds(100);
  o.max_delay = std::chrono::microseconds(1000);
  return o;
}

TEST(SwimJoin, HundredMembersConverge) {
  for (uint64_t seed : sweep_seeds(2, 10)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    swim_cluster c(seed, lan(0.01));
    c.start_all(100, milliseconds(10));  // all 100 within 1 s
    time_point t0 = c.now();
    ASSERT_TRUE(c.run_until_pred(seconds(10), [&] { return c.converged(); }))
        << c.describe_divergence();
    std::printf("[swim] n=100 join convergence %.2fs after the last start\n",
                sim::seconds(c.now() - t0));
  }
}

TEST(SwimJoin, FallsBackToNextSeed) {
  for (uint64_t seed : sweep_seeds(3, 20)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    swim_cluster c(seed, lan());
    for (int i = 0; i < 6; ++i) c.add_slot();
    // Slot 0 (first seed) never starts; slot 1 is the first member.
    c.start(1, {0, 1});
    for (size_t i = 2; i < 6; ++i) c.start(i, {0, 1});
    ASSERT_TRUE(c.run_until_pred(seconds(5), [&] { return c.converged(); }))
        << c.describe_divergence();
  }
}

TEST(SwimLeave, GracefulLeaveConverges) {
  for (uint64_t seed : sweep_seeds(3, 30)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    swim_cluster c(seed, lan(0.05));
    c.start_all(20, milliseconds(20));
    ASSERT_TRUE(c.run_until_pred(seconds(10), [&] { return c.converged(); }));
    time_point t0 = c.now();
    std::vector<size_t> leavers{3, 7, 15};
    for (size_t i : leavers) c.leave(i);
    // A leaving node keeps running until its announcement went out enough times (or 1 s).
    c.run_until_pred(seconds(1), [&] {
      for (size_t i : leavers)
        if (!c.node(i).leave_done()) return false;
      return true;
    });
    for (size_t i : leavers) c.stop(i);
    ASSERT_TRUE(c.run_until_pred(seconds(3), [&] { return c.converged(); }))
        << c.describe_divergence();
    for (size_t i : leavers) {
      auto lefts = c.first_events(event_kind::member_left, c.id(i), t0);
      EXPECT_EQ(lefts.size(), 17u) << c.id(i).to_string();
      EXPECT_TRUE(c.first_events(event_kind::member_down, c.id(i), t0).empty())
          << "a graceful leave must not be reported as a failure";
      for (size_t j : c.running_slots())
        for (const auto& m : c.node(j).members())
          if (m.id == c.id(i)) {
            EXPECT_EQ(m.state, member_state::left);
          }
    }
  }
}

TEST(SwimPartition, HealsAndReconverges) {
  for (uint64_t seed : sweep_seeds(3, 40)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    swim_cluster c(seed, lan(0.01));
    c.start_all(16, milliseconds(20));
    ASSERT_TRUE(c.run_until_pred(seconds(10), [&] { return c.converged(); }));
    std::set<endpoint> a, b;
    for (size_t i = 0; i < 16; ++i) (i < 8 ? a : b).insert(c.node(i).self().address());
    c.net().partition({a, b});
    c.run_for(seconds(20));
    // Each side declared the other dead (that is allowed during a partition).
    size_t downs = 0;
    for (const auto& e : c.log()) downs += e.ev.kind == event_kind::member_down;
    EXPECT_GE(downs, 8u * 8u * 2u);
    c.net().heal();
    time_point t0 = c.now();
    ASSERT_TRUE(c.run_until_pred(seconds(15), [&] { return c.converged(); }))
        << c.describe_divergence();
    std::printf("[swim] n=16 partition of 20s: reconverged %.2fs after healing\n",
                sim::seconds(c.now() - t0));
  }
}

TEST(SwimPartition, HealsAfterMembersWereForgotten) {
  // Longer than dead_retention_ms: the sides forget each other and find each other again
  // through the seed list (slots 0, 1, 2 are seeds; slot 2 is on the other side).
  for (uint64_t seed : sweep_seeds(2, 50)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    swim_cluster c(seed, lan());
    c.start_all(10, milliseconds(20));
    ASSERT_TRUE(c.run_until_pred(seconds(10), [&] { return c.converged(); }));
    std::set<endpoint> a, b;
    for (size_t i = 0; i < 10; ++i) (i < 2 || i >= 6 ? a : b).insert(c.node(i).self().address());
    c.net().partition({a, b});
    c.run_for(seconds(90));
    c.net().heal();
    time_point t0 = c.now();
    ASSERT_TRUE(c.run_until_pred(seconds(20), [&] { return c.converged(); }))
        << c.describe_divergence();
    std::printf("[swim] n=10 partition of 90s: reconverged %.2fs after healing\n",
                sim::seconds(c.now() - t0));
  }
}

// A restarted process (same host:port, later start time) replaces its old id everywhere,
// whether it comes back before or after the old id was declared dead.
void restart_replaces(duration downtime) {
  for (uint64_t seed : sweep_seeds(3, 60)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    swim_cluster c(seed, lan(0.01));
    c.start_all(10, milliseconds(20));
    ASSERT_TRUE(c.run_until_pred(seconds(10), [&] { return c.converged(); }));
    node_id old = c.id(4);
    time_point t0 = c.now();
    c.crash(4);
    c.run_for(downtime);
    c.start(4, {0, 1});
    node_id fresh = c.id(4);
    ASSERT_LT(old.incarnation, fresh.incarnation);
    ASSERT_TRUE(c.run_until_pred(seconds(5), [&] { return c.converged(); }))
        << c.describe_divergence();
    for (size_t j : c.running_slots()) {
      for (const auto& m : c.node(j).members()) EXPECT_NE(m.id, old) << "at " << j;
      if (j == 4) continue;
      EXPECT_EQ(c.first_events(event_kind::member_down, old, t0).count(j), 1u) << "at " << j;
    }
  }
}

TEST(SwimRestart, NewIncarnationReplacesOldBeforeDetection) {
  restart_replaces(milliseconds(300));
}
TEST(SwimRestart, NewIncarnationReplacesOldAfterDeath) {
  restart_replaces(seconds(5));
}

TEST(SwimFaults, DuplicatesAndReorderingAreHarmless) {
  for (uint64_t seed : sweep_seeds(3, 70)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    net_options o;
    o.duplicate = 0.3;
    o.min_delay = std::chrono::microseconds(100);
    o.max_delay = milliseconds(30);  // wide spread: heavy reordering
    swim_cluster c(seed, o);
    c.start_all(16, milliseconds(20));
    ASSERT_TRUE(c.run_until_pred(seconds(10), [&] { return c.converged(); }));
    size_t before = c.log().size();
    c.run_for(seconds(60));
    for (size_t k = before; k < c.log().size(); ++k)
      ADD_FAILURE() << "unexpected event " << membership::to_string(c.log()[k].ev.kind) << " "
                    << c.log()[k].ev.id.to_string();
    EXPECT_TRUE(c.converged()) << c.describe_divergence();
  }
}

std::vector<std::string> scripted_run(uint64_t seed) {
  net_options o = lan(0.05);
  o.duplicate = 0.05;
  swim_cluster c(seed, o);
  c.start_all(8, milliseconds(20));
  c.run_for(seconds(3));
  c.crash(5);
  c.run_for(seconds(4));
  c.leave(2);
  c.run_for(seconds(1));
  c.stop(2);
  c.start(5, {0});
  c.run_for(seconds(4));
  return c.log_lines();
}

TEST(SwimDeterminism, SameSeedSameEventLog) {
  for (uint64_t seed : sweep_seeds(2, 80)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    auto a = scripted_run(seed), b = scripted_run(seed);
    ASSERT_GT(a.size(), 50u);
    EXPECT_EQ(a, b);
  }
}

}  // namespace
}  // namespace dfs::sim
