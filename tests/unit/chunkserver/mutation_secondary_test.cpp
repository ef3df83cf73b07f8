// mutation_secondary: strict serial order, duplicates acknowledged again, acks only after
// durability, gaps asked for then given up, stale primaries refused, newer versions adopted.
#include <gtest/gtest.h>

#include "core/chunkserver/mutation_secondary.hpp"

namespace dfs::chunkserver {
namespace {

using namespace std::chrono_literals;

const core::time_point t0{};
const endpoint prim{"p", 1};

mutation mut(uint64_t serial, uint64_t version = 3) {
  return mutation{7, version, serial, mutation_kind::write, serial * 10, 10, {serial}};
}

struct fixture {
  mutation_secondary s{[] {
    secondary_options o;
    o.gap_timeout = 100ms;
    o.max_resend_requests = 2;
    o.max_held_per_chunk = 4;
    return o;
  }()};
  fixture() { s.load(7, 3, 0); }
};

TEST(MutationSecondary, AppliesInSerialOrderAndAcksOnlyWhenDurable) {
  fixture f;
  auto fx = f.s.on_mutation(prim, mut(2), t0);  // ahead of a gap: held
  EXPECT_TRUE(fx.apply.empty());
  EXPECT_TRUE(fx.acks.empty());
  EXPECT_EQ(f.s.held(7), 1u);
  fx = f.s.on_mutation(prim, mut(1), t0);
  ASSERT_EQ(fx.apply.size(), 1u);
  EXPECT_EQ(fx.apply[0].m.serial, 1u);
  EXPECT_TRUE(fx.acks.empty());  // not durable yet
  fx = f.s.on_applied(mut(1), apply_result::ok, t0);
  ASSERT_EQ(fx.acks.size(), 1u);
  EXPECT_EQ(fx.acks[0].to, prim);
  EXPECT_EQ(fx.acks[0].ack.serial, 1u);
  EXPECT_EQ(fx.acks[0].ack.status, ack_status::applied);
  ASSERT_EQ(fx.apply.size(), 1u);  // 2 follows
  EXPECT_EQ(fx.apply[0].m.serial, 2u);
  fx = f.s.on_applied(mut(2), apply_result::ok, t0);
  EXPECT_EQ(f.s.applied(7), 2u);
}

TEST(MutationSecondary, DuplicatesAreAcknowledgedAgainNotReapplied) {
  fixture f;
  (void)f.s.on_mutation(prim, mut(1), t0);
  EXPECT_TRUE(f.s.on_mutation(prim, mut(1), t0).apply.empty());  // at the disk: ack follows
  (void)f.s.on_applied(mut(1), apply_result::ok, t0);
  auto fx = f.s.on_mutation(prim, mut(1), t0);
  EXPECT_TRUE(fx.apply.empty());
  ASSERT_EQ(fx.acks.size(), 1u);
  EXPECT_EQ(fx.acks[0].ack.status, ack_status::applied);
  // A late completion report of something done changes nothing.
  EXPECT_TRUE(f.s.on_applied(mut(1), apply_result::ok, t0).acks.empty());
}

TEST(MutationSecondary, RefusesAStalePrimaryAndAdoptsANewerVersion) {
  fixture f;
  auto fx = f.s.on_mutation(prim, mut(1, 2), t0);
  ASSERT_EQ(fx.acks.size(), 1u);
  EXPECT_EQ(fx.acks[0].ack.status, ack_status::stale_primary);
  EXPECT_TRUE(fx.apply.empty());
  fx = f.s.on_mutation(prim, mut(1, 4), t0);
  ASSERT_EQ(fx.set_versions.size(), 1u);
  EXPECT_EQ(fx.set_versions[0].chunk_version, 4u);
  ASSERT_EQ(fx.apply.size(), 1u);
  (void)f.s.on_applied(mut(1, 4), apply_result::ok, t0);
  // Now version 3 is stale too.
  EXPECT_EQ(f.s.on_mutation(prim, mut(2, 3), t0).acks.at(0).ack.status, ack_status::stale_primary);
}

TEST(MutationSecondary, NewerVersionWaitsForTheRunningApply) {
  fixture f;
  (void)f.s.on_mutation(prim, mut(1), t0);
  auto fx = f.s.on_mutation(prim, mut(1, 4), t0);
  EXPECT_TRUE(fx.apply.empty());
  EXPECT_TRUE(fx.set_versions.empty());
  EXPECT_EQ(f.s.version(7), 3u);
}

TEST(MutationSecondary, AGapIsAskedForThenWhatIsHeldIsDropped) {
  fixture f;
  (void)f.s.on_mutation(prim, mut(3), t0);
  EXPECT_TRUE(f.s.on_tick(t0 + 99ms).resend_requests.empty());
  auto fx = f.s.on_tick(t0 + 100ms);
  ASSERT_EQ(fx.resend_requests.size(), 1u);
  EXPECT_EQ(fx.resend_requests[0].to, prim);
  EXPECT_EQ(fx.resend_requests[0].request.next_serial, 1u);
  EXPECT_EQ(f.s.on_tick(t0 + 200ms).resend_requests.size(), 1u);
  fx = f.s.on_tick(t0 + 300ms);
  EXPECT_TRUE(fx.resend_requests.empty());
  EXPECT_TRUE(fx.out_of_sync.empty());  // nothing past a gap was ever acknowledged
  EXPECT_EQ(f.s.held(7), 0u);
  EXPECT_TRUE(f.s.on_tick(t0 + 1s).resend_requests.empty());
  // The chunk still follows: the missing serial, resent, applies.
  EXPECT_EQ(f.s.on_mutation(prim, mut(1), t0 + 1s).apply.size(), 1u);
}

TEST(MutationSecondary, TheGapFilledInTimeResetsTheCount) {
  fixture f;
  (void)f.s.on_mutation(prim, mut(2), t0);
  (void)f.s.on_tick(t0 + 100ms);
  (void)f.s.on_tick(t0 + 200ms);
  auto fx = f.s.on_mutation(prim, mut(1), t0 + 250ms);
  (void)f.s.on_applied(mut(1), apply_result::ok, t0 + 250ms);
  (void)f.s.on_applied(mut(2), apply_result::ok, t0 + 250ms);
  (void)f.s.on_mutation(prim, mut(4), t0 + 260ms);
  EXPECT_EQ(f.s.on_tick(t0 + 360ms).resend_requests.size(), 1u);
  EXPECT_EQ(f.s.on_tick(t0 + 460ms).resend_requests.size(), 1u);
  EXPECT_FALSE(f.s.out_of_sync(7));
}

TEST(MutationSecondary, MutationGoneDropsWhatIsHeldPastTheGap) {
  fixture f;
  (void)f.s.on_mutation(prim, mut(1), t0);
  (void)f.s.on_applied(mut(1), apply_result::ok, t0);
  (void)f.s.on_mutation(prim, mut(3), t0);
  EXPECT_TRUE(f.s.on_gone(prim, {7, 3, 1}, t0).events.empty());  // old news
  EXPECT_EQ(f.s.held(7), 1u);
  auto fx = f.s.on_gone(prim, {7, 3, 2}, t0);
  EXPECT_TRUE(fx.out_of_sync.empty());
  EXPECT_EQ(f.s.held(7), 0u);
  EXPECT_FALSE(f.s.out_of_sync(7));
  // The next lease's version carries on.
  EXPECT_EQ(f.s.on_mutation(prim, mut(1, 4), t0).apply.size(), 1u);
}

TEST(MutationSecondary, MissingDataIsReportedAndTheResendApplies) {
  fixture f;
  (void)f.s.on_mutation(prim, mut(1), t0);
  auto fx = f.s.on_applied(mut(1), apply_result::data_missing, t0);
  EXPECT_EQ(fx.acks.at(0).ack.status, ack_status::data_missing);
  EXPECT_EQ(f.s.applied(7), 0u);
  fx = f.s.on_mutation(prim, mut(1), t0 + 1ms);
  EXPECT_EQ(fx.apply.size(), 1u);
}

TEST(MutationSecondary, HeldMutationsAreBounded) {
  fixture f;
  for (uint64_t s = 2; s < 10; ++s) (void)f.s.on_mutation(prim, mut(s), t0);
  EXPECT_EQ(f.s.held(7), 4u);
}

TEST(MutationSecondary, UnknownChunkAndDiskFailureAreOutOfSync) {
  fixture f;
  auto m = mut(1);
  m.handle = 8;
  EXPECT_EQ(f.s.on_mutation(prim, m, t0).acks.at(0).ack.status, ack_status::out_of_sync);
  (void)f.s.on_mutation(prim, mut(1), t0);
  auto fx = f.s.on_applied(mut(1), apply_result::failed, t0);
  EXPECT_EQ(fx.acks.at(0).ack.status, ack_status::out_of_sync);
  EXPECT_EQ(fx.out_of_sync, std::vector<uint64_t>{7});
}

}  // namespace
}  // namespace dfs::chunkserver
