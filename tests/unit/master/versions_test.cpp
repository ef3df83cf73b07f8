// Versions of a file: numbering, the max_versions cap, copy-on-write sharing of chunks and the
// put protocol (allocate, then commit the whole version).
#include <gtest/gtest.h>

#include "unit/master/test_util.hpp"

using namespace dfs::master;
using namespace dfs::master::test;

TEST(Versions, NumberedNewestLast) {
  driver d;
  d.put("/f", {1});
  d.put("/f", {2});
  d.put("/f", {3});
  auto v = d.state.versions("/f", 2);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[0].number, 2u);
  EXPECT_EQ((*v)[1].number, 3u);
  EXPECT_EQ((*v)[1].size_bytes, 3u);
  EXPECT_EQ(d.state.versions("/f", 100)->size(), 3u);
  auto old = d.state.layout("/f", 1);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->version.size_bytes, 1u);
  EXPECT_EQ(d.state.layout("/f")->version.number, 3u);
}

TEST(Versions, CapDropsOldestAndFreesChunks) {
  master_options opts;
  opts.max_versions = 3;
  driver d{opts};
  std::vector<std::vector<chunk_meta>> puts;
  for (int i = 0; i < 5; ++i) puts.push_back(d.put("/f", {100, 200}));
  auto v = d.state.versions("/f", 10);
  ASSERT_EQ(v->size(), 3u);
  EXPECT_EQ(v->front().number, 3u);
  EXPECT_EQ(v->back().number, 5u);
  for (int i = 0; i < 2; ++i)
    for (const auto& c : puts[i]) EXPECT_EQ(d.state.chunks().find(c.handle), nullptr);
  for (int i = 2; i < 5; ++i)
    for (const auto& c : puts[i]) EXPECT_NE(d.state.chunks().find(c.handle), nullptr);
  EXPECT_EQ(d.state.layout("/f", 1).err().code, errc::not_found);
}

TEST(Versions, DefaultCapIsFive) {
  driver d;
  for (int i = 0; i < 7; ++i) d.put("/f", {1});
  EXPECT_EQ(d.state.versions("/f", 10)->size(), 5u);
  EXPECT_EQ(d.state.stat("/f")->newest.number, 7u);
}

TEST(Versions, SharedChunksSurviveUntilLastReference) {
  master_options opts;
  opts.max_versions = 2;
  driver d{opts};
  auto v1 = d.put("/f", {100, 100});
  // Version 2 shares v1's first chunk (copy-on-write) and brings a new second chunk.
  auto fresh = d.allocate("/f", {50});
  ASSERT_TRUE(d.commit("/f", {v1[0], fresh[0]}).ok());
  EXPECT_EQ(d.state.chunks().find(v1[0].handle)->refcount, 2u);
  // Another file shares it too.
  ASSERT_TRUE(d.commit("/g", {v1[0]}).ok());
  EXPECT_EQ(d.state.chunks().find(v1[0].handle)->refcount, 3u);
  // Version 3 drops version 1: its unshared chunk goes, the shared one stays.
  d.put("/f", {10});
  EXPECT_EQ(d.state.chunks().find(v1[1].handle), nullptr);
  ASSERT_NE(d.state.chunks().find(v1[0].handle), nullptr);
  EXPECT_EQ(d.state.chunks().find(v1[0].handle)->refcount, 2u);
  // Removing /f frees everything only /f used; /g keeps the shared chunk alive.
  d.apply(*d.state.validate_remove("/f"));
  EXPECT_EQ(d.state.chunks().find(fresh[0].handle), nullptr);
  EXPECT_EQ(d.state.chunks().find(v1[0].handle)->refcount, 1u);
  d.apply(*d.state.validate_remove("/g"));
  EXPECT_EQ(d.state.chunks().find(v1[0].handle), nullptr);
  EXPECT_TRUE(d.state.chunks().chunks().empty());
}

TEST(Versions, InterleavedPutsGiveTwoWholeVersions) {
  driver d;
  auto a = d.allocate("/f", {100, 100, 7});
  auto b = d.allocate("/f", {100, 3});
  ASSERT_TRUE(d.commit("/f", b, t0(), 2000).ok());
  ASSERT_TRUE(d.commit("/f", a, t0(), 1000).ok());
  auto v = d.state.versions("/f", 5);
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[0].number, 1u);
  EXPECT_EQ((*v)[0].size_bytes, 103u);
  ASSERT_EQ((*v)[0].chunks.size(), 2u);
  EXPECT_EQ((*v)[0].chunks[0], b[0].handle);
  EXPECT_EQ((*v)[1].number, 2u);
  EXPECT_EQ((*v)[1].size_bytes, 207u);
  ASSERT_EQ((*v)[1].chunks.size(), 3u);
  EXPECT_EQ((*v)[1].chunks[2], a[2].handle);
}

