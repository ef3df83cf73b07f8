// Master + 3 chunkservers as real processes: registration, heartbeats, unhealthy/removed
// after SIGKILL, re-registration after a restart (new incarnation) and after a master
// restart, and a clean SIGTERM shutdown of every node.
#include <gtest/gtest.h>

#include <csignal>
#include <sstream>
#include <thread>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::wait_until;

namespace {

constexpr int master_index = 0;

struct row {
  std::string node, state;
};

// Parses the `chunkservers` table: NODE DATA ZONE STATE ...
std::vector<row> chunkservers(dfs_cluster& c) {
  auto r = c.admin(master_index, {"chunkservers"});
  std::vector<row> out;
  if (r.exit_code != 0) return out;
  std::istringstream in(r.out);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    row x;
    std::string data, zone;
    if (ls >> x.node >> data >> zone >> x.state && x.node.find('#') != std::string::npos)
      out.push_back(x);
  }
  return out;
}

std::string port_prefix(dfs_cluster& c, int index) {
  return c.addr_of(index) + "#";
}

// State of the entry whose node id starts with `prefix` ("" if none).
std::string state_of(const std::vector<row>& rows, const std::string& prefix) {
  for (auto& r : rows)
    if (r.node.rfind(prefix, 0) == 0) return r.state;
  return "";
}

int healthy(const std::vector<row>& rows) {
  int n = 0;
  for (auto& r : rows) n += r.state == "healthy";
  return n;
}

struct Registration : ::testing::Test {
  dfs_cluster c;
  void SetUp() override {
    c.set_common({"master.address=" + c.addr_of(master_index), "master.unhealthy_after_ms=1500",
                  "master.removed_after_ms=4000", "chunkserver.heartbeat_interval_ms=300"});
    c.start("master", "master", master_index);
    for (int i = 1; i <= 3; ++i) c.start("cs" + std::to_string(i), "chunkserver", i);
    ASSERT_TRUE(wait_until([&] { return healthy(chunkservers(c)) == 3; }, 20s))
        << c.admin(master_index, {"chunkservers"}).out;
  }
};

}  // namespace

TEST_F(Registration, KilledChunkserverTurnsUnhealthyThenRemovedAndReRegisters) {
  auto rows = chunkservers(c);
  ASSERT_EQ(rows.size(), 3u);
  std::string old_id;
  for (auto& r : rows)
    if (r.node.rfind(port_prefix(c, 2), 0) == 0) old_id = r.node;
  ASSERT_FALSE(old_id.empty());

  c.kill9("cs2");
  EXPECT_TRUE(wait_until([&] { return state_of(chunkservers(c), old_id) == "unhealthy"; }, 10s));
  EXPECT_TRUE(wait_until([&] { return state_of(chunkservers(c), old_id) == "removed"; }, 15s));
  EXPECT_EQ(healthy(chunkservers(c)), 2);

  c.start("cs2", "chunkserver", 2);
  ASSERT_TRUE(wait_until([&] { return healthy(chunkservers(c)) == 3; }, 20s));
  rows = chunkservers(c);
  EXPECT_EQ(rows.size(), 3u) << "the restarted server must replace its old entry";
  EXPECT_EQ(state_of(rows, old_id), "") << "old incarnation still listed";
  EXPECT_EQ(state_of(rows, port_prefix(c, 2)), "healthy");
}

TEST_F(Registration, ChunkserversReRegisterAfterMasterRestart) {
  c.kill9("master");
  c.start("master", "master", master_index);
  EXPECT_TRUE(wait_until([&] { return healthy(chunkservers(c)) == 3; }, 20s))
      << c.admin(master_index, {"chunkservers"}).out;
}

