// Spare files: a deleted chunk file kept empty and reused, so that no inode is freed and
// allocated again (storage/spare_files.hpp).
#include "storage/spare_files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/temp_dir.hpp"

using namespace dfs;

namespace {

ino_t inode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  EXPECT_TRUE(list_dir(dir, names).ok());
  return names;
}

}  // namespace

TEST(SpareFiles, ARetiredFileIsEmptiedThenReusedUnderTheNameAsked) {
  test::temp_dir tmp;
  auto chunk = tmp.path() + "/a.chunk";
  ASSERT_TRUE(write_file_atomic(chunk, std::string(100000, 'x')).ok());
  auto inode = inode_of(chunk);
  spare_files spares(tmp.path(), 8);
  ASSERT_TRUE(spares.retire(chunk).ok());
  EXPECT_FALSE(exists(chunk));
  ASSERT_EQ(spares.size(), 1u);
  auto names = names_in(tmp.path());
  ASSERT_EQ(names.size(), 1u);
  EXPECT_TRUE(spare_files::is_spare_name(names[0])) << names[0];
  uint64_t size = 1;
  ASSERT_TRUE(file_size(tmp.path() + "/" + names[0], size).ok());
  EXPECT_EQ(size, 0u) << "a spare holds no disk space";

  auto next = tmp.path() + "/b.chunk.tmp";
  ASSERT_TRUE(spares.take(next));
  EXPECT_EQ(inode_of(next), inode) << "the same inode, not a new one";
  EXPECT_EQ(spares.size(), 0u);
  EXPECT_EQ(spares.reused(), 1u);
  EXPECT_FALSE(spares.take(tmp.path() + "/c.chunk.tmp")) << "none left: the caller creates";
  EXPECT_FALSE(exists(tmp.path() + "/c.chunk.tmp"));
}

TEST(SpareFiles, BeyondCapacityAFileIsDeleted) {
  test::temp_dir tmp;
  spare_files spares(tmp.path(), 2);
  for (int i = 0; i < 3; ++i) {
    auto p = tmp.path() + "/" + std::to_string(i) + ".chunk";
    ASSERT_TRUE(write_file_atomic(p, "data").ok());
    ASSERT_TRUE(spares.retire(p).ok());
    EXPECT_FALSE(exists(p));
  }
  EXPECT_EQ(spares.size(), 2u);
  EXPECT_EQ(names_in(tmp.path()).size(), 2u);
}

TEST(SpareFiles, AdoptsTheSparesFoundAtStartAndNothingElse) {
  test::temp_dir tmp;
  for (auto n : {"3.spare", "7.spare", "x.spare", ".spare", "1a.spare", "12.chunk", "9.spare"})
    ASSERT_TRUE(write_file_atomic(tmp.path() + "/" + n, "").ok());
  EXPECT_TRUE(spare_files::is_spare_name("3.spare"));
  EXPECT_FALSE(spare_files::is_spare_name("x.spare"));
  EXPECT_FALSE(spare_files::is_spare_name(".spare"));
  EXPECT_FALSE(spare_files::is_spare_name("1a.spare"));
  EXPECT_FALSE(spare_files::is_spare_name("12.chunk"));
  EXPECT_FALSE(spare_files::is_spare_name("99999999999999999999.spare")) << "over 64 bits";

  spare_files spares(tmp.path(), 2);
  spares.adopt(names_in(tmp.path()));
  EXPECT_EQ(spares.size(), 2u);
  // The third spare is over capacity: deleted. The others are untouched.
  EXPECT_FALSE(exists(tmp.path() + "/9.spare"));
  EXPECT_TRUE(exists(tmp.path() + "/x.spare"));
  EXPECT_TRUE(exists(tmp.path() + "/12.chunk"));
  // New spares are numbered past every one seen: nothing is renamed over an existing spare.
  ASSERT_TRUE(spares.take(tmp.path() + "/a.tmp"));
  ASSERT_TRUE(write_file_atomic(tmp.path() + "/b.chunk", "b").ok());
  ASSERT_TRUE(spares.retire(tmp.path() + "/b.chunk").ok());
  EXPECT_TRUE(exists(tmp.path() + "/10.spare"));
}

TEST(SpareFiles, AMissingFileOrSpareIsNoError) {
  test::temp_dir tmp;
  spare_files spares(tmp.path(), 4);
  // A file already gone (set aside as corrupt) retires as a delete of nothing did.
  EXPECT_TRUE(spares.retire(tmp.path() + "/gone.chunk").ok());
  EXPECT_EQ(spares.size(), 0u);
  ASSERT_TRUE(write_file_atomic(tmp.path() + "/a.chunk", "a").ok());
  ASSERT_TRUE(spares.retire(tmp.path() + "/a.chunk").ok());
  // A spare removed behind the pool's back: take() says so, the caller creates a file.
  for (auto& n : names_in(tmp.path())) ASSERT_TRUE(remove_file(tmp.path() + "/" + n).ok());
  EXPECT_FALSE(spares.take(tmp.path() + "/b.tmp"));
  EXPECT_EQ(spares.size(), 0u);
}
