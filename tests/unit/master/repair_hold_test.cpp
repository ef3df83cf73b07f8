// Repair of a chunk that is mutated without a pause (an appended log): copies wait for a
// chunk's leases to end, so its lease is revoked and not extended while the chunk is short of
// a replica that a server could take, and the next grant waits for the copy, which it then
// names.
// Bounded: when no copy is planned, grants go on after repair_hold_plan.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/master/master_core.hpp"
#include "unit/master/core_driver.hpp"

namespace dfs::master {
namespace {

using namespace std::chrono_literals;
using test::cs;
using test::lease_of;

const std::vector<uint16_t> ports = {17100, 17200, 17300, 17400};

core_options options() {
  auto o = test::lease_test_options();
  o.registry.unhealthy_after = 3s;
  o.registry.removed_after = 4s;
  o.copy_timeout = 5s;
  return o;
}

// The master actor's part: a repair update goes to the repair actor (svc), whose orders come
// back to the core and leave with their target's heartbeat reply.
struct cluster : test::core_driver {
  repair_service svc{repair_options{}};
  uint64_t handle = 0;
  std::vector<copy_instruction> orders;  // every copy order handed out
  bool planner = true;                   // false: the repair actor never answers

  cluster() : core_driver(options()) {}

  void pump(const master_effects& fx) {
    if (fx.repair && planner) (void)c.on_repair_answer(svc.on_update(*fx.repair, now), now);
  }
  heartbeat_reply beat(uint16_t port, std::vector<lease_claim> leases = {},
                       std::vector<chunk_report> added = {}, std::vector<copy_result> copies = {},
                       master_effects* out = nullptr, std::vector<lease_revocation> released = {}) {
    chunkserver_heartbeat hb;
    hb.id = cs(port);
    hb.capacity_bytes = hb.free_bytes = 1 << 30;
    hb.added = std::move(added);
    hb.copies = std::move(copies);
    hb.leases = std::move(leases);
    hb.released = std::move(released);
    master_effects fx;
    auto r = c.on_heartbeat(hb, now, fx);
    pump(fx);
    auto more = c.take_copy_orders(cs(port));
    r.copy_chunks.insert(r.copy_chunks.end(), more.begin(), more.end());
    orders.insert(orders.end(), r.copy_chunks.begin(), r.copy_chunks.end());
    if (out != nullptr) *out = std::move(fx);
    return r;
  }
  // One second: every server but `silent` beats (`primary` claiming `claim`), then a tick.
  void second(uint16_t silent = 0, uint16_t primary = 0, std::vector<lease_claim> claim = {}) {
    now += 1s;
    for (auto p : ports)
      if (p != silent) (void)beat(p, p == primary ? claim : std::vector<lease_claim>{});
    pump(c.on_tick(now));
  }
  std::vector<uint16_t> replicas() const {
    std::vector<uint16_t> out;
    for (auto& n : c.meta().chunks().find(chunk_handle{handle})->replicas) out.push_back(n.port);
    return out;
  }
  uint16_t spare() const {
    auto r = replicas();
    for (auto p : ports)
      if (std::find(r.begin(), r.end(), p) == r.end()) return p;
    return 0;
  }
  // Lease request `t` granted, handed out and confirmed: its reply.
  lease_reply lease(request_token t) {
    auto fx = c.on_lease(t, {"/f", 0, 0}, now);
    if (auto* r = lease_of(fx, t)) return *r;  // refused (or the running lease)
    flush();
    auto* l = c.leases().find(chunk_handle{handle});
    EXPECT_NE(l, nullptr);
    if (l == nullptr) return {};
    auto primary = l->primary.port;
    auto version = l->chunk_version;
    EXPECT_EQ(beat(primary).leases.size(), 1u);
    master_effects ack;
    (void)beat(primary, {{handle, version, false}}, {}, {}, &ack);
    auto* r = lease_of(ack, t);
    EXPECT_NE(r, nullptr);
    return r != nullptr ? *r : lease_reply{};
  }
};

// /f on three of four servers, past the restart wait-out, its chunk leased (version 2).
void leased(cluster& k) {
  k.start(ports);
  k.handle = k.put_one_chunk("/f", 1);
  while (k.now < test::t0() + 10s + options().lease.margin() + 1s) k.second();
  auto r = k.lease(10);
  ASSERT_EQ(r.status, ns_status::ok) << r.error;
  ASSERT_EQ(r.chunk_version, 2u);
}

// A secondary of the lease (`gone`) dies while its primary (`p`) keeps mutating; once it has
// been silent past removed_after, the primary gets a new lease without it (superseded,
// version 3): the chunk is short of a replica the spare could take.
void superseded(cluster& k, uint16_t& p, uint16_t& gone) {
  auto* l = k.c.leases().find(chunk_handle{k.handle});
  p = l->primary.port;
  gone = l->secondaries.at(0).port;
  for (int i = 0; i < 5; ++i) k.second(gone, p, {{k.handle, 2, true}});
  auto r = k.lease(11);
  ASSERT_EQ(r.status, ns_status::ok) << r.error;
  ASSERT_EQ(r.chunk_version, 3u);
  ASSERT_EQ(k.replicas().size(), 2u);
}

TEST(MasterRepairHold, AChunkShortOfAReplicaIsCopiedWhileMutationsGoOnAndTheNextLeaseNamesIt) {
  cluster k;
  leased(k);
  // Full replication: mutations go on, the lease is extended.
  auto p = k.c.leases().find(chunk_handle{k.handle})->primary.port;
  EXPECT_EQ(k.beat(p, {{k.handle, 2, true}}).leases.size(), 1u);
  auto spare = k.spare();
  uint16_t gone = 0;
  superseded(k, p, gone);
  // Mutations go on (the primary asks for more time), but the lease is not extended ...
  EXPECT_TRUE(k.beat(p, {{k.handle, 3, true}}).leases.empty());
  // ... so it ends, and the chunk is copied to the spare before any new grant.
  int waited = 0;
  while (k.c.leases().check_grant(chunk_handle{k.handle}, k.now) && waited++ < 20)
    k.second(gone, p, {{k.handle, 3, true}});
  ASSERT_LT(waited, 20) << "the lease was extended";
  auto held = k.c.on_lease(12, {"/f", 0, 0}, k.now);
  ASSERT_NE(lease_of(held, 12), nullptr);
  EXPECT_EQ(lease_of(held, 12)->status, ns_status::busy);
  EXPECT_NE(lease_of(held, 12)->error.find("a copy to restore its replicas is"), std::string::npos)
      << lease_of(held, 12)->error;
  (void)k.beat(spare);
  ASSERT_EQ(k.orders.size(), 1u);
  auto o = k.orders.at(0);
  EXPECT_EQ(o.handle, k.handle);
  EXPECT_EQ(o.chunk_version, 3u);
  (void)k.beat(spare, {}, {{k.handle, 3, 100}}, {{o.order_id, o.handle, true, ""}});
  EXPECT_EQ(k.replicas().size(), 3u);
  auto next = k.lease(13);
  ASSERT_EQ(next.status, ns_status::ok) << next.error;
  EXPECT_EQ(next.chunk_version, 4u);
  std::vector<uint16_t> named;
  for (auto& s : next.secondaries) named.push_back(s.id.port);
  EXPECT_NE(std::find(named.begin(), named.end(), spare), named.end());
  // Back at full replication: extended again.
  EXPECT_EQ(k.beat(next.primary.id.port, {{k.handle, 4, true}}).leases.size(), 1u);
}

// The lease in the way of the copy is revoked: the copy starts once the primary says it gave
// the lease up (plus the drift margin), not when the lease would have ended.
TEST(MasterRepairHold, TheLeaseInTheWayOfACopyIsRevokedAndEndsWhenItsPrimaryGivesItUp) {
  cluster k;
  leased(k);
  auto p = k.c.leases().find(chunk_handle{k.handle})->primary.port;
  // Full replication: nothing is revoked.
  EXPECT_TRUE(k.beat(p, {{k.handle, 2, true}}).revoke.empty());
  auto spare = k.spare();
  uint16_t gone = 0;
  superseded(k, p, gone);
  auto r = k.beat(p, {{k.handle, 3, true}});
  EXPECT_TRUE(r.leases.empty()) << "extended";
  ASSERT_EQ(r.revoke.size(), 1u);
  EXPECT_EQ(r.revoke[0].handle, k.handle);
  EXPECT_EQ(r.revoke[0].chunk_version, 3u);
  auto lease_end = k.c.leases().find(chunk_handle{k.handle})->expiry;
  // A release of another version, or by another server, ends nothing.
  (void)k.beat(spare, {}, {}, {}, nullptr, {{k.handle, 3}});
  (void)k.beat(p, {}, {}, {}, nullptr, {{k.handle, 2}});
  EXPECT_NE(k.c.leases().valid(chunk_handle{k.handle}, k.now), nullptr);
  master_effects fx;
  (void)k.beat(p, {}, {}, {}, &fx, {{k.handle, 3}});
  EXPECT_EQ(k.c.leases().valid(chunk_handle{k.handle}, k.now), nullptr);
  EXPECT_TRUE(std::any_of(fx.events.begin(), fx.events.end(), [](auto& e) {
    return e.text.find("lease_released chunk=") != std::string::npos;
  }));
  // Fenced for the drift margin, then the copy is planned and handed to the spare.
  EXPECT_TRUE(k.c.leases().check_grant(chunk_handle{k.handle}, k.now).has_value());
  k.second(gone);
  EXPECT_FALSE(k.c.leases().check_grant(chunk_handle{k.handle}, k.now).has_value());
  k.second(gone);
  ASSERT_EQ(k.orders.size(), 1u);
  EXPECT_EQ(k.orders[0].chunk_version, 3u);
  EXPECT_LT(k.now, lease_end) << "the copy waited for the lease's end";
  auto o = k.orders.at(0);
  (void)k.beat(spare, {}, {{k.handle, 3, 100}}, {{o.order_id, o.handle, true, ""}});
  EXPECT_EQ(k.replicas().size(), 3u);
  auto next = k.lease(13);
  ASSERT_EQ(next.status, ns_status::ok) << next.error;
  EXPECT_EQ(next.chunk_version, 4u);
  // Back at full replication: not revoked.
  EXPECT_TRUE(k.beat(next.primary.id.port, {{k.handle, 4, true}}).revoke.empty());
}

// With no copy planned (here: the repair actor never answers), a grant waits repair_hold_plan
// at most; then that chunk's lease is extended again until repair_hold_again has passed.
TEST(MasterRepairHold, WithNoCopyPlannedAGrantWaitsRepairHoldPlanAtMost) {
  cluster k;
  leased(k);
  uint16_t p = 0, gone = 0;
  superseded(k, p, gone);
  k.planner = false;
  for (int i = 0; i < 20 && k.c.leases().check_grant(chunk_handle{k.handle}, k.now); ++i)
    k.second(gone, p, {{k.handle, 3, true}});
  ASSERT_FALSE(k.c.leases().check_grant(chunk_handle{k.handle}, k.now)) << "extended";
  auto fx = k.c.on_lease(12, {"/f", 0, 0}, k.now);
  auto* first = lease_of(fx, 12);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->status, ns_status::busy);
  auto until = k.now + options().repair_hold_plan;
  while (k.now + 1s < until) {
    k.second(gone, p, {{k.handle, 3, true}});
    fx = k.c.on_lease(12, {"/f", 0, 0}, k.now);
    auto* again = lease_of(fx, 12);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->status, ns_status::busy);
  }
  k.second(gone, p, {{k.handle, 3, true}});
  auto granted = k.lease(13);
  EXPECT_EQ(granted.status, ns_status::ok) << granted.error;
  EXPECT_EQ(granted.chunk_version, 4u);
  EXPECT_TRUE(k.orders.empty());
  // Given up on: the lease is extended again ...
  auto held_at = until - options().repair_hold_plan;
  auto q = granted.primary.id.port;
  auto v = granted.chunk_version;
  EXPECT_EQ(k.beat(q, {{k.handle, v, true}}).leases.size(), 1u);
  // ... until repair_hold_again has passed: then it ends again for a copy.
  while (k.now < held_at + options().repair_hold_again) k.second(gone, q, {{k.handle, v, true}});
  for (int i = 0; i < 20 && k.c.leases().check_grant(chunk_handle{k.handle}, k.now); ++i)
    k.second(gone, q, {{k.handle, v, true}});
  ASSERT_FALSE(k.c.leases().check_grant(chunk_handle{k.handle}, k.now)) << "extended";
  fx = k.c.on_lease(15, {"/f", 0, 0}, k.now);
  ASSERT_NE(lease_of(fx, 15), nullptr);
  EXPECT_EQ(lease_of(fx, 15)->status, ns_status::busy);
}

}  // namespace
}  // namespace dfs::master
