// Snapshots and copy-on-write with real processes (issue 13 item 4): `snapshot` makes a new
// version at once that shares the file's chunks; `versions` lists it; both versions read back
// byte-identical to the upload; a lease on a shared chunk (what a write asks first) is granted
// on a local copy made by every chunkserver holding it, so the older version keeps its chunk;
// `rm` of the file still works. Bad input gets one clear error.
#include <gtest/gtest.h>

#include <regex>

#include "cluster/snapshot/shared_chunks_fixture.hpp"

using namespace std::chrono_literals;
using dfs::test::read_all;
using dfs::test::run_result;
using dfs::test::wait_until;
using dfs::test::write_random;

namespace {

using Snapshot = dfs::test::SharedChunks;
constexpr int master_index = Snapshot::master_index;

std::string field(const std::string& out, const std::string& re) {
  std::smatch m;
  return std::regex_search(out, m, std::regex(re)) ? std::string(m[1]) : "";
}

TEST_F(Snapshot, SharesChunksAndALeaseCopiesTheSharedChunkFirst) {
  write_random(c.dir() + "/data", 10000, 11);
  auto original = read_all(c.dir() + "/data");
  ASSERT_EQ(cli({"put", c.dir() + "/data", "/f", "--chunk-size", "4096"}).exit_code, 0);

  auto s = cli({"snapshot", "/f"});
  ASSERT_EQ(s.exit_code, 0) << s.out << s.err;
  EXPECT_EQ(s.out, "2\n");
  auto v = cli({"versions", "/f", "5"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_TRUE(std::regex_search(v.out, std::regex(R"(\n\s*1\s+10000\s+3\s)"))) << v.out;
  EXPECT_TRUE(std::regex_search(v.out, std::regex(R"(\n\s*2\s+10000\s+3\s)"))) << v.out;
  auto v1 = handles("/f", "1"), v2 = handles("/f", "2");
  ASSERT_EQ(v1.size(), 3u);
  EXPECT_EQ(v1, v2);  // shared, nothing copied
  EXPECT_TRUE(get("/f", "1") == original);
  EXPECT_TRUE(get("/f", "2") == original);

  // A lease on chunk 1 of the newest version (the first step of a write): the chunkservers
  // copy the shared chunk locally, the lease names the copy. A freshly started master grants
  // nothing for duration + margin, so ask until it does.
  run_result lease;
  ASSERT_TRUE(wait_until(
      [&] {
        return (lease = cli({"lease", "/f", "1"})).exit_code == 0;
      },
      30s))
      << lease.out << lease.err;
  auto copy = field(lease.out, "chunk ([0-9a-f]{16})");
  EXPECT_NE(copy, v1[1]) << lease.out;
  v2 = handles("/f", "2");
  ASSERT_EQ(v2.size(), 3u);
  EXPECT_EQ(v2[1], copy);
  EXPECT_EQ(v2[0], v1[0]);  // the other chunks stay shared
  EXPECT_EQ(handles("/f", "1"), v1);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(stored_on(i, v1[1])) << "cs" << i;
    EXPECT_TRUE(wait_until([&] { return stored_on(i, copy); }, 10s)) << "cs" << i;
  }
  // Asking again needs no copy: the copy's lease.
  auto again = cli({"lease", "/f", "1"});
  EXPECT_EQ(field(again.out, "chunk ([0-9a-f]{16})"), copy) << again.out << again.err;
  EXPECT_TRUE(get("/f", "1") == original);
  EXPECT_TRUE(get("/f", "2") == original);
  auto fsck = c.admin(master_index, {"fsck", "/f"});
  EXPECT_EQ(fsck.exit_code, 0) << fsck.out;

  // rm moves the file with both versions to the trash.
  auto rm = cli({"rm", "/f"});
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_NE(cli({"stat", "/f"}).exit_code, 0);
  EXPECT_NE(cli({"trash"}).out.find("/f"), std::string::npos);
}

TEST_F(Snapshot, BadInputGetsOneClearError) {
  auto missing = cli({"snapshot", "/nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no such file or directory: /nope"), std::string::npos) << missing.err;
  ASSERT_EQ(cli({"mkdir", "/d"}).exit_code, 0);
  auto dir = cli({"snapshot", "/d"});
  EXPECT_EQ(dir.exit_code, 1);
  EXPECT_NE(dir.err.find("is a directory"), std::string::npos) << dir.err;
  auto usage = cli({"snapshot"});
  EXPECT_NE(usage.exit_code, 0);
  EXPECT_NE(usage.err.find("usage: snapshot REMOTE"), std::string::npos) << usage.err;
  EXPECT_EQ(healthy(), 3);  // nothing crashed
}

}  // namespace
