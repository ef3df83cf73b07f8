// master_core's leases end to end: request → logged version bump → grant on the primary's
// heartbeat → confirmation → reply; version updates for the other replicas; bad input; the
// restart wait-out; replay keeps the bumped version.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "core/master/master_core.hpp"
#include "unit/master/core_driver.hpp"

namespace dfs::master {
namespace {

using namespace std::chrono_literals;
using test::cs;
using test::lease_of;

std::set<node_id> ids(const node_set& s) {
  return {s.begin(), s.end()};
}

struct cluster : test::core_driver {
  uint64_t handle = 0;

  using core_driver::core_driver;
};

core_options options() {
  auto o = test::lease_test_options();
  // No repair actor answers here: a grant on a chunk short of replicas does not wait for a
  // copy to be planned (MasterRepairHold tests that).
  o.repair_hold_plan = 0s;
  return o;
}

// A master with three chunkservers and /f (one chunk on all three), past its restart wait-out.
cluster make_cluster(core_options o = options()) {
  cluster k(o);
  k.start({17100, 17200, 17300});
  k.handle = k.put_one_chunk("/f", 1);
  k.now += 10s + o.lease.margin();
  return k;
}

TEST(MasterLease, GrantIsLoggedHandedToThePrimaryAndAnsweredOnceConfirmed) {
  auto k = make_cluster();
  auto fx = k.c.on_lease(10, {"/f", 0, 0}, k.now);
  EXPECT_TRUE(fx.replies.empty());
  EXPECT_TRUE(fx.flush);
  auto* l = k.c.leases().find(chunk_handle{k.handle});
  ASSERT_NE(l, nullptr);
  auto primary = l->primary;
  // Not handed out before the bump is durable.
  EXPECT_TRUE(k.heartbeat(primary.port).leases.empty());
  auto durable = k.flush();
  EXPECT_TRUE(durable.replies.empty());
  ASSERT_TRUE(std::holds_alternative<bump_version_record>(k.log.back()));
  EXPECT_EQ(std::get<bump_version_record>(k.log.back()).chunk_version, 2u);
  EXPECT_EQ(k.c.meta().chunks().find(chunk_handle{k.handle})->meta.chunk_version, 2u);
  k.now += 100ms;
  auto r = k.heartbeat(primary.port);
  ASSERT_EQ(r.leases.size(), 1u);
  EXPECT_EQ(r.leases[0], (lease_grant{k.handle, 2, 9900}));
  // The primary's next heartbeat claims the lease: the client gets it.
  master_effects ack;
  k.now += 50ms;
  (void)k.heartbeat(primary.port, {{k.handle, 2, false}}, {}, &ack);
  auto* reply = lease_of(ack, 10);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->status, ns_status::ok) << reply->error;
  EXPECT_TRUE(reply->granted);
  EXPECT_EQ(reply->chunk_version, 2u);
  EXPECT_EQ(reply->primary.id, primary);
  EXPECT_EQ(reply->secondaries.size(), 2u);
  EXPECT_EQ(reply->expires_in_ms, 9950u);
  // A second request gets the same lease at once, without a new grant.
  auto again = k.c.on_lease(11, {"", 0, k.handle}, k.now);
  ASSERT_NE(lease_of(again, 11), nullptr);
  EXPECT_FALSE(lease_of(again, 11)->granted);
  EXPECT_FALSE(again.flush);
  // The other replicas are told the new version until their reports show it.
  for (auto& s : reply->secondaries) {
    auto hb = k.heartbeat(s.id.port);
    ASSERT_EQ(hb.versions.size(), 1u);
    EXPECT_EQ(hb.versions[0], (version_update{k.handle, 2}));
    (void)k.heartbeat(s.id.port, {}, {{k.handle, 2, 100}});
    EXPECT_TRUE(k.heartbeat(s.id.port).versions.empty());
  }
}

// A mutation is acknowledged once every replica of its lease has it, so a lease needs
// quorum.write live replicas holding the current version, as a put does: with two of three
// silent, none is granted (and no version bumped) until one is back.
TEST(MasterLease, FewerLiveReplicasThanTheWriteQuorumGetNoLease) {
  auto k = make_cluster();
  for (uint16_t p : {17100, 17200, 17300}) (void)k.heartbeat(p);
  k.now += 4s;  // past unhealthy_after (3 s) for the two that stay silent
  (void)k.heartbeat(17100);
  (void)k.c.on_tick(k.now);
  auto fx = k.c.on_lease(10, {"/f", 0, 0}, k.now);
  auto* r = lease_of(fx, 10);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->status, ns_status::no_servers);
  EXPECT_NE(r->error.find("only 1 live replica(s)"), std::string::npos) << r->error;
  EXPECT_NE(r->error.find("quorum.write = 2"), std::string::npos) << r->error;
  EXPECT_EQ(k.c.leases().find(chunk_handle{k.handle}), nullptr);
  EXPECT_EQ(k.c.meta().chunks().find(chunk_handle{k.handle})->meta.chunk_version, 1u);
  (void)k.heartbeat(17200);  // back: two live replicas
  (void)k.c.on_tick(k.now);
  EXPECT_TRUE(k.c.on_lease(11, {"/f", 0, 0}, k.now).replies.empty());  // granted, being logged
  auto* l = k.c.leases().find(chunk_handle{k.handle});
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->secondaries.size(), 1u);
}

