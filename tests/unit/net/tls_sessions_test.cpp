// Resumable TLS sessions of a client (net/tls_sessions.hpp): each test's "command" is a new
// client context, as a new CLI process would make, over the same session directory.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

#include "common/certificates.hpp"
#include "common/process.hpp"
#include "common/temp_dir.hpp"
#include "net/data_server.hpp"
#include "net/tls_context.hpp"

using namespace dfs;

namespace {

struct seen_peer {
  bool resumed = false;
  std::optional<principal_kind> kind;
  std::string name;
};

struct TlsSessions : ::testing::Test {
  test::temp_dir tmp;
  std::string ca = tmp.path() + "/ca";
  std::string dir = tmp.path() + "/sessions";
  boost::asio::io_context io;
  std::mutex mu;
  seen_peer last;  // what the server saw of its newest connection

  void SetUp() override {
    pki::create_ca(ca);
    pki::issue_certificate(ca, "cs", principal_kind::server, {"127.0.0.1"});
    pki::issue_certificate(ca, "alice", principal_kind::client, {});
    pki::issue_certificate(ca, "root", principal_kind::admin, {});
  }

  net::tls_files files(const std::string& name) {
    return {ca + "/ca.crt", ca + "/" + name + ".crt", ca + "/" + name + ".key"};
  }

  // A server answering each frame with "ok", recording how each connection was made.
  std::unique_ptr<net::data_server> server(uint16_t port, const std::string& cert = "cs") {
    net::data_server_options o;
    o.port = port;
    o.cluster = 7;
    o.max_connections = 4;
    o.tls = std::make_shared<net::tls_context>(files(cert), net::tls_side::server);
    auto srv = std::make_unique<net::data_server>(o, [this](net::frame_conn& c) {
      {
        std::lock_guard lk(mu);
        last = {c.resumed(), c.peer_kind(), c.peer_name()};
      }
      net::frame f;
      while (c.read(f) == net::frame_error::none)
        if (!c.reply(0, "ok")) return;
    });
    srv->start();
    return srv;
  }

  // One command: a fresh client context keeping sessions in `dir`, one request and its reply
  // (which carries the server's ticket in front of it). Returns whether it resumed.
  bool command(uint16_t port, const std::string& who = "alice",
               net::tls_load load = net::tls_load::eager) {
    auto ctx = std::make_shared<net::tls_context>(files(who), net::tls_side::client, load);
    EXPECT_EQ(ctx->keep_sessions(dir), "");
    auto c = net::frame_conn::connect(io, "127.0.0.1", port, 7, 10000, ctx.get());
    EXPECT_TRUE(c.write(net::data_type::stat, "x"));
    net::frame f;
    EXPECT_EQ(c.read(f), net::frame_error::none);
    return c.resumed();
  }

  seen_peer server_saw() {
    std::lock_guard lk(mu);
    return last;
  }

  std::string kept_file(uint16_t port, const std::string& who = "alice") {
    auto ctx = std::make_shared<net::tls_context>(files(who), net::tls_side::client);
    ctx->keep_sessions(dir);
    return ctx->sessions()->file_for("127.0.0.1:" + std::to_string(port));
  }
};

struct stat stat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

}  // namespace

TEST_F(TlsSessions, TheNextCommandResumesAndTheServerStillKnowsWhoItIs) {
  auto port = test::free_port_block(1, 42830);
  auto srv = server(port);
  EXPECT_FALSE(command(port));
  EXPECT_FALSE(server_saw().resumed);
  auto file = kept_file(port);
  auto first = stat_of(file);
  EXPECT_EQ(first.st_mode & 0777, 0600u);
  EXPECT_EQ(stat_of(dir).st_mode & 0777, 0700u);

  EXPECT_TRUE(command(port));
  auto seen = server_saw();
  EXPECT_TRUE(seen.resumed);
  // The ticket carries the client's verified certificate: kind and name hold when resumed.
  EXPECT_EQ(seen.kind, principal_kind::client);
  EXPECT_EQ(seen.name, "alice");
  // A resumed command leaves the kept session as it was (no write per command).
  EXPECT_EQ(stat_of(file).st_ino, first.st_ino);
  EXPECT_TRUE(command(port));
}

