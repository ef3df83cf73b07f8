// Small files stored in the namespace (records.hpp version_info::inline_data): the commit, its
// limits and budget, what frees the bytes, checkpoints and replay, moving the bytes into chunks
// before a write (master_inline.cpp), and master_core's side (commit, layout, lease, grow).
#include <gtest/gtest.h>

#include "core/master/master_core.hpp"
#include "proto/master_log.hpp"
#include "unit/master/core_driver.hpp"
#include "unit/master/test_util.hpp"

namespace dfs::master {
namespace {

using test::driver;
using test::t0;

result<commit_record> put_inline(driver& d, const std::string& path, const std::string& bytes,
                                 uint64_t base_version = 0) {
  commit_request req{path, 1000, 1024, {}, base_version, bytes};
  auto r = d.state.validate_commit(req, t0());
  if (r.ok()) d.apply(*r);
  return r;
}

master_options small_budget() {
  master_options o;
  o.max_versions = 2;
  o.inline_max_bytes = 100;
  o.inline_budget_bytes = 250;
  return o;
}

TEST(InlineFiles, ACommitKeepsTheBytesInTheVersion) {
  driver d;
  auto r = put_inline(d, "/s", "hello");
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r->inline_data, "hello");
  auto l = d.state.layout("/s");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->version.inline_data, "hello");
  EXPECT_EQ(l->version.size_bytes, 5u);
  EXPECT_TRUE(l->chunks.empty());
  EXPECT_EQ(d.state.inline_bytes(), 5u);
  EXPECT_EQ(d.state.total_file_bytes(), 5u);
  EXPECT_TRUE(d.state.chunks().chunks().empty()) << "no chunk was made";
}

TEST(InlineFiles, LimitAndBudgetAreRefusedSoTheClientUsesChunks) {
  driver d{small_budget()};
  auto big = put_inline(d, "/big", std::string(101, 'x'));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.err().code, errc::inline_refused);
  EXPECT_NE(big.err().message.find("master.inline_max_bytes"), std::string::npos);
  ASSERT_TRUE(put_inline(d, "/a", std::string(100, 'a')).ok());
  ASSERT_TRUE(put_inline(d, "/b", std::string(100, 'b')).ok());
  auto over = put_inline(d, "/c", std::string(51, 'c'));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.err().code, errc::inline_refused);
  EXPECT_NE(over.err().message.find("budget"), std::string::npos);
  EXPECT_TRUE(put_inline(d, "/c", std::string(50, 'c')).ok()) << "up to the budget exactly";
  EXPECT_EQ(d.state.inline_bytes(), 250u);
  // Chunks and inline bytes together are a bad request, not a refusal to fall back from.
  auto chunks = d.allocate("/m", {1});
  auto both = d.state.validate_commit({"/m", 1000, 1024, chunks, 0, "x"}, t0());
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.err().code, errc::invalid_argument);
}

TEST(InlineFiles, DroppedVersionsAndPurgedTrashFreeTheBudget) {
  driver d{small_budget()};
  ASSERT_TRUE(put_inline(d, "/f", std::string(100, '1')).ok());
  ASSERT_TRUE(put_inline(d, "/f", std::string(100, '2')).ok());
  ASSERT_TRUE(put_inline(d, "/f", std::string(40, '3')).ok());  // max_versions 2: drops "1"
  EXPECT_EQ(d.state.inline_bytes(), 140u);
  d.apply(*d.state.validate_trash("/f", 5000));
  EXPECT_EQ(d.state.inline_bytes(), 140u) << "the trash keeps the bytes for undelete";
  d.apply(*d.state.validate_restore("/f", ""));
  auto l = d.state.layout("/f");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->version.inline_data, std::string(40, '3'));
  d.apply(*d.state.validate_trash("/f", 5000));
  d.apply(*d.state.validate_purge(""));
  EXPECT_EQ(d.state.inline_bytes(), 0u);
  // A chunked version replacing an inline one frees it too.
  ASSERT_TRUE(put_inline(d, "/g", "old").ok());
  ASSERT_TRUE(put_inline(d, "/g", "older").ok());
  d.put("/g", {10});
  EXPECT_EQ(d.state.inline_bytes(), 5u);
}

