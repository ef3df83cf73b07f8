// Three replicated masters (issue 15) as real processes: the active master is SIGKILLed while
// clients put files, a standby's disk is wiped, the whole group is restarted. What an operator
// sees (console `masters`, the client's exit codes and bytes) is what is checked.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::process;
using dfs::test::read_all;
using dfs::test::wait_until;
using dfs::test::write_random;

namespace {

constexpr int masters = 3;  // port blocks 0..2; chunkservers 3..5

struct Masters : ::testing::Test {
  dfs_cluster c;
  std::string masters_list;

  void SetUp() override {
    for (int i = 0; i < masters; ++i)
      masters_list += std::string(i ? ", " : "") + "\"" + c.addr_of(i) + "\"";
    c.set_common({"master.address=" + c.addr_of(0), "cluster.masters=[" + masters_list + "]",
                  "master.replicas=3", "master.unhealthy_after_ms=1500",
                  "master.removed_after_ms=4000", "chunkserver.heartbeat_interval_ms=300"});
    // The group's first start founds it; every later start (restart, wipe) goes without.
    for (int i = 0; i < masters; ++i) start_master(i, true);
    for (int i = 1; i <= 3; ++i) c.start("cs" + std::to_string(i), "chunkserver", masters + i - 1);
    ASSERT_TRUE(wait_until([&] { return active() >= 0 && healthy() == 3; }, 30s));
  }

  void start_master(int i, bool bootstrap = false) {
    c.start(
        name(i), "master", i,
        bootstrap ? std::vector<std::string>{"master.bootstrap=true"} : std::vector<std::string>{});
  }
  static std::string name(int i) { return "master" + std::to_string(i); }

  std::string masters_of(int i) { return c.admin(i, {"masters"}).out; }
  // Master `i` is a standby and names `active` as the active master.
  bool follows(int i, int active) {
    auto m = masters_of(i);
    return m.find(": standby") != std::string::npos &&
           m.find("active master " + c.addr_of(active)) != std::string::npos;
  }
  // The master that says it is active, or -1.
  int active() {
    for (int i = 0; i < masters; ++i)
      if (c.proc(name(i)).running() && masters_of(i).find(": active") != std::string::npos)
        return i;
    return -1;
  }
  int healthy() {
    int a = active();
    if (a < 0) return 0;
    auto r = c.admin(a, {"chunkservers"});
    int n = 0;
    for (size_t p = 0; (p = r.out.find(" healthy ", p)) != std::string::npos; ++p) ++n;
    return n;
  }

