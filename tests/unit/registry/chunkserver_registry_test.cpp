#include "core/registry/chunkserver_registry.hpp"

#include <gtest/gtest.h>

using namespace dfs;
using namespace dfs::registry;
using namespace std::chrono_literals;

namespace {

registration reg(uint16_t port, uint64_t inc) {
  return {node_id{"127.0.0.1", port, inc}, static_cast<uint16_t>(port + 1), "", 1000, 500};
}

struct Registry : ::testing::Test {
  chunkserver_registry r{{3s, 10s}};
  time_point t0{};
};

}  // namespace

TEST_F(Registry, RegisterMakesHealthy) {
  auto ch = r.on_register(reg(100, 1), t0);
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].to, health::healthy);
  EXPECT_EQ(r.count(health::healthy), 1u);
  EXPECT_EQ(r.list()[0].data_port, 101);
}

TEST_F(Registry, MissingHeartbeatsTurnUnhealthyThenRemoved) {
  (void)r.on_register(reg(100, 1), t0);
  EXPECT_TRUE(r.on_tick(t0 + 2s).empty());
  auto ch = r.on_tick(t0 + 3s);
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].to, health::unhealthy);
  ch = r.on_tick(t0 + 10s);
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].to, health::removed);
  EXPECT_TRUE(r.on_tick(t0 + 20s).empty());
}

TEST_F(Registry, HeartbeatKeepsHealthyAndRevivesUnhealthy) {
  (void)r.on_register(reg(100, 1), t0);
  EXPECT_TRUE(r.on_heartbeat(node_id{"127.0.0.1", 100, 1}, 1000, 400, t0 + 2s));
  EXPECT_TRUE(r.on_tick(t0 + 4s).empty());
  EXPECT_EQ(r.on_tick(t0 + 5s).at(0).to, health::unhealthy);
  EXPECT_TRUE(r.on_heartbeat(node_id{"127.0.0.1", 100, 1}, 1000, 400, t0 + 6s));
  EXPECT_EQ(r.on_tick(t0 + 6s).at(0).to, health::healthy);
  EXPECT_EQ(r.list()[0].free_bytes, 400u);
}

TEST_F(Registry, RemovedOrUnknownMustReRegister) {
  EXPECT_FALSE(r.on_heartbeat(node_id{"127.0.0.1", 100, 1}, 1, 1, t0));
  (void)r.on_register(reg(100, 1), t0);
  (void)r.on_tick(t0 + 11s);
  EXPECT_FALSE(r.on_heartbeat(node_id{"127.0.0.1", 100, 1}, 1, 1, t0 + 12s));
  auto ch = r.on_register(reg(100, 1), t0 + 12s);
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].from, health::removed);
  EXPECT_EQ(ch[0].to, health::healthy);
}

TEST_F(Registry, NewIncarnationReplacesOld) {
  (void)r.on_register(reg(100, 1), t0);
  auto ch = r.on_register(reg(100, 2), t0 + 1s);
  ASSERT_EQ(ch.size(), 2u);
  EXPECT_EQ(ch[0].id.incarnation, 1u);
  EXPECT_EQ(ch[0].to, health::removed);
  EXPECT_EQ(ch[1].id.incarnation, 2u);
  EXPECT_EQ(r.list().size(), 1u);
  EXPECT_FALSE(r.on_heartbeat(node_id{"127.0.0.1", 100, 1}, 1, 1, t0 + 2s));
  EXPECT_TRUE(r.on_heartbeat(node_id{"127.0.0.1", 100, 2}, 1, 1, t0 + 2s));
}

TEST_F(Registry, MarkRemovedByMembership) {
  (void)r.on_register(reg(100, 1), t0);
  auto ch = r.mark_removed(node_id{"127.0.0.1", 100, 1}, "membership: dead");
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].to, health::removed);
  EXPECT_TRUE(r.mark_removed(node_id{"127.0.0.1", 100, 1}, "again").empty());
}

// A master that did not run for 6 s (paused) excuses that time: its chunkservers' heartbeats
// are unread, not missing. They are judged again from then on: a pause neither revives an
// unhealthy one nor hastens its removal.
TEST_F(Registry, TimeTheMasterDidNotRunIsNotCountedInHeartbeatAges) {
  (void)r.on_register(reg(100, 1), t0);
  EXPECT_TRUE(r.on_tick(t0 + 200ms).empty());
  r.excuse(6s, t0 + 6200ms);
  EXPECT_TRUE(r.on_tick(t0 + 6200ms).empty()) << "still healthy after the pause";
  EXPECT_EQ(r.on_tick(t0 + 9200ms).at(0).to, health::unhealthy) << "judged again afterwards";
  r.excuse(6s, t0 + 15200ms);
  EXPECT_TRUE(r.on_tick(t0 + 15200ms).empty()) << "still unhealthy, not removed";
  EXPECT_TRUE(r.on_tick(t0 + 21900ms).empty());  // 9.9 s of heartbeat age, pauses excluded
  EXPECT_EQ(r.on_tick(t0 + 22s).at(0).to, health::removed);
}