TEST_F(TlsSessions, AnotherIdentityOrServerNeverResumesAnothersSession) {
  auto port = test::free_port_block(2, 42840);
  auto a = server(port);
  auto b = server(port + 1);
  EXPECT_FALSE(command(port));
  EXPECT_TRUE(command(port));
  // The admin certificate's commands do not get alice's session, nor the other server.
  EXPECT_FALSE(command(port, "root"));
  EXPECT_EQ(server_saw().kind, principal_kind::admin);
  EXPECT_FALSE(command(port + 1));
  EXPECT_NE(kept_file(port), kept_file(port, "root"));
  EXPECT_NE(kept_file(port), kept_file(port + 1));
  EXPECT_TRUE(command(port, "root"));
  EXPECT_EQ(server_saw().name, "root");
}

TEST_F(TlsSessions, ARestartedServerRefusesTheOldSessionAndAFullHandshakeFollows) {
  auto port = test::free_port_block(1, 42850);
  auto srv = server(port);
  EXPECT_FALSE(command(port));
  srv.reset();
  srv = server(port);  // new ticket keys
  EXPECT_FALSE(command(port));
  EXPECT_EQ(server_saw().name, "alice");
  EXPECT_TRUE(command(port));  // the new session was kept
}

TEST_F(TlsSessions, ASessionFileOthersCouldReadOrACorruptOneIsNotUsed) {
  auto port = test::free_port_block(1, 42860);
  auto srv = server(port);
  EXPECT_FALSE(command(port));
  auto file = kept_file(port);
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  EXPECT_FALSE(command(port));
  // The full handshake kept a new session, private again.
  EXPECT_EQ(stat_of(file).st_mode & 0777, 0600u);
  EXPECT_TRUE(command(port));
  std::ofstream(file, std::ios::trunc) << "not a session";
  EXPECT_FALSE(command(port));
  EXPECT_TRUE(command(port));
}

TEST_F(TlsSessions, ADirectoryOthersCanEnterIsRefusedWithOneClearReason) {
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  auto ctx = std::make_shared<net::tls_context>(files("alice"), net::tls_side::client);
  auto why = ctx->keep_sessions(dir);
  EXPECT_NE(why.find("mode 0700"), std::string::npos) << why;
  EXPECT_EQ(ctx->sessions(), nullptr);
  auto file_dir = tmp.path() + "/plain";
  std::ofstream(file_dir) << "x";
  EXPECT_NE(ctx->keep_sessions(file_dir).find("not a directory"), std::string::npos);
  // A server context never keeps sessions.
  auto srv = std::make_shared<net::tls_context>(files("cs"), net::tls_side::server);
  EXPECT_EQ(srv->keep_sessions(tmp.path() + "/other"), "");
  EXPECT_EQ(srv->sessions(), nullptr);
}

// Only a client that keeps sessions asks for a ticket: any other client's idle connection (a
// pooled or multiplexed one) never holds ticket bytes it did not ask for.
TEST_F(TlsSessions, OnlyAClientThatKeepsSessionsIsSentATicket) {
  auto port = test::free_port_block(1, 42870);
  auto srv = server(port);
  auto readable_within = [](net::frame_conn& c, int ms) {
    pollfd p{c.fd(), POLLIN, 0};
    return ::poll(&p, 1, ms) == 1;
  };
  auto keeping = std::make_shared<net::tls_context>(files("alice"), net::tls_side::client);
  ASSERT_EQ(keeping->keep_sessions(dir), "");
  auto asked = net::frame_conn::connect(io, "127.0.0.1", port, 7, 10000, keeping.get());
  EXPECT_TRUE(readable_within(asked, 10000));  // its ticket, with no request sent
  auto plain = std::make_shared<net::tls_context>(files("alice"), net::tls_side::client);
  auto idle = net::frame_conn::connect(io, "127.0.0.1", port, 7, 10000, plain.get());
  EXPECT_FALSE(readable_within(idle, 300));
  EXPECT_TRUE(idle.write(net::data_type::stat, "x"));
  net::frame f;
  EXPECT_EQ(idle.read(f), net::frame_error::none);
  EXPECT_FALSE(idle.has_unread());
}

