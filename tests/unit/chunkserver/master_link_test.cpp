// The chunkserver's link core: registration, heartbeats, generations, re-registration, and
// with replicated masters: failover to the active master, fencing by master term.
#include "core/chunkserver/master_link.hpp"

#include <gtest/gtest.h>

#include "core/master/leader_hint.hpp"

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

// The master revokes a lease (its chunk waits for a copy): the primary gives it up at once and
// says so in a heartbeat sent now, not at the next tick.
TEST(MasterLink, ARevokedLeaseIsGivenUpAndReportedAtOnce) {
  uint64_t gen = 0;
  auto l = registered_link(gen);
  const core::time_point t0{};
  heartbeat_reply grant;
  grant.registered = true;
  grant.leases = {{11, 4, 50000}};
  (void)l.on_heartbeat_reply(gen, grant, t0, t0);
  ASSERT_TRUE(l.leases().is_primary(11, t0));
  heartbeat_reply revoke;
  revoke.registered = true;
  revoke.revoke = {{11, 3}};  // an older version than held: nothing happens
  auto fx = l.on_heartbeat_reply(gen, revoke, t0, t0);
  EXPECT_TRUE(l.leases().is_primary(11, t0));
  EXPECT_FALSE(fx.send_heartbeat.has_value());
  revoke.revoke = {{11, 4}};
  fx = l.on_heartbeat_reply(gen, revoke, t0, t0);
  EXPECT_FALSE(l.leases().is_primary(11, t0));
  EXPECT_TRUE(fx.send_heartbeat.has_value());
  ASSERT_EQ(l.leases().released(t0).size(), 1u);
  EXPECT_EQ(l.leases().released(t0)[0].chunk_version, 4u);
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

TEST(MasterLink, CopyOnWriteOrdersAreHandedToTheOwner) {
  uint64_t gen = 0;
  auto l = registered_link(gen);
  heartbeat_reply r{true, {}, {}, {}, {}};
  r.local_copies = {{42, 43, 3}};
  EXPECT_EQ(l.on_heartbeat_reply(gen, r).local_copies, (std::vector<local_copy>{{42, 43, 3}}));
  // A reply of an older generation (or a deposed master) orders nothing.
  EXPECT_TRUE(l.on_heartbeat_reply(gen - 1, r).local_copies.empty());
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

// Replicated masters (issue 15).
const endpoint ma{"10.0.0.1", 17010}, mb{"10.0.0.2", 17010}, mc{"10.0.0.3", 17010};

// A link to three masters, registered with the first at `term`.
master_link replicated_link(uint64_t& gen, uint64_t term) {
  master_link l({milliseconds(500), milliseconds(1000)}, {ma, mb, mc});
  EXPECT_EQ(l.master(), ma);
  (void)l.start();
  gen = *l.on_connected().send_registration;
  (void)l.on_registered(gen, {node_id{"10.0.0.1", 17010, 1}, 1000, {}, term});
  EXPECT_EQ(l.state(), link_state::registered);
  EXPECT_EQ(l.highest_term(), term);
  return l;
}

bool has_event(const link_effects& fx, const std::string& text) {
  for (auto& e : fx.events)
    if (e.text.find(text) != std::string::npos) return true;
  return false;
}

TEST(MasterLinkFailover, ARefusedRegistrationGoesToTheHintedMaster) {
  master_link l({milliseconds(500), milliseconds(1000)}, {ma, mb, mc});
  (void)l.start();
  auto fx = l.on_connected();
  // ma is a standby: its CAF error carries the not_leader line naming mc.
  auto why = "system_error(runtime_error, \"" + master::not_leader_message(mc) + "\")";
  auto lost = l.on_register_failed(*fx.send_registration, why);
  EXPECT_TRUE(lost.drop_master);
  EXPECT_TRUE(lost.connect_after);
  ASSERT_FALSE(lost.events.empty());
  EXPECT_EQ(lost.events[0].master, ma) << "the event names the master that refused";
  EXPECT_EQ(l.master(), mc);
  // A full report to the active master, as after a master restart.
  auto again = l.on_connected();
  ASSERT_TRUE(again.send_registration);
  auto ok = l.on_registered(*again.send_registration, {node_id{"10.0.0.3", 17010, 1}, 1000, {}, 2});
  EXPECT_EQ(l.state(), link_state::registered);
  EXPECT_EQ(ok.events.at(0).master, mc);
}

TEST(MasterLinkFailover, AMasterThatBecameAStandbyIsLeftForTheOneItNames) {
  uint64_t gen = 0;
  auto l = replicated_link(gen, 3);
  auto fx = l.on_heartbeat_failed(gen, master::not_leader_message(mb));
  EXPECT_TRUE(fx.drop_master);
  EXPECT_EQ(l.state(), link_state::connecting);
  EXPECT_EQ(l.master(), mb);
  EXPECT_FALSE(l.on_tick(gen).send_heartbeat) << "the old generation is over";
  auto reg = l.on_connected();
  ASSERT_TRUE(reg.send_registration);
  EXPECT_GT(*reg.send_registration, gen);
}

TEST(MasterLinkFailover, RoundRobinWithoutAHint) {
  master_link l({milliseconds(500), milliseconds(1000)}, {ma, mb, mc});
  (void)l.start();
  EXPECT_EQ(l.on_connect_failed("refused").connect_after, milliseconds(500));
  EXPECT_EQ(l.master(), mb);
  (void)l.on_connect_failed("refused");
  EXPECT_EQ(l.master(), mc);
  (void)l.on_connect_failed("refused");
  EXPECT_EQ(l.master(), ma);
  // "active: unknown" (an election is running): the next one too.
  auto fx = l.on_connected();
  (void)l.on_register_failed(*fx.send_registration, master::not_leader_message(std::nullopt));
  EXPECT_EQ(l.master(), mb);
  // A lost connection moves on as well.
  fx = l.on_connected();
  (void)l.on_registered(*fx.send_registration, {node_id{"10.0.0.2", 17010, 1}, 1000, {}, 1});
  (void)l.on_master_down("connection lost");
  EXPECT_EQ(l.master(), mc);
}

TEST(MasterLinkFailover, HeartbeatsFailingInARowLookForTheActiveMaster) {
  uint64_t gen = 0;
  auto l = replicated_link(gen, 1);
  EXPECT_FALSE(l.on_heartbeat_failed(gen, "timeout").drop_master);
  EXPECT_FALSE(l.on_heartbeat_failed(gen, "timeout").drop_master);
  EXPECT_TRUE(l.on_heartbeat_failed(gen, "timeout").drop_master);
  EXPECT_EQ(l.master(), mb);
}

TEST(MasterLinkFencing, AStaleTermReplyIsIgnoredAndItsDeletesNotCarriedOut) {
  uint64_t gen = 0;
  auto l = replicated_link(gen, 5);
  copy_instruction order{7, 42, 3, 1024, 0xabcd, {node_id{"127.0.0.1", 17120, 5}, 17121}, "t"};
  heartbeat_reply old;
  old.registered = true;
  old.delete_chunks = {9};
  old.copy_chunks = {order};
  old.leases = {{11, 4, 50000}};
  old.versions = {{12, 3}};
  old.master_term = 4;  // a deposed master
  auto fx = l.on_heartbeat_reply(gen, old, core::time_point{}, core::time_point{});
  EXPECT_TRUE(fx.delete_chunks.empty());
  EXPECT_TRUE(fx.copy_chunks.empty());
  EXPECT_TRUE(fx.set_versions.empty());
  EXPECT_TRUE(fx.granted.empty());
  EXPECT_FALSE(l.leases().is_primary(11, core::time_point{}));
  EXPECT_TRUE(has_event(fx, "stale_master_reply_ignored term=4 highest=5"));
  EXPECT_EQ(fx.events.at(0).master, ma);
  // Treated as a failure: the link looks for the active master again.
  EXPECT_TRUE(fx.drop_master);
  EXPECT_EQ(l.state(), link_state::connecting);
  EXPECT_EQ(l.master(), mb);
  EXPECT_EQ(l.highest_term(), 5u);
  // A stale registration ack is not acted on either.
  auto reg = l.on_connected();
  auto ack = l.on_registered(*reg.send_registration, {node_id{"10.0.0.2", 17010, 1}, 1000, {8}, 3});
  EXPECT_TRUE(ack.delete_chunks.empty());
  EXPECT_TRUE(has_event(ack, "stale_master_reply_ignored term=3 highest=5"));
  EXPECT_NE(l.state(), link_state::registered);
  // The active master (same or higher term) is followed.
  reg = l.on_connected();
  ack = l.on_registered(*reg.send_registration, {node_id{"10.0.0.3", 17010, 1}, 1000, {8}, 6});
  EXPECT_EQ(ack.delete_chunks, std::vector<uint64_t>{8});
  EXPECT_EQ(l.highest_term(), 6u);
}

TEST(MasterLinkFailover, OneMasterIsKeptAsBefore) {
  master_link l({milliseconds(500), milliseconds(1000)}, {ma});
  (void)l.start();
  (void)l.on_connect_failed("refused");
  EXPECT_EQ(l.master(), ma);
  auto gen = *l.on_connected().send_registration;
  auto ack = l.on_registered(gen, {node_id{"10.0.0.1", 17010, 1}, 1000, {7}, 0});
  EXPECT_EQ(ack.delete_chunks, std::vector<uint64_t>{7});
  for (int i = 0; i < 10; ++i) {
    auto fx = l.on_heartbeat_failed(gen, "timeout");
    EXPECT_FALSE(fx.drop_master) << "one master: a failed heartbeat keeps the link";
  }
  auto fx = l.on_heartbeat_reply(gen, {true, {3}, {}, {}, {}, 0});
  EXPECT_EQ(fx.delete_chunks, std::vector<uint64_t>{3}) << "term 0 is never stale";
  (void)l.on_master_down("connection lost");
  EXPECT_EQ(l.master(), ma);
}

}  // namespace
}  // namespace dfs::chunkserver