TEST(Versions, EmptyFileHasNoChunks) {
  driver d;
  ASSERT_TRUE(d.commit("/empty", {}).ok());
  EXPECT_EQ(d.state.stat("/empty")->newest.size_bytes, 0u);
  EXPECT_TRUE(d.state.layout("/empty")->chunks.empty());
}

TEST(Versions, CommitErrors) {
  driver d;
  auto a = d.allocate("/f", {10, 10});
  // Never allocated.
  auto bogus = d.commit("/f", {{chunk_handle{999}, 1, 1, 0}});
  EXPECT_EQ(bogus.err().code, errc::unknown_handle);
  // Listed twice.
  EXPECT_EQ(d.commit("/f", {a[0], a[0]}).err().code, errc::invalid_argument);
  // Larger than the chunk size (1024 in the driver).
  auto big = a;
  big[0].size_bytes = 4096;
  EXPECT_EQ(d.commit("/f", big).err().code, errc::invalid_argument);
  // Chunk size out of range.
  commit_request req{"/f", 0, 512, a};
  EXPECT_EQ(d.state.validate_commit(req, t0()).err().code, errc::invalid_argument);
  req.chunk_size_bytes = 128ull << 20;
  EXPECT_EQ(d.state.validate_commit(req, t0()).err().code, errc::invalid_argument);
  // A failed validation changed nothing: the real commit still works, exactly once.
  ASSERT_TRUE(d.commit("/f", a).ok());
  // Committing the same chunks again shares them (a second version, copy-on-write)...
  ASSERT_TRUE(d.commit("/f", a).ok());
  EXPECT_EQ(d.state.chunks().find(a[0].handle)->refcount, 2u);
  auto changed = a;
  changed[0].crc32c ^= 1;
  EXPECT_EQ(d.commit("/g", changed).err().code, errc::invalid_argument);  // ...and must match
}

TEST(Versions, AllocationExpiresAfterGrace) {
  master_options opts;
  opts.handle_grace = std::chrono::seconds(60);
  driver d{opts};
  auto a = d.allocate("/f", {10});
  EXPECT_FALSE(d.state.collect_expired(t0() + std::chrono::seconds(59)).has_value());
  auto late = d.commit("/f", a, t0() + std::chrono::seconds(60));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.err().code, errc::unknown_handle);
  EXPECT_NE(late.err().message.find("expired"), std::string::npos);
  auto ab = d.state.collect_expired(t0() + std::chrono::seconds(60));
  ASSERT_TRUE(ab.has_value());
  ASSERT_EQ(ab->handles.size(), 1u);
  d.apply(*ab);
  EXPECT_FALSE(d.state.chunks().is_uncommitted(a[0].handle));
  EXPECT_EQ(d.commit("/f", a).err().code, errc::unknown_handle);
}

TEST(Versions, HandlesAreNeverReused) {
  driver d;
  auto a = d.put("/f", {1, 1});
  d.apply(*d.state.validate_remove("/f"));
  auto b = d.allocate("/f", {1});
  EXPECT_GT(b[0].handle.value, a[1].handle.value);
}

// edit's conditional commit: accepted while the newest version is the base, refused with
// errc::conflict naming both versions once another version was committed.
TEST(Versions, ACommitOnABaseVersionIsRefusedOnceANewerOneExists) {
  driver d;
  d.put("/f", {10});
  auto chunks = d.allocate("/f", {5});
  commit_request req{"/f", 1000, 1024, chunks, 1};
  auto ok = d.state.validate_commit(req, t0());
  ASSERT_TRUE(ok.ok()) << ok.err().message;
  d.put("/f", {20});  // version 2 lands first
  auto late = d.state.validate_commit(req, t0());
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.err().code, errc::conflict);
  EXPECT_NE(late.err().message.find("version 2 is the newest"), std::string::npos)
      << late.err().message;
  req.base_version = 0;  // --force
  EXPECT_TRUE(d.state.validate_commit(req, t0()).ok());
}