// /f's lease requested (token 10) while 17300 was silent past unhealthy_after, its bump
// durable: reserved for 17100 and 17200, not handed out yet. Its primary.
node_id reserve_without_17300(cluster& k) {
  for (uint16_t p : {17100, 17200, 17300}) (void)k.heartbeat(p);
  k.now += 4s;
  for (uint16_t p : {17100, 17200}) (void)k.heartbeat(p);
  (void)k.c.on_tick(k.now);
  (void)k.c.on_lease(10, {"/f", 0, 0}, k.now);
  k.flush();
  auto* l = k.c.leases().find(chunk_handle{k.handle});
  EXPECT_NE(l, nullptr);
  if (l == nullptr) return {};
  EXPECT_NE(l->primary, cs(17300));
  return l->primary;
}

// A replica left out of a lease (unhealthy at the grant) misses its mutations: it is no
// replica any more, also once it is healthy again without re-registering. Found by a chaos
// run: named by the next lease, it adopted that version and applied its appends past a hole
// of zeros where acknowledged records were, and reads of it missed them.
TEST(MasterLease, AReplicaLeftOutOfALeaseIsNeverNamedByALaterOne) {
  auto k = make_cluster();
  auto primary = reserve_without_17300(k);
  ASSERT_NE(primary.port, 0);
  master_effects ack;
  (void)k.heartbeat(primary.port);  // handed out
  (void)k.heartbeat(primary.port, {{k.handle, 2, false}}, {}, &ack);
  ASSERT_NE(lease_of(ack, 10), nullptr);
  EXPECT_EQ(k.c.meta().chunks().find(chunk_handle{k.handle})->replicas.count(cs(17300)), 0u);
  // 17300 answers again (no new registration, no report); the lease runs out.
  for (int i = 0; i < 12; ++i) {
    k.now += 1s;
    for (uint16_t p : {17100, 17200, 17300}) (void)k.heartbeat(p);
    (void)k.c.on_tick(k.now);
  }
  ASSERT_FALSE(k.c.leases().check_grant(chunk_handle{k.handle}, k.now));
  (void)k.c.on_lease(11, {"/f", 0, 0}, k.now);
  auto* next = k.c.leases().find(chunk_handle{k.handle});
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->chunk_version, 3u);
  EXPECT_NE(next->primary, cs(17300));
  for (const auto& n : next->secondaries) EXPECT_NE(n, cs(17300));
}

// The same between a grant's logged bump and its hand-out: a chunkserver the new lease leaves
// out that registers again in that window with the old version missed nothing yet, but it
// will miss the lease's mutations. Judged "behind" (counted, told the new version) it was then
// counted current and named by the next lease past a hole. Found by a chaos run (kill faults,
// one master): 16 acknowledged records read as zeros on a restarted chunkserver.
TEST(MasterLease, AReplicaLeftOutOfALeaseReservedButNotYetHandedOutIsStale) {
  auto k = make_cluster();
  auto primary = reserve_without_17300(k);
  ASSERT_NE(primary.port, 0);
  // 17300 restarts and registers with the chunk at version 1.
  master_effects fx;
  auto ack = k.c.on_register(
      {node_id{"127.0.0.1", 17300, 2}, 17301, "", 1 << 30, 1 << 30, 0, {{k.handle, 1, 100}}}, k.now,
      fx);
  EXPECT_EQ(ack.delete_chunks, std::vector<uint64_t>{k.handle})
      << "stale: the lease being granted does not name it";
  auto* e = k.c.meta().chunks().find(chunk_handle{k.handle});
  EXPECT_EQ(e->replicas.count(node_id{"127.0.0.1", 17300, 2}), 0u);
  master_effects granted;
  (void)k.heartbeat(primary.port);  // handed out
  (void)k.heartbeat(primary.port, {{k.handle, 2, false}}, {}, &granted);
  ASSERT_NE(lease_of(granted, 10), nullptr);
  for (const auto& n : k.c.leases().find(chunk_handle{k.handle})->secondaries)
    EXPECT_NE(n.port, 17300) << "named by the lease";
}

