// mutation_primary: serials per chunk, answers only when every replica is durable, refusals
// the client can act on, record append offsets and padding, retries never ordered twice.
#include <gtest/gtest.h>

#include "core/chunkserver/mutation_primary.hpp"

namespace dfs::chunkserver {
namespace {

using namespace std::chrono_literals;

const core::time_point t0{};
const endpoint sa{"a", 1}, sb{"b", 1};

struct fixture {
  primary_options opts = [] {
    primary_options o;
    o.chunk_size_bytes = 1000;
    o.reply_timeout = 1s;
    o.resend_interval = 100ms;
    return o;
  }();
  mutation_primary p{opts};
  primary_leases leases;

  fixture() { leases.on_grant({7, 3, 60000}, t0, t0); }

  client_request write(uint64_t req, uint64_t off, uint64_t len) {
    return client_request{1, req, 7, client_op::write, off, len, {100 + req}, {sa, sb}};
  }
  client_request append(uint64_t client, uint64_t req, uint64_t len) {
    return client_request{client, req, 7, client_op::append, 0, len, {100 + req}, {sa, sb}};
  }
  // Local apply and both acks: returns the replies of the last step.
  std::vector<client_reply> complete(const mutation& m, core::time_point now) {
    auto fx = p.on_applied(m, apply_result::ok, leases, now);
    EXPECT_TRUE(fx.replies.empty());
    fx = p.on_ack(sa, {m.handle, m.chunk_version, m.serial, ack_status::applied}, leases, now);
    EXPECT_TRUE(fx.replies.empty());
    return p.on_ack(sb, {m.handle, m.chunk_version, m.serial, ack_status::applied}, leases, now)
        .replies;
  }
};

TEST(MutationPrimary, RefusesWithoutALease) {
  fixture f;
  auto r = f.write(1, 0, 10);
  r.handle = 8;
  auto fx = f.p.on_request(r, true, 0, f.leases, t0);
  ASSERT_EQ(fx.replies.size(), 1u);
  EXPECT_EQ(fx.replies[0].status, mutation_status::not_primary);
  EXPECT_TRUE(fx.apply.empty());
  EXPECT_TRUE(fx.send.empty());
  // Once the lease ran out by our clock: lease_expired, nothing ordered.
  fx = f.p.on_request(f.write(2, 0, 10), true, 0, f.leases, t0 + 61s);
  EXPECT_EQ(fx.replies.at(0).status, mutation_status::lease_expired);
  EXPECT_TRUE(fx.apply.empty());
}

TEST(MutationPrimary, OrdersAppliesSendsAndAnswersWhenEveryReplicaIsDurable) {
  fixture f;
  auto fx = f.p.on_request(f.write(1, 10, 20), true, 0, f.leases, t0);
  EXPECT_TRUE(fx.replies.empty());
  ASSERT_EQ(fx.apply.size(), 1u);
  auto m = fx.apply[0].m;
  EXPECT_EQ(m.serial, 1u);
  EXPECT_EQ(m.chunk_version, 3u);
  EXPECT_EQ(m.offset, 10u);
  ASSERT_EQ(fx.send.size(), 2u);
  EXPECT_EQ(fx.send[0].m, m);
  EXPECT_EQ(fx.mutated, std::vector<uint64_t>{7});
  auto fx2 = f.p.on_request(f.write(2, 0, 5), true, 0, f.leases, t0);
  EXPECT_EQ(fx2.apply.at(0).m.serial, 2u);
  auto replies = f.complete(m, t0 + 1ms);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].status, mutation_status::ok);
  EXPECT_EQ(replies[0].request_number, 1u);
  EXPECT_EQ(f.p.in_flight(7), 1u);
}

TEST(MutationPrimary, RetryOfACompletedRequestGetsTheSameAnswerNotASecondSerial) {
  fixture f;
  auto m = f.p.on_request(f.append(1, 1, 50), true, 0, f.leases, t0).apply.at(0).m;
  auto replies = f.complete(m, t0);
  ASSERT_EQ(replies.at(0).offset, 0u);
  auto fx = f.p.on_request(f.append(1, 1, 50), true, 0, f.leases, t0 + 1ms);
  EXPECT_TRUE(fx.apply.empty());
  EXPECT_TRUE(fx.send.empty());
  ASSERT_EQ(fx.replies.size(), 1u);
  EXPECT_EQ(fx.replies[0].status, mutation_status::ok);
  EXPECT_EQ(fx.replies[0].offset, 0u);
  // Another client's append goes after it.
  EXPECT_EQ(f.p.on_request(f.append(2, 1, 50), true, 0, f.leases, t0).apply.at(0).m.offset, 50u);
}