TEST(InlineFiles, CheckpointAndReplayKeepTheBytes) {
  driver d;
  d.mkdir("/d");
  ASSERT_TRUE(put_inline(d, "/d/a", "alpha").ok());
  ASSERT_TRUE(put_inline(d, "/d/a", std::string("with\0zero", 9)).ok());
  d.put("/d/a", {7});  // a chunked version after two inline ones
  ASSERT_TRUE(put_inline(d, "/d/t", "trashed").ok());
  d.apply(*d.state.validate_trash("/d/t", 5000));
  auto snap = d.state.validate_snapshot("/d/a", 6000);  // of a chunked newest: shares chunks
  ASSERT_TRUE(snap.ok());
  ASSERT_TRUE(put_inline(d, "/s", "snap me").ok());
  auto copy = d.state.validate_snapshot("/s", 6000);
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->inline_data, "snap me") << "a snapshot of an inline version copies its bytes";
  d.apply(*copy);
  auto dump = d.state.canonical_dump();
  EXPECT_NE(dump.find("inline trash 0 /d/a version 2 size 9"), std::string::npos) << dump;
  EXPECT_NE(dump.find("inline trash 1 /d/t version 1 size 7"), std::string::npos) << dump;
  // Through the real codec, and by replaying the log from nothing.
  auto back = proto::decode_snapshot(proto::encode_snapshot(d.state.snapshot()));
  ASSERT_TRUE(back.ok()) << back.err().message;
  auto st = master_state::from_snapshot(*back, {}, t0());
  ASSERT_TRUE(st.ok()) << st.err().message;
  EXPECT_EQ(st->canonical_dump(), dump);
  EXPECT_EQ(st->inline_bytes(), d.state.inline_bytes());
  auto replayed = master_state::replay({}, d.log, {}, t0());
  ASSERT_TRUE(replayed.ok()) << replayed.err().message;
  EXPECT_EQ(replayed->canonical_dump(), dump);
  auto v = st->versions("/d/a", 3);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)[1].inline_data, std::string("with\0zero", 9));
  // A damaged checkpoint: inline bytes that do not fit their version are refused.
  auto bad = *back;
  bad.inlined[0].data += "x";
  EXPECT_EQ(master_state::from_snapshot(bad, {}, t0()).err().code, errc::corrupt_state);
  bad = *back;
  bad.inlined[0].version = 99;
  EXPECT_EQ(master_state::from_snapshot(bad, {}, t0()).err().code, errc::corrupt_state);
  bad = *back;
  bad.inlined.push_back(bad.inlined[0]);
  EXPECT_EQ(master_state::from_snapshot(bad, {}, t0()).err().code, errc::corrupt_state)
      << "the same version's bytes twice";
}