// A lease reply names every secondary of the lease, also one removed since: the primary
// forwards to the ones the client names, and a mutation is acknowledged once they have it.
// Found by a chaos run: a reply without a restarting secondary had appends acknowledged by the
// primary alone. The removed one has no data port (0): pushes fail until the lease ends (when
// its primary cannot take a new lease without it: here, the primary is silent).
TEST(MasterLease, AReplyNamesEverySecondaryAlsoOneRemovedSince) {
  auto k = make_cluster();
  (void)k.c.on_lease(10, {"/f", 0, 0}, k.now);
  k.flush();
  auto primary = k.c.leases().find(chunk_handle{k.handle})->primary;
  (void)k.heartbeat(primary.port);
  (void)k.heartbeat(primary.port, {{k.handle, 2, false}});
  auto secondaries = k.c.leases().find(chunk_handle{k.handle})->secondaries;
  ASSERT_EQ(secondaries.size(), 2u);
  k.now += 4s;  // past unhealthy_after (3 s) for the primary
  (void)k.heartbeat(secondaries[0].port);
  (void)k.c.on_tick(k.now);
  (void)k.c.on_member_down(secondaries[1], false, k.now);
  auto fx = k.c.on_lease(11, {"/f", 0, 0}, k.now);
  auto* r = lease_of(fx, 11);
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->status, ns_status::ok) << r->error;
  ASSERT_EQ(r->secondaries.size(), 2u);
  EXPECT_EQ(r->secondaries[1].id, secondaries[1]);
  EXPECT_EQ(r->secondaries[1].data_port, 0u);
  EXPECT_NE(r->secondaries[0].data_port, 0u);
}

TEST(MasterLease, NoNewGrantBeforeExpiryPlusMarginEvenIfThePrimaryIsSilent) {
  auto k = make_cluster();
  (void)k.c.on_lease(10, {"/f", 0, 0}, k.now);
  k.flush();
  auto primary = k.c.leases().find(chunk_handle{k.handle})->primary;
  auto handed = k.now;
  (void)k.heartbeat(primary.port);
  (void)k.heartbeat(primary.port, {{k.handle, 2, false}});
  // The primary goes silent. Until expiry + margin (by the master's clock): busy.
  k.now = handed + 10s + 100ms;
  auto busy = k.c.on_lease(12, {"/f", 0, 0}, k.now);
  ASSERT_NE(lease_of(busy, 12), nullptr);
  EXPECT_EQ(lease_of(busy, 12)->status, ns_status::busy);
  EXPECT_NE(lease_of(busy, 12)->error.find("ends in"), std::string::npos)
      << lease_of(busy, 12)->error;
  k.now = handed + 10s + options().lease.margin();
  // The other replicas are alive (the silent one is unhealthy by now).
  for (uint16_t p : {17100, 17200, 17300})
    if (p != primary.port) (void)k.heartbeat(p, {}, {{k.handle, 2, 100}});
  (void)k.c.on_tick(k.now);
  auto fx = k.c.on_lease(13, {"/f", 0, 0}, k.now);
  EXPECT_TRUE(fx.flush);  // a new grant, a new bump
  EXPECT_NE(k.c.leases().find(chunk_handle{k.handle})->primary, primary);
  k.flush();
  EXPECT_EQ(k.c.meta().chunks().find(chunk_handle{k.handle})->meta.chunk_version, 3u);
}