TEST(MutationPrimary, RetryOfARequestInFlightJoinsItAndResendsToUnackedReplicas) {
  fixture f;
  auto m = f.p.on_request(f.write(1, 0, 10), true, 0, f.leases, t0).apply.at(0).m;
  (void)f.p.on_applied(m, apply_result::ok, f.leases, t0);
  (void)f.p.on_ack(sa, {7, 3, 1, ack_status::applied}, f.leases, t0);
  auto fx = f.p.on_tick(f.leases, t0 + 1s);  // b never answered: the client hears timeout
  ASSERT_EQ(fx.replies.size(), 1u);
  EXPECT_EQ(fx.replies[0].status, mutation_status::timeout);
  ASSERT_EQ(fx.send.size(), 1u);  // and b gets it again
  EXPECT_EQ(fx.send[0].to, sb);
  fx = f.p.on_request(f.write(1, 0, 10), true, 0, f.leases, t0 + 1100ms);
  EXPECT_TRUE(fx.apply.empty());
  ASSERT_EQ(fx.send.size(), 1u);
  EXPECT_EQ(fx.send[0].m, m);
  fx = f.p.on_ack(sb, {7, 3, 1, ack_status::applied}, f.leases, t0 + 1200ms);
  ASSERT_EQ(fx.replies.size(), 1u);
  EXPECT_EQ(fx.replies[0].status, mutation_status::ok);
}

TEST(MutationPrimary, ResendsUnackedMutationsEveryInterval) {
  fixture f;
  (void)f.p.on_request(f.write(1, 0, 10), true, 0, f.leases, t0);
  EXPECT_TRUE(f.p.on_tick(f.leases, t0 + 50ms).send.empty());
  EXPECT_EQ(f.p.on_tick(f.leases, t0 + 100ms).send.size(), 2u);
  (void)f.p.on_ack(sa, {7, 3, 1, ack_status::applied}, f.leases, t0 + 120ms);
  (void)f.p.on_ack(sa, {7, 3, 1, ack_status::applied}, f.leases,
                   t0 + 121ms);  // duplicate: harmless
  EXPECT_EQ(f.p.on_tick(f.leases, t0 + 200ms).send.size(), 1u);
}

TEST(MutationPrimary, AppendPadsTheChunkWhenTheRecordDoesNotFit) {
  fixture f;
  // The local chunk already holds 900 bytes: a 200-byte record does not fit in 1000.
  auto fx = f.p.on_request(f.append(1, 1, 200), true, 900, f.leases, t0);
  ASSERT_EQ(fx.apply.size(), 1u);
  auto pad = fx.apply[0].m;
  EXPECT_EQ(pad.kind, mutation_kind::pad);
  EXPECT_EQ(pad.offset, 900u);
  EXPECT_EQ(pad.length, 100u);
  EXPECT_EQ(fx.send.size(), 2u);
  auto replies = f.complete(pad, t0);
  EXPECT_EQ(replies.at(0).status, mutation_status::retry_next_chunk);
  // Full now: the next append is told at once, nothing more is ordered.
  fx = f.p.on_request(f.append(2, 1, 10), true, 900, f.leases, t0);
  EXPECT_EQ(fx.replies.at(0).status, mutation_status::retry_next_chunk);
  EXPECT_TRUE(fx.apply.empty());
}

TEST(MutationPrimary, RefusesOversizedRecordsAndWritesPastTheChunk) {
  fixture f;
  EXPECT_EQ(f.p.on_request(f.append(1, 1, 251), true, 0, f.leases, t0).replies.at(0).status,
            mutation_status::too_large);
  EXPECT_TRUE(f.p.on_request(f.append(1, 2, 250), true, 0, f.leases, t0).replies.empty());
  EXPECT_EQ(f.p.on_request(f.write(3, 990, 11), true, 0, f.leases, t0).replies.at(0).status,
            mutation_status::too_large);
}

TEST(MutationPrimary, MissingDataIsReportedAndNothingOrdered) {
  fixture f;
  auto fx = f.p.on_request(f.write(1, 0, 10), false, 0, f.leases, t0);
  EXPECT_EQ(fx.replies.at(0).status, mutation_status::data_missing);
  EXPECT_TRUE(fx.apply.empty());
  // A secondary without the data: the client hears data_missing, the mutation stays.
  auto m = f.p.on_request(f.write(2, 0, 10), true, 0, f.leases, t0).apply.at(0).m;
  EXPECT_EQ(m.serial, 1u);
  fx = f.p.on_ack(sb, {7, 3, 1, ack_status::data_missing}, f.leases, t0);
  EXPECT_EQ(fx.replies.at(0).status, mutation_status::data_missing);
  EXPECT_EQ(f.p.in_flight(7), 1u);
}

TEST(MutationPrimary, AStaleVerdictDropsTheLeaseAndFailsWhatIsInFlight) {
  fixture f;
  (void)f.p.on_request(f.write(1, 0, 10), true, 0, f.leases, t0);
  auto fx = f.p.on_ack(sa, {7, 3, 1, ack_status::stale_primary}, f.leases, t0);
  EXPECT_EQ(fx.drop_leases, std::vector<uint64_t>{7});
  EXPECT_EQ(fx.replies.at(0).status, mutation_status::lease_expired);
  EXPECT_EQ(f.p.in_flight(7), 0u);
}

