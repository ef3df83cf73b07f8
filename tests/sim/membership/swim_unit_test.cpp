// Single-instance checks of the SWIM rules, packet by packet (no network).
#include <gtest/gtest.h>

#include "core/membership/swim.hpp"

namespace dfs::membership {
namespace {

using std::chrono::milliseconds;

const time_point t0{};

node_id nid(int i, uint64_t start = 1000) {
  return node_id{"h" + std::to_string(i), 7946, start};
}

// Built field by field so the test does not depend on member_update's field count.
member_update upd(const node_id& id, member_state st, uint64_t inc, const node_id& origin = {}) {
  member_update u;
  u.id = id;
  u.state = st;
  u.incarnation = inc;
  u.origin = origin;
  return u;
}

packet gossip_from(const node_id& from, std::vector<member_update> us) {
  packet p;
  p.kind = packet_kind::gossip;
  p.sender = from;
  p.updates = std::move(us);
  return p;
}

const member_info* find(const swim& s, const node_id& id) {
  static std::vector<member_info> ms;
  ms = s.members();
  for (const auto& m : ms)
    if (m.id == id) return &m;
  return nullptr;
}

TEST(SwimRules, ConfigDefaultsAreValid) {
  EXPECT_EQ(membership_config{}.validate(), "");
}

TEST(SwimRules, SuspectedNodeRefutesWithHigherIncarnation) {
  swim s(nid(0), membership_config{}, 1, t0);
  (void)s.join({}, t0);
  auto fx = s.on_packet(nid(1).address(),
                        gossip_from(nid(1), {upd(nid(0), member_state::suspect, 0, nid(1)),
                                             upd(nid(1), member_state::alive, 0)}),
                        t0);
  EXPECT_EQ(s.incarnation(), 1u);
  EXPECT_EQ(s.counters().refutations, 1u);
  // The refutation rides on the next packet, first.
  packet ping;
  ping.kind = packet_kind::ping;
  ping.sender = nid(1);
  ping.target = nid(0);
  ping.seq = 9;
  fx = s.on_packet(nid(1).address(), ping, t0 + milliseconds(1));
  ASSERT_EQ(fx.send.size(), 1u);
  EXPECT_EQ(fx.send[0].pkt.kind, packet_kind::ack);
  EXPECT_EQ(fx.send[0].pkt.seq, 9u);
  bool found = false;
  for (const auto& u : fx.send[0].pkt.updates)
    found |= u.id == nid(0) && u.state == member_state::alive && u.incarnation == 1;
  EXPECT_TRUE(found);
}

TEST(SwimRules, PrecedenceAndStaleStartTimes) {
  swim s(nid(0), membership_config{}, 1, t0);
  (void)s.join({}, t0);
  // An unknown sender is learnt from the packet itself.
  auto fx = s.on_packet(nid(1).address(), gossip_from(nid(1), {}), t0);
  ASSERT_EQ(fx.events.size(), 1u);
  EXPECT_EQ(fx.events[0].id, nid(1));
  fx =
      s.on_packet(nid(1).address(), gossip_from(nid(1), {upd(nid(2), member_state::alive, 3)}), t0);
  ASSERT_EQ(fx.events.size(), 1u);
  EXPECT_EQ(fx.events[0].kind, event_kind::member_up);
  // Older counter: ignored. Same counter suspect: applies. Alive at same counter: no refutation.
  fx = s.on_packet({}, gossip_from(nid(1), {upd(nid(2), member_state::suspect, 2, nid(1))}), t0);
  EXPECT_TRUE(fx.events.empty());
  fx = s.on_packet({}, gossip_from(nid(1), {upd(nid(2), member_state::suspect, 3, nid(1))}), t0);
  ASSERT_EQ(fx.events.size(), 1u);
  EXPECT_EQ(fx.events[0].kind, event_kind::member_suspect);
  fx = s.on_packet({}, gossip_from(nid(1), {upd(nid(2), member_state::alive, 3)}), t0);
  EXPECT_TRUE(fx.events.empty());
  fx = s.on_packet({}, gossip_from(nid(1), {upd(nid(2), member_state::alive, 4)}), t0);
  ASSERT_EQ(fx.events.size(), 1u);
  EXPECT_EQ(fx.events[0].kind, event_kind::member_alive);
  // A later start time at the same address replaces the old id, which goes down at once.
  fx = s.on_packet({}, gossip_from(nid(1), {upd(nid(2, 2000), member_state::alive, 0)}), t0);
  ASSERT_EQ(fx.events.size(), 2u);
  EXPECT_EQ(fx.events[0].kind, event_kind::member_down);
  EXPECT_EQ(fx.events[0].id, nid(2));
  EXPECT_EQ(fx.events[1].kind, event_kind::member_up);
  EXPECT_EQ(fx.events[1].id, nid(2, 2000));
  // Stale news about the old id cannot bring it back.
  fx = s.on_packet({}, gossip_from(nid(1), {upd(nid(2), member_state::alive, 99)}), t0);
  EXPECT_TRUE(fx.events.empty());
  EXPECT_EQ(find(s, nid(2)), nullptr);
  // Left is final for the node_id.
  fx = s.on_packet({}, gossip_from(nid(1), {upd(nid(2, 2000), member_state::left, 0)}), t0);
  ASSERT_EQ(fx.events.size(), 1u);
  EXPECT_EQ(fx.events[0].kind, event_kind::member_left);
  fx = s.on_packet({}, gossip_from(nid(1), {upd(nid(2, 2000), member_state::alive, 5)}), t0);
  EXPECT_TRUE(fx.events.empty());
}

TEST(SwimRules, SuspicionTimeoutShrinksWithConfirmations) {
  swim s(nid(0), membership_config{}, 1, t0);
  (void)s.join({}, t0);
  std::vector<member_update> us;
  for (int i = 1; i < 32; ++i) us.push_back(upd(nid(i), member_state::alive, 0));
  (void)s.on_packet({}, gossip_from(nid(1), us), t0);
  ASSERT_EQ(s.live_count(), 32u);
  auto t = [&](size_t c) {
    return std::chrono::duration_cast<milliseconds>(s.suspicion_timeout(c));
  };
  EXPECT_EQ(t(0).count(), 3000);
  EXPECT_GT(t(0), t(1));
  EXPECT_GT(t(1), t(2));
  EXPECT_EQ(t(2), t(10));  // floor: min = 2.5 * log10(32) * 150 ms ~= 564 ms
  EXPECT_NEAR(double(t(2).count()), 564.0, 2.0);
}

TEST(SwimRules, PiggybackIsBounded) {
  membership_config cfg;
  cfg.max_piggyback = 4;
  swim s(nid(0), cfg, 1, t0);
  (void)s.join({}, t0);
  std::vector<member_update> us;
  for (int i = 1; i < 40; ++i) us.push_back(upd(nid(i), member_state::alive, 0));
  (void)s.on_packet({}, gossip_from(nid(1), us), t0);
  size_t packets = 0, full = 0;
  for (int k = 0; k < 50; ++k) {
    auto fx = s.on_tick(t0 + milliseconds(10 * k));
    for (const auto& o : fx.send) {
      ++packets;
      EXPECT_LE(o.pkt.updates.size(), 4u);
      full += o.pkt.updates.size() == 4u ? 1 : 0;
    }
  }
  // The bound was tested: packets went out, and with 39 fresh updates some carried the most.
  EXPECT_GT(packets, 0u);
  EXPECT_GT(full, 0u);
}

}  // namespace
}  // namespace dfs::membership