TEST(MasterLease, BadInputGetsOneClearError) {
  auto k = make_cluster();
  auto missing = k.c.on_lease(1, {"/nope", 0, 0}, k.now);
  ASSERT_NE(lease_of(missing, 1), nullptr);
  EXPECT_EQ(lease_of(missing, 1)->status, ns_status::not_found);
  auto index = k.c.on_lease(2, {"/f", 5, 0}, k.now);
  ASSERT_NE(lease_of(index, 2), nullptr);
  EXPECT_EQ(lease_of(index, 2)->status, ns_status::invalid_argument);
  EXPECT_EQ(lease_of(index, 2)->error, "chunk index 5 out of range: /f has 1 chunks");
  auto handle = k.c.on_lease(3, {"", 0, 999999}, k.now);
  EXPECT_EQ(lease_of(handle, 3)->status, ns_status::not_found);
  auto dir = k.c.on_lease(4, {"/", 0, 0}, k.now);
  EXPECT_NE(lease_of(dir, 4)->status, ns_status::ok);
}

// Registers chunkserver `port` with `fresh` reporting `handle` at `version`.
registration_ack report(master_core& fresh, uint16_t port, uint64_t handle, uint64_t version,
                        core::time_point now) {
  master_effects fx;
  return fresh.on_register({cs(port),
                            static_cast<uint16_t>(port + 1),
                            "",
                            1 << 30,
                            1 << 30,
                            0,
                            {{handle, version, 100}}},
                           now, fx);
}

heartbeat_reply beat(master_core& fresh, uint16_t port, core::time_point now) {
  chunkserver_heartbeat hb;
  hb.id = cs(port);
  hb.capacity_bytes = hb.free_bytes = 1 << 30;
  master_effects fx;
  return fresh.on_heartbeat(hb, now, fx);
}

// /f's chunk took a lease (version 2 logged, to `holder`); then a new master recovered that
// log at `start`. `primary_logged` false: the log of a master from before grants named their
// primary (bump records of kind bump_version).
struct restarted {
  cluster k = make_cluster();
  std::unique_ptr<master_core> fresh;
  core::time_point start;
  node_id holder;
  explicit restarted(bool primary_logged = true) {
    (void)k.c.on_lease(10, {"/f", 0, 0}, k.now);
    holder = k.c.leases().find(chunk_handle{k.handle})->primary;
    k.flush();
    auto* bump = std::get_if<bump_version_record>(&k.log.back());
    EXPECT_NE(bump, nullptr);
    if (bump != nullptr) {
      EXPECT_EQ(bump->primary, holder);
      if (!primary_logged) bump->primary = {};
    }
    fresh = std::make_unique<master_core>(options(), node_id{"127.0.0.1", 17000, 2});
    start = k.now + 1s;
    EXPECT_TRUE(fresh->recover({}, k.log, start).ok());
  }
};

TEST(MasterLease, RestartedMasterGrantsNothingUntilDurationPlusMarginAndKeepsTheVersion) {
  restarted rs(false);
  auto& k = rs.k;
  auto& fresh = *rs.fresh;
  auto start = rs.start;
  EXPECT_EQ(fresh.meta().chunks().find(chunk_handle{k.handle})->meta.chunk_version, 2u);
  for (uint16_t p : {17100, 17200, 17300}) (void)report(fresh, p, k.handle, 2, start);
  auto early = fresh.on_lease(1, {"/f", 0, 0}, start + 10s);
  ASSERT_NE(lease_of(early, 1), nullptr);
  EXPECT_EQ(lease_of(early, 1)->status, ns_status::busy);
  EXPECT_NE(lease_of(early, 1)->error.find("restarted"), std::string::npos);
  // A replica at the old version while others hold the current one missed mutations: stale.
  auto ack = report(fresh, 17400, k.handle, 1, start);
  ASSERT_EQ(ack.delete_chunks.size(), 1u);
  EXPECT_EQ(ack.delete_chunks[0], k.handle);
}