// A put right after the master's restart, before the chunkservers have registered again
// (each at its next heartbeat): the master answers busy and the client asks again, so the put
// succeeds instead of failing with "0 healthy chunkservers".
TEST_F(Registration, APutRightAfterAMasterRestartWaitsForTheChunkserversToRegister) {
  auto local = c.dir() + "/one-mib";
  dfs::test::write_random(local, 1 << 20, 5);  // over master.inline_max_bytes: chunks
  c.kill9("master");
  c.start("master", "master", master_index);
  auto r = dfs::test::run(
      c.client_argv({"master.address=" + c.addr_of(master_index)}, {"put", local, "/after"}),
      c.dir());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto cat = dfs::test::run(
      c.client_argv({"master.address=" + c.addr_of(master_index)}, {"stat", "/after"}), c.dir());
  EXPECT_NE(cat.out.find("1048576 bytes"), std::string::npos) << cat.out << cat.err;
}

// A master that did not run for longer than master.unhealthy_after_ms (paused: a VM stall, a
// SIGSTOP) has not read the heartbeats sent meanwhile; it must not hold that silence against
// the chunkservers. Before: every put right after the pause failed with "0 healthy
// chunkservers" and a pause past removed_after_ms dropped every chunkserver.
TEST_F(Registration, AMasterPausedLongerThanTheHeartbeatLimitsStillSeesItsChunkservers) {
  auto local = c.dir() + "/one-mib";
  dfs::test::write_random(local, 1 << 20, 6);
  auto pid = c.proc("master").pid();
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  // The fault: the master stopped past removed_after_ms (4 s), then woken.
  std::this_thread::sleep_for(5s);
  ASSERT_EQ(::kill(pid, SIGCONT), 0);
  auto r = dfs::test::run(
      c.client_argv({"master.address=" + c.addr_of(master_index)}, {"put", local, "/woke"}),
      c.dir());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto rows = chunkservers(c);
  EXPECT_EQ(healthy(rows), 3) << c.admin(master_index, {"chunkservers"}).out;
}

TEST_F(Registration, ConsoleAnswersOnEveryNodeAndRejectsUnknownCommands) {
  auto node = c.admin(1, {"node"});
  EXPECT_EQ(node.exit_code, 0);
  EXPECT_NE(node.out.find("chunkserver"), std::string::npos) << node.out;
  auto bad = c.admin(master_index, {"frobnicate"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("unknown command 'frobnicate'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("chunkservers"), std::string::npos) << "lists the commands";
  auto lvl = c.admin(master_index, {"log-level", "debug"});
  EXPECT_EQ(lvl.exit_code, 0);
  EXPECT_NE(c.admin(master_index, {"log-level"}).out.find("debug"), std::string::npos);
  EXPECT_EQ(c.admin(master_index, {"log-level", "loud"}).exit_code, 1);
}

TEST_F(Registration, SigtermStopsEveryNodeCleanly) {
  for (auto name : {"cs1", "cs2", "cs3", "master"})
    EXPECT_EQ(c.proc(name).signal_and_wait(SIGTERM), 0) << name;
}

// With heartbeat thresholds far away, only membership can remove a killed chunkserver fast:
// the master subscribes to member events and marks a dead chunkserver removed at once.
TEST(RegistrationWithMembership, DeadChunkserverIsRemovedByMembershipSignal) {
  dfs_cluster c;
  c.set_common({"master.address=" + c.addr_of(master_index),
                "cluster.introducers=[\"" + c.addr_of(master_index) + "\"]",
                "master.unhealthy_after_ms=60000", "master.removed_after_ms=120000",
                "chunkserver.heartbeat_interval_ms=300"});
  c.start("master", "master", master_index);
  for (int i = 1; i <= 3; ++i) c.start("cs" + std::to_string(i), "chunkserver", i);
  ASSERT_TRUE(wait_until([&] { return healthy(chunkservers(c)) == 3; }, 20s));
  std::string old_id;
  for (auto& r : chunkservers(c))
    if (r.node.rfind(port_prefix(c, 3), 0) == 0) old_id = r.node;
  c.kill9("cs3");
  EXPECT_TRUE(wait_until([&] { return state_of(chunkservers(c), old_id) == "removed"; }, 15s))
      << c.admin(master_index, {"chunkservers"}).out;
}
