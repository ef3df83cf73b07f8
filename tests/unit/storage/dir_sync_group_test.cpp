#include "storage/dir_sync_group.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "common/process.hpp"

using namespace dfs;

TEST(DirSyncGroup, EveryCallerReturnsAfterAnFsyncThatCoversItsRename) {
  test::temp_dir tmp("dirsync");
  dir_sync_group group(tmp.path());
  constexpr int threads = 8, files = 40;
  std::vector<std::thread> ts;
  std::atomic<int> failures{0};
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < files; ++i) {
        auto path = tmp.path() + "/f" + std::to_string(t) + "_" + std::to_string(i);
        if (!write_and_rename(path, "x") || !group.sync()) ++failures;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures.load(), 0);
  // One fsync can serve many callers, never the other way round.
  EXPECT_GE(group.fsyncs(), 1u);
  EXPECT_LE(group.fsyncs(), uint64_t{threads * files});
  std::vector<std::string> names;
  ASSERT_TRUE(list_dir(tmp.path(), names));
  EXPECT_EQ(names.size(), size_t{threads * files});
}

TEST(DirSyncGroup, AFailedFsyncIsReportedAndSticks) {
  test::temp_dir tmp("dirsync");
  auto dir = tmp.path() + "/gone";
  ASSERT_TRUE(make_dirs(dir));
  dir_sync_group group(dir);
  ASSERT_TRUE(group.sync());
  ASSERT_EQ(::rmdir(dir.c_str()), 0);
  auto st = group.sync();
  EXPECT_FALSE(st);
  EXPECT_NE(st.message.find(dir), std::string::npos) << st.message;
  // The directory is back, but what reached the disk before is unknown: still an error.
  ASSERT_TRUE(make_dirs(dir));
  EXPECT_FALSE(group.sync());
}
