// The harness of the browser test (issue 16 item 3): starts a master, three chunkservers and a
// fileserver on loopback, makes a bearer token, and runs status_page.mjs (Debian's chromium
// driven by playwright-core) against the master's status page; the script SIGKILLs one
// chunkserver by the PID given here and checks that the page shows it unhealthy. The
// fileserver's page is checked the same way, with the cluster section it asks the master for.
// dfs_cluster stops every process it started, by PID, whether the test passes or fails. A missing
// node, npm package or chromium fails the test: it is installed by scripts/install-deps, never
// skipped.
#include <unistd.h>

#include <gtest/gtest.h>

#include <iostream>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::read_all;
using dfs::test::wait_until;

namespace {

constexpr int master_index = 0;
constexpr int fileserver_index = 4;
constexpr const char* node_bin = "/usr/bin/node";
constexpr const char* chromium_bin = "/usr/bin/chromium";
const std::string browser_dir = DFS_SOURCE_DIR "/tests/browser";

struct StatusPage : ::testing::Test {
  dfs_cluster c;
  std::string token;

  void SetUp() override {
    ASSERT_EQ(::access(node_bin, X_OK), 0) << node_bin << " missing: run scripts/install-deps";
    ASSERT_EQ(::access(chromium_bin, X_OK), 0)
        << chromium_bin << " missing: run scripts/install-deps";
    ASSERT_EQ(::access((browser_dir + "/node_modules/playwright-core").c_str(), R_OK), 0)
        << "playwright-core missing in " << browser_dir << ": run scripts/install-deps";
    // One gossip group through the master, so that every node's membership lists all five.
    c.set_common({"master.address=" + c.addr_of(master_index), "master.unhealthy_after_ms=1500",
                  "master.removed_after_ms=4000", "chunkserver.heartbeat_interval_ms=300",
                  "cluster.introducers=[\"" + c.addr_of(master_index) + "\"]"});
    c.start("master", "master", master_index);
    for (int i = 1; i <= 3; ++i) c.start("cs" + std::to_string(i), "chunkserver", i);
    c.start("fs", "fileserver", fileserver_index, {"gcs.expected_group_size=1"});
    auto r =
        dfs::test::run({DFS_BIN_PATH, "--role", "ca", "--set", "cluster.key_file=" + c.key_file(),
                        "token", "browser", "--kind", "client", "--ttl", "600"},
                       c.dir());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    token = r.out.substr(0, r.out.find('\n'));
  }

  int healthy() { return c.healthy_chunkservers(master_index); }

  std::string url(int index, const std::string& path = "/") {
    return "https://127.0.0.1:" + std::to_string(c.port_of(index) + 3) + path;
  }

  // curl GET with the token; the status, and the body into `body`.
  int get(int index, const std::string& path, std::string* body = nullptr) {
    auto file = c.dir() + "/get.out";
    auto r = dfs::test::run(
        {"/usr/bin/curl", "-sS", "--max-time", "10", "--cacert", c.pki_dir() + "/ca.crt", "-H",
         "Authorization: Bearer " + token, "-o", file, "-w", "%{http_code}", url(index, path)},
        c.dir());
    if (body) *body = read_all(file);
    return std::atoi(r.out.c_str());
  }
};

TEST_F(StatusPage, BrowserSeesThreeHealthyChunkserversThenOneUnhealthyAfterSigkill) {
  ASSERT_TRUE(wait_until([&] { return get(master_index, "/") == 200; }, 20s));
  // The cluster is up before the browser looks: the page must then agree within its deadline.
  ASSERT_TRUE(wait_until([&] { return healthy() == 3; }, 30s))
      << c.admin(master_index, {"chunkservers"}).out;
  auto& victim = c.proc("cs2");
  auto r = dfs::test::run({node_bin, browser_dir + "/status_page.mjs", url(master_index), token,
                           std::to_string(victim.pid()), c.addr_of(2)},
                          c.dir());
  std::cout << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(StatusPage, FileserverPageShowsTheClusterMembershipGcsAndQueues) {
  // The fileserver's page: the master's chunkservers with capacity bars (asked from the master),
  // its gossip view, its GCS view and queues.
  std::string body;
  ASSERT_TRUE(wait_until(
      [&] {
        return get(fileserver_index, "/status.json", &body) == 200 &&
               body.find("\"primary\":true") != std::string::npos &&
               body.find("\"roles\":\"chunkserver\"") != std::string::npos &&
               body.find("\"from\":\"" + c.addr_of(master_index) + "\"") != std::string::npos;
      },
      20s))
      << body;
  EXPECT_EQ(get(fileserver_index, "/", &body), 200);
  EXPECT_NE(body.find("<main id=\"status\""), std::string::npos);
  EXPECT_NE(body.find("as reported by the master at " + c.addr_of(master_index)), std::string::npos)
      << body;
  EXPECT_NE(body.find("class=\"bar\""), std::string::npos) << "no capacity bars";
  EXPECT_NE(body.find("Group communication"), std::string::npos);
  EXPECT_NE(body.find("class=\"member\""), std::string::npos);
  EXPECT_EQ(get(fileserver_index, "/status/fragment", &body), 200);
  EXPECT_EQ(body.find("<html"), std::string::npos);  // only the live body
  EXPECT_NE(body.find("id=\"members\""), std::string::npos);
  // In the browser: three healthy chunkservers, then one unhealthy after a SIGKILL, live.
  ASSERT_TRUE(wait_until([&] { return healthy() == 3; }, 30s))
      << c.admin(master_index, {"chunkservers"}).out;
  auto& victim = c.proc("cs3");
  auto r = dfs::test::run({node_bin, browser_dir + "/status_page.mjs", url(fileserver_index), token,
                           std::to_string(victim.pid()), c.addr_of(3)},
                          c.dir());
  std::cout << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // The master gone: the section is withdrawn, not shown stale.
  c.kill9("master");
  ASSERT_TRUE(wait_until(
      [&] {
        return get(fileserver_index, "/status.json", &body) == 200 &&
               body.find("\"master\":null") != std::string::npos;
      },
      20s))
      << body;
}

}  // namespace
