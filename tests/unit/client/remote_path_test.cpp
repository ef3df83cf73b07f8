// remote_path: the spellings the commands accept and build (a trailing slash for a directory,
// a name joined under a directory, a local or remote path's last component).
#include "client/remote_path.hpp"

#include <gtest/gtest.h>

namespace dfs {
namespace {

TEST(RemotePath, TrailingSlashesGoButTheRootStays) {
  EXPECT_EQ(without_trailing_slash("/docs/"), "/docs");
  EXPECT_EQ(without_trailing_slash("/docs//"), "/docs");
  EXPECT_EQ(without_trailing_slash("/docs"), "/docs");
  EXPECT_EQ(without_trailing_slash("/"), "/");
  EXPECT_EQ(without_trailing_slash("//"), "/");
}

TEST(RemotePath, JoinUnderTheRootHasOneSlash) {
  EXPECT_EQ(join_remote("/", "a"), "/a");
  EXPECT_EQ(join_remote("/docs", "a"), "/docs/a");
}

TEST(RemotePath, BaseNameOfRemoteAndLocalPaths) {
  EXPECT_EQ(base_name("/docs/a.txt"), "a.txt");
  EXPECT_EQ(base_name("/docs/"), "docs");
  EXPECT_EQ(base_name("photos"), "photos");
  EXPECT_EQ(base_name("./photos/"), "photos");
  EXPECT_EQ(base_name("/"), "");
}

TEST(RemotePath, ATrailingSlashOnTheDestinationNamesADirectory) {
  EXPECT_EQ(destination("/docs/", "/tmp/a.txt"), "/docs/a.txt");
  EXPECT_EQ(destination("/docs/", "/src/dir/"), "/docs/dir");
  EXPECT_EQ(destination("/docs", "/tmp/a.txt"), "/docs");  // the master decides
  EXPECT_EQ(destination("/", "/a"), "/");                  // "/" is the root, not "/" + name
  EXPECT_EQ(destination("/docs//", "a"), "/docs//a");      // stays a bad path
  EXPECT_TRUE(names_a_directory("/x/"));
  EXPECT_FALSE(names_a_directory("/"));
  EXPECT_FALSE(names_a_directory("/x"));
}

}  // namespace
}  // namespace dfs
