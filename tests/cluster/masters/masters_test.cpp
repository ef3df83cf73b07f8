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

  // Gossip membership, with every master an introducer too (tests that need it say so).
  bool gossip = false;

  void SetUp() override {
    for (int i = 0; i < masters; ++i)
      masters_list += std::string(i ? ", " : "") + "\"" + c.addr_of(i) + "\"";
    std::vector<std::string> sets = {"master.address=" + c.addr_of(0),
                                     "cluster.masters=[" + masters_list + "]",
                                     "master.replicas=3",
                                     "master.unhealthy_after_ms=1500",
                                     "master.removed_after_ms=4000",
                                     "chunkserver.heartbeat_interval_ms=300",
                                     "master.stale_read_max_ms=8000"};
    if (gossip) sets.push_back("cluster.introducers=[" + masters_list + "]");
    c.set_common(sets);
    // The group's first start founds it; every later start (restart, wipe) goes without.
    for (int i = 0; i < masters; ++i) start_master(i, true);
    for (int i = 1; i <= 3; ++i) c.start("cs" + std::to_string(i), "chunkserver", masters + i - 1);
    ASSERT_TRUE(wait_until([&] { return active() >= 0 && healthy() == 3; }, 30s));
  }

  void start_master(int i, bool bootstrap = false) {
    c.start(
        name(i), gossip ? "introducer,master" : "master", i,
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

  // A client that knows every master and waits long enough for a failover; `sets` (KEY=VALUE)
  // come after the defaults and override them.
  std::vector<std::string> client_argv(const std::vector<std::string>& args,
                                       const std::vector<std::string>& sets = {}) {
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
    for (auto& kv : sets) argv.insert(argv.end(), {"--set", kv});
    auto tls = c.tls_args("client");
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  // A client that knows master `i` alone.
  std::vector<std::string> only(int i) {
    return {"master.address=" + c.addr_of(i), "cluster.masters=[\"" + c.addr_of(i) + "\"]",
            "master.replicas=1"};
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
  // A client pointed at the standby first is sent on to the active master.
  auto mk = dfs::test::run(
      client_argv({"mkdir", "/via-standby"}, {"master.address=" + c.addr_of(standby)}), c.dir());
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

// Reads from standbys (issue 15 item 4, GFS's shadow masters): with --stale-ok a standby answers
// ls, stat and get layouts from its copy of the metadata, also when no master is active, but
// only while it heard from an active master within master.stale_read_max_ms.
// A standby learns where chunkservers are from gossip membership (it gets no chunk reports).
struct MastersWithGossip : Masters {
  MastersWithGossip() { gossip = true; }
};

TEST_F(MastersWithGossip, AStandbyServesStaleOkReadsUntilItHasHeardNoActiveMasterForTooLong) {
  write_random(local("s0"), 150000, 80);
  ASSERT_EQ(cli({"mkdir", "/st"}).exit_code, 0);
  ASSERT_EQ(cli({"put", local("s0"), "/st/s0", "--chunk-size", "64KiB"}).exit_code, 0);
  int a = active();
  ASSERT_GE(a, 0);
  int standby = (a + 1) % masters, other = (a + 2) % masters;
  auto stale = [&](std::vector<std::string> args, std::vector<std::string> sets = {}) {
    args.push_back("--stale-ok");
    auto s = only(standby);
    s.insert(s.end(), sets.begin(), sets.end());
    return dfs::test::run(client_argv(args, s), c.dir());
  };
  // The standby applies the put a replication round after the client's answer.
  ASSERT_TRUE(wait_until([&] { return stale({"stat", "/st/s0"}).exit_code == 0; }, 10s));
  auto ls = stale({"ls", "/st"});
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(ls.out, "s0\n");
  auto back = local("s0.back");
  auto g = stale({"get", "/st/s0", back});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(read_all(back), read_all(local("s0")));
  auto m = masters_of(standby);
  EXPECT_NE(m.find("stale reads answered as a standby "), std::string::npos) << m;
  EXPECT_EQ(m.find("stale reads answered as a standby 0,"), std::string::npos) << m;

  // No active master at all: the standby still answers (its knowledge is at most as old as the
  // last message from the active master), a plain read cannot be answered.
  c.kill9(name(a));
  c.kill9(name(other));
  auto st = stale({"stat", "/st/s0"});
  EXPECT_EQ(st.exit_code, 0) << st.err;
  EXPECT_NE(st.out.find("150000 bytes"), std::string::npos) << st.out;
  auto plain = dfs::test::run(client_argv({"stat", "/st/s0"}, {"client.timeout_ms=1500"}), c.dir());
  EXPECT_NE(plain.exit_code, 0);
  // Past master.stale_read_max_ms it refuses, and says why.
  dfs::test::run_result refused;
  ASSERT_TRUE(wait_until(
      [&] {
        refused = stale({"stat", "/st/s0"}, {"client.timeout_ms=1500"});
        return refused.exit_code != 0;
      },
      30s));
  EXPECT_NE(refused.err.find("last heard from an active master"), std::string::npos) << refused.err;
}

}  // namespace
