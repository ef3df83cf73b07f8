// lease_table: grants, renewals, the refusal while a lease may run (also when its holder is
// unreachable), the drift margin, and the restart wait-out.
#include <gtest/gtest.h>

#include "core/master/lease_table.hpp"

namespace dfs::master {
namespace {

using namespace std::chrono_literals;

node_id nid(uint16_t port) {
  return node_id{"127.0.0.1", port, 1};
}

constexpr chunk_handle h1{1};

lease_options opts() {
  lease_options o;
  o.duration = 10s;
  o.max_drift_ppm = 10000;  // 1%: margin 100 ms + 1 ms, holder 9.9 s
  o.offer_timeout = 2s;
  return o;
}

// A table past its restart wait-out, at `t0`.
struct fixture {
  core::time_point start{};
  lease_table t{opts(), start};
  core::time_point t0 = start + 10s + opts().margin();
};

// Reserves, logs and hands out a lease to `n` at `now`.
void grant(lease_table& t, const node_id& n, uint64_t version, core::time_point now) {
  ASSERT_FALSE(t.check_grant(h1, now)) << t.check_grant(h1, now)->why;
  t.reserve(h1, n, {}, version, now);
  t.on_logged(h1, version, true);
  std::vector<chunk_handle> acked;
  auto offers = t.on_heartbeat(n, {}, now, acked);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].chunk_version, version);
}

TEST(LeaseTable, MarginAndHolderDurationFollowTheDriftBound) {
  auto o = opts();
  EXPECT_EQ(o.margin(), 101ms);
  EXPECT_EQ(o.holder_duration(), 9900ms);
  o.max_drift_ppm = 0;
  EXPECT_EQ(o.margin(), 1ms);
  EXPECT_EQ(o.holder_duration(), 10s);
  o.duration = 7ms;  // rounding: the margin up, the holder's time down
  o.max_drift_ppm = 1;
  EXPECT_EQ(o.margin(), std::chrono::nanoseconds(7) + 1ms);
  EXPECT_EQ(o.holder_duration(), 7ms - std::chrono::nanoseconds(7));
}

TEST(LeaseTable, RestartedMasterWaitsOutDurationPlusMargin) {
  fixture f;
  auto early = f.t.check_grant(h1, f.start + 5s);
  ASSERT_TRUE(early);
  EXPECT_NE(early->why.find("restarted"), std::string::npos) << early->why;
  EXPECT_EQ(early->retry_at, f.t0);
  EXPECT_TRUE(f.t.check_grant(h1, f.t0 - 1ms));
  EXPECT_FALSE(f.t.check_grant(h1, f.t0));
}

TEST(LeaseTable, GrantBecomesActiveWhenHandedOutAndRefusesOthersUntilExpiryPlusMargin) {
  fixture f;
  auto a = nid(1), b = nid(2);
  f.t.reserve(h1, a, {b}, 2, f.t0);
  EXPECT_EQ(f.t.find(h1)->phase, lease_phase::reserved);
  EXPECT_TRUE(f.t.check_grant(h1, f.t0));  // being granted
  std::vector<chunk_handle> acked;
  // Not offered before its record is durable.
  EXPECT_TRUE(f.t.on_heartbeat(a, {}, f.t0 + 1ms, acked).empty());
  f.t.on_logged(h1, 2, true);
  EXPECT_TRUE(f.t.on_heartbeat(b, {}, f.t0 + 2ms, acked).empty());  // only to its primary
  auto handed = f.t0 + 3ms;
  auto offers = f.t.on_heartbeat(a, {}, handed, acked);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(f.t.find(h1)->phase, lease_phase::active);
  EXPECT_EQ(f.t.find(h1)->expiry, handed + 10s);
  EXPECT_FALSE(f.t.find(h1)->acked);
  // The primary's next heartbeat claims it: acknowledged.
  f.t.on_heartbeat(a, {{h1, 2, false}}, handed + 1s, acked);
  ASSERT_EQ(acked.size(), 1u);
  EXPECT_TRUE(f.t.valid(h1, handed + 1s)->acked);
  // The holder went silent (unreachable): no new grant until expiry + margin, by our clock.
  for (auto at : {handed + 5s, handed + 10s, handed + 10s + 100ms})
    EXPECT_TRUE(f.t.check_grant(h1, at));
  EXPECT_EQ(f.t.valid(h1, handed + 10s), nullptr);
  (void)f.t.on_tick(handed + 10s);
  EXPECT_EQ(f.t.find(h1)->phase, lease_phase::fenced);
  EXPECT_FALSE(f.t.check_grant(h1, handed + 10s + opts().margin()));
  (void)f.t.on_tick(handed + 10s + opts().margin());
  EXPECT_EQ(f.t.find(h1), nullptr);
}