TEST(InlineFiles, MaterializeMovesTheBytesIntoChunksUnderTheSameVersion) {
  driver d;
  ASSERT_TRUE(put_inline(d, "/f", "twelve bytes").ok());
  auto chunks = d.allocate("/f", {12});
  auto wrong_size = d.allocate("/f", {11});
  EXPECT_EQ(d.state.validate_materialize("/f", 1, 1024, wrong_size, t0()).err().code,
            errc::invalid_argument);
  auto uneven = d.allocate("/f", {6, 6});  // 12 bytes, but the first chunk is not full
  EXPECT_EQ(d.state.validate_materialize("/f", 1, 1024, uneven, t0()).err().code,
            errc::invalid_argument);
  EXPECT_EQ(d.state.validate_materialize("/f", 2, 1024, chunks, t0()).err().code, errc::conflict)
      << "not the newest version";
  EXPECT_EQ(d.state.validate_materialize("/f", 1, 1024, {{chunk_handle{9999}, 1, 12, 0}}, t0())
                .err()
                .code,
            errc::unknown_handle);
  auto rec = d.state.validate_materialize("/f", 1, 1024, chunks, t0());
  ASSERT_TRUE(rec.ok()) << rec.err().message;
  d.apply(*rec);
  auto l = d.state.layout("/f");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->version.number, 1u);
  EXPECT_EQ(l->version.size_bytes, 12u);
  EXPECT_EQ(l->version.mtime_ms, 1000u);
  EXPECT_FALSE(l->version.is_inline());
  ASSERT_EQ(l->chunks.size(), 1u);
  EXPECT_EQ(d.state.inline_bytes(), 0u);
  // A second writer that tried the same gets conflict and looks again.
  auto again = d.allocate("/f", {12});
  EXPECT_EQ(d.state.validate_materialize("/f", 1, 1024, again, t0()).err().code, errc::conflict);
  // The record does not apply twice (a damaged log).
  EXPECT_EQ(d.state.apply(*rec, t0()).err().code, errc::corrupt_state);
  auto replayed = master_state::replay({}, d.log, {}, t0());
  ASSERT_TRUE(replayed.ok()) << replayed.err().message;
  EXPECT_EQ(replayed->canonical_dump(), d.state.canonical_dump());
}

// master_core: the commit, the layout's bytes, and the mutations that must wait for chunks.
core_options core_opts() {
  core_options o;
  o.write_quorum = 2;
  o.meta.replication = 3;
  o.default_chunk_size_bytes = 1024;
  return o;
}

const ns_reply* ns_of(const master_effects& fx, request_token t) {
  for (auto& r : fx.replies)
    if (r.token == t) return std::get_if<ns_reply>(&r.reply);
  return nullptr;
}

TEST(InlineFiles, CoreCommitsAnswersLayoutsAndRefusesLeasesAndGrowth) {
  test::core_driver d{core_opts()};
  d.start({17100, 17200, 17300});
  put_commit commit{"/f", 0, {}, 0, 7, 1};
  commit.inline_data = "tiny";
  (void)d.c.on_commit(1, commit, d.now, 1000);
  auto fx = d.flush();
  auto* created = ns_of(fx, 1);
  ASSERT_NE(created, nullptr);
  ASSERT_EQ(created->status, errc::ok) << created->error;
  EXPECT_EQ(created->versions.at(0).number, 1u);
  EXPECT_EQ(created->versions.at(0).size_bytes, 4u);
  EXPECT_EQ(created->versions.at(0).chunk_size_bytes, 1024u) << "the cluster default";
  // A retry of the same request gets the first result, not a second version.
  auto retry = d.c.on_commit(2, commit, d.now, 2000);
  ASSERT_NE(ns_of(retry, 2), nullptr);
  EXPECT_EQ(ns_of(retry, 2)->versions.at(0).number, 1u);
  EXPECT_FALSE(d.c.take_batch()) << "nothing logged again";
  fx = d.c.on_request(3, layout_request{"/f", 0});
  ASSERT_NE(ns_of(fx, 3), nullptr);
  EXPECT_EQ(ns_of(fx, 3)->inline_data, "tiny");
  EXPECT_TRUE(ns_of(fx, 3)->chunks.empty());
  auto l = d.c.on_lease(4, {"/f", 0, 0}, d.now);
  auto* lr = test::lease_of(l, 4);
  ASSERT_NE(lr, nullptr);
  EXPECT_EQ(lr->status, errc::inline_refused);
  fx = d.c.on_grow(5, {"/f", 1, 2000, 0, {}, 0}, d.now, 1000);
  ASSERT_NE(ns_of(fx, 5), nullptr);
  EXPECT_EQ(ns_of(fx, 5)->status, errc::inline_refused);
}

}  // namespace
}  // namespace dfs::master
