// Retries never apply twice (issue 17 item 2), with real processes: the master is armed with
// the test-only fault point fault.crash_after_log, so that it _exits right after a client's
// mutation is durable in its log and before the reply. The client, which never got an answer,
// asks again (same client id and request number) until the restarted master answers from the
// request table it rebuilt from the log: the first result, not a second application.
// Checked by mutation: with the master's request-table lookup disabled, the commit's retry
// prints "version 3" and /f has three versions, and the mkdir's retry fails "already exists".
#include <gtest/gtest.h>

#include <sstream>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::process;
using dfs::test::read_all;
using dfs::test::wait_until;
using dfs::test::write_random;

namespace {

constexpr int master_index = 0;

struct Retry : ::testing::Test {
  dfs_cluster c;
  std::string master_addr;

  void SetUp() override {
    master_addr = c.addr_of(master_index);
    c.set_common({"master.address=" + master_addr, "master.unhealthy_after_ms=1500",
                  "master.removed_after_ms=4000", "chunkserver.heartbeat_interval_ms=300"});
    ASSERT_TRUE(c.start_master_and_chunkservers(master_index));
  }

  int healthy() { return c.healthy_chunkservers(master_index); }

  // A client with a deadline long enough to outlive a master restart.
  std::vector<std::string> client_argv(const std::vector<std::string>& args) {
    return c.client_argv({"master.address=" + master_addr, "client.timeout_ms=30000"}, args);
  }
  dfs::test::run_result cli(const std::vector<std::string>& args) {
    return dfs::test::run(client_argv(args), c.dir());
  }
  std::string local(const std::string& name) { return c.dir() + "/" + name; }

  // Restarts the master armed to crash after logging a client's `op`, runs `args` in a client,
  // waits for the master to die by itself, restarts it unarmed and returns the client's exit
  // status once it is done (its output is in `log`).
  int crash_after_log(const std::string& op, const std::vector<std::string>& args,
                      const std::string& log) {
    c.kill9("master");
    c.start("master", "master", master_index, {"fault.crash_after_log=" + op});
    EXPECT_TRUE(wait_until([&] { return healthy() == 3; }, 20s));
    process client(client_argv(args), log);
    bool crashed = wait_until([&] { return !c.proc("master").running(); }, 30s);
    EXPECT_TRUE(crashed) << "the master did not hit fault.crash_after_log=" << op;
    EXPECT_NE(c.proc("master").status(), 0);
    c.start("master", "master", master_index);
    EXPECT_TRUE(wait_until([&] { return !client.running(); }, 60s));
    // The next step may put: the restarted master needs its chunkservers back first (a put
    // before they re-register is refused with "0 healthy chunkservers").
    EXPECT_TRUE(wait_until([&] { return healthy() == 3; }, 20s));
    return client.status();
  }

  // Rows of `versions PATH 100`.
  int version_count(const std::string& path) {
    auto r = cli({"versions", path, "100"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::istringstream in(r.out);
    int rows = 0;
    for (std::string line; std::getline(in, line);)
      if (line.find_first_not_of(' ') != std::string::npos &&
          std::isdigit(static_cast<unsigned char>(line[line.find_first_not_of(' ')])))
        ++rows;
    return rows;
  }
};

TEST_F(Retry, ACommitLoggedBeforeTheMasterCrashedIsAnsweredOnceWithItsVersion) {
  write_random(local("v1"), 5000, 1);
  write_random(local("v2"), 70000, 2);
  auto first = cli({"put", local("v1"), "/f", "--chunk-size", "64KiB"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(version_count("/f"), 1);
  auto status =
      crash_after_log("commit", {"put", local("v2"), "/f", "--chunk-size", "64KiB"}, local("put"));
  auto out = read_all(local("put"));
  ASSERT_EQ(status, 0) << out;
  // The retry got the version the logged commit created, and there is no second new version.
  EXPECT_NE(out.find("/f: version 2, 70000 bytes, 2 chunks"), std::string::npos) << out;
  EXPECT_EQ(version_count("/f"), 2);
  auto g = cli({"get", "/f", local("f.back")});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(read_all(local("f.back")), read_all(local("v2")));
}

TEST_F(Retry, MkdirAndRmLoggedBeforeTheMasterCrashedSucceedOnRetry) {
  // Without the request table the retries would fail with "already exists" / "no such file".
  ASSERT_EQ(crash_after_log("mkdir", {"mkdir", "/d"}, local("mkdir")), 0)
      << read_all(local("mkdir"));
  EXPECT_EQ(cli({"stat", "/d"}).exit_code, 0);
  write_random(local("x"), 3000, 3);
  auto put = cli({"put", local("x"), "/d/x"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  ASSERT_EQ(crash_after_log("rm", {"rm", "/d/x"}, local("rm")), 0) << read_all(local("rm"));
  EXPECT_NE(cli({"stat", "/d/x"}).exit_code, 0);
  auto trash = cli({"trash"});
  ASSERT_EQ(trash.exit_code, 0) << trash.err;
  EXPECT_NE(trash.out.find("/d/x"), std::string::npos) << trash.out;
  ASSERT_EQ(crash_after_log("mv", {"mv", "/d", "/e"}, local("mv")), 0) << read_all(local("mv"));
  EXPECT_EQ(cli({"stat", "/e"}).exit_code, 0);
}

// The same crash, but the master stays down until the client gives up: the mkdir was applied,
// so its error must say the outcome is unknown, not only how many attempts failed (a user who
// reads that as "not done" runs it again). A request that never reached a master, and a read,
// say no such thing.
TEST_F(Retry, AMkdirLoggedByAMasterThatStaysDownEndsOutcomeUnknown) {
  c.kill9("master");
  c.start("master", "master", master_index, {"fault.crash_after_log=mkdir"});
  ASSERT_TRUE(wait_until([&] { return healthy() == 3; }, 20s));
  auto short_cli = [&](const std::vector<std::string>& args) {
    return dfs::test::run(
        c.client_argv({"master.address=" + master_addr, "client.timeout_ms=2000"}, args), c.dir());
  };
  auto mkdir = short_cli({"mkdir", "/d"});
  EXPECT_EQ(mkdir.exit_code, 1) << mkdir.err;
  EXPECT_NE(mkdir.err.find("outcome unknown"), std::string::npos) << mkdir.err;
  ASSERT_TRUE(wait_until([&] { return !c.proc("master").running(); }, 10s));
  for (auto args : {std::vector<std::string>{"mkdir", "/e"}, {"stat", "/"}}) {
    auto r = short_cli(args);
    EXPECT_EQ(r.exit_code, 1) << args[0] << ": " << r.err;
    EXPECT_EQ(r.err.find("outcome unknown"), std::string::npos) << args[0] << ": " << r.err;
  }
  c.start("master", "master", master_index);
  ASSERT_TRUE(wait_until([&] { return cli({"stat", "/"}).exit_code == 0; }, 20s));
  EXPECT_EQ(cli({"stat", "/d"}).exit_code, 0);
  EXPECT_NE(cli({"stat", "/e"}).exit_code, 0);
}

}  // namespace