TEST(MasterLease, EveryReplicaBehindAfterACrashIsHeldThenKeptAndToldTheVersion) {
  restarted rs;
  auto& k = rs.k;
  auto& fresh = *rs.fresh;
  auto start = rs.start;
  // The master crashed after logging the bump, before any replica heard of it: every replica
  // reports the old version. No mutation can have happened at the new one: behind, not stale.
  for (uint16_t p : {17100, 17200, 17300})
    EXPECT_TRUE(report(fresh, p, k.handle, 1, start).delete_chunks.empty()) << p;
  // Held until the restart's wait-out ends: neither counted (so never read) nor deleted.
  auto* e = fresh.meta().chunks().find(chunk_handle{k.handle});
  EXPECT_TRUE(e->replicas.empty());
  EXPECT_EQ(fresh.meta().chunks().held_count(), 3u);
  for (uint16_t p : {17100, 17200, 17300}) {
    auto r = beat(fresh, p, start + 1s);
    EXPECT_TRUE(r.versions.empty()) << p;
    EXPECT_TRUE(r.delete_chunks.empty()) << p;
  }
  auto settled = start + 10s + options().lease.margin();
  (void)fresh.on_tick(settled - 1ms);
  EXPECT_TRUE(e->replicas.empty());
  (void)fresh.on_tick(settled);
  EXPECT_EQ(e->replicas.size(), 3u);
  EXPECT_EQ(fresh.meta().chunks().held_count(), 0u);
  for (uint16_t p : {17100, 17200, 17300}) {
    auto r = beat(fresh, p, settled + 1s);
    ASSERT_EQ(r.versions.size(), 1u) << p;
    EXPECT_EQ(r.versions[0], (version_update{k.handle, 2}));
    EXPECT_TRUE(r.delete_chunks.empty()) << p;
  }
}

TEST(MasterLease, AStaleReplicaReportingFirstAfterARestartIsHeldThenDeleted) {
  restarted rs;
  auto& k = rs.k;
  auto& fresh = *rs.fresh;
  auto start = rs.start;
  // Replicas 17200 and 17300 learnt version 2 (and may hold its mutations); 17100 missed it.
  EXPECT_TRUE(report(fresh, 17100, k.handle, 1, start).delete_chunks.empty());
  auto* e = fresh.meta().chunks().find(chunk_handle{k.handle});
  EXPECT_TRUE(e->replicas.empty());  // not taken for "behind": it is never handed to a reader
  EXPECT_TRUE(beat(fresh, 17100, start + 1s).versions.empty());
  // A current replica reports: the held one is stale, and told so with its next heartbeat.
  EXPECT_TRUE(report(fresh, 17200, k.handle, 2, start + 2s).delete_chunks.empty());
  EXPECT_EQ(std::set<node_id>(e->replicas.begin(), e->replicas.end()),
            (std::set<node_id>{cs(17200)}));
  auto r = beat(fresh, 17100, start + 3s);
  EXPECT_TRUE(r.versions.empty());
  ASSERT_EQ(r.delete_chunks.size(), 1u);
  EXPECT_EQ(r.delete_chunks[0], k.handle);
  // Past the wait-out nothing of 17100 comes back; a later old report is stale at once.
  (void)fresh.on_tick(start + 10s + options().lease.margin());
  EXPECT_EQ(ids(e->replicas), (std::set<node_id>{cs(17200)}));
  EXPECT_EQ(report(fresh, 17300, k.handle, 1, start + 20s).delete_chunks,
            (std::vector<uint64_t>{k.handle}));
}

TEST(MasterLease, HeldReportsOfADeadOrReRegisteredChunkserverAreForgotten) {
  restarted rs;
  auto& k = rs.k;
  auto& fresh = *rs.fresh;
  auto start = rs.start;
  (void)report(fresh, 17100, k.handle, 1, start);
  (void)report(fresh, 17200, k.handle, 1, start);
  EXPECT_EQ(fresh.meta().chunks().held_count(), 2u);
  (void)fresh.on_member_down(cs(17100), false, start + 1s);
  // Re-registering replaces the held report: now with the current version.
  (void)report(fresh, 17200, k.handle, 2, start + 1s);
  EXPECT_EQ(fresh.meta().chunks().held_count(), 0u);
  auto* e = fresh.meta().chunks().find(chunk_handle{k.handle});
  EXPECT_EQ(ids(e->replicas), (std::set<node_id>{cs(17200)}));
  (void)fresh.on_tick(start + 10s + options().lease.margin());
  EXPECT_EQ(ids(e->replicas), (std::set<node_id>{cs(17200)}));
}

// Registers chunkserver `id` with `fresh` reporting `handle` at `version`.
void report_as(master_core& fresh, const node_id& id, uint64_t handle, uint64_t version,
               core::time_point now) {
  master_effects fx;
  (void)fresh.on_register(
      {id, static_cast<uint16_t>(id.port + 1), "", 1 << 30, 1 << 30, 0, {{handle, version, 100}}},
      now, fx);
}

