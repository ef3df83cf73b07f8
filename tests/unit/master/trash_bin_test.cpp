// The trash's indexes (core/master/trash_bin.hpp): expiry in deletion order and capped, lookups
// by path that survive removing the entry whose path a key views, copies that index their own
// entries; and master_state's expiry through them (several purges for a large trash, none
// early, the same state after a snapshot).
#include "core/master/trash_bin.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "core/master/master_state.hpp"
#include "unit/master/test_util.hpp"

namespace dfs::master {
namespace {

using test::driver;
using test::t0;

trash_entry entry(uint64_t id, std::string path, uint64_t deleted_ms) {
  return {id, std::move(path), deleted_ms, {}};
}

TEST(TrashBin, ExpiryTakesTheOldestDeletionsUpToTheCapByIncreasingId) {
  trash_bin b;
  // Ids grow with time, but a master's wall clock may step back: id 3 was deleted earliest.
  ASSERT_TRUE(b.add(entry(1, "/a", 500)));
  ASSERT_TRUE(b.add(entry(2, "/b", 200)));
  ASSERT_TRUE(b.add(entry(3, "/c", 100)));
  ASSERT_TRUE(b.add(entry(4, "/d", 900)));
  EXPECT_FALSE(b.add(entry(4, "/other", 1))) << "an id that is in the bin already";
  EXPECT_EQ(b.entries().at(4).path, "/d");
  EXPECT_TRUE(b.deleted_by(99, 10).empty());
  EXPECT_EQ(b.deleted_by(200, 10), (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(b.deleted_by(500, 10), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(b.deleted_by(1000, 2), (std::vector<uint64_t>{2, 3})) << "the two oldest deletions";
  ASSERT_TRUE(b.take(3));
  EXPECT_EQ(b.deleted_by(1000, 2), (std::vector<uint64_t>{1, 2}));
  EXPECT_FALSE(b.take(3)) << "taken already";
}

TEST(TrashBin, PathLookupsOutliveTheEntryTheirKeyViewed) {
  trash_bin b;
  ASSERT_TRUE(b.add(entry(1, "/same", 10)));  // the path index's key views this entry's path
  ASSERT_TRUE(b.add(entry(2, "/same", 20)));
  ASSERT_TRUE(b.add(entry(3, "/same", 30)));
  ASSERT_TRUE(b.add(entry(4, "/else", 40)));
  EXPECT_EQ(b.newest_of("/same")->id, 3u);
  EXPECT_EQ(b.ids_of("/same"), (std::vector<uint64_t>{1, 2, 3}));
  auto first = b.take(1);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->path, "/same");
  first.reset();  // its string is gone: a key still viewing it would read freed memory (ASan)
  EXPECT_EQ(b.ids_of("/same"), (std::vector<uint64_t>{2, 3}));
  ASSERT_TRUE(b.take(3));
  EXPECT_EQ(b.newest_of("/same")->id, 2u);
  ASSERT_TRUE(b.take(2));
  EXPECT_EQ(b.newest_of("/same"), nullptr);
  EXPECT_TRUE(b.ids_of("/same").empty());
  EXPECT_EQ(b.newest_of("/else")->id, 4u);
}

TEST(TrashBin, ACopyIndexesItsOwnEntries) {
  auto original = std::make_unique<trash_bin>();
  ASSERT_TRUE(original->add(entry(1, "/p", 10)));
  ASSERT_TRUE(original->add(entry(2, "/p", 20)));
  trash_bin copy(*original);
  trash_bin assigned;
  assigned = *original;
  original.reset();
  for (auto* b : {&copy, &assigned}) {
    EXPECT_EQ(b->ids_of("/p"), (std::vector<uint64_t>{1, 2}));
    ASSERT_TRUE(b->take(1));
    EXPECT_EQ(b->newest_of("/p")->id, 2u);
    EXPECT_EQ(b->deleted_by(100, 10), (std::vector<uint64_t>{2}));
  }
  trash_bin moved(std::move(copy));
  EXPECT_EQ(moved.newest_of("/p")->id, 2u);
}

// Through master_state: a trash larger than one purge's cap expires over several purges, none
// before its time, and undelete finds the newest entry of a path among many.
TEST(TrashBin, ALargeExpiredTrashIsPurgedInCappedRecords) {
  driver d;
  const size_t n = master_state::max_expired_per_purge + 10;
  d.mkdir("/d");
  for (size_t i = 0; i < n; ++i) {
    auto path = "/d/f" + std::to_string(i);
    auto c = d.state.validate_commit(commit_request{path, 1000, 1024, {}, 0, "x"}, t0());
    ASSERT_TRUE(c.ok()) << c.err().message;
    d.apply(*c);
    auto t = d.state.validate_trash(path, 1000 + i);  // deleted at wall ms 1000 + i
    ASSERT_TRUE(t.ok()) << t.err().message;
    d.apply(*t);
  }
  const uint64_t ttl = 60000;
  EXPECT_FALSE(d.state.collect_expired_trash(1000 + ttl - 1, ttl)) << "nothing is due yet";
  auto first = d.state.collect_expired_trash(1000 + ttl + 4, ttl);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->trash_ids.size(), 5u) << "deleted at 1000..1004";
  auto restored = master_state::from_snapshot(d.state.snapshot(), {}, t0());
  ASSERT_TRUE(restored.ok()) << restored.err().message;
  auto again = restored->collect_expired_trash(1000 + ttl + 4, ttl);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->trash_ids, first->trash_ids) << "a reloaded master expires the same entries";

  size_t purges = 0, purged = 0;
  while (auto p = d.state.collect_expired_trash(UINT64_C(1) << 40, ttl)) {
    ASSERT_LE(p->trash_ids.size(), master_state::max_expired_per_purge);
    purged += p->trash_ids.size();
    ++purges;
    d.apply(*p);
  }
  EXPECT_EQ(purged, n);
  EXPECT_EQ(purges, 2u);
  EXPECT_TRUE(d.state.trash().empty());
  EXPECT_EQ(d.state.inline_bytes(), 0u) << "every purged version's bytes were released";
}

TEST(TrashBin, UndeleteAndPurgeFindAPathAmongMany) {
  driver d;
  d.mkdir("/d");
  auto put_and_rm = [&](const std::string& path, const std::string& bytes, uint64_t wall) {
    auto c = d.state.validate_commit(commit_request{path, 1000, 1024, {}, 0, bytes}, t0());
    ASSERT_TRUE(c.ok()) << c.err().message;
    d.apply(*c);
    auto t = d.state.validate_trash(path, wall);
    ASSERT_TRUE(t.ok()) << t.err().message;
    d.apply(*t);
  };
  for (int i = 0; i < 50; ++i) put_and_rm("/d/f" + std::to_string(i), "x", 10);
  put_and_rm("/d/k", "old", 20);
  put_and_rm("/d/k", "new!", 30);
  auto r = d.state.validate_restore("/d/k", "");
  ASSERT_TRUE(r.ok()) << r.err().message;
  d.apply(*r);
  auto l = d.state.layout("/d/k");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->version.inline_data, "new!") << "the newest trash entry of the path";
  auto p = d.state.validate_purge("/d/k");
  ASSERT_TRUE(p.ok()) << p.err().message;
  EXPECT_EQ(p->trash_ids.size(), 1u) << "the older /d/k only";
  d.apply(*p);
  EXPECT_EQ(d.state.trash().size(), 50u);
  EXPECT_EQ(d.state.validate_purge("/d/k").err().code, errc::not_found);
}

}  // namespace
}  // namespace dfs::master
