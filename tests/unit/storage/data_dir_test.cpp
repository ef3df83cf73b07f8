#include "storage/data_dir.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "common/temp_dir.hpp"

using namespace dfs;

// flock locks belong to an open file, so a second open in this process stands for a second
// process: refused with the holder's PID, and free again once the holder's file is closed.
TEST(DataDir, OneLockPerDataDirectoryNamingItsHolder) {
  test::temp_dir tmp;
  int first = -1, second = -1;
  ASSERT_TRUE(lock_data_dir(tmp.path(), first).ok());
  auto refused = lock_data_dir(tmp.path(), second);
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(second, -1);
  EXPECT_EQ(refused.message, "in use by another dfsnode (PID " + std::to_string(::getpid()) +
                                 "): one process per data directory");
  ::close(first);
  ASSERT_TRUE(lock_data_dir(tmp.path(), second).ok());
  ::close(second);
  int none = -1;
  EXPECT_FALSE(lock_data_dir(tmp.path() + "/missing", none).ok());
}
