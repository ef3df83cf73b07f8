// The repair actor's logic: updates in, orders out. Outcomes and gone servers free the
// planner's slots before it plans; rebalance moves only when nothing is queued for repair,
// up to the requested bytes; the rate counts bytes of successful copies.
#include <gtest/gtest.h>

#include "core/master/repair_service.hpp"

namespace dfs::master {
namespace {

using registry::health;
using std::chrono::seconds;
constexpr uint64_t mib = 1ull << 20;

node_id n(int i) {
  return node_id{"h", static_cast<uint16_t>(i), 1};
}

std::vector<repair_server> servers(int count) {
  std::vector<repair_server> out;
  for (int i = 1; i <= count; ++i)
    out.push_back({n(i), health::healthy, {}, 1ull << 40, "", false});
  return out;
}

repair_update plan_of(std::vector<repair_chunk> chunks, int server_count) {
  repair_update u;
  u.plan = true;
  u.chunks = std::move(chunks);
  u.servers = servers(server_count);
  return u;
}

TEST(RepairService, OutcomesAndGoneServersFreeSlotsBeforeThePlan) {
  repair_service s({1, 1ull << 40, seconds(30), seconds(10), 1024});
  core::time_point t{};
  // One slot per server: the one copy of chunk 1 (n1 -> n2 or n3) blocks its source.
  auto a = s.on_update(plan_of({{chunk_handle{1}, 1, mib, {n(1)}, 2, false}}, 3), t);
  ASSERT_EQ(a.orders.size(), 1u);
  EXPECT_EQ(a.progress.in_flight, 1u);
  auto b = s.on_update(plan_of({{chunk_handle{2}, 1, mib, {n(1)}, 2, false}}, 3), t);
  EXPECT_TRUE(b.orders.empty()) << "n1's only slot is taken";
  // The first copy done: its slot is free and chunk 2 is planned in the same update.
  auto u = plan_of({{chunk_handle{2}, 1, mib, {n(1)}, 2, false}}, 3);
  u.outcomes.push_back({a.orders[0], true});
  auto c = s.on_update(u, t + seconds(1));
  ASSERT_EQ(c.orders.size(), 1u);
  EXPECT_EQ(c.orders[0].handle, chunk_handle{2});
  EXPECT_EQ(c.progress.stats.done, 1u);
  EXPECT_EQ(c.progress.stats.bytes_done, mib);
  EXPECT_GT(c.progress.bytes_per_s, 0.0);
  // Its target goes: the copy has failed, nothing is in flight.
  repair_update gone;
  gone.gone.push_back(c.orders[0].target);
  auto d = s.on_update(gone, t + seconds(2));
  EXPECT_TRUE(d.orders.empty()) << "no plan was asked for";
  EXPECT_EQ(d.progress.in_flight, 0u);
  EXPECT_EQ(d.progress.stats.failed, 1u);
}

TEST(RepairService, RebalanceMovesOnlyWithNothingQueuedAndUpToTheBytesAsked) {
  repair_service s({4, 1ull << 40, seconds(30), seconds(10), 1024});
  core::time_point t{};
  move_request m{n(1), n(4), {}, 3 * mib};
  for (uint64_t h = 10; h < 20; ++h)
    m.candidates.push_back({chunk_handle{h}, 1, 2 * mib, {}, 0, false});
  // A chunk below target: repair first, no moves.
  auto u = plan_of({{chunk_handle{1}, 1, mib, {n(2)}, 2, false}}, 4);
  u.rebalance = m;
  auto a = s.on_update(u, t);
  EXPECT_EQ(a.moves, 0u);
  ASSERT_EQ(a.orders.size(), 1u);
  EXPECT_EQ(a.orders[0].handle, chunk_handle{1});
  // Nothing queued: moves from n1 to n4 until 3 MiB are planned (two 2 MiB chunks).
  auto v = plan_of({}, 4);
  v.rebalance = m;
  auto b = s.on_update(v, t);
  EXPECT_EQ(b.moves, 2u);
  ASSERT_EQ(b.orders.size(), 2u);
  for (auto& o : b.orders) {
    EXPECT_EQ(o.source, n(1));
    EXPECT_EQ(o.target, n(4));
  }
}

}  // namespace
}  // namespace dfs::master