std::vector<uint16_t> ports_but(uint16_t left_out) {
  std::vector<uint16_t> out;
  for (uint16_t p : {17100, 17200, 17300})
    if (p != left_out) out.push_back(p);
  return out;
}

// The only lease an earlier life can have left running is held by the primary of the chunk's
// last logged grant (renewals go to it alone): once it is back, it gets a new grant at once,
// not a lease duration after the takeover.
TEST(MasterLease, ATakeoverGrantsAtOnceToThePrimaryOfTheLastLoggedGrant) {
  restarted rs;
  auto& fresh = *rs.fresh;
  for (uint16_t p : {17100, 17200, 17300}) (void)report(fresh, p, rs.k.handle, 2, rs.start);
  auto fx = fresh.on_lease(1, {"/f", 0, 0}, rs.start + 100ms);
  EXPECT_EQ(lease_of(fx, 1), nullptr) << lease_of(fx, 1)->error;
  auto* l = fresh.leases().find(chunk_handle{rs.k.handle});
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->primary, rs.holder);
  EXPECT_EQ(l->chunk_version, 3u);
  EXPECT_EQ(l->secondaries.size(), 2u);
  auto b = fresh.take_batch();
  ASSERT_TRUE(b.has_value());
  auto* bump = std::get_if<bump_version_record>(&b->records.back());
  ASSERT_NE(bump, nullptr);
  EXPECT_EQ(bump->primary, rs.holder);  // and so on, through the next takeover
}

TEST(MasterLease, ATakeoverWaitsWhileThePrimaryOfTheLastGrantIsNotBack) {
  restarted rs;
  auto& fresh = *rs.fresh;
  for (uint16_t p : ports_but(rs.holder.port)) (void)report(fresh, p, rs.k.handle, 2, rs.start);
  // Cut off, it may still act on its lease: no other primary until that has surely ended.
  auto early = fresh.on_lease(1, {"/f", 0, 0}, rs.start + 5s);
  ASSERT_NE(lease_of(early, 1), nullptr);
  EXPECT_EQ(lease_of(early, 1)->status, ns_status::busy);
  EXPECT_NE(lease_of(early, 1)->error.find("restarted"), std::string::npos)
      << lease_of(early, 1)->error;
  EXPECT_EQ(fresh.leases().find(chunk_handle{rs.k.handle}), nullptr);
  auto later = rs.start + 10s + options().lease.margin();
  for (uint16_t p : ports_but(rs.holder.port)) (void)beat(fresh, p, later);
  EXPECT_EQ(lease_of(fresh.on_lease(2, {"/f", 0, 0}, later), 2), nullptr);
  auto* l = fresh.leases().find(chunk_handle{rs.k.handle});
  ASSERT_NE(l, nullptr);
  EXPECT_NE(l->primary, rs.holder);
}

TEST(MasterLease, ATakeoverGrantsToAnyPrimaryOnceTheHoldersProcessHasEnded) {
  restarted rs;
  auto& fresh = *rs.fresh;
  for (uint16_t p : ports_but(rs.holder.port)) (void)report(fresh, p, rs.k.handle, 2, rs.start);
  // An older incarnation heard at the holder's address now is a delayed message: it proves
  // nothing about the holder.
  auto older = rs.holder;
  --older.incarnation;
  report_as(fresh, older, rs.k.handle, 2, rs.start);
  auto early = fresh.on_lease(1, {"/f", 0, 0}, rs.start + 100ms);
  ASSERT_NE(lease_of(early, 1), nullptr);
  EXPECT_EQ(lease_of(early, 1)->status, ns_status::busy);
  // A new incarnation at the holder's address: the old one no longer holds its port, nor any
  // lease. (Its copy of the chunk is at the current version, and it may be picked.)
  auto reborn = rs.holder;
  ++reborn.incarnation;
  report_as(fresh, reborn, rs.k.handle, 2, rs.start);
  EXPECT_EQ(lease_of(fresh.on_lease(2, {"/f", 0, 0}, rs.start + 100ms), 2), nullptr);
  auto* l = fresh.leases().find(chunk_handle{rs.k.handle});
  ASSERT_NE(l, nullptr);
  EXPECT_NE(l->primary, rs.holder);
  EXPECT_EQ(l->chunk_version, 3u);
}

