// The chunkserver's link core: registration, heartbeats, generations, re-registration.
#include "core/chunkserver/master_link.hpp"

#include <gtest/gtest.h>

namespace dfs::chunkserver {
namespace {

using std::chrono::milliseconds;

master_link registered_link(uint64_t& gen) {
  master_link l({milliseconds(500), milliseconds(1000)});
  EXPECT_EQ(l.start().connect_after, core::duration::zero());
  auto fx = l.on_connected();
  EXPECT_TRUE(fx.send_registration.has_value());
  gen = *fx.send_registration;
  auto ack = l.on_registered(gen, {node_id{"m", 1, 1}, 1000, {7, 8}});
  EXPECT_EQ(ack.delete_chunks, (std::vector<uint64_t>{7, 8}));
  EXPECT_EQ(l.state(), link_state::registered);
  return l;
}

TEST(MasterLink, RegistersThenHeartbeatsWithGrowingSequence) {
  uint64_t gen = 0;
  auto l = registered_link(gen);
  auto t1 = l.on_tick(gen);
  auto t2 = l.on_tick(gen);
  ASSERT_TRUE(t1.send_heartbeat && t2.send_heartbeat);
  EXPECT_EQ(t1.send_heartbeat->second + 1, t2.send_heartbeat->second);
  ASSERT_TRUE(t2.tick_after);
  EXPECT_EQ(t2.tick_after->second, milliseconds(1000));
}

TEST(MasterLink, RepliesAndTicksOfAnOlderGenerationAreIgnored) {
  uint64_t gen = 0;
  auto l = registered_link(gen);
  auto fx = l.on_master_down("connection lost");
  EXPECT_TRUE(fx.drop_master);
  EXPECT_EQ(fx.connect_after, milliseconds(500));
  EXPECT_FALSE(l.on_tick(gen).send_heartbeat);
  EXPECT_TRUE(l.on_heartbeat_reply(gen, {true, {9}, {{1, 9, 1, 0, 0, {}, {}}}, {}, {}})
                  .delete_chunks.empty());
  EXPECT_EQ(l.state(), link_state::connecting);
  auto again = l.on_connected();
  ASSERT_TRUE(again.send_registration);
  EXPECT_GT(*again.send_registration, gen);
  // The ack of the first registration arrives late: it must not count.
  EXPECT_TRUE(l.on_registered(gen, {}).events.empty());
  EXPECT_EQ(l.state(), link_state::registering);
}

TEST(MasterLink, CopyOrdersOfTheCurrentGenerationAreCarriedOutOthersDropped) {
  uint64_t gen = 0;
  auto l = registered_link(gen);
  copy_instruction order{7, 42, 3, 1024, 0xabcd, {node_id{"127.0.0.1", 17120, 5}, 17121}, "t"};
  auto fx = l.on_heartbeat_reply(gen, {true, {}, {order}, {}, {}});
  EXPECT_EQ(fx.copy_chunks, std::vector<copy_instruction>{order});
  // A reply of an older generation (before a re-registration) orders nothing.
  EXPECT_TRUE(l.on_heartbeat_reply(gen - 1, {true, {}, {order}, {}, {}}).copy_chunks.empty());
}

TEST(MasterLink, AMasterThatForgotUsGetsAFullReportAgain) {
  uint64_t gen = 0;
  auto l = registered_link(gen);
  auto fx = l.on_heartbeat_reply(gen, {false, {3}, {}, {}, {}});
  EXPECT_EQ(fx.delete_chunks, (std::vector<uint64_t>{3}));
  ASSERT_TRUE(fx.send_registration);
  EXPECT_EQ(l.state(), link_state::registering);
  EXPECT_FALSE(l.on_tick(gen).send_heartbeat);
}

TEST(MasterLink, FailedRegistrationReconnectsAndAnOutageIsLoggedOnce) {
  master_link l({milliseconds(500), milliseconds(1000)});
  (void)l.start();
  EXPECT_EQ(l.on_connect_failed("refused").events.size(), 1u);
  EXPECT_TRUE(l.on_connect_failed("refused").events.empty());
  auto fx = l.on_connected();
  auto lost = l.on_register_failed(*fx.send_registration, "timeout");
  EXPECT_TRUE(lost.drop_master);
  EXPECT_EQ(l.state(), link_state::connecting);
  EXPECT_EQ(l.on_connect_failed("refused").events.size(), 1u);
}

TEST(MasterLink, AFailedHeartbeatKeepsTheLink) {
  uint64_t gen = 0;
  auto l = registered_link(gen);
  auto fx = l.on_heartbeat_failed(gen, "timeout");
  EXPECT_FALSE(fx.drop_master);
  EXPECT_EQ(l.state(), link_state::registered);
  EXPECT_TRUE(l.on_tick(gen).send_heartbeat);
}

}  // namespace
}  // namespace dfs::chunkserver
