// One master whose journal's disk fills up, against real processes through the client CLI. The
// master's journal directory is a small tmpfs of its own (a mount namespace made by `unshare`,
// so no root is needed where user namespaces are allowed), filled with small inline files.
//
// Found as a user: the failed put was answered "journal failed" only after the client had asked
// 12 times over its whole timeout, the error did not say why, and the file it failed to log was
// listed and readable anyway (the master had applied it in memory; a restart took it back).
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::run_result;
using dfs::test::wait_until;
using dfs::test::write_random;

namespace {

constexpr int master_index = 0;

bool private_mounts_work() {
  return std::system("/usr/bin/unshare --user --map-root-user --mount true >/dev/null 2>&1") == 0;
}

TEST(JournalFull, TheMasterServesWhatItsDiskHoldsAndRefusesChangesAtOnceNamingTheCause) {
  if (!private_mounts_work())
    GTEST_SKIP() << "unshare --user --mount is not allowed here (no user namespaces)";
  dfs_cluster c;
  auto master_addr = c.addr_of(master_index);
  c.set_common(
      {"master.address=" + master_addr, "master.inline_max_bytes=4096", "master.dir_lease_ms=0"});
  // The journal lives in DATA_DIR/master: a 256 KiB tmpfs there, seen by the master alone.
  c.set_prefix({"/usr/bin/unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                "mkdir -p \"$0\" && mount -t tmpfs -o size=256k tmpfs \"$0\" && exec \"$@\"",
                c.dir() + "/master/master"});
  c.start("master", "master", master_index);
  c.set_prefix({});
  auto cli = [&](const std::vector<std::string>& args) {
    return dfs::test::run(
        c.client_argv({"master.address=" + master_addr, "client.timeout_ms=4000"}, args), c.dir());
  };
  ASSERT_TRUE(wait_until(
      [&] {
        return cli({"mkdir", "/d"}).exit_code == 0;
      },
      20s))
      << cli({"mkdir", "/d"}).err << dfs::test::read_all(c.dir() + "/master.out")
      << dfs::test::read_all(c.dir() + "/master/logs/dfsnode.log");

  auto local = c.dir() + "/small";
  write_random(local, 4000, 7);
  auto bytes = dfs::test::read_all(local);
  std::set<std::string> acknowledged;
  std::vector<std::string> errors;
  for (int i = 0; i < 400 && errors.size() < 3; ++i) {
    auto name = "f" + std::to_string(i);
    auto r = cli({"put", local, "/d/" + name});
    if (r.exit_code == 0)
      acknowledged.insert(name);
    else
      errors.push_back(r.err);
  }
  ASSERT_EQ(errors.size(), 3u) << "256 KiB never filled up";
  ASSERT_FALSE(acknowledged.empty());
  for (const auto& e : errors) {
    // The cause, and no retries: nothing changes until an operator acts.
    EXPECT_NE(e.find("journal failed"), std::string::npos) << e;
    EXPECT_NE(e.find("No space left on device"), std::string::npos) << e;
    EXPECT_NE(e.find("until it is restarted"), std::string::npos) << e;
    EXPECT_EQ(e.find("attempts within"), std::string::npos) << e;
  }
  auto mkdir = cli({"mkdir", "/e"});
  EXPECT_NE(mkdir.exit_code, 0);
  EXPECT_NE(mkdir.err.find("No space left on device"), std::string::npos) << mkdir.err;

  // It lists exactly the puts it acknowledged: not the one whose record never reached the disk.
  auto ls = cli({"ls", "/d"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  std::set<std::string> listed;
  std::istringstream lines(ls.out);
  for (std::string line; std::getline(lines, line);) listed.insert(line);
  EXPECT_EQ(listed, acknowledged);
  auto cat = cli({"cat", "/d/" + *acknowledged.begin()});
  EXPECT_EQ(cat.exit_code, 0) << cat.err;
  EXPECT_TRUE(cat.out == bytes);

  auto masters = c.admin(master_index, {"masters"});
  EXPECT_NE(masters.out.find("refusing changes"), std::string::npos) << masters.out;
  EXPECT_TRUE(c.proc("master").running());
}

}  // namespace
