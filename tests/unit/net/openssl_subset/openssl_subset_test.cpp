// The lean front's OpenSSL (net/openssl_subset.hpp, init_openssl_for_cli): a process of its own,
// because the set-up must be the process's first use of OpenSSL (main() below), with the server
// in a child process that has OpenSSL as servers have it. Everything the
// front does with OpenSSL must still work with only the kept algorithms: a full handshake with
// certificates loaded on demand, a resumed one, the login signature, HMAC, random numbers. A
// missing algorithm shows here as a failed handshake or fetch ("ca md too weak" was one).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "common/certificates.hpp"
#include "common/crypto.hpp"
#include "common/process.hpp"
#include "common/temp_dir.hpp"
#include "net/data_server.hpp"
#include "net/tls_context.hpp"

using namespace dfs;

namespace {

bool fetches_cipher(const char* name) {
  EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, name, nullptr);
  EVP_CIPHER_free(c);
  return c != nullptr;
}

bool fetches_digest(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  EVP_MD_free(md);
  return md != nullptr;
}

// The server: a child forked before this process touched OpenSSL, so with OpenSSL as every
// server has it; the front only ever runs the client side. It makes the certificates, serves
// until its pipe from here closes, and says its port once it listens.
struct server_process {
  pid_t pid = -1;
  int keep_alive = -1;  // our end of the pipe it waits on
  uint16_t port = 0;
};

std::string g_ca;  // the certificates' directory, shared with the server
server_process g_server;

[[noreturn]] void serve(const std::string& ca, int ready_fd, int alive_fd) {
  pki::create_ca(ca);
  pki::issue_certificate(ca, "cs", principal_kind::server, {"127.0.0.1"});
  pki::issue_certificate(ca, "alice", principal_kind::client, {});
  net::data_server_options o;
  o.cluster = 7;
  o.max_connections = 4;
  o.tls = std::make_shared<net::tls_context>(
      net::tls_files{ca + "/ca.crt", ca + "/cs.crt", ca + "/cs.key"}, net::tls_side::server);
  // Echoes each request after the peer's name: the client sees who the server saw.
  auto echo = [](net::frame_conn& c) {
    net::frame f;
    while (c.read(f) == net::frame_error::none)
      if (!c.reply(0, c.peer_name() + ":" + f.payload)) return;
  };
  // Another test of this binary may be starting its server at the same time (ctest -j).
  std::unique_ptr<net::data_server> srv;
  for (uint16_t from = 42910; !srv && from < 42960; ++from) {
    o.port = test::free_port_block(1, from);
    try {
      srv = std::make_unique<net::data_server>(o, echo);
      srv->start();
    } catch (const std::exception&) {
      srv.reset();
    }
  }
  if (!srv) std::_Exit(1);
  if (::write(ready_fd, &o.port, sizeof o.port) != sizeof o.port) std::_Exit(1);
  char c;
  while (::read(alive_fd, &c, 1) != 0) {  // EOF: the test process ended or closed it
  }
  std::_Exit(0);
}

server_process start_server(const std::string& ca) {
  int ready[2], alive[2];
  if (::pipe(ready) != 0 || ::pipe(alive) != 0) throw std::runtime_error("pipe failed");
  server_process p;
  p.pid = ::fork();
  if (p.pid == 0) {
    ::close(ready[0]);
    ::close(alive[1]);
    serve(ca, ready[1], alive[0]);
  }
  ::close(ready[1]);
  ::close(alive[0]);
  p.keep_alive = alive[1];
  if (::read(ready[0], &p.port, sizeof p.port) != sizeof p.port) p.port = 0;
  ::close(ready[0]);
  return p;
}

void stop_server(server_process& p) {
  if (p.pid <= 0) return;
  ::close(p.keep_alive);
  int status = 0;
  ::waitpid(p.pid, &status, 0);
  p.pid = -1;
}

struct OpensslSubset : ::testing::Test {
  test::temp_dir tmp;
  boost::asio::io_context io;

  void SetUp() override { ASSERT_NE(g_server.port, 0) << "the server process did not start"; }