  // A client that knows every master and waits long enough for a failover.
  std::vector<std::string> client_argv(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {DFS_BIN_PATH,
                                     "--role",
                                     "client",
                                     "--set",
                                     "master.address=" + c.addr_of(0),
                                     "--set",
                                     "cluster.masters=[" + masters_list + "]",
                                     "--set",
                                     "master.replicas=3",
                                     "--set",
                                     "log.console=false",
                                     "--set",
                                     "client.timeout_ms=30000"};
    auto tls = c.tls_args("client");
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  dfs::test::run_result cli(const std::vector<std::string>& args) {
    return dfs::test::run(client_argv(args), c.dir());
  }
  std::string local(const std::string& name) { return c.dir() + "/" + name; }

  // The file's newest version is byte-exact with `want`.
  ::testing::AssertionResult readable(const std::string& remote, const std::string& want) {
    auto back = local("back" + std::to_string(++gets_));
    auto g = cli({"get", remote, back});
    if (g.exit_code != 0) return ::testing::AssertionFailure() << remote << ": " << g.err;
    if (read_all(back) != read_all(want))
      return ::testing::AssertionFailure() << remote << ": other bytes than " << want;
    return ::testing::AssertionSuccess();
  }
  int gets_ = 0;
};

TEST_F(Masters, KillingTheActiveMasterDuringPutsLosesNoAcknowledgedFile) {
  std::vector<std::string> acked;
  for (int i = 0; i < 5; ++i) {
    write_random(local("f" + std::to_string(i)), 20000 + i * 7000, i + 1);
    auto r = cli(
        {"put", local("f" + std::to_string(i)), "/f" + std::to_string(i), "--chunk-size", "64KiB"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    acked.push_back("f" + std::to_string(i));
  }
  int old = active();
  ASSERT_GE(old, 0);
  // A put in flight when the active master dies: it completes or fails cleanly.
  write_random(local("big"), 3 << 20, 99);
  process inflight(client_argv({"put", local("big"), "/big", "--chunk-size", "256KiB"}),
                   local("inflight.out"));
  c.kill9(name(old));
  auto killed_at = std::chrono::steady_clock::now();
  // Puts go on: each waits for the new active master.
  for (int i = 5; i < 10; ++i) {
    write_random(local("f" + std::to_string(i)), 20000 + i * 7000, i + 1);
    auto r = cli(
        {"put", local("f" + std::to_string(i)), "/f" + std::to_string(i), "--chunk-size", "64KiB"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (i == 5)
      std::cout << "first put after the kill done in "
                << std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - killed_at)
                       .count()
                << " ms\n";
    acked.push_back("f" + std::to_string(i));
  }
  int now_active = active();
  ASSERT_GE(now_active, 0);
  EXPECT_NE(now_active, old);
  for (auto& f : acked) EXPECT_TRUE(readable("/" + f, local(f)));
  ASSERT_TRUE(wait_until([&] { return !inflight.running(); }, 60s));
  if (inflight.status() == 0)
    EXPECT_TRUE(readable("/big", local("big")));
  else  // never half a version: the file does not exist, or it is whole
    EXPECT_TRUE(cli({"stat", "/big"}).exit_code != 0 || readable("/big", local("big")));
  // The old master comes back as a standby and learns what it missed.
  start_master(old);
  ASSERT_TRUE(wait_until([&] { return follows(old, now_active); }, 20s)) << masters_of(old);
}

TEST_F(Masters, AWipedStandbyCatchesUpAndAFullRestartKeepsTheNamespace) {
  std::vector<std::string> files;
  ASSERT_EQ(cli({"mkdir", "/d"}).exit_code, 0);
  for (int i = 0; i < 6; ++i) {
    auto f = "w" + std::to_string(i);
    write_random(local(f), 5000 + i * 3000, 50 + i);
    ASSERT_EQ(cli({"put", local(f), "/d/" + f}).exit_code, 0);
    files.push_back(f);
  }
  int a = active();
  ASSERT_GE(a, 0);
  int standby = (a + 1) % masters;
  c.kill9(name(standby));
  std::filesystem::remove_all(c.dir() + "/" + name(standby));
  start_master(standby);  // no bootstrap: a learner until the active master readmits it
  // It catches up and becomes a voter again: the active master readmits its new incarnation.
  ASSERT_TRUE(wait_until(
      [&] {
        auto m = masters_of(standby);
        return m.find(", voter") != std::string::npos && m.find("applied 0,") == std::string::npos;
      },
      30s))
      << masters_of(standby) << masters_of(a);
  // Every master down at once, then up again: the namespace is intact.
  for (int i = 0; i < masters; ++i) c.kill9(name(i));
  for (int i = 0; i < masters; ++i) start_master(i);
  ASSERT_TRUE(wait_until([&] { return active() >= 0 && healthy() == 3; }, 30s));
  for (auto& f : files) EXPECT_TRUE(readable("/d/" + f, local(f)));
  auto more = local("after");
  write_random(more, 1234, 7);
  ASSERT_EQ(cli({"put", more, "/d/after"}).exit_code, 0);
  EXPECT_TRUE(readable("/d/after", more));
}

TEST_F(Masters, AStandbyRefusesMutationsAndNamesTheActiveMaster) {
  int a = active();
  ASSERT_GE(a, 0);
  int standby = (a + 1) % masters;
  auto r = c.admin(standby, {"drain", c.addr_of(masters)});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("not the active master (active: " + c.addr_of(a) + ")"),
            std::string::npos)
      << r.out << r.err;
  // A client pointed at the standby alone is sent on to the active master.
  std::vector<std::string> args = {DFS_BIN_PATH,
                                   "--role",
                                   "client",
                                   "--set",
                                   "master.address=" + c.addr_of(standby),
                                   "--set",
                                   "cluster.masters=[" + masters_list + "]",
                                   "--set",
                                   "master.replicas=3",
                                   "--set",
                                   "log.console=false",
                                   "mkdir",
                                   "/via-standby"};
  auto tls = c.tls_args("client");
  args.insert(args.end() - 2, tls.begin(), tls.end());
  auto mk = dfs::test::run(args, c.dir());
  EXPECT_EQ(mk.exit_code, 0) << mk.err;
  EXPECT_EQ(cli({"stat", "/via-standby"}).exit_code, 0);
}

// Fencing (issue 15 item 3): a paused active master (SIGSTOP: a long GC pause, a frozen VM) is
// replaced by the majority; when it wakes up it steps down instead of acting on its old term,
// and the cluster goes on with the new active master.
TEST_F(Masters, APausedActiveMasterIsReplacedAndStepsDownWhenItWakes) {
  write_random(local("p0"), 30000, 70);
  ASSERT_EQ(cli({"put", local("p0"), "/p0"}).exit_code, 0);
  int old = active();
  ASSERT_GE(old, 0);
  pid_t pid = c.proc(name(old)).pid();
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  write_random(local("p1"), 40000, 71);
  auto r = cli({"put", local("p1"), "/p1"});
  int now_active = -1;
  EXPECT_TRUE(wait_until(
      [&] {
        for (int i = 0; i < masters; ++i)
          if (i != old && masters_of(i).find(": active") != std::string::npos) now_active = i;
        return now_active >= 0;
      },
      20s));
  ::kill(pid, SIGCONT);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_GE(now_active, 0);
  // The woken master learns the new term and follows the new active master.
  ASSERT_TRUE(wait_until([&] { return follows(old, now_active); }, 20s)) << masters_of(old);
  write_random(local("p2"), 50000, 72);
  ASSERT_EQ(cli({"put", local("p2"), "/p2"}).exit_code, 0);
  for (auto f : {"p0", "p1", "p2"}) EXPECT_TRUE(readable(std::string("/") + f, local(f)));
  EXPECT_EQ(active(), now_active);
}

// Console `masters handover` (the rolling upgrade's step): the active master hands its role to a
// standby; a put in flight completes or fails cleanly, later puts succeed, nothing acknowledged
// is lost. Refusals say why: a standby is not active, an unknown target, no admin certificate.
TEST_F(Masters, HandoverMovesTheActiveRoleAndLosesNoFile) {
  std::vector<std::string> acked;
  auto put = [&](const std::string& f, size_t bytes) {
    write_random(local(f), bytes, static_cast<uint32_t>(bytes % 997));
    auto r = cli({"put", local(f), "/" + f, "--chunk-size", "64KiB"});
    if (r.exit_code == 0) acked.push_back(f);
    return r;
  };
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(put("h" + std::to_string(i), 15000 + i * 5000).exit_code, 0);
  int old = active();
  ASSERT_GE(old, 0);
  int target = (old + 1) % masters;
  auto r = c.admin(target, {"masters", "handover"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("not the active master (active: " + c.addr_of(old) + ")"),
            std::string::npos)
      << r.out << r.err;
  r = c.admin(old, {"masters", "handover", "127.0.0.1:1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("is not one of cluster.masters"), std::string::npos) << r.out;
  r = c.admin(old, {"masters", "handover"}, "client");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("permission denied"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(active(), old);

  write_random(local("big"), 3 << 20, 98);
  process inflight(client_argv({"put", local("big"), "/big", "--chunk-size", "256KiB"}),
                   local("inflight.out"));
  auto started = std::chrono::steady_clock::now();
  r = c.admin(old, {"masters", "handover", c.addr_of(target)});
  auto answered = std::chrono::steady_clock::now();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("handed over: " + c.addr_of(target) + " is the active master"),
            std::string::npos)
      << r.out << r.err;
  ASSERT_TRUE(
      wait_until([&] { return masters_of(target).find(": active") != std::string::npos; }, 10s))
      << masters_of(target);
  auto active_at = std::chrono::steady_clock::now();
  auto ms = [&](auto t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t - started).count();
  };
  std::cout << "handover: console answered in " << ms(answered)
            << " ms, the new active master answered 'masters' as active after " << ms(active_at)
            << " ms\n";
  ASSERT_TRUE(wait_until([&] { return follows(old, target); }, 10s)) << masters_of(old);
  // Puts go on with the new active master.
  for (int i = 3; i < 6; ++i) {
    auto p = put("h" + std::to_string(i), 15000 + i * 5000);
    ASSERT_EQ(p.exit_code, 0) << p.err;
    if (i == 3)
      std::cout << "first put after the handover done after "
                << ms(std::chrono::steady_clock::now()) << " ms\n";
  }
  EXPECT_EQ(active(), target);
  for (auto& f : acked) EXPECT_TRUE(readable("/" + f, local(f)));
  ASSERT_TRUE(wait_until([&] { return !inflight.running(); }, 60s));
  if (inflight.status() == 0)
    EXPECT_TRUE(readable("/big", local("big")));
  else  // never half a version: the file does not exist, or it is whole
    EXPECT_TRUE(cli({"stat", "/big"}).exit_code != 0 || readable("/big", local("big")));
  // No target named: the most up-to-date standby takes over.
  r = c.admin(target, {"masters", "handover"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_TRUE(wait_until(
      [&] {
        int a = active();
        return a >= 0 && a != target;
      },
      10s));
  ASSERT_EQ(put("h6", 12345).exit_code, 0);
  EXPECT_TRUE(readable("/h6", local("h6")));
}

}  // namespace
