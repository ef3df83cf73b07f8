// Eight real nodes gossiping on loopback: everyone learns everyone through the introducer; a
// SIGKILLed node is listed dead by all others within the bound; restarted, it rejoins with a
// new incarnation that replaces the old id everywhere; a graceful leave propagates as `left`.
#include <gtest/gtest.h>

#include "common/members.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::id_at;
using dfs::test::members_of;
using dfs::test::wait_until;

namespace {

constexpr int nodes = 8;

struct Membership : ::testing::Test {
  dfs_cluster c;

  void SetUp() override {
    c.set_common(
        {"cluster.introducers=[\"" + c.addr_of(0) + "\"]", "master.address=" + c.addr_of(1)});
    c.start("n0", "introducer", 0);
    c.start("n1", "master", 1);
    for (int i = 2; i < nodes; ++i) c.start("n" + std::to_string(i), "chunkserver", i);
    ASSERT_TRUE(wait_until([&] { return all_see(nodes, "alive"); }, 30s)) << table(0);
  }

  std::string table(int i) { return c.admin(i, {"members"}).out; }

  // Every node (but `skip`) lists `count` members in `state`.
  bool all_see(int count, const std::string& state, int skip = -1) {
    for (int i = 0; i < nodes; ++i) {
      if (i == skip) continue;
      int n = 0;
      for (auto& [id, st] : members_of(c, i)) n += st == state;
      if (n != count) return false;
    }
    return true;
  }

  // Every node but `skip` lists the member `id` in `state`.
  bool all_list(const std::string& id, const std::string& state, int skip) {
    for (int i = 0; i < nodes; ++i) {
      if (i == skip) continue;
      auto m = members_of(c, i);
      auto it = m.find(id);
      if (it == m.end() || it->second != state) return false;
    }
    return true;
  }
};

}  // namespace

TEST_F(Membership, CrashIsDetectedByAllAndRestartRejoinsWithNewIncarnation) {
  const int victim = 5;
  auto old_id = id_at(members_of(c, 0), c.addr_of(victim));
  ASSERT_FALSE(old_id.empty());
  c.kill9("n" + std::to_string(victim));
  auto killed = std::chrono::steady_clock::now();
  // design.md promises 6 s to reach every list; the defaults aim at 3 s (bench/membership
  // measures it). The test's bound leaves room for a loaded 2-core CI machine.
  ASSERT_TRUE(wait_until([&] { return all_list(old_id, "dead", victim); }, 6s)) << table(0);
  auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  std::cout << "[ measured ] all " << nodes - 1 << " survivors list the crash after " << took
            << " s (polled)\n";

  c.start("n" + std::to_string(victim), "chunkserver", victim);
  std::string new_id;
  ASSERT_TRUE(wait_until(
      [&] {
        new_id = id_at(members_of(c, victim), c.addr_of(victim));
        return !new_id.empty() && new_id != old_id && all_list(new_id, "alive", -1);
      },
      20s))
      << table(0);
  for (int i = 0; i < nodes; ++i)
    EXPECT_EQ(members_of(c, i).count(old_id), 0u) << "node " << i << " still lists " << old_id;
}

TEST_F(Membership, GracefulLeavePropagates) {
  const int leaver = 3;
  auto id = id_at(members_of(c, 0), c.addr_of(leaver));
  auto r = c.admin(leaver, {"leave"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(wait_until([&] { return all_list(id, "left", leaver); }, 10s)) << table(0);
}

TEST_F(Membership, BandwidthIsCountedAndResets) {
  auto r = c.admin(2, {"bandwidth"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("sent"), std::string::npos);
  ASSERT_EQ(c.admin(2, {"reset-bandwidth"}).exit_code, 0);
  EXPECT_NE(c.admin(2, {"bandwidth"}).out.find("since last reset"), std::string::npos);
}

TEST_F(Membership, GarbageDatagramsAreDroppedAndCounted) {
  // Random bytes, a truncated frame and a frame of another cluster at the gossip port: the
  // node counts and drops them, keeps running and keeps its members.
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(c.port_of(2));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string junk[] = {"", "x", "DFSP", std::string(70000, 'z'),
                        std::string("DFSP\x01\x01") + std::string(60, '\0')};
  for (int i = 0; i < 200; ++i) {
    auto& j = junk[i % 5];
    ::sendto(fd, j.data(), std::min<size_t>(j.size(), 65000), 0, reinterpret_cast<sockaddr*>(&a),
             sizeof(a));
  }
  ::close(fd);
  EXPECT_TRUE(wait_until(
      [&] { return c.admin(2, {"bandwidth"}).out.find(" 0 bad frame") == std::string::npos; }, 5s));
  EXPECT_TRUE(c.proc("n2").running());
  EXPECT_TRUE(all_see(nodes, "alive"));
}