// The lean front's context parses its files only when a handshake needs them: resuming needs
// none (a key file that no longer parses goes unnoticed), a full handshake names the file.
TEST_F(TlsSessions, AnOnDemandContextThatResumesParsesNoFileAndAFullHandshakeNamesABadOne) {
  auto port = test::free_port_block(1, 42880);
  auto srv = server(port);
  EXPECT_FALSE(command(port, "alice", net::tls_load::on_demand));
  EXPECT_EQ(server_saw().name, "alice");
  auto key = ca + "/alice.key";
  std::ofstream(key, std::ios::trunc) << "-----BEGIN PRIVATE KEY-----\nbroken\n";
  EXPECT_TRUE(command(port, "alice", net::tls_load::on_demand));
  // Without the kept session the key is needed, and its error is the one the start-up
  // check gives.
  std::filesystem::remove_all(dir);
  auto ctx = std::make_shared<net::tls_context>(files("alice"), net::tls_side::client,
                                                net::tls_load::on_demand);
  try {
    net::frame_conn::connect(io, "127.0.0.1", port, 7, 10000, ctx.get());
    ADD_FAILURE() << "the handshake succeeded without a usable key";
  } catch (const net::tls_setup_error& e) {
    EXPECT_NE(
        std::string(e.what()).find("TLS: cannot load tls.key '" + key + "': not a PEM private key"),
        std::string::npos)
        << e.what();
  }
}

TEST_F(TlsSessions, AnOnDemandContextSaysWhyTheServerRefusedACertificateOfAnotherCa) {
  auto port = test::free_port_block(1, 42890);
  auto srv = server(port);
  auto evil = tmp.path() + "/evil";
  pki::create_ca(evil);
  pki::issue_certificate(evil, "mallory", principal_kind::client, {});
  // Mallory trusts the cluster's CA but holds a certificate of her own CA.
  net::tls_files f{ca + "/ca.crt", evil + "/mallory.crt", evil + "/mallory.key"};
  auto ctx = std::make_shared<net::tls_context>(f, net::tls_side::client, net::tls_load::on_demand);
  try {
    net::frame_conn::connect(io, "127.0.0.1", port, 7, 10000, ctx.get());
    ADD_FAILURE() << "connected with a certificate of another CA";
  } catch (const net::tls_setup_error& e) {  // so that callers give up at once
    EXPECT_NE(
        std::string(e.what()).find("tls.cert '" + evil + "/mallory.crt': certificate rejected: "),
        std::string::npos)
        << e.what();
  }
  EXPECT_EQ(ctx->own_certificate_problem().rfind("certificate rejected: ", 0), 0u);
}

// Verifying on demand keeps every check of a verification at start: a server holding a client
// certificate (signed by the cluster's CA) is refused, as by an eager context.
TEST_F(TlsSessions, AnOnDemandContextStillRefusesAServerWithAClientCertificate) {
  auto port = test::free_port_block(1, 42900);
  auto srv = server(port, "alice");
  for (auto load : {net::tls_load::eager, net::tls_load::on_demand}) {
    auto ctx = std::make_shared<net::tls_context>(files("root"), net::tls_side::client, load);
    try {
      net::frame_conn::connect(io, "127.0.0.1", port, 7, 10000, ctx.get());
      ADD_FAILURE() << "accepted a client certificate as a server's";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("unsuitable certificate purpose"), std::string::npos)
          << e.what();
    }
  }
}