TEST(LeaseTable, RenewalOnlyByTheHolderWhileActiveAndWithoutNewVersion) {
  fixture f;
  auto a = nid(1), b = nid(2);
  grant(f.t, a, 5, f.t0);
  std::vector<chunk_handle> acked;
  // Another server, or the holder with another version, cannot extend it.
  EXPECT_TRUE(f.t.on_heartbeat(b, {{h1, 5, true}}, f.t0 + 1s, acked).empty());
  EXPECT_TRUE(f.t.on_heartbeat(a, {{h1, 4, true}}, f.t0 + 1s, acked).empty());
  EXPECT_EQ(f.t.find(h1)->expiry, f.t0 + 10s);
  auto r = f.t.on_heartbeat(a, {{h1, 5, true}}, f.t0 + 8s, acked);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].chunk_version, 5u);
  EXPECT_EQ(f.t.find(h1)->expiry, f.t0 + 18s);
  // Once expired by the master's clock it is not renewed (the holder's clock ended it too).
  EXPECT_TRUE(f.t.on_heartbeat(a, {{h1, 5, true}}, f.t0 + 18s, acked).empty());
  EXPECT_TRUE(f.t.check_grant(h1, f.t0 + 18s));
  EXPECT_FALSE(f.t.check_grant(h1, f.t0 + 18s + opts().margin()));
}

TEST(LeaseTable, OfferNeverHandedOutIsDroppedAndTheChunkIsFreeAgain) {
  fixture f;
  auto a = nid(1);
  f.t.reserve(h1, a, {}, 2, f.t0);
  f.t.on_logged(h1, 2, true);
  EXPECT_TRUE(f.t.on_tick(f.t0 + 1s).empty());
  auto dropped = f.t.on_tick(f.t0 + 2s);
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_FALSE(f.t.check_grant(h1, f.t0 + 2s));  // the primary never heard of it
  // A failed log drops a reservation at once; a gone primary drops its offers.
  f.t.reserve(h1, a, {}, 3, f.t0 + 3s);
  f.t.on_logged(h1, 3, false);
  EXPECT_EQ(f.t.find(h1), nullptr);
  f.t.reserve(h1, a, {}, 4, f.t0 + 4s);
  f.t.on_logged(h1, 4, true);
  EXPECT_EQ(f.t.on_node_gone(a).size(), 1u);
  EXPECT_EQ(f.t.find(h1), nullptr);
}

TEST(LeaseTable, ActiveLeaseOfAGoneNodeRunsToItsEnd) {
  fixture f;
  auto a = nid(1);
  grant(f.t, a, 2, f.t0);
  EXPECT_TRUE(f.t.on_node_gone(a).empty());
  EXPECT_TRUE(f.t.check_grant(h1, f.t0 + 10s));
  EXPECT_FALSE(f.t.check_grant(h1, f.t0 + 10s + opts().margin()));
}

// A new incarnation registered at the holder's address: the holder's process has ended (it
// held the port and the data directory's lock), so its leases cannot run and the chunk is free
// at once. A cut-off holder (above) keeps them until expiry + margin.
TEST(LeaseTable, LeasesOfAHolderWhoseProcessEndedAreDroppedAtOnce) {
  fixture f;
  auto a = nid(1);
  grant(f.t, a, 2, f.t0);
  ASSERT_TRUE(f.t.check_grant(h1, f.t0 + 1s));
  auto restarted = node_id{"127.0.0.1", 1, 2};  // a's address, a new incarnation
  EXPECT_TRUE(f.t.on_restarted(a).empty());     // a's own registration drops nothing
  auto dropped = f.t.on_restarted(restarted);
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0], h1);
  EXPECT_EQ(f.t.find(h1), nullptr);
  EXPECT_FALSE(f.t.check_grant(h1, f.t0 + 1s));
  // Fenced (past expiry, within the margin) likewise.
  grant(f.t, a, 3, f.t0 + 2s);
  (void)f.t.on_tick(f.t0 + 12s + 50ms);
  ASSERT_EQ(f.t.find(h1)->phase, lease_phase::fenced);
  EXPECT_EQ(f.t.on_restarted(restarted).size(), 1u);
  EXPECT_FALSE(f.t.check_grant(h1, f.t0 + 12s + 50ms));
  // Another holder's lease is not touched.
  grant(f.t, nid(2), 4, f.t0 + 13s);
  EXPECT_TRUE(f.t.on_restarted(restarted).empty());
  EXPECT_TRUE(f.t.check_grant(h1, f.t0 + 14s));
}

