// Small files stored in the namespace (master.inline_max_bytes), against real processes through
// the client CLI: they take no chunk, read back with every chunkserver dead, survive master
// SIGKILLs (log replay and a checkpoint), move, snapshot and undelete like any file, and a
// write or append first stores them as chunks under the same version. Files over the limit
// are chunks as before.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::read_all;
using dfs::test::run_result;
using dfs::test::wait_until;
using dfs::test::write_random;
namespace fs = std::filesystem;

namespace {

constexpr int master_index = 0;

struct InlineFiles : ::testing::Test {
  dfs_cluster c;
  std::string master_addr;

  void SetUp() override {
    master_addr = c.addr_of(master_index);
    // dfs_cluster turns inline files off for the other tests; these are about them.
    c.set_common({"master.address=" + master_addr, "master.unhealthy_after_ms=1500",
                  "master.removed_after_ms=4000", "chunkserver.heartbeat_interval_ms=300",
                  "master.inline_max_bytes=4096", "master.checkpoint_interval_ms=200"});
    c.start("master", "master", master_index);
    for (int i = 1; i <= 3; ++i) start_chunkserver(i);
    ASSERT_TRUE(wait_until([&] { return c.healthy_chunkservers(master_index) == 3; }, 20s))
        << c.admin(master_index, {"chunkservers"}).out;
  }
  void start_chunkserver(int i) { c.start("cs" + std::to_string(i), "chunkserver", i); }

  run_result cli(const std::vector<std::string>& args) {
    return dfs::test::run(
        c.client_argv({"master.address=" + master_addr, "client.timeout_ms=8000"}, args), c.dir());
  }
  std::string local(const std::string& name) const { return c.dir() + "/" + name; }
  std::string cat(const std::string& remote) {
    auto r = cli({"cat", remote});
    EXPECT_EQ(r.exit_code, 0) << remote << ": " << r.err;
    return r.out;
  }
  // The REPLICAS column of `ls -l` for one file: "inline", or where its chunks are.
  std::string replicas_of(const std::string& dir, const std::string& name) {
    auto r = cli({"ls", "-l", dir});
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);)
      if (line.rfind(name + " ", 0) == 0) return line.substr(line.find_last_of(' ') + 1);
    return "(not listed: " + r.out + r.err + ")";
  }
  size_t chunk_files() {
    size_t n = 0;
    for (int i = 1; i <= 3; ++i) {
      std::error_code ec;
      for (auto& e : fs::directory_iterator(c.dir() + "/cs" + std::to_string(i) + "/chunks", ec))
        n += e.path().extension() == ".chunk";
    }
    return n;
  }
  void restart_master() {
    c.kill9("master");
    c.start("master", "master", master_index);
  }
  bool has_checkpoint() {
    std::error_code ec;
    for (auto& e : fs::directory_iterator(c.dir() + "/master/master", ec))
      if (e.path().filename().string().rfind("checkpoint-", 0) == 0) return true;
    return false;
  }
};

