// primary_leases: the chunkserver's own lease clock — counted from the heartbeat's sending,
// never stretched by a late or repeated reply, renewals asked for only after mutations.
#include <gtest/gtest.h>

#include "core/chunkserver/primary_lease.hpp"

namespace dfs::chunkserver {
namespace {

using namespace std::chrono_literals;

const core::time_point t0{};

TEST(PrimaryLease, CountsFromTheHeartbeatSendTime) {
  primary_leases p;
  auto sent = t0 + 1s;
  EXPECT_TRUE(p.on_grant({7, 2, 5000}, sent, sent + 300ms));
  EXPECT_TRUE(p.is_primary(7, sent + 4999ms));
  EXPECT_FALSE(p.is_primary(7, sent + 5s));
  EXPECT_EQ(p.version(7, sent + 1s), 2u);
  EXPECT_FALSE(p.is_primary(8, sent));
}

TEST(PrimaryLease, LateReplyCannotStretchALease) {
  primary_leases p;
  // The reply took longer than the lease: it is already over.
  EXPECT_FALSE(p.on_grant({7, 2, 5000}, t0, t0 + 5s));
  EXPECT_FALSE(p.is_primary(7, t0 + 5s));
  // A renewal answering an older heartbeat never shortens or stretches what runs.
  EXPECT_TRUE(p.on_grant({7, 2, 5000}, t0 + 10s, t0 + 10s));
  EXPECT_TRUE(p.on_grant({7, 2, 5000}, t0 + 8s, t0 + 11s));
  EXPECT_EQ(p.expiry(7, t0 + 11s), t0 + 15s);
  // A grant of an older version (a reply overtaken by a newer lease) is ignored.
  EXPECT_TRUE(p.on_grant({7, 3, 5000}, t0 + 12s, t0 + 12s));
  EXPECT_FALSE(p.on_grant({7, 2, 5000}, t0 + 12s, t0 + 13s));
  EXPECT_EQ(p.version(7, t0 + 13s), 3u);
}

TEST(PrimaryLease, ClaimsListRunningLeasesAndAskForExtensionAfterMutations) {
  primary_leases p;
  ASSERT_TRUE(p.on_grant({7, 2, 5000}, t0, t0));
  ASSERT_TRUE(p.on_grant({9, 4, 1000}, t0, t0));
  auto c = p.claims(t0 + 500ms);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0], (lease_claim{7, 2, false}));
  p.note_mutation(7);
  c = p.claims(t0 + 2s);  // 9 is over and dropped
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0], (lease_claim{7, 2, true}));
  EXPECT_FALSE(p.claims(t0 + 3s)[0].extend);  // asked once per mutation burst
  p.drop(7);
  EXPECT_FALSE(p.is_primary(7, t0 + 3s));
}

// The master revoked a lease: it stops at once, is reported until it would have ended, and a
// reply that crossed the revocation cannot bring it back.
TEST(PrimaryLease, ARevokedLeaseStopsAtOnceAndIsReportedUntilItWouldHaveEnded) {
  primary_leases p;
  ASSERT_TRUE(p.on_grant({7, 2, 5000}, t0, t0));
  EXPECT_FALSE(p.release(7, 1, t0 + 1s));  // not the version held: nothing changes
  EXPECT_FALSE(p.release(8, 2, t0 + 1s));  // no lease there
  EXPECT_TRUE(p.is_primary(7, t0 + 1s));
  EXPECT_TRUE(p.release(7, 2, t0 + 1s));
  EXPECT_FALSE(p.is_primary(7, t0 + 1s));
  EXPECT_TRUE(p.claims(t0 + 1s).empty());
  auto r = p.released(t0 + 2s);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].handle, 7u);
  EXPECT_EQ(r[0].chunk_version, 2u);
  EXPECT_EQ(p.released(t0 + 3s).size(), 1u);  // in every heartbeat: a lost one costs nothing
  // A renewal of what was given up (a reply that crossed the revocation) is refused.
  EXPECT_FALSE(p.on_grant({7, 2, 5000}, t0 + 2s, t0 + 2s));
  EXPECT_FALSE(p.is_primary(7, t0 + 2s));
  EXPECT_TRUE(p.released(t0 + 5s).empty());  // it would have ended: no longer reported
  // A newer grant is taken, and ends the report of the older release.
  ASSERT_TRUE(p.on_grant({9, 4, 5000}, t0, t0));
  ASSERT_TRUE(p.release(9, 4, t0 + 1s));
  EXPECT_TRUE(p.on_grant({9, 5, 5000}, t0 + 1s, t0 + 1s));
  EXPECT_EQ(p.version(9, t0 + 2s), 5u);
  EXPECT_TRUE(p.released(t0 + 2s).empty());
}

}  // namespace
}  // namespace dfs::chunkserver
