// One process per data directory (storage/data_dir.hpp, lock_data_dir). A second node started on
// a live node's data directory by mistake (a second unit, a manual start beside systemd) ran
// beside the first, both appending to one journal. Now it exits at once with one line naming
// the holder; once the first is gone (SIGKILL included) the directory starts again.
#include <gtest/gtest.h>

#include "common/dfs_cluster.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::wait_until;

namespace {

TEST(DataDirLock, ASecondNodeOnALiveNodesDataDirectoryExitsAtOnceNamingTheHolder) {
  dfs_cluster c;
  auto master_addr = c.addr_of(0);
  c.set_common({"master.address=" + master_addr});
  c.start("master", "master", 0);
  auto cli = [&](const std::vector<std::string>& args) {
    return dfs::test::run(c.client_argv({"master.address=" + master_addr}, args), c.dir());
  };
  ASSERT_TRUE(wait_until([&] { return cli({"mkdir", "/a"}).exit_code == 0; }, 20s));

  // The same data directory on another port; `timeout` ends it should it run.
  std::vector<std::string> argv = {"/usr/bin/timeout",
                                   "20",
                                   DFS_BIN_PATH,
                                   "--role",
                                   "master",
                                   "--set",
                                   "node.port=" + std::to_string(c.port_of(5)),
                                   "--set",
                                   "node.data_dir=" + c.dir() + "/master",
                                   "--set",
                                   "log.console=false",
                                   "--set",
                                   "cluster.key_file=" + c.key_file(),
                                   "--set",
                                   "master.address=" + c.addr_of(5)};
  auto tls = c.tls_args("master");
  argv.insert(argv.end(), tls.begin(), tls.end());
  auto second = dfs::test::run(argv, c.dir());
  EXPECT_EQ(second.exit_code, 2) << second.err;
  EXPECT_EQ(second.err, "dfsnode: error: node.data_dir '" + c.dir() +
                            "/master': in use by another dfsnode (PID " +
                            std::to_string(c.proc("master").pid()) +
                            "): one process per data directory\n");
  EXPECT_TRUE(c.proc("master").running());
  EXPECT_EQ(cli({"ls", "/"}).out, "a/\n");

  c.kill9("master");
  c.start("master", "master", 0);
  EXPECT_TRUE(wait_until(
      [&] {
        return cli({"ls", "/"}).out == "a/\n";
      },
      20s))
      << cli({"ls", "/"}).err;
}

}  // namespace