TEST(MasterLease, ATakeoverWaitsBrieflyForTheReplicasToRegister) {
  restarted rs;
  auto& fresh = *rs.fresh;
  (void)report(fresh, rs.holder.port, rs.k.handle, 2, rs.start);
  (void)report(fresh, ports_but(rs.holder.port)[0], rs.k.handle, 2, rs.start);
  // A grant now would leave out (and make stale) the replica that has not reported yet.
  auto early = fresh.on_lease(1, {"/f", 0, 0}, rs.start + 100ms);
  ASSERT_NE(lease_of(early, 1), nullptr);
  EXPECT_EQ(lease_of(early, 1)->status, ns_status::busy);
  EXPECT_NE(lease_of(early, 1)->error.find("still registering"), std::string::npos)
      << lease_of(early, 1)->error;
  (void)report(fresh, ports_but(rs.holder.port)[1], rs.k.handle, 2, rs.start + 200ms);
  EXPECT_EQ(lease_of(fresh.on_lease(2, {"/f", 0, 0}, rs.start + 300ms), 2), nullptr);
  auto* l = fresh.leases().find(chunk_handle{rs.k.handle});
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->primary, rs.holder);
  EXPECT_EQ(l->secondaries.size(), 2u);
}

TEST(MasterLease, ATakeoverGrantsAtOnceOnChunksThatWereNeverLeased) {
  restarted rs;
  auto& k = rs.k;
  // /g: committed after /f's grant, still at version 1 (no grant was ever logged for it).
  auto g = k.put_one_chunk("/g", 20);
  master_core again(options(), node_id{"127.0.0.1", 17000, 3});
  ASSERT_TRUE(again.recover({}, k.log, rs.start).ok());
  for (uint16_t p : ports_but(rs.holder.port)) {
    master_effects fx;
    (void)again.on_register(
        {cs(p), static_cast<uint16_t>(p + 1), "", 1 << 30, 1 << 30, 0, {{g, 1, 100}}}, rs.start,
        fx);
  }
  EXPECT_EQ(lease_of(again.on_lease(1, {"/g", 0, 0}, rs.start + 4s), 1), nullptr);
  ASSERT_NE(again.leases().find(chunk_handle{g}), nullptr);
  EXPECT_EQ(again.leases().find(chunk_handle{g})->chunk_version, 2u);
  // /f (leased, its holder not back) still waits.
  auto f = again.on_lease(2, {"/f", 0, 0}, rs.start + 4s);
  ASSERT_NE(lease_of(f, 2), nullptr);
  EXPECT_EQ(lease_of(f, 2)->status, ns_status::busy);
}

// /f's chunk leased and confirmed: returns the primary's port.
uint16_t confirmed_lease(cluster& k) {
  (void)k.c.on_lease(10, {"/f", 0, 0}, k.now);
  auto primary = k.c.leases().find(chunk_handle{k.handle})->primary;
  k.flush();
  (void)k.heartbeat(primary.port);
  master_effects ack;
  (void)k.heartbeat(primary.port, {{k.handle, 2, false}}, {}, &ack);
  EXPECT_NE(lease_of(ack, 10), nullptr);
  return primary.port;
}

// A lease cannot be revoked, and one naming a gone secondary acknowledges no mutation: its
// primary gets a new lease (new version) without it once it has been silent for
// removed_after (it may be restarting), instead of when the lease ends.
TEST(MasterLease, ALeaseWhoseSecondaryIsGoneIsReplacedForTheSamePrimary) {
  auto o = options();
  o.registry.removed_after = 5s;
  auto k = make_cluster(o);
  for (uint16_t q : {17100, 17200, 17300}) (void)k.heartbeat(q);
  auto p = confirmed_lease(k);
  auto gone = ports_but(p)[0];
  auto kept = ports_but(p)[1];
  k.now += 1s;
  (void)k.c.on_member_down(cs(gone), false, k.now);
  auto soon = k.c.on_lease(11, {"/f", 0, 0}, k.now);
  ASSERT_NE(lease_of(soon, 11), nullptr) << "silent for 1 s only: maybe restarting";
  EXPECT_FALSE(lease_of(soon, 11)->granted);
  EXPECT_EQ(lease_of(soon, 11)->chunk_version, 2u);
  k.now += 4s;
  (void)k.heartbeat(p);
  (void)k.heartbeat(kept);
  auto fx = k.c.on_lease(11, {"/f", 0, 0}, k.now);
  EXPECT_EQ(lease_of(fx, 11), nullptr) << "a new grant, answered once confirmed";
  auto* l = k.c.leases().find(chunk_handle{k.handle});
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->primary, cs(p));
  EXPECT_EQ(l->chunk_version, 3u);
  EXPECT_EQ(l->secondaries, std::vector<node_id>{cs(kept)});
  k.flush();
  auto r = k.heartbeat(p, {{k.handle, 2, true}});
  ASSERT_EQ(r.leases.size(), 1u);
  EXPECT_EQ(r.leases[0].chunk_version, 3u);
  master_effects ack;
  (void)k.heartbeat(p, {{k.handle, 3, false}}, {}, &ack);
  auto* reply = lease_of(ack, 11);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->status, ns_status::ok) << reply->error;
  EXPECT_EQ(reply->chunk_version, 3u);
  ASSERT_EQ(reply->secondaries.size(), 1u);
  EXPECT_EQ(reply->secondaries[0].id, cs(kept));
  // The kept secondary is told the new version; the gone one is no replica any more.
  EXPECT_EQ(k.heartbeat(kept).versions, (std::vector<version_update>{{k.handle, 3}}));
  EXPECT_EQ(k.c.meta().chunks().find(chunk_handle{k.handle})->replicas.count(cs(gone)), 0u);
}

