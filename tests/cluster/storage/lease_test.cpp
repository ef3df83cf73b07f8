// Chunk leases with real processes (issue 13 item 1): a lease asked for through the CLI is
// granted to one replica, shows in the console's `leases`, and bumps the chunk's version on
// every replica; with its primary SIGKILLed, no new lease is granted before the old one has
// expired (lease.duration_ms is short here), then one goes to another replica with the next
// version. Bad input gets one clear error and no node crashes.
#include <gtest/gtest.h>

#include <regex>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::run_result;
using dfs::test::wait_until;
using dfs::test::write_random;

namespace {

constexpr int master_index = 0;
// Long enough that the primary is killed (and found unhealthy) while its lease still runs.
constexpr auto lease_ms = 6000;

struct Lease : ::testing::Test {
  dfs_cluster c;
  std::string master_addr;

  void SetUp() override {
    master_addr = c.addr_of(master_index);
    c.set_common({"master.address=" + master_addr, "master.unhealthy_after_ms=1500",
                  "master.removed_after_ms=4000", "chunkserver.heartbeat_interval_ms=300",
                  "lease.duration_ms=" + std::to_string(lease_ms), "lease.max_drift_ppm=1000"});
    ASSERT_TRUE(c.start_master_and_chunkservers(master_index));
  }

  int healthy() { return c.healthy_chunkservers(master_index); }

  run_result cli(const std::vector<std::string>& args, const std::string& cert = "client") {
    return dfs::test::run(c.client_argv({"master.address=" + master_addr}, args, cert), c.dir());
  }

  // The version of `handle` in a chunkserver's `store` listing (0: not there).
  uint64_t version_on(int index, const std::string& handle) {
    auto r = cli({"store", c.addr_of(index)}, "admin");  // what a server holds: operators only
    std::smatch m;
    if (!std::regex_search(r.out, m, std::regex(handle + R"(\s+(\d+))"))) return 0;
    return std::stoull(m[1]);
  }

  // Index of the chunkserver whose control address the lease output names as primary.
  int primary_index(const std::string& out) {
    for (int i = 1; i <= 3; ++i)
      if (out.find("primary " + c.addr_of(i) + "#") != std::string::npos) return i;
    return -1;
  }
};

std::string field(const std::string& out, const std::string& re) {
  std::smatch m;
  return std::regex_search(out, m, std::regex(re)) ? std::string(m[1]) : "";
}

TEST_F(Lease, GrantBumpsVersionOnEveryReplicaAndWaitsOutAKilledPrimary) {
  write_random(c.dir() + "/f", 10000, 7);
  ASSERT_EQ(cli({"put", c.dir() + "/f", "/f"}).exit_code, 0);
  // A freshly started master grants nothing until duration + margin have passed.
  run_result first;
  std::chrono::steady_clock::time_point asked;  // the grant was handed out after this
  ASSERT_TRUE(wait_until(
      [&] {
        asked = std::chrono::steady_clock::now();
        return (first = cli({"lease", "/f"})).exit_code == 0;
      },
      20s))
      << first.err;
  auto handle = field(first.out, "chunk ([0-9a-f]{16})");
  EXPECT_EQ(field(first.out, R"(version (\d+))"), "2") << first.out;
  EXPECT_NE(first.out.find("(new grant)"), std::string::npos) << first.out;
  int primary = primary_index(first.out);
  ASSERT_GT(primary, 0) << first.out;
  auto leases = c.admin(master_index, {"leases"});
  EXPECT_NE(leases.out.find(handle), std::string::npos) << leases.out;
  EXPECT_NE(leases.out.find(c.addr_of(primary) + "#"), std::string::npos) << leases.out;
  EXPECT_NE(leases.out.find("active"), std::string::npos) << leases.out;
  // Asked again: the running lease, no new grant.
  auto again = cli({"lease", "/f"});
  EXPECT_NE(again.out.find("(running lease)"), std::string::npos) << again.out << again.err;
  EXPECT_EQ(primary_index(again.out), primary);
  // The primary took the version with its grant, before the client was answered.
  EXPECT_EQ(version_on(primary, handle), 2u);
  c.kill9("cs" + std::to_string(primary));
  ASSERT_LT(std::chrono::steady_clock::now() - asked, std::chrono::milliseconds(lease_ms - 1500))
      << "the primary must die while its lease runs (and be unhealthy before it ends)";
  // The other replicas take the new version with their next heartbeat replies.
  for (int i = 1; i <= 3; ++i) {
    if (i == primary) continue;
    EXPECT_TRUE(wait_until([&] { return version_on(i, handle) == 2; }, 10s)) << "cs" << i;
  }

  // Until the lease has expired the master keeps naming the dead primary (running lease) or
  // refuses (expiry + margin not yet passed); then a new primary, on the next version.
  bool waited = false;
  run_result next;
  ASSERT_TRUE(wait_until(
      [&] {
        next = cli({"lease", "/f"});
        int p = next.exit_code == 0 ? primary_index(next.out) : -1;
        if (p > 0 && p != primary) return true;
        waited = true;
        return false;
      },
      20s))
      << next.out << next.err;
  auto elapsed = std::chrono::steady_clock::now() - asked;
  EXPECT_TRUE(waited);
  EXPECT_GE(elapsed, std::chrono::milliseconds(lease_ms)) << "re-granted before expiry";
  EXPECT_EQ(field(next.out, R"(version (\d+))"), "3") << next.out;
  for (int i = 1; i <= 3; ++i) {
    if (i == primary) continue;
    EXPECT_TRUE(wait_until([&] { return version_on(i, handle) == 3; }, 10s)) << "cs" << i;
  }
}

TEST_F(Lease, BadInputGetsOneClearError) {
  write_random(c.dir() + "/f", 100, 8);
  ASSERT_EQ(cli({"put", c.dir() + "/f", "/f"}).exit_code, 0);
  struct bad {
    std::vector<std::string> args;
    std::string says;
  };
  for (auto& b : std::vector<bad>{{{"lease", "/missing"}, "/missing"},
                                  {{"lease", "/f", "7"}, "chunk index 7 out of range: /f has 1"},
                                  {{"lease", "/f", "x1"}, "CHUNK_INDEX must be a number"},
                                  {{"lease", "relative"}, "relative"},
                                  {{"lease"}, "usage: lease REMOTE [CHUNK_INDEX]"}}) {
    auto r = cli(b.args);
    EXPECT_EQ(r.exit_code, 1) << b.args.back();
    EXPECT_NE(r.err.find(b.says), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_EQ(healthy(), 3);
  EXPECT_EQ(c.admin(master_index, {"leases"}).exit_code, 0);
}

}  // namespace