TEST(MutationPrimary, LeaseRunningOutFailsWaitingClientsAndStopsResending) {
  fixture f;
  (void)f.p.on_request(f.write(1, 0, 10), true, 0, f.leases, t0);
  auto fx = f.p.on_tick(f.leases, t0 + 60s);
  EXPECT_EQ(fx.replies.at(0).status, mutation_status::lease_expired);
  EXPECT_TRUE(fx.send.empty());
  EXPECT_EQ(f.p.in_flight(7), 0u);
}

// Every replica acknowledged only after the lease was given up (revoked) or ran out: the
// client is not told ok, since the master may already be copying the chunk from a replica
// that lacked the mutation then.
TEST(MutationPrimary, AcksAfterTheLeaseWasGivenUpAnswerNoOk) {
  fixture f;
  auto m = f.p.on_request(f.write(1, 0, 10), true, 0, f.leases, t0).apply.at(0).m;
  (void)f.p.on_applied(m, apply_result::ok, f.leases, t0);
  (void)f.p.on_ack(sa, {7, 3, 1, ack_status::applied}, f.leases, t0);
  ASSERT_TRUE(f.leases.release(7, 3, t0 + 1ms));
  auto fx = f.p.on_ack(sb, {7, 3, 1, ack_status::applied}, f.leases, t0 + 2ms);
  ASSERT_EQ(fx.replies.size(), 1u);
  EXPECT_EQ(fx.replies[0].status, mutation_status::lease_expired);
  EXPECT_EQ(f.p.in_flight(7), 0u);
  // The same when the local apply is the last to finish.
  fixture g;
  m = g.p.on_request(g.write(1, 0, 10), true, 0, g.leases, t0).apply.at(0).m;
  (void)g.p.on_ack(sa, {7, 3, 1, ack_status::applied}, g.leases, t0);
  (void)g.p.on_ack(sb, {7, 3, 1, ack_status::applied}, g.leases, t0);
  fx = g.p.on_applied(m, apply_result::ok, g.leases, t0 + 61s);  // the lease ran out
  ASSERT_EQ(fx.replies.size(), 1u);
  EXPECT_EQ(fx.replies[0].status, mutation_status::lease_expired);
  // A retry is not answered from memory with ok either: it was never remembered.
  fx = g.p.on_request(g.write(1, 0, 10), true, 0, g.leases, t0 + 61s);
  EXPECT_EQ(fx.replies.at(0).status, mutation_status::lease_expired);
}

TEST(MutationPrimary, ANewLeaseVersionStartsAgainAtSerialOne) {
  fixture f;
  (void)f.p.on_request(f.write(1, 0, 10), true, 0, f.leases, t0);
  ASSERT_TRUE(f.leases.on_grant({7, 4, 60000}, t0 + 1s, t0 + 1s));
  auto fx = f.p.on_request(f.write(2, 0, 10), true, 0, f.leases, t0 + 1s);
  EXPECT_EQ(fx.replies.at(0).request_number, 1u);  // the old one failed
  EXPECT_EQ(fx.apply.at(0).m.serial, 1u);
  EXPECT_EQ(fx.apply.at(0).m.chunk_version, 4u);
}

TEST(MutationPrimary, ResendRequestsGetWhatTheSecondaryMissesOrGone) {
  fixture f;
  (void)f.p.on_request(f.write(1, 0, 10), true, 0, f.leases, t0);
  (void)f.p.on_request(f.write(2, 0, 10), true, 0, f.leases, t0);
  auto fx = f.p.on_resend_request(sb, {7, 3, 1}, f.leases, t0);
  ASSERT_EQ(fx.send.size(), 2u);
  EXPECT_EQ(fx.send[0].m.serial, 1u);
  fx = f.p.on_resend_request(sb, {7, 2, 1}, f.leases, t0);  // a version we do not order
  ASSERT_EQ(fx.gone.size(), 1u);
  EXPECT_EQ(fx.gone[0].to, sb);
}

TEST(MutationPrimary, LocalDiskFailureGivesUpTheChunk) {
  fixture f;
  auto m = f.p.on_request(f.write(1, 0, 10), true, 0, f.leases, t0).apply.at(0).m;
  auto fx = f.p.on_applied(m, apply_result::failed, f.leases, t0);
  EXPECT_EQ(fx.drop_leases, std::vector<uint64_t>{7});
  EXPECT_EQ(fx.replies.at(0).status, mutation_status::failed);
}

TEST(CompletedRequests, ForgetsTheOldestBeyondItsBound) {
  completed_requests c(2);
  c.remember({1, 1}, {1, 1, 7, mutation_status::ok, 5});
  c.remember({1, 1}, {1, 1, 7, mutation_status::ok, 9});  // the first answer stays
  c.remember({1, 2}, {});
  c.remember({1, 3}, {});
  EXPECT_FALSE(c.find({1, 1}));
  EXPECT_TRUE(c.find({1, 3}));
  EXPECT_EQ(c.size(), 2u);
}

}  // namespace
}  // namespace dfs::chunkserver
