// The control plane against the attacks of issue 11, on a master + chunkserver as real
// processes: no certificate, another CA's certificate or plain TCP is refused; a client
// certificate cannot change a node's state; a client certificate cannot register as a
// chunkserver; idle connections and a 4 GiB length header from one host neither stop another
// client's puts and gets nor grow the node's memory.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <fstream>
#include <sstream>

#include "client/remote.hpp"
#include "common/dfs_cluster.hpp"
#include "common/raw_socket.hpp"
#include "proto/system_setup.hpp"

using namespace std::chrono_literals;
using dfs::test::closed_by_peer;
using dfs::test::connect_from;
using dfs::test::dfs_cluster;
using dfs::test::rss_kib;
using dfs::test::run_result;
using dfs::test::wait_until;

namespace {

constexpr int master_index = 0;

struct ControlPlane : ::testing::Test {
  dfs_cluster c;

  void SetUp() override {
    c.set_common({"master.address=" + c.addr_of(master_index), "net.handshake_timeout_ms=2000",
                  "quorum.replication=1", "quorum.write=1", "quorum.read=1"});
    c.start("master", "master", master_index);
    c.start("cs1", "chunkserver", 1);
    ASSERT_TRUE(wait_until(
        [&] {
          return c.admin(master_index, {"chunkservers"}).out.find(" healthy ") != std::string::npos;
        },
        20s));
  }

  run_result client(std::vector<std::string> args) {
    std::vector<std::string> argv = {DFS_BIN_PATH,
                                     "--role",
                                     "client",
                                     "--set",
                                     "log.console=false",
                                     "--set",
                                     "master.address=" + c.addr_of(master_index),
                                     "--set",
                                     "quorum.replication=1",
                                     "--set",
                                     "quorum.write=1",
                                     "--set",
                                     "quorum.read=1"};
    auto tls = c.tls_args("client");
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return dfs::test::run(argv, c.dir());
  }
};

}  // namespace

TEST_F(ControlPlane, AnotherCasCertificateAndPlainTcpAreRefused) {
  dfs::pki::create_ca(c.dir() + "/evil");
  dfs::pki::issue_certificate(c.dir() + "/evil", "mallory", dfs::principal_kind::admin, {});
  // An admin certificate of the attacker's own CA: the node refuses the handshake.
  auto r = dfs::test::run(
      {DFS_BIN_PATH, "--role", "admin", "--set", "log.console=false", "--set",
       "tls.ca=" + c.dir() + "/evil/ca.crt", "--set", "tls.cert=" + c.dir() + "/evil/mallory.crt",
       "--set", "tls.key=" + c.dir() + "/evil/mallory.key", "--connect", c.addr_of(master_index),
       "leave"},
      c.dir());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("TLS handshake failed"), std::string::npos) << r.err;
  // Plain TCP speaking CAF's protocol (a 40-byte BASP header): cut at once by the gate.
  int fd = connect_from("127.0.0.2", c.port_of(master_index));
  ASSERT_GE(fd, 0);
  std::string basp(40, '\0');
  basp[3] = 0x10;
  ASSERT_EQ(::send(fd, basp.data(), basp.size(), 0), 40);
  EXPECT_TRUE(closed_by_peer(fd, 3000ms));
  ::close(fd);
  // The node is unharmed and still lets its own admin in.
  EXPECT_EQ(c.admin(master_index, {"node"}).exit_code, 0);
}

TEST_F(ControlPlane, AClientCertificateCannotChangeANodesState) {
  for (auto cmd : std::vector<std::vector<std::string>>{
           {"leave"}, {"log-level", "off"}, {"reset-bandwidth"}}) {
    auto r = c.admin(master_index, cmd, "client");
    EXPECT_EQ(r.exit_code, 1) << cmd[0];
    EXPECT_NE(r.err.find("permission denied"), std::string::npos) << r.err;
  }
  // Read-only commands are open to any certificate; the node did not leave.
  auto members = c.admin(master_index, {"members"}, "client");
  EXPECT_EQ(members.exit_code, 0) << members.err;
  auto level = c.admin(master_index, {"log-level"}, "client");
  EXPECT_NE(level.out.find("info"), std::string::npos) << level.out;
  // The same commands work for an admin.
  EXPECT_EQ(c.admin(master_index, {"log-level", "info"}).exit_code, 0);
}