  net::tls_files files(const std::string& name) {
    return {g_ca + "/ca.crt", g_ca + "/" + name + ".crt", g_ca + "/" + name + ".key"};
  }

  // A CLI command's connection: a new context loading its files on demand and keeping sessions
  // in one directory. Returns whether it resumed; the reply must echo the request.
  bool command() {
    auto ctx = std::make_shared<net::tls_context>(files("alice"), net::tls_side::client,
                                                  net::tls_load::on_demand);
    EXPECT_EQ(ctx->keep_sessions(tmp.path() + "/sessions"), "");
    auto c = net::frame_conn::connect(io, "127.0.0.1", g_server.port, 7, 10000, ctx.get());
    EXPECT_TRUE(c.write(net::data_type::stat, "x"));
    net::frame f;
    EXPECT_EQ(c.read(f), net::frame_error::none);
    // After the reply's status and length: the name the server verified, and our request.
    EXPECT_NE(f.payload.find("alice:x"), std::string::npos) << f.payload;
    EXPECT_EQ(ctx->on_demand_check(), "");
    return c.resumed();
  }
};

}  // namespace

TEST_F(OpensslSubset, OnlyTheKeptAlgorithmsAreOffered) {
  // Kept: the TLS 1.3 suites and the SHA-2 digests.
  EXPECT_TRUE(fetches_cipher("AES-128-GCM"));
  EXPECT_TRUE(fetches_cipher("ChaCha20-Poly1305"));
  EXPECT_TRUE(fetches_digest("SHA256"));
  EXPECT_TRUE(fetches_digest("SHA2-384"));
  // Not kept: what would show that the filter is not in the way at all.
  EXPECT_FALSE(fetches_cipher("AES-128-CBC"));
  EXPECT_FALSE(fetches_cipher("DES-EDE3-CBC"));
  EXPECT_FALSE(fetches_digest("MD5"));
  EXPECT_FALSE(fetches_digest("SHA3-256"));
}

TEST_F(OpensslSubset, RandomNumbersComeFromTheHashDrbg) {
  unsigned char a[32], b[32];
  ASSERT_EQ(RAND_bytes(a, sizeof a), 1);
  ASSERT_EQ(RAND_bytes(b, sizeof b), 1);
  EXPECT_NE(std::string(reinterpret_cast<char*>(a), sizeof a),
            std::string(reinterpret_cast<char*>(b), sizeof b));
  EXPECT_EQ(crypto::random_bytes(16).size(), 16u);
}

TEST_F(OpensslSubset, AFullHandshakeThenAResumedOneCarryRequests) {
  EXPECT_FALSE(command());  // full: both certificates checked, ours loaded on demand
  EXPECT_TRUE(command());   // resumed from the kept session
}

TEST_F(OpensslSubset, CertificateChecksSignaturesAndHmacWork) {
  auto cert = pki::read_file(g_ca + "/alice.crt");
  EXPECT_EQ(pki::verify_certificate(g_ca + "/ca.crt", cert).name, "alice");
  // The login challenge's signature (client/remote.cpp).
  auto sig = pki::sign(g_ca + "/alice.key", "challenge");
  EXPECT_TRUE(pki::verify_signature(cert, "challenge", sig));
  EXPECT_FALSE(pki::verify_signature(cert, "another challenge", sig));
  // RFC 4231 test case 2, one-shot and with the keyed state the gossip uses.
  auto mac = crypto::hmac_sha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(mac[0], 0x5b);
  EXPECT_EQ(mac[31], 0x43);
  EXPECT_EQ(crypto::hmac_sha256_key("Jefe").sign("what do ya want for nothing?"), mac);
  net::tls_context tls(files("alice"), net::tls_side::client);
  EXPECT_EQ(tls.own_certificate_problem(), "");
}

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  test::temp_dir dir;
  g_ca = dir.path() + "/ca";
  g_server = start_server(g_ca);
  // As the lean front does, before anything else here touches OpenSSL.
  if (!net::init_openssl_for_cli()) {
    std::fprintf(stderr, "init_openssl_for_cli failed\n");
    stop_server(g_server);
    return 1;
  }
  int rc = RUN_ALL_TESTS();
  stop_server(g_server);
  return rc;
}
