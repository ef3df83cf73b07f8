// Three replicated masters (issue 15) as real processes: the active master is SIGKILLed while
// clients put files, a standby's disk is wiped, the whole group is restarted. What an operator
// sees (console `masters`, the client's exit codes and bytes) is what is checked.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/dfs_cluster.hpp"
#include "common/netns.hpp"
#include "common/partition.hpp"
#include "common/ports.hpp"
#include "common/shell_driver.hpp"
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
  // Only for tests that cut masters off (MastersPartition); declared before `c`, so removed
  // after the nodes are gone.
  std::unique_ptr<dfs::test::netns> ns;
  std::unique_ptr<dfs::test::cgroup_partition> part;
  dfs_cluster c;
  std::string masters_list;

  // Gossip membership, with every master an introducer too (tests that need it say so).
  bool gossip = false;

  virtual void isolate() {}

  void SetUp() override {
    isolate();
    if (IsSkipped() || HasFatalFailure()) return;
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
    // With partitions, each master runs in a cgroup of its own (partition.hpp).
    auto plain = c.prefix();
    if (part) c.set_prefix(with_prefix(part->prefix(name(i)), plain));
    c.start(
        name(i), gossip ? "introducer,master" : "master", i,
        bootstrap ? std::vector<std::string>{"master.bootstrap=true"} : std::vector<std::string>{});
    c.set_prefix(plain);
  }
  static std::vector<std::string> with_prefix(std::vector<std::string> prefix,
                                              const std::vector<std::string>& argv) {
    prefix.insert(prefix.end(), argv.begin(), argv.end());
    return prefix;
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
  int healthy() { return healthy_at(active()); }
  // Chunkservers that master `a` counts as healthy.
  int healthy_at(int a) { return a < 0 ? 0 : c.healthy_chunkservers(a); }

  // A client that knows every master and waits long enough for a failover; it asks master
  // `first` first (the client tries cluster.masters in their order).
  std::vector<std::string> client_argv(const std::vector<std::string>& args, int first = 0) {
    return client_argv_for(args, c.addr_of(first), masters_from(first), 30000);
  }
  // cluster.masters, from master `first` on.
  std::string masters_from(int first) {
    std::string out;
    for (int k = 0; k < masters; ++k)
      out += std::string(k ? ", " : "") + "\"" + c.addr_of((first + k) % masters) + "\"";
    return "[" + out + "]";
  }
  // `sets` (KEY=VALUE) come after the defaults and override them.
  std::vector<std::string> client_argv_for(const std::vector<std::string>& args,
                                           const std::string& first, const std::string& masters,
                                           int timeout_ms,
                                           const std::vector<std::string>& sets = {}) {
    std::vector<std::string> argv = c.prefix();
    argv.insert(argv.end(),
                {DFS_BIN_PATH, "--role", "client", "--set", "master.address=" + first, "--set",
                 "cluster.masters=" + masters, "--set", "master.replicas=3", "--set",
                 "log.console=false", "--set", "client.timeout_ms=" + std::to_string(timeout_ms)});
    for (auto& kv : sets) argv.insert(argv.end(), {"--set", kv});
    auto tls = c.tls_args("client");
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  dfs::test::run_result cli(const std::vector<std::string>& args, int first = 0) {
    return dfs::test::run(client_argv(args, first), c.dir());
  }
  std::string local(const std::string& name) { return c.dir() + "/" + name; }

  // The file's newest version is byte-exact with `want`.
  ::testing::AssertionResult readable(const std::string& remote, const std::string& want,
                                      int first = 0) {
    auto back = local("back" + std::to_string(++gets_));
    auto g = cli({"get", remote, back}, first);
    if (g.exit_code != 0) return ::testing::AssertionFailure() << remote << ": " << g.err;
    if (read_all(back) != read_all(want))
      return ::testing::AssertionFailure() << remote << ": other bytes than " << want;
    return ::testing::AssertionSuccess();
  }
  int gets_ = 0;

  // A put that was in flight during a failover or handover: it completed and reads back whole,
  // or it failed and left no version (never half a version).
  void put_completed_or_failed_cleanly(process& put, const std::string& remote,
                                       const std::string& want) {
    ASSERT_TRUE(wait_until([&] { return !put.running(); }, 60s));
    if (put.status() == 0)
      EXPECT_TRUE(readable(remote, want));
    else
      EXPECT_TRUE(cli({"stat", remote}).exit_code != 0 || readable(remote, want));
  }
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
  put_completed_or_failed_cleanly(inflight, "/big", local("big"));
  // The old master comes back as a standby and learns what it missed.
  start_master(old);
  ASSERT_TRUE(wait_until([&] { return follows(old, now_active); }, 20s)) << masters_of(old);
}

// Leases are volatile, so the master that takes over cannot know when the old one's end; it
// used to wait the longest one out (lease.duration_ms, 60 s here) before any write or append.
// Each grant now logs its primary, the only node an old lease can run on, and that primary
// gets a new lease as soon as it has registered with the new master. The append after the
// failover has a 20 s deadline (client lease.duration_ms 3000, timeout 5000): without the
// rule it is refused for a minute and fails.
TEST_F(Masters, AppendsGoOnSoonAfterAFailover) {
  std::ofstream(local("empty"));
  std::ofstream(local("one")) << "first\n";
  std::ofstream(local("two")) << "second\n";
  ASSERT_EQ(cli({"put", local("empty"), "/log"}).exit_code, 0);
  auto first = cli({"append", "/log", local("one")});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  int old = active();
  ASSERT_GE(old, 0);
  c.kill9(name(old));
  auto killed_at = std::chrono::steady_clock::now();
  int now_active = -1;
  ASSERT_TRUE(wait_until(
      [&] {
        now_active = active();
        return now_active >= 0 && now_active != old && healthy_at(now_active) == 3;
      },
      30s));
  auto argv = client_argv_for({"append", "/log", local("two")}, c.addr_of(now_active),
                              masters_from(now_active), 5000, {"lease.duration_ms=3000"});
  auto second = dfs::test::run(argv, c.dir());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  std::cout << "append after the kill done in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - killed_at)
                   .count()
            << " ms\n";
  auto records = cli({"cat", "/log", "--records"}, now_active);
  ASSERT_EQ(records.exit_code, 0) << records.err;
  EXPECT_EQ(records.out, "first\nsecond\n");
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
  // A client that asks the standby first is sent on to the active master.
  auto mk = cli({"mkdir", "/via-standby"}, standby);
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
  // A shell connected to the active master, as a long-lived client (the gateway) would be.
  dfs::test::shell_driver sh(client_argv({}, old), local("sh.out"), local("sh.err"));
  ASSERT_EQ(sh.run("stat /p0"), 0) << read_all(local("sh.err"));
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
  // A read after the put was acknowledged, waiting at the paused master when it wakes: it must
  // see /p1. The woken master still believes it is active until its next tick, but its read
  // lease ran out during the pause, so it does not answer from its own (stale) namespace.
  sh.send("stat /p1");
  ::kill(pid, SIGCONT);
  EXPECT_EQ(sh.wait("stat /p1"), 0) << read_all(local("sh.err"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_GE(now_active, 0);
  // The woken master learns the new term and follows the new active master.
  ASSERT_TRUE(wait_until([&] { return follows(old, now_active); }, 20s)) << masters_of(old);
  write_random(local("p2"), 50000, 72);
  ASSERT_EQ(cli({"put", local("p2"), "/p2"}).exit_code, 0);
  for (auto f : {"p0", "p1", "p2"}) EXPECT_TRUE(readable(std::string("/") + f, local(f)));
  EXPECT_EQ(active(), now_active);
}

// Open TCP connections to `port` (/proc/net/tcp: ESTABLISHED or CLOSE_WAIT on the server's
// side). Those a stopped server's kernel accepted into its backlog stay so, also after the
// client left; the closed ones of earlier processes on that port (TIME_WAIT and the like, which
// come and go) are not counted.
int connections_to(uint16_t port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // the header
  int n = 0;
  char want[8];
  std::snprintf(want, sizeof want, ":%04X", port);
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string slot, local, remote, state;
    f >> slot >> local >> remote >> state;
    bool open = state == "01" || state == "08";
    if (open && local.size() > 5 && local.substr(local.size() - 5) == want) ++n;
  }
  return n;
}

// The first listed master stalled (SIGSTOP: its kernel still accepts connections, nothing
// answers, as with a stalled VM): a one-shot command waits out its first attempt there (a
// quarter of client.timeout_ms: 1.4 s by default), then finds the active master. Every later
// command of the same user (same session directory) starts with the master that answered and
// never knocks at the stalled one.
TEST_F(Masters, AOneShotCommandStartsWithTheMasterThatAnsweredTheLastOne) {
  write_random(local("m0"), 1000, 60);
  const std::vector<std::string> sessions = {"client.tls_session_dir=" + local("sessions")};
  auto one_shot = [&](const std::vector<std::string>& args) {
    return dfs::test::run(client_argv_for(args, c.addr_of(0), masters_from(0), 30000, sessions),
                          c.dir());
  };
  dfs::test::stopped_process master0(c.proc(name(0)).pid());
  ASSERT_TRUE(master0.stopped());
  const uint16_t stalled = dfs::request_port_of(c.port_of(0));
  int before = connections_to(stalled);
  auto r = one_shot({"put", local("m0"), "/m0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int knocked = connections_to(stalled);
  EXPECT_GT(knocked, before) << "the first command asks the first listed master";
  r = one_shot({"stat", "/m0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = one_shot({"put", local("m0"), "/m1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(connections_to(stalled), knocked) << "a later command asked the stalled master";
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
  put_completed_or_failed_cleanly(inflight, "/big", local("big"));
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
  // A client that knows the standby alone.
  auto stale = [&](std::vector<std::string> args, int timeout_ms = 30000) {
    args.push_back("--stale-ok");
    return dfs::test::run(
        client_argv_for(args, c.addr_of(standby), "[\"" + c.addr_of(standby) + "\"]", timeout_ms,
                        {"master.replicas=1"}),
        c.dir());
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
  auto plain = dfs::test::run(
      client_argv_for({"stat", "/st/s0"}, c.addr_of(standby), masters_from(standby), 1500),
      c.dir());
  EXPECT_NE(plain.exit_code, 0);
  // Past master.stale_read_max_ms it refuses, and says why.
  dfs::test::run_result refused;
  ASSERT_TRUE(wait_until(
      [&] {
        refused = stale({"stat", "/st/s0"}, 1500);
        return refused.exit_code != 0;
      },
      30s));
  EXPECT_NE(refused.err.find("last heard from an active master"), std::string::npos) << refused.err;
}

// Every node runs in a network namespace of the test's own, each master in a cgroup of its own,
// so that one master can be cut off with nftables (partition.hpp) and no rule reaches the host.
struct MastersPartition : Masters {
  void isolate() override {
    ns = std::make_unique<dfs::test::netns>("masters");
    if (!ns->error().empty()) GTEST_SKIP() << "needs a network namespace: " << ns->error();
    part = std::make_unique<dfs::test::cgroup_partition>(ns->name(), "masters");
    // Root without nft or cgroup v2 is a broken test machine (scripts/install-deps), not a skip.
    if (!part->error().empty()) GTEST_FAIL() << "cannot make partitions: " << part->error();
    c.set_prefix(ns->prefix());
  }
  // Processes on the cut master's side of the partition run in this cgroup.
  static constexpr const char* minority = "minority";

  // The admin console's answer from the minority side (it reaches the cut master only).
  dfs::test::run_result admin_from_minority(int i, const std::vector<std::string>& args) {
    auto plain = c.prefix();
    c.set_prefix(with_prefix(part->prefix(minority), plain));
    auto r = c.admin(i, args);
    c.set_prefix(plain);
    return r;
  }
  // "last L, committed C, applied A" of the console's `masters` log line ("" if none).
  static std::string log_state(const std::string& masters_out) {
    auto p = masters_out.find("log: last ");
    if (p == std::string::npos) return "";
    auto line = masters_out.substr(p, masters_out.find('\n', p) - p);
    auto num = [&](const std::string& key) {
      auto k = line.find(key);
      return k == std::string::npos
                 ? std::string("?")
                 : line.substr(k + key.size(), line.find(',', k) - k - key.size());
    };
    return "last " + num("last ") + ", committed " + num("committed ") + ", applied " +
           num("applied ");
  }
  static std::string commit_of(const std::string& state) {
    auto k = state.find("committed ");
    return k == std::string::npos ? "" : state.substr(k, state.find(',', k) - k);
  }
};

// Issue 15 item 6: the active master is cut off from every other process (both directions). The
// majority elects a new active master and takes writes; the old one cannot commit a write (its
// client fails cleanly) and steps down (check-quorum); healed, it follows the new active master
// with the same log, and every acknowledged file is there, byte-exact.
TEST_F(MastersPartition, APartitionedActiveMasterIsReplacedAndCannotCommitWrites) {
  auto started = std::chrono::steady_clock::now();
  auto ms_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 t)
        .count();
  };
  std::vector<std::string> acked;
  auto put = [&](const std::string& f, size_t size, uint32_t seed, int first) {
    write_random(local(f), size, seed);
    auto r = cli({"put", local(f), "/" + f, "--chunk-size", "64KiB"}, first);
    if (r.exit_code == 0) acked.push_back(f);
    return r;
  };
  for (int i = 0; i < 3; ++i) {
    auto r = put("q" + std::to_string(i), 20000 + i * 9000, 80 + i, 0);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  int old = active();
  ASSERT_GE(old, 0);
  ASSERT_TRUE(part->cut(name(old), minority, c.port_of(old), c.port_of(old) + 9)) << part->error();
  auto cut_at = std::chrono::steady_clock::now();
  // A client on the old master's side of the partition (it reaches the old master only, and
  // asks only it: cluster.masters lists it thrice): its mkdir reaches the old master (maybe
  // while it still believes it is active, maybe after it stepped down) and must fail:
  // not_leader, or no answer in time.
  auto only_old =
      "[\"" + c.addr_of(old) + "\", \"" + c.addr_of(old) + "\", \"" + c.addr_of(old) + "\"]";
  auto stranded_argv = [&](const std::string& path, int timeout_ms) {
    return with_prefix(part->prefix(minority),
                       client_argv_for({"mkdir", path}, c.addr_of(old), only_old, timeout_ms));
  };
  process stranded(stranded_argv("/stranded", 6000), local("stranded.out"));

  // The majority elects a new active master, and the chunkservers find it.
  int now_active = -1;
  ASSERT_TRUE(wait_until(
      [&] {
        for (int i = 0; i < masters; ++i)
          if (i != old && masters_of(i).find(": active") != std::string::npos) now_active = i;
        return now_active >= 0;
      },
      20s))
      << "dropped " << part->dropped() << " packets\n"
      << masters_of((old + 1) % masters) << masters_of((old + 2) % masters) << c.dir();
  std::cout << "new active master after " << ms_since(cut_at) << " ms\n";
  ASSERT_TRUE(wait_until([&] { return healthy_at(now_active) == 3; }, 20s))
      << c.admin(now_active, {"chunkservers"}).out << c.dir();
  // It takes writes, also from clients that ask the silent old master first: their TCP probe
  // gives up on it in time (net/tcp_probe.hpp) and they move on to the next master.
  for (int i = 3; i < 5; ++i) {
    auto r = put("q" + std::to_string(i), 30000 + i * 5000, 80 + i, i == 3 ? old : now_active);
    ASSERT_EQ(r.exit_code, 0) << r.err << part->listing() << c.dir();
    EXPECT_TRUE(readable("/q" + std::to_string(i), local("q" + std::to_string(i)),
                         i == 3 ? old : now_active));
  }
  // The old master steps down (check-quorum: it has not heard a majority), and names no active
  // master it could reach.
  std::string old_view;
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = admin_from_minority(old, {"masters"});
        old_view = r.out + r.err;
        return r.out.find(": standby") != std::string::npos;
      },
      10s))
      << old_view << part->listing() << c.dir();
  EXPECT_EQ(old_view.find("active master " + c.addr_of(old)), std::string::npos) << old_view;
  auto old_log = log_state(old_view);
  ASSERT_TRUE(wait_until([&] { return !stranded.running(); }, 30s));
  EXPECT_NE(stranded.status(), 0) << read_all(local("stranded.out"));
  std::cout << "client of the cut-off master: exit " << stranded.status() << ", "
            << read_all(local("stranded.out"));
  // A mutation the cut-off master is asked for after it stepped down fails too.
  auto late = dfs::test::run(stranded_argv("/stranded-late", 3000), c.dir());
  EXPECT_NE(late.exit_code, 0) << late.out;
  EXPECT_NE(late.err.find("not the active master"), std::string::npos) << late.err;
  std::cout << "late client of the cut-off master: exit " << late.exit_code << ", " << late.err;
  // Nothing committed on the old master's side all this while.
  auto old_log_after = log_state(admin_from_minority(old, {"masters"}).out);
  EXPECT_EQ(commit_of(old_log_after), commit_of(old_log)) << old_log << " / " << old_log_after;
  std::cout << "cut-off master: " << old_log_after << "; dropped " << part->dropped()
            << " packets; partition lasted " << ms_since(cut_at) << " ms\n";

  // Healed: the old master follows the new one, with the same log as every master.
  part->heal();
  auto healed_at = std::chrono::steady_clock::now();
  std::vector<std::string> states(masters);
  ASSERT_TRUE(wait_until(
      [&] {
        for (int i = 0; i < masters; ++i) {
          auto m = masters_of(i);
          if (i != now_active &&
              !(m.find(": standby") != std::string::npos &&
                m.find("active master " + c.addr_of(now_active)) != std::string::npos))
            return false;
          states[i] = log_state(m);
        }
        return !states[0].empty() && states[0] == states[1] && states[1] == states[2];
      },
      45s))
      << masters_of(old) << masters_of(now_active) << c.dir();
  std::cout << "old master rejoined after " << ms_since(healed_at)
            << " ms; every master: " << states[0] << "\n";
  EXPECT_EQ(active(), now_active);
  for (auto& f : acked) EXPECT_TRUE(readable("/" + f, local(f), now_active));
  // What the cut-off master was asked never happened.
  EXPECT_NE(cli({"stat", "/stranded"}, now_active).exit_code, 0);
  EXPECT_NE(cli({"stat", "/stranded-late"}, now_active).exit_code, 0);
  auto r = put("q5", 12345, 90, old);  // through the old master, now a standby
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(readable("/q5", local("q5")));
  std::cout << "test body took " << ms_since(started) << " ms\n";
}

}  // namespace
