// Mutation frames of the data port (net/mutation_wire.hpp): every field survives a round
// trip, every truncation, trailing byte, unknown enum value and bound is rejected.
#include "net/mutation_wire.hpp"

#include <gtest/gtest.h>

#include "common/limits.hpp"
#include "net/data_messages.hpp"

namespace dfs::net {
namespace {

namespace cs = chunkserver;

mutate_msg sample_mutate() {
  mutate_msg m;
  auto& q = m.request;
  q.client_id = 0x1122334455667788ull;
  q.request_number = 42;
  q.handle = 0x0102030405060708ull;
  q.op = cs::client_op::append;
  q.offset = 4096;
  q.length = 100;
  q.data = chunkstore::data_id{77};
  q.secondaries = {{"10.0.0.2", 17101}, {"h3", 7}};
  q.chunk_size_bytes = 1 << 20;
  m.token = "tk";
  return m;
}

peer_mutation sample_mutation() {
  return {{"h1", 9}, {5, 3, 11, cs::mutation_kind::pad, 100, 200, chunkstore::data_id{8}}, "t"};
}

template <class M>
void expect_every_prefix_rejected(const M& m) {
  auto bytes = encode(m);
  for (size_t n = 0; n < bytes.size(); ++n) {
    M out;
    EXPECT_FALSE(decode(std::string_view(bytes).substr(0, n), out)) << "prefix " << n;
  }
  M out;
  EXPECT_FALSE(decode(bytes + "x", out)) << "trailing byte";
  EXPECT_TRUE(decode(bytes, out));
  EXPECT_EQ(encode(out), bytes);
}

TEST(MutationWire, MutateRoundTripsEveryField) {
  auto m = sample_mutate();
  mutate_msg out;
  ASSERT_TRUE(decode(encode(m), out));
  auto& a = m.request;
  auto& b = out.request;
  EXPECT_EQ(b.client_id, a.client_id);
  EXPECT_EQ(b.request_number, a.request_number);
  EXPECT_EQ(b.handle, a.handle);
  EXPECT_EQ(b.op, a.op);
  EXPECT_EQ(b.offset, a.offset);
  EXPECT_EQ(b.length, a.length);
  EXPECT_EQ(b.data, a.data);
  EXPECT_EQ(b.secondaries, a.secondaries);
  EXPECT_EQ(b.chunk_size_bytes, a.chunk_size_bytes);
  EXPECT_EQ(out.token, m.token);
}

TEST(MutationWire, PeerMessagesRoundTrip) {
  auto m = sample_mutation();
  peer_mutation pm;
  ASSERT_TRUE(decode(encode(m), pm));
  EXPECT_EQ(pm.from, m.from);
  EXPECT_EQ(pm.body, m.body);
  EXPECT_EQ(pm.token, m.token);
  peer_ack a{{"h2", 10}, {5, 3, 11, cs::ack_status::data_missing}, "t2"}, ao;
  ASSERT_TRUE(decode(encode(a), ao));
  EXPECT_EQ(ao.body.status, cs::ack_status::data_missing);
  EXPECT_EQ(ao.body.serial, 11u);
  EXPECT_EQ(ao.from, a.from);
  peer_resend r{{"h2", 10}, {5, 3, 12}, "t3"}, ro;
  ASSERT_TRUE(decode(encode(r), ro));
  EXPECT_EQ(ro.body.next_serial, 12u);
  peer_gone g{{"h1", 9}, {5, 3, 13}, "t4"}, go;
  ASSERT_TRUE(decode(encode(g), go));
  EXPECT_EQ(go.body.serial, 13u);
  EXPECT_EQ(go.token, "t4");
  mutate_reply_msg rep{cs::mutation_status::retry_next_chunk, 99}, repo;
  ASSERT_TRUE(decode(encode(rep), repo));
  EXPECT_EQ(repo.status, cs::mutation_status::retry_next_chunk);
  EXPECT_EQ(repo.offset, 99u);
}

TEST(MutationWire, EveryTruncationAndTrailingByteIsRejected) {
  expect_every_prefix_rejected(sample_mutate());
  expect_every_prefix_rejected(sample_mutation());
  expect_every_prefix_rejected(peer_ack{{"h2", 10}, {5, 3, 11, cs::ack_status::applied}, "t"});
  expect_every_prefix_rejected(peer_resend{{"h2", 10}, {5, 3, 12}, "t"});
  expect_every_prefix_rejected(peer_gone{{"h2", 10}, {5, 3, 12}, "t"});
  expect_every_prefix_rejected(mutate_reply_msg{cs::mutation_status::busy, 1});
}

template <class M, class F>
bool decodes_after(M m, F change) {
  change(m);
  M out;
  return decode(encode(m), out);
}

TEST(MutationWire, BoundsAndEnumsAreChecked) {
  constexpr auto max = limits::max_chunk_size_bytes;
  auto m = sample_mutate();
  EXPECT_FALSE(decodes_after(m, [](mutate_msg& x) { x.request.handle = 0; }));
  EXPECT_FALSE(decodes_after(m, [](mutate_msg& x) { x.request.length = 0; }));
  EXPECT_FALSE(decodes_after(m, [&](mutate_msg& x) { x.request.length = max + 1; }));
  EXPECT_FALSE(decodes_after(m, [&](mutate_msg& x) { x.request.offset = max + 1; }));
  EXPECT_FALSE(decodes_after(m, [&](mutate_msg& x) { x.request.chunk_size_bytes = max + 1; }));
  EXPECT_FALSE(decodes_after(m, [](mutate_msg& x) { x.request.op = cs::client_op(2); }));
  EXPECT_FALSE(decodes_after(m, [](mutate_msg& x) { x.request.secondaries.push_back({"", 1}); }));
  EXPECT_FALSE(decodes_after(m, [](mutate_msg& x) { x.request.secondaries.push_back({"h", 0}); }));
  EXPECT_FALSE(decodes_after(m, [](mutate_msg& x) {
    x.request.secondaries.assign(max_chain_hops + 1, endpoint{"h", 1});
  }));
  auto p = sample_mutation();
  EXPECT_FALSE(decodes_after(p, [](peer_mutation& x) { x.body.serial = 0; }));
  EXPECT_FALSE(decodes_after(p, [](peer_mutation& x) { x.body.handle = 0; }));
  EXPECT_FALSE(decodes_after(p, [](peer_mutation& x) { x.body.kind = cs::mutation_kind(7); }));
  EXPECT_FALSE(decodes_after(p, [](peer_mutation& x) { x.from.port = 0; }));
  EXPECT_FALSE(
      decodes_after(p, [](peer_mutation& x) { x.token.assign(max_token_bytes + 1, 't'); }));
  EXPECT_FALSE(decodes_after(peer_ack{{"h", 1}, {5, 3, 1, cs::ack_status::applied}, "t"},
                             [](peer_ack& x) { x.body.status = cs::ack_status(9); }));
  EXPECT_FALSE(decodes_after(mutate_reply_msg{},
                             [](mutate_reply_msg& x) { x.status = cs::mutation_status(42); }));
}

}  // namespace
}  // namespace dfs::net