TEST_F(ControlPlane, AClientCertificateCannotRegisterAsAChunkserver) {
  // The local check: a server role refuses to start with a client certificate.
  auto r = dfs::test::run(
      {DFS_BIN_PATH, "--role", "chunkserver", "--set", "log.console=false", "--set",
       "cluster.key_file=" + c.key_file(), "--set", "node.data_dir=" + c.dir() + "/rogue", "--set",
       "node.port=" + std::to_string(c.port_of(5)), "--set", "tls.ca=" + c.pki_dir() + "/ca.crt",
       "--set", "tls.cert=" + c.pki_dir() + "/client.crt", "--set",
       "tls.key=" + c.pki_dir() + "/client.key"},
      c.dir());
  EXPECT_EQ(r.exit_code, 2);
  // The master's check, for a rogue that skips the local one: log in with the client
  // certificate and send a registration.
  auto cfg = c.config_for("client");
  caf::actor_system_config caf_cfg;
  dfs::configure_actor_system(caf_cfg, cfg);
  caf::actor_system sys{caf_cfg};
  auto node = dfs::connect_node(sys, cfg, {"127.0.0.1", c.port_of(master_index)});
  ASSERT_TRUE(node) << sys.render(node.error());
  caf::scoped_actor self{sys};
  dfs::chunkserver_registration reg;
  reg.id = dfs::node_id{"127.0.0.1", c.port_of(5), 1};
  reg.data_port = static_cast<uint16_t>(c.port_of(5) + 1);
  std::string err;
  self->request(node->actor, 5s, dfs::register_atom::value, node->token, reg)
      .receive([&](const std::string&, const dfs::registration_ack&) { err = "accepted"; },
               [&](caf::error& e) { err = dfs::error_text(sys, e); });
  EXPECT_NE(err.find("permission denied"), std::string::npos) << err;
  // And a forged token gets nowhere either.
  self->request(node->actor, 5s, dfs::register_atom::value,
                std::string("dfs1.server.9999999999.00.") + std::string(64, '0'), reg)
      .receive([&](const std::string&, const dfs::registration_ack&) { err = "accepted"; },
               [&](caf::error& e) { err = dfs::error_text(sys, e); });
  EXPECT_NE(err.find("permission denied"), std::string::npos) << err;
  EXPECT_EQ(c.admin(master_index, {"chunkservers"}).out.find(std::to_string(c.port_of(5))),
            std::string::npos);
}

TEST_F(ControlPlane, IdleConnectionsAndAHugeLengthHeaderDoNotStopOtherClients) {
  auto master_pid = c.proc("master").pid();
  auto before = rss_kib(master_pid);
  // 1,000 idle connections and one 4 GiB length header, all from 127.0.0.3.
  std::vector<int> fds;
  for (int i = 0; i < 1000; ++i) {
    int fd = connect_from("127.0.0.3", c.port_of(master_index));
    if (fd >= 0) fds.push_back(fd);
  }
  int big = connect_from("127.0.0.3", c.port_of(master_index));
  if (big >= 0) {
    std::string hdr(40, '\0');
    hdr[0] = 0x16;  // looks like TLS, then claims a 4 GiB BASP payload
    for (int i = 16; i < 20; ++i) hdr[i] = static_cast<char>(0xff);
    ::send(big, hdr.data(), hdr.size(), MSG_NOSIGNAL);
  }
  // Meanwhile the legitimate client (127.0.0.1) puts and gets.
  auto local = c.dir() + "/payload";
  std::ofstream(local) << std::string(200000, 'p');
  for (int i = 0; i < 5; ++i) {
    auto remote = "/f" + std::to_string(i);
    auto p = client({"put", local, remote});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    auto g = client({"get", remote, local + ".back"});
    ASSERT_EQ(g.exit_code, 0) << g.err;
  }
  auto after = rss_kib(master_pid);
  EXPECT_LT(after - before, 64 * 1024) << "RSS grew from " << before << " to " << after << " KiB";
  // The gate held at most its per-address cap of them, and cuts the rest once their handshake
  // time is over (2 s here).
  EXPECT_TRUE(wait_until(
      [&] {
        for (int fd : fds) {
          char b;
          if (::recv(fd, &b, 1, MSG_DONTWAIT) != 0) return false;
        }
        return true;
      },
      15s));
  for (int fd : fds) ::close(fd);
  if (big >= 0) ::close(big);
  EXPECT_EQ(c.admin(master_index, {"node"}).exit_code, 0);
}