// A restarted secondary that kept the current version: the new lease (at once) names it.
TEST(MasterLease, ALeaseWhoseSecondaryRestartedNamesItsNewIncarnation) {
  auto k = make_cluster();
  auto p = confirmed_lease(k);
  auto reborn = cs(ports_but(p)[0]);
  ++reborn.incarnation;
  k.now += 1s;
  master_effects fx;
  (void)k.c.on_register({reborn,
                         static_cast<uint16_t>(reborn.port + 1),
                         "",
                         1 << 30,
                         1 << 30,
                         0,
                         {{k.handle, 2, 100}}},
                        k.now, fx);
  EXPECT_EQ(lease_of(k.c.on_lease(11, {"/f", 0, 0}, k.now), 11), nullptr);
  auto* l = k.c.leases().find(chunk_handle{k.handle});
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->primary, cs(p));
  EXPECT_EQ(l->chunk_version, 3u);
  auto s = l->secondaries;
  std::sort(s.begin(), s.end());
  EXPECT_EQ(s, (std::vector<node_id>{reborn, cs(ports_but(p)[1])}));
}

// A live secondary whose replica is gone (found out of sync or corrupt, and removed) can follow
// no mutation: its primary gets a new lease without it at once, not when the lease ends.
TEST(MasterLease, ALeaseWhoseSecondaryLostItsReplicaIsReplacedAtOnce) {
  auto k = make_cluster();
  auto p = confirmed_lease(k);
  auto lost = ports_but(p)[0];
  auto kept = ports_but(p)[1];
  k.now += 1s;
  chunkserver_heartbeat hb;
  hb.id = cs(lost);
  hb.capacity_bytes = hb.free_bytes = 1 << 30;
  hb.removed = {k.handle};
  master_effects fx;
  (void)k.c.on_heartbeat(hb, k.now, fx);
  ASSERT_EQ(k.c.meta().chunks().find(chunk_handle{k.handle})->replicas.count(cs(lost)), 0u);
  EXPECT_EQ(lease_of(k.c.on_lease(11, {"/f", 0, 0}, k.now), 11), nullptr) << "a new grant";
  auto* l = k.c.leases().find(chunk_handle{k.handle});
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->primary, cs(p));
  EXPECT_EQ(l->chunk_version, 3u);
  EXPECT_EQ(l->secondaries, std::vector<node_id>{cs(kept)});
}

// Too few live replicas for a new lease: the running one is answered, as before.
TEST(MasterLease, ALeaseWhoseSecondariesAreGoneBelowTheWriteQuorumRunsOn) {
  auto k = make_cluster();
  auto p = confirmed_lease(k);
  k.now += 1s;
  for (auto q : ports_but(p)) (void)k.c.on_member_down(cs(q), false, k.now);
  auto fx = k.c.on_lease(11, {"/f", 0, 0}, k.now);
  auto* reply = lease_of(fx, 11);
  ASSERT_NE(reply, nullptr);
  EXPECT_FALSE(reply->granted);
  EXPECT_EQ(reply->chunk_version, 2u);
  EXPECT_EQ(k.c.leases().find(chunk_handle{k.handle})->chunk_version, 2u);
}

}  // namespace
}  // namespace dfs::master
