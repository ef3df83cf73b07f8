// LAN discovery (issue 17 item 3) with real processes, inside a network namespace the test
// creates (loopback up, a multicast route on it) and deletes: a master and a fileserver with
// cluster.discovery = multicast answer on the group; a client configured with no usable
// addresses finds both (`discover` lists them; mkdir and a queue operation work through them);
// a client with another discovery key finds nothing and says so in one line.
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/dfs_cluster.hpp"
#include "common/netns.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::run_result;
using dfs::test::wait_until;

namespace {

struct LanDiscovery : ::testing::Test {
  dfs::test::netns ns{"disc"};  // declared first: deleted after the nodes are gone
  dfs_cluster c;
  std::string group = "239.255.70.71:17099";
  std::string key = "discovery-test-key";

  void SetUp() override {
    if (!ns.error().empty()) GTEST_SKIP() << "needs a network namespace: " << ns.error();
    c.set_prefix(ns.prefix());
    c.set_common({"cluster.introducers=[\"" + c.addr_of(0) + "\"]", "gcs.expected_group_size=1",
                  "cluster.discovery=multicast", "cluster.multicast_group=" + group,
                  "cluster.discovery_key=" + key, "master.address=" + c.addr_of(0)});
    c.start("m", "introducer,master", 0);
    c.start("fs", "fileserver", 1);
  }

  // A client inside the namespace that knows no server address (master.address points at
  // nothing, client.fileservers is empty): only discovery can find them.
  run_result cli(std::vector<std::string> args, const std::string& with_key) {
    auto argv = ns.prefix();
    argv.insert(argv.end(),
                {DFS_BIN_PATH, "--role", "client", "--set", "log.console=false", "--set",
                 "master.address=127.0.0.1:9", "--set", "cluster.discovery=multicast", "--set",
                 "cluster.multicast_group=" + group, "--set", "cluster.discovery_key=" + with_key});
    auto tls = c.tls_args("client");
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return dfs::test::run(argv, c.dir());
  }
};

TEST_F(LanDiscovery, AClientWithNoAddressesFindsTheMasterAndTheFileservers) {
  run_result found;
  ASSERT_TRUE(wait_until(
      [&] {
        found = cli({"discover"}, key);
        return found.out.find(c.addr_of(0)) != std::string::npos &&
               found.out.find(c.addr_of(1)) != std::string::npos;
      },
      30s))
      << found.out << found.err;
  EXPECT_EQ(found.exit_code, 0);
  EXPECT_NE(found.out.find("master,introducer"), std::string::npos) << found.out;
  EXPECT_NE(found.out.find("fileserver"), std::string::npos) << found.out;
  auto mk = cli({"mkdir", "/found"}, key);
  EXPECT_EQ(mk.exit_code, 0) << mk.err;
  auto st = cli({"stat", "/found"}, key);
  EXPECT_EQ(st.exit_code, 0) << st.err;
  run_result q;
  EXPECT_TRUE(wait_until(
      [&] {
        q = cli({"queue", "create", "7"}, key);
        return q.exit_code == 0;
      },
      30s))
      << q.err;
}

TEST_F(LanDiscovery, AnotherKeyFindsNothingAndSaysSoInOneLine) {
  // Wait until the servers answer at all, so that the refusal below is the key's doing.
  ASSERT_TRUE(wait_until([&] { return cli({"discover"}, key).exit_code == 0; }, 30s));
  auto r = cli({"discover"}, "not-the-key");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.err.rfind("error: no server answered discovery on " + group, 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  auto mk = cli({"mkdir", "/x"}, "not-the-key");
  EXPECT_NE(mk.exit_code, 0);
  EXPECT_NE(mk.err.find("no server answered discovery"), std::string::npos) << mk.err;
}

}  // namespace
