// File locks with real processes (issue 13 item 5): a client holding /f exclusive (`lock ...
// -- CMD`, CMD waiting for a file the test creates) makes a shared request with a short
// client.timeout_ms fail naming the holder, and other clients' commits of /f fail; once the
// holder's command ends the lock is released and the request succeeds. A holder SIGKILLed is
// released after its ttl. The console's `locks` shows holders. Bad input: one clear error.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::process;
using dfs::test::run_result;
using dfs::test::wait_until;
using dfs::test::write_random;

namespace {

constexpr int master_index = 0;

struct Locks : ::testing::Test {
  dfs_cluster c;
  std::string master_addr;

  void SetUp() override {
    master_addr = c.addr_of(master_index);
    c.set_common({"master.address=" + master_addr, "chunkserver.heartbeat_interval_ms=300"});
    ASSERT_TRUE(c.start_master_and_chunkservers(master_index));
  }

  void TearDown() override { release_holders(); }

  int healthy() { return c.healthy_chunkservers(master_index); }

  std::vector<std::string> client_argv(const std::vector<std::string>& args,
                                       uint32_t timeout_ms = 10000) {
    return c.client_argv(
        {"master.address=" + master_addr, "client.timeout_ms=" + std::to_string(timeout_ms)}, args);
  }

  run_result cli(const std::vector<std::string>& args, uint32_t timeout_ms = 10000) {
    return dfs::test::run(client_argv(args, timeout_ms), c.dir());
  }

  // `lock /f MODE --ttl S -- sh -c 'wait for the go file'` in the background. The command also
  // ends when the holder does (a holder the test SIGKILLs must not leave it running for good).
  std::unique_ptr<process> holder(const std::string& mode, const std::string& ttl_s) {
    auto wait =
        "while [ ! -e '" + go_file() + "' ] && kill -0 $PPID 2>/dev/null; do sleep 0.05; done";
    return std::make_unique<process>(
        client_argv({"lock", "/f", mode, "--ttl", ttl_s, "--", "sh", "-c", wait}),
        c.dir() + "/holder.log");
  }
  std::string go_file() const { return c.dir() + "/go"; }
  void release_holders() { std::ofstream(go_file()) << "go\n"; }

  std::string locks() { return c.admin(master_index, {"locks"}).out; }
};

TEST_F(Locks, ConflictNamesTheHolderAndSucceedsOnceItEnds) {
  auto a = holder("--exclusive", "30");
  ASSERT_TRUE(wait_until([&] { return locks().find("exclusive") != std::string::npos; }, 15s))
      << locks();
  auto table = locks();
  EXPECT_NE(table.find("/f"), std::string::npos) << table;
  EXPECT_NE(table.find("pid " + std::to_string(a->pid())), std::string::npos) << table;
  EXPECT_NE(table.find("1 locked paths"), std::string::npos) << table;

  // A reader waits (most of its timeout), then fails naming the holder.
  auto t0 = std::chrono::steady_clock::now();
  auto r = cli({"lock", "/f", "--shared", "--", "true"}, 1500);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("held by"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pid " + std::to_string(a->pid())), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(exclusive, expires in"), std::string::npos) << r.err;
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 900ms);

  // Another client's upload of /f cannot commit while the lock is held; with --locked it
  // cannot even start.
  write_random(c.dir() + "/data", 5000, 3);
  r = cli({"put", c.dir() + "/data", "/f"}, 3000);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("held by"), std::string::npos) << r.err;
  r = cli({"put", c.dir() + "/data", "/f", "--locked"}, 1500);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("held by"), std::string::npos) << r.err;
  r = cli({"edit", "/f", "--locked"}, 1500);  // refused before any download or editor
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("held by"), std::string::npos) << r.err;

  // The holder's command ends: its lock is released at once, and the reader gets it.
  release_holders();
  ASSERT_TRUE(wait_until([&] { return !a->running(); }, 10s));
  EXPECT_EQ(a->status(), 0);
  EXPECT_NE(locks().find("0 locked paths"), std::string::npos) << locks();
  r = cli({"lock", "/f", "--shared", "--", "sh", "-c", "exit 3"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;  // the command's exit code
  r = cli({"put", c.dir() + "/data", "/f", "--locked"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  ::unsetenv("VISUAL");
  ::setenv("EDITOR", "true", 1);  // an editor that changes nothing
  r = cli({"edit", "/f", "--locked"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("unchanged"), std::string::npos) << r.out;
  // Without a command the lock is held until stdin closes (here: at once).
  r = cli({"lock", "/f", "--exclusive"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(locks().find("0 locked paths"), std::string::npos) << locks();
}

TEST_F(Locks, ReadersShareAndAKilledHolderIsReleasedAfterItsTtl) {
  auto reader = holder("--shared", "30");
  ASSERT_TRUE(wait_until([&] { return locks().find("shared") != std::string::npos; }, 15s));
  auto r = cli({"lock", "/f", "--shared", "--", "true"});
  EXPECT_EQ(r.exit_code, 0) << r.err;  // readers share
  release_holders();
  ASSERT_TRUE(wait_until([&] { return !reader->running(); }, 10s));
  std::remove(go_file().c_str());

  auto a = holder("--exclusive", "3");
  ASSERT_TRUE(wait_until([&] { return locks().find("exclusive") != std::string::npos; }, 15s));
  a->kill_now();  // no release: the master drops it once its ttl passes without renewals
  auto killed = std::chrono::steady_clock::now();
  run_result last;
  ASSERT_TRUE(wait_until(
      [&] {
        last = cli({"lock", "/f", "--exclusive", "--", "true"}, 1500);
        return last.exit_code == 0;
      },
      20s))
      << last.err;
  EXPECT_GE(std::chrono::steady_clock::now() - killed, 1500ms);  // not before (most of) its ttl
}

TEST_F(Locks, BadInputGetsOneClearError) {
  struct bad {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<bad> cases = {
      {{"lock", "/f", "--readonly"}, "unknown option '--readonly'"},
      {{"lock", "/f"}, "--shared or --exclusive"},
      {{"lock", "/f", "--shared", "--exclusive"}, "--shared or --exclusive"},
      {{"lock", "/f", "--shared", "--ttl", "0"}, "--ttl '0'"},
      {{"lock", "/f", "--shared", "--ttl", "99999999999"}, "--ttl '99999999999'"},
      {{"lock", "/f", "--shared", "--ttl", "x"}, "--ttl 'x'"},
      {{"lock", "no-slash", "--shared"}, "no-slash"},
      {{"lock", "/", "--shared"}, "root"},
      {{"lock", "/f", "--shared", "--"}, "no command"},
      {{"unlock", "/f"}, "holds no lock"},
  };
  for (auto& b : cases) {
    auto r = cli(b.args);
    EXPECT_EQ(r.exit_code, 1) << b.args[1] << " " << r.err;
    EXPECT_NE(r.err.find(b.says), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_NE(locks().find("0 locked paths"), std::string::npos);
  EXPECT_EQ(healthy(), 3);  // nothing crashed
}

}  // namespace