// A confirmed lease whose secondary is gone: its primary takes a new one at once. Untaken, the
// new grant leaves the chunk fenced until the old lease's end, since the primary still holds it.
TEST(LeaseTable, ASupersedingGrantGoesOnlyToTheRunningLeasesPrimary) {
  fixture f;
  grant(f.t, nid(1), 2, f.t0);
  EXPECT_FALSE(f.t.may_supersede(h1, nid(1), f.t0)) << "not confirmed yet";
  std::vector<chunk_handle> acked;
  (void)f.t.on_heartbeat(nid(1), {{h1, 2, false}}, f.t0 + 1s, acked);
  ASSERT_EQ(acked.size(), 1u);
  EXPECT_TRUE(f.t.may_supersede(h1, nid(1), f.t0 + 2s));
  EXPECT_FALSE(f.t.may_supersede(h1, nid(2), f.t0 + 2s)) << "another primary";
  EXPECT_FALSE(f.t.may_supersede(h1, nid(1), f.t0 + 10s)) << "past its expiry";
  f.t.supersede(h1, {nid(3)}, 3, f.t0 + 2s);
  auto* l = f.t.find(h1);
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->phase, lease_phase::reserved);
  EXPECT_EQ(l->primary, nid(1));
  EXPECT_EQ(l->secondaries, std::vector<node_id>{nid(3)});
  // Claims of the old version renew nothing now.
  EXPECT_TRUE(f.t.on_heartbeat(nid(1), {{h1, 2, true}}, f.t0 + 3s, acked).empty());
  f.t.on_logged(h1, 3, true);
  auto offers = f.t.on_heartbeat(nid(1), {{h1, 2, true}}, f.t0 + 3s, acked);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].chunk_version, 3u);
  EXPECT_EQ(f.t.find(h1)->expiry, f.t0 + 13s);
}

TEST(LeaseTable, ASupersedingGrantDroppedUntakenFencesTheChunkUntilTheOldLeaseEnds) {
  for (int how = 0; how < 3; ++how) {
    fixture f;
    grant(f.t, nid(1), 2, f.t0);
    std::vector<chunk_handle> acked;
    (void)f.t.on_heartbeat(nid(1), {{h1, 2, false}}, f.t0 + 1s, acked);
    f.t.supersede(h1, {nid(3)}, 3, f.t0 + 2s);
    if (how == 0) {
      f.t.on_logged(h1, 3, false);  // the bump never reached the disk
    } else {
      f.t.on_logged(h1, 3, true);
      if (how == 1)
        EXPECT_EQ(f.t.on_tick(f.t0 + 5s), std::vector<chunk_handle>{h1});  // offer timed out
      else
        EXPECT_EQ(f.t.on_node_gone(nid(1)), std::vector<chunk_handle>{h1});
    }
    auto* l = f.t.find(h1);
    ASSERT_NE(l, nullptr) << how;
    EXPECT_EQ(l->phase, lease_phase::fenced) << how;
    EXPECT_EQ(l->expiry, f.t0 + 10s) << how;  // the old lease's
    EXPECT_TRUE(f.t.check_grant(h1, f.t0 + 10s)) << how;
    EXPECT_FALSE(f.t.check_grant(h1, f.t0 + 10s + opts().margin())) << how;
  }
  // The holder's process ended (a new incarnation registered): nothing runs on.
  fixture f;
  grant(f.t, nid(1), 2, f.t0);
  std::vector<chunk_handle> acked;
  (void)f.t.on_heartbeat(nid(1), {{h1, 2, false}}, f.t0 + 1s, acked);
  f.t.supersede(h1, {nid(3)}, 3, f.t0 + 2s);
  f.t.on_logged(h1, 3, true);
  (void)f.t.on_restarted(node_id{"127.0.0.1", 1, 2});
  EXPECT_EQ(f.t.find(h1), nullptr);
}

}  // namespace
}  // namespace dfs::master