TEST_F(InlineFiles, TakeNoChunkAndSurviveDeadChunkserversAndMasterRestarts) {
  ASSERT_EQ(cli({"mkdir", "/s"}).exit_code, 0);
  write_random(local("small"), 100, 1);
  write_random(local("limit"), 4096, 2);
  write_random(local("over"), 4097, 3);
  for (auto name : {"small", "limit", "over"}) {
    auto put = cli({"put", local(name), std::string("/s/") + name});
    ASSERT_EQ(put.exit_code, 0) << name << ": " << put.err;
    EXPECT_EQ(put.out.find("stored inline") != std::string::npos, std::string(name) != "over")
        << put.out;
  }
  EXPECT_EQ(replicas_of("/s", "small"), "inline");
  EXPECT_EQ(replicas_of("/s", "limit"), "inline");
  EXPECT_NE(replicas_of("/s", "over"), "inline");
  auto files = c.admin(master_index, {"files"});
  EXPECT_NE(files.out.find(", inline 4.1 KiB"), std::string::npos) << files.out;  // 100 + 4096
  EXPECT_TRUE(wait_until([&] { return chunk_files() == 3; }, 10s))
      << chunk_files() << " chunk files: only the file over the limit has chunks (3 replicas)";

  // Every chunkserver dead: small files still read (their bytes are the master's).
  for (int i = 1; i <= 3; ++i) c.kill9("cs" + std::to_string(i));
  EXPECT_EQ(cat("/s/small"), read_all(local("small")));
  EXPECT_EQ(cat("/s/limit"), read_all(local("limit")));

  // A master SIGKILL: the log replays them; then again from a checkpoint.
  restart_master();
  EXPECT_EQ(cat("/s/small"), read_all(local("small")));
  ASSERT_EQ(cli({"mkdir", "/after-restart"}).exit_code, 0);  // something for a checkpoint
  ASSERT_TRUE(wait_until([&] { return has_checkpoint(); }, 20s));
  restart_master();
  EXPECT_EQ(cat("/s/small"), read_all(local("small")));
  EXPECT_EQ(cat("/s/limit"), read_all(local("limit")));

  // Like any file: moved, snapshotted, removed and undeleted, got as a tree.
  ASSERT_EQ(cli({"mv", "/s/limit", "/s/moved"}).exit_code, 0);
  EXPECT_EQ(cat("/s/moved"), read_all(local("limit")));
  ASSERT_EQ(cli({"snapshot", "/s/moved"}).exit_code, 0);
  auto v = cli({"versions", "/s/moved", "5"});
  EXPECT_NE(v.out.find("\n      2 "), std::string::npos) << v.out;
  ASSERT_EQ(cli({"rm", "/s/moved"}).exit_code, 0);
  EXPECT_NE(cli({"cat", "/s/moved"}).exit_code, 0);
  ASSERT_EQ(cli({"undelete", "/s/moved"}).exit_code, 0);
  EXPECT_EQ(cat("/s/moved"), read_all(local("limit")));
  // With the chunkservers still dead, only the file with chunks fails to come.
  auto tree = cli({"get", "-r", "/s", local("tree")});
  EXPECT_NE(tree.exit_code, 0);
  EXPECT_NE(tree.err.find("1 of 3 failed"), std::string::npos) << tree.err;
  EXPECT_EQ(read_all(local("tree/small")), read_all(local("small")));
  EXPECT_EQ(read_all(local("tree/moved")), read_all(local("limit")));
  for (int i = 1; i <= 3; ++i) start_chunkserver(i);
  ASSERT_TRUE(wait_until([&] { return c.healthy_chunkservers(master_index) == 3; }, 20s));
  EXPECT_EQ(cat("/s/over"), read_all(local("over")));
}

TEST_F(InlineFiles, AWriteOrAppendStoresThemAsChunksUnderTheSameVersion) {
  write_random(local("small"), 300, 4);
  ASSERT_EQ(cli({"put", local("small"), "/w"}).exit_code, 0);
  ASSERT_EQ(cli({"put", local("small"), "/a"}).exit_code, 0);
  ASSERT_EQ(replicas_of("/", "w"), "inline");
  std::ofstream(local("patch")) << "PATCHED";
  auto w = cli({"write", "/w", "10", local("patch")});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  auto expected = read_all(local("small"));
  expected.replace(10, 7, "PATCHED");
  EXPECT_EQ(cat("/w"), expected);
  EXPECT_NE(replicas_of("/", "w"), "inline") << "now in a chunk with replicas";
  auto v = cli({"versions", "/w", "5"});
  EXPECT_NE(v.out.find("\n      1 "), std::string::npos) << v.out;
  EXPECT_EQ(v.out.find("\n      2 "), std::string::npos) << "a write makes no new version";
  std::ofstream(local("rec")) << "one record";
  auto a = cli({"append", "/a", local("rec")});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto s = cli({"stat", "/a"});
  EXPECT_EQ(cat("/a").substr(0, 300), read_all(local("small"))) << "the old bytes stay in front";
  EXPECT_GT(cat("/a").size(), 300u) << s.out;
  // Every replica of the chunks the write made holds the same bytes.
  auto verify = cli({"verify", "/w"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

}  // namespace
