#include <gtest/gtest.h>

#include "core/ftqueue/replica.hpp"

namespace dfs::ftqueue {
namespace {

result run(queue_state& s, op_code c, int64_t arg, int64_t item = 0) {
  return s.execute(operation{c, arg, item});
}

result run(replica& r, uint64_t client, uint64_t req, op_code c, int64_t arg, int64_t item = 0) {
  result out;
  EXPECT_TRUE(decode(r.apply(gcs::client_op{client, req, encode(operation{c, arg, item})}), out));
  return out;
}

TEST(FtQueue, CreateIsIdempotentPerLabelAndIdsAreUniquePositive) {
  queue_state s;
  auto a = run(s, op_code::create, 100);
  auto b = run(s, op_code::create, 200);
  EXPECT_EQ(a.error, error_code::ok);
  EXPECT_GT(a.value, 0);
  EXPECT_GT(b.value, 0);
  EXPECT_NE(a.value, b.value);
  EXPECT_EQ(run(s, op_code::create, 100).value, a.value);
  EXPECT_EQ(run(s, op_code::id, 100).value, a.value);
  EXPECT_EQ(run(s, op_code::id, 300).value, -1);
  EXPECT_EQ(run(s, op_code::id, 300).error, error_code::ok);
}

TEST(FtQueue, PushPopTopSizeFifo) {
  queue_state s;
  int64_t q = run(s, op_code::create, -7).value;
  EXPECT_EQ(run(s, op_code::size, q).value, 0);
  EXPECT_EQ(run(s, op_code::push, q, 5).error, error_code::ok);
  EXPECT_EQ(run(s, op_code::push, q, INT64_MIN).error, error_code::ok);
  EXPECT_EQ(run(s, op_code::size, q).value, 2);
  EXPECT_EQ(run(s, op_code::top, q).value, 5);
  EXPECT_EQ(run(s, op_code::pop, q).value, 5);
  EXPECT_EQ(run(s, op_code::pop, q).value, INT64_MIN);
  EXPECT_EQ(run(s, op_code::size, q).value, 0);
}

TEST(FtQueue, ErrorsOnUnknownIdAndEmptyQueue) {
  queue_state s;
  for (auto c : {op_code::destroy, op_code::push, op_code::pop, op_code::top, op_code::size})
    EXPECT_EQ(run(s, c, 42, 1).error, error_code::unknown_queue);
  int64_t q = run(s, op_code::create, 1).value;
  EXPECT_EQ(run(s, op_code::pop, q).error, error_code::empty_queue);
  EXPECT_EQ(run(s, op_code::top, q).error, error_code::empty_queue);
  EXPECT_STREQ(to_string(error_code::empty_queue), "queue is empty");
}

TEST(FtQueue, DestroyThenLabelReuseGetsANewId) {
  queue_state s;
  int64_t q = run(s, op_code::create, 9).value;
  run(s, op_code::push, q, 1);
  EXPECT_EQ(run(s, op_code::destroy, q).error, error_code::ok);
  EXPECT_EQ(run(s, op_code::id, 9).value, -1);
  EXPECT_EQ(run(s, op_code::size, q).error, error_code::unknown_queue);
  EXPECT_EQ(run(s, op_code::destroy, q).error, error_code::unknown_queue);
  int64_t q2 = run(s, op_code::create, 9).value;
  EXPECT_NE(q2, q);
  EXPECT_EQ(run(s, op_code::size, q2).value, 0);
}

TEST(FtQueue, EncodingRoundTripsAndRejectsGarbage) {
  operation o{op_code::push, -3, INT64_MAX}, back;
  ASSERT_TRUE(decode(encode(o), back));
  EXPECT_EQ(back, o);
  result r{error_code::empty_queue, -1}, rb;
  ASSERT_TRUE(decode(encode(r), rb));
  EXPECT_EQ(rb, r);
  EXPECT_FALSE(decode(std::string("x"), back));
  std::string bad = encode(o);
  bad[0] = 99;
  EXPECT_FALSE(decode(bad, back));
}

TEST(FtQueue, SnapshotRestoreEquality) {
  queue_state s;
  int64_t a = run(s, op_code::create, 1).value;
  int64_t b = run(s, op_code::create, 2).value;
  run(s, op_code::push, a, 10);
  run(s, op_code::push, a, 11);
  run(s, op_code::push, b, 20);
  run(s, op_code::destroy, run(s, op_code::create, 3).value);
  queue_state t;
  ASSERT_TRUE(t.restore(s.snapshot()));
  EXPECT_TRUE(t == s);
  EXPECT_EQ(t.queues().size(), 2u);
  EXPECT_EQ(t.queues()[0].size, 2u);
  // The id counter survives: a new queue on the restored copy gets the same id as on the source.
  EXPECT_EQ(run(t, op_code::create, 4).value, run(s, op_code::create, 4).value);
  EXPECT_FALSE(t.restore("FTQ1garbage"));
  EXPECT_TRUE(t == s);  // a failed restore leaves the state alone
}

TEST(FtQueueReplica, RetryIsAppliedOnceWithTheSameAnswer) {
  replica r;
  int64_t q = run(r, 7, 1, op_code::create, 5).value;
  EXPECT_EQ(run(r, 7, 2, op_code::push, q, 1).error, error_code::ok);
  EXPECT_EQ(run(r, 7, 3, op_code::pop, q).value, 1);
  run(r, 8, 1, op_code::push, q, 2);
  // Retry of request 3 (a pop) must not pop again, and returns the first answer.
  EXPECT_EQ(run(r, 7, 3, op_code::pop, q).value, 1);
  EXPECT_EQ(run(r, 7, 4, op_code::size, q).value, 1);
  EXPECT_EQ(run(r, 7, 2, op_code::push, q, 1).error, error_code::stale_request);
  EXPECT_EQ(run(r, 7, 5, op_code::size, q).value, 1);
}

TEST(FtQueueReplica, MalformedPayloadIsAnErrorResult) {
  replica r;
  result out;
  ASSERT_TRUE(decode(r.apply(gcs::client_op{1, 1, "nope"}), out));
  EXPECT_EQ(out.error, error_code::malformed);
}

TEST(FtQueueReplica, SnapshotCarriesClientTable) {
  replica a(2);
  int64_t q = run(a, 1, 1, op_code::create, 5).value;
  run(a, 1, 2, op_code::push, q, 3);
  run(a, 2, 1, op_code::push, q, 4);
  replica b(2);
  ASSERT_TRUE(b.restore(a.snapshot()));
  EXPECT_TRUE(a == b);
  EXPECT_EQ(run(b, 1, 2, op_code::push, q, 3).error, error_code::ok);  // remembered retry
  EXPECT_EQ(run(b, 1, 3, op_code::size, q).value, 2);
  run(b, 3, 1, op_code::size, q);  // third client evicts the least recently active (client 2)
  EXPECT_EQ(run(b, 2, 1, op_code::push, q, 4).error, error_code::ok);
  EXPECT_EQ(run(b, 1, 4, op_code::size, q).value, 3);  // client 2's retry re-applied once
  EXPECT_FALSE(b.restore(std::string(3, 'x')));
}

uint64_t items(const replica& r) {
  return r.state().queues().at(0).size;  // read without an operation: the table stays as it is
}

// Resends client `c`'s push `req`: true if it was remembered (answered, not applied again).
bool remembers(replica& r, uint64_t c, uint64_t req, int64_t q) {
  uint64_t before = items(r);
  run(r, c, req, op_code::push, q, 1);
  return items(r) == before;
}

TEST(FtQueueReplica, AFullClientTableForgetsTheLeastRecentlyActiveClient) {
  replica a(3);
  int64_t q = run(a, 1, 1, op_code::create, 5).value;
  run(a, 2, 1, op_code::push, q, 7);
  run(a, 3, 1, op_code::push, q, 7);
  run(a, 1, 2, op_code::push, q, 7);  // client 1 is now more recent than 2 and 3
  replica b(3);
  ASSERT_TRUE(b.restore(a.snapshot()));
  for (replica* r : {&a, &b}) {
    run(*r, 4, 1, op_code::push, q, 7);  // a fourth client: 2 is the least recently active
    EXPECT_TRUE(remembers(*r, 1, 2, q));
    EXPECT_TRUE(remembers(*r, 3, 1, q));
    EXPECT_FALSE(remembers(*r, 2, 1, q)) << "client 2 was forgotten, so its resend applies";
  }
  EXPECT_TRUE(a == b) << "a restored replica forgets the same clients";
}

// One client per CLI process fills the table, and then every new client makes it forget one.
// A scan of the table per forgotten client took hours here (~2 ms per operation on a
// fileserver, whose group then fell apart).
TEST(FtQueueReplica, AFullTableOfManyClientsKeepsTheNewest) {
  const uint64_t max = 100000, clients = 300000;
  replica r(max);
  int64_t q = run(r, 1, 1, op_code::create, 5).value;
  for (uint64_t c = 2; c <= clients; ++c)
    ASSERT_EQ(run(r, c, 1, op_code::push, q, 0).error, error_code::ok);
  replica back(max);
  ASSERT_TRUE(back.restore(r.snapshot()));
  EXPECT_TRUE(back == r);
  const uint64_t oldest = clients - max + 1;  // the table holds clients oldest..clients
  EXPECT_TRUE(remembers(r, clients, 1, q));
  EXPECT_TRUE(remembers(r, oldest, 1, q));
  EXPECT_FALSE(remembers(r, oldest - 1, 1, q));  // forgotten; now it pushes out `oldest`
  EXPECT_FALSE(remembers(r, oldest, 1, q));
  EXPECT_TRUE(remembers(r, oldest + 2, 1, q));
}

}  // namespace
}  // namespace dfs::ftqueue
