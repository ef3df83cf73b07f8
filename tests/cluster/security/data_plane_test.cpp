// The data plane against the attacks of issue 11, on a master + chunkserver as real processes:
// plain TCP, no certificate or another CA's certificate is refused on the data port; reads and
// pushes need the master's capability token for exactly that chunk and operation, unexpired;
// a committed replica is never overwritten, even with a valid token; a push chain naming an
// outside address is refused before anything is sent there; list is for admins; idle
// connections and a 4 GiB length header from one host stop neither another client nor grow
// the chunkserver's memory. The attacker here holds a client certificate of the cluster (or
// none), and for the tests of token checks, the cluster key itself to forge exact tokens.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <caf/all.hpp>
#include <fstream>
#include <sstream>

#include "client/storage_client.hpp"
#include "common/crc32c.hpp"
#include "common/dfs_cluster.hpp"
#include "common/raw_socket.hpp"
#include "common/wall_clock.hpp"
#include "core/chunkstore/error.hpp"
#include "core/security/capability.hpp"
#include "net/data_client.hpp"
#include "net/data_frame.hpp"
#include "net/data_messages.hpp"
#include "proto/system_setup.hpp"

using namespace std::chrono_literals;
using dfs::test::connect_from;
using dfs::test::dfs_cluster;
using dfs::test::read_all;
using dfs::test::rss_kib;
using dfs::test::run_result;
using dfs::test::wait_until;
namespace sec = dfs::security;
namespace asio = boost::asio;

namespace {

constexpr int master_index = 0;
constexpr int chunkserver_index = 1;

struct DataPlane : ::testing::Test {
  dfs_cluster c;
  std::unique_ptr<caf::actor_system_config> caf_cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<dfs::storage_client> storage;
  std::string key;  // the capability key, from the cluster's secret

  void start(std::vector<std::string> extra = {}) {
    std::vector<std::string> common = {"master.address=" + c.addr_of(master_index),
                                       "net.handshake_timeout_ms=2000", "quorum.replication=1",
                                       "quorum.write=1", "quorum.read=1"};
    common.insert(common.end(), extra.begin(), extra.end());
    c.set_common(common);
    c.start("master", "master", master_index);
    c.start("cs1", "chunkserver", chunkserver_index);
    ASSERT_TRUE(wait_until(
        [&] {
          return c.admin(master_index, {"chunkservers"}).out.find(" healthy ") != std::string::npos;
        },
        20s));
    key = sec::capability_key(read_all(c.key_file()));
  }
  void SetUp() override { start(); }

  dfs::config client_config(const std::string& cert = "client") {
    auto cfg = c.config_for(cert);
    cfg.master.address = c.addr_of(master_index);
    cfg.quorum.replication = cfg.quorum.write = cfg.quorum.read = 1;
    return cfg;
  }
  dfs::storage_client& client() {
    if (!storage) {
      caf_cfg = std::make_unique<caf::actor_system_config>();
      dfs::configure_actor_system(*caf_cfg, client_config());
      sys = std::make_unique<caf::actor_system>(*caf_cfg);
      storage = std::make_unique<dfs::storage_client>(*sys, client_config());
    }
    return *storage;
  }
  // A pool speaking TLS with certificate `cert` (empty: plain TCP).
  dfs::net::conn_pool pool(const std::string& cert = "client") {
    dfs::net::pool_options o;
    o.cluster = dfs::net::cluster_id("dfs");
    o.timeout_ms = 5000;
    if (!cert.empty())
      o.tls = std::make_shared<dfs::net::tls_context>(
          dfs::net::tls_files{c.pki_dir() + "/ca.crt", c.pki_dir() + "/" + cert + ".crt",
                              c.pki_dir() + "/" + cert + ".key"},
          dfs::net::tls_side::client);
    return dfs::net::conn_pool(o);
  }
  dfs::net::data_endpoint data_port() {
    return {"127.0.0.1", static_cast<uint16_t>(c.port_of(chunkserver_index) + 1)};
  }
  std::string self() { return data_port().text(); }

  // Puts `bytes` as `remote` (one chunk) and returns its layout, read tokens included.
  dfs::ns_reply put(const std::string& remote, const std::string& bytes) {
    client().put_bytes(bytes, remote, 0);
    auto l = client().layout_now(remote);
    EXPECT_EQ(l.chunks.size(), 1u);
    return l;
  }
  std::string forge(sec::capability_op op, uint64_t handle, uint64_t version, int64_t ttl_ms,
                    std::vector<std::string> chain = {}) {
    return sec::sign_capability(
        {op, handle, version, static_cast<uint64_t>(int64_t(dfs::wall_clock_ms()) + ttl_ms), chain},
        key);
  }
};

// The status and message of a data-port request that should fail.
template <class F>
std::pair<uint32_t, std::string> refusal(F f) {
  try {
    f();
  } catch (const dfs::net::data_error& e) {
    return {e.status, e.what()};
  }
  return {0, "accepted"};
}

constexpr auto forbidden = uint32_t(dfs::chunkstore::errc::forbidden);

// Whether process `pid` ignores SIGPIPE (the SigIgn mask of /proc/PID/status).
bool ignores_sigpipe(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("SigIgn:", 0) == 0)
      return (std::stoull(line.substr(7), nullptr, 16) >> (SIGPIPE - 1)) & 1;
  return false;
}

// Reads the reply header and one data frame, so the chunkserver is mid-stream when we close.
void frame_read_some(dfs::net::frame_conn& conn) {
  dfs::net::frame f;
  EXPECT_EQ(conn.read(f), dfs::net::frame_error::none);
  EXPECT_EQ(conn.read(f), dfs::net::frame_error::none);
}

}  // namespace

TEST_F(DataPlane, PlainTcpNoCertificateAndAnotherCasCertificateAreRefused) {
  auto l = put("/f", "hello");
  auto& ch = l.chunks[0];
  // The owner of the data reads it, over TLS with its token.
  auto p = pool();
  EXPECT_EQ(dfs::net::read_chunk(p, data_port(), ch.handle, 0, 5, ch.token), "hello");
  // Plain TCP with a valid token: the chunkserver expects a TLS handshake and hangs up.
  auto plain = pool("");
  auto r = refusal([&] { dfs::net::read_chunk(plain, data_port(), ch.handle, 0, 5, ch.token); });
  EXPECT_EQ(r.first, 0u) << r.second;
  EXPECT_EQ(r.second.find("hello"), std::string::npos);
  // Another CA's certificate: the handshake fails (both sides refuse the other's chain).
  dfs::pki::create_ca(c.dir() + "/evil");
  dfs::pki::issue_certificate(c.dir() + "/evil", "mallory", dfs::principal_kind::admin, {});
  dfs::net::pool_options o;
  o.cluster = dfs::net::cluster_id("dfs");
  o.timeout_ms = 5000;
  o.tls = std::make_shared<dfs::net::tls_context>(
      dfs::net::tls_files{c.pki_dir() + "/ca.crt", c.dir() + "/evil/mallory.crt",
                          c.dir() + "/evil/mallory.key"},
      dfs::net::tls_side::client);
  dfs::net::conn_pool evil(o);
  r = refusal([&] { dfs::net::read_chunk(evil, data_port(), ch.handle, 0, 5, ch.token); });
  EXPECT_EQ(r.first, 0u) << r.second;
  // No certificate at all: a TLS client that trusts the cluster CA but presents nothing.
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(c.pki_dir() + "/ca.crt");
  ctx.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<asio::ip::tcp::socket> s(io, ctx);
  s.lowest_layer().connect({asio::ip::make_address("127.0.0.1"), data_port().port});
  boost::system::error_code ec;
  s.handshake(asio::ssl::stream_base::client, ec);
  if (!ec) {  // TLS 1.3: the server's verdict on the client arrives with the first read
    char b[64];
    asio::write(s, asio::buffer("x", 1), ec);
    s.read_some(asio::buffer(b), ec);
  }
  EXPECT_TRUE(ec) << "a client without a certificate was served";
  // The chunkserver is unharmed.
  EXPECT_EQ(dfs::net::read_chunk(p, data_port(), ch.handle, 0, 5, ch.token), "hello");
}

// A reader that asks for a large chunk and hangs up at once: the chunkserver's TLS writes hit a
// closed socket. That must end the one connection (EPIPE), not the process (SIGPIPE, which
// OpenSSL's socket writes raise by default) — the node keeps serving.
TEST_F(DataPlane, AReaderThatHangsUpMidReadLeavesTheChunkserverServing) {
  const std::string big(8u << 20, 'z');
  auto l = put("/big", big);
  auto& ch = l.chunks[0];
  dfs::net::tls_context tls(
      {c.pki_dir() + "/ca.crt", c.pki_dir() + "/client.crt", c.pki_dir() + "/client.key"},
      dfs::net::tls_side::client);
  for (int i = 0; i < 3; ++i) {
    asio::io_context io;
    auto conn = dfs::net::frame_conn::connect(io, "127.0.0.1", data_port().port,
                                              dfs::net::cluster_id("dfs"), 5000, &tls);
    ASSERT_TRUE(conn.write(dfs::net::data_type::read, dfs::net::encode(dfs::net::read_msg{
                                                          ch.handle, 0, big.size(), ch.token})));
    frame_read_some(conn);
  }  // closed with unread bytes: the kernel answers the chunkserver's next segments with RST
  auto p = pool();
  ASSERT_TRUE(wait_until(
      [&] {
        try {
          return dfs::net::read_chunk(p, data_port(), ch.handle, 0, 5, ch.token) == "zzzzz";
        } catch (const dfs::net::data_error&) {
          return false;
        }
      },
      10s));
  EXPECT_EQ(dfs::net::read_chunk(p, data_port(), ch.handle, 0, big.size(), ch.token), big);
  EXPECT_TRUE(c.proc("cs1").running());
  // The node set SIGPIPE to ignored itself (it was started with the default disposition).
  EXPECT_TRUE(ignores_sigpipe(c.proc("cs1").pid()));
}

TEST_F(DataPlane, ReadsNeedAnUnexpiredReadTokenForThatChunk) {
  auto a = put("/a", "secret-a");
  auto b = put("/b", "secret-b");
  auto& ca = a.chunks[0];
  auto p = pool();
  auto read = [&](const std::string& token) {
    return refusal([&] { dfs::net::read_chunk(p, data_port(), ca.handle, 0, 8, token); });
  };
  auto expect_refused = [](std::pair<uint32_t, std::string> r, const std::string& why) {
    EXPECT_EQ(r.first, forbidden) << r.second;
    EXPECT_NE(r.second.find("read refused: " + why), std::string::npos) << r.second;
  };
  expect_refused(read(""), "no capability token");
  expect_refused(read(b.chunks[0].token), "capability token is for another chunk");
  expect_refused(read(forge(sec::capability_op::read, ca.handle, 1, -1000)),
                 "capability token expired");
  expect_refused(read(sec::sign_capability(
                     {sec::capability_op::read, ca.handle, 1, dfs::wall_clock_ms() + 60000, {}},
                     sec::capability_key("guessed-secret"))),
                 "capability token not signed by this cluster's master");
  auto garbage = ca.token;
  garbage[garbage.size() / 2] ^= 1;
  expect_refused(read(garbage), "capability token not signed");
  // A write token is not a read token; stat needs one too.
  expect_refused(read(forge(sec::capability_op::write, ca.handle, 1, 60000, {self()})),
                 "capability token is for a write, not a read");
  auto st = refusal([&] { dfs::net::stat_chunk(p, data_port(), ca.handle, ""); });
  EXPECT_EQ(st.first, forbidden) << st.second;
  // With its own token the read works, on the same pool (a refusal keeps the link usable).
  EXPECT_EQ(dfs::net::read_chunk(p, data_port(), ca.handle, 0, 8, ca.token), "secret-a");
  EXPECT_EQ(dfs::net::stat_chunk(p, data_port(), ca.handle, ca.token).length, 8u);
}

TEST_F(DataPlane, PushesNeedAWriteTokenAndNeverOverwriteACommittedReplica) {
  auto l = put("/victim", "original");
  auto& ch = l.chunks[0];
  auto p = pool();
  auto push = [&](uint64_t handle, const std::string& token, const std::string& bytes,
                  std::vector<dfs::net::data_endpoint> chain = {}) {
    chain.insert(chain.begin(), data_port());
    return refusal([&] { dfs::net::push_chunk(p, chain, 99, handle, 1, token, bytes); });
  };
  // A fresh handle nobody planned: no token, a read token, a token for another handle.
  const uint64_t fresh = 0x7000000000000001ull;
  auto r = push(fresh, "", "x");
  EXPECT_EQ(r.first, forbidden) << r.second;
  EXPECT_NE(r.second.find("push refused: no capability token"), std::string::npos) << r.second;
  r = push(fresh, forge(sec::capability_op::read, fresh, 1, 60000), "x");
  EXPECT_NE(r.second.find("is for a read, not a write"), std::string::npos) << r.second;
  r = push(fresh, forge(sec::capability_op::write, fresh + 1, 1, 60000, {self()}), "x");
  EXPECT_NE(r.second.find("another chunk"), std::string::npos) << r.second;
  r = push(fresh, forge(sec::capability_op::write, fresh, 1, -1, {self()}), "x");
  EXPECT_NE(r.second.find("expired"), std::string::npos) << r.second;
  // The committed handle, with a perfectly valid write token: refused, content untouched.
  // Bytes of another length are refused before they are read; bytes of the original's length
  // are read (they might repeat it) and then not stored: their CRC32C differs.
  r = push(ch.handle, forge(sec::capability_op::write, ch.handle, 1, 60000, {self()}), "attackers");
  EXPECT_EQ(r.first, uint32_t(dfs::chunkstore::errc::exists)) << r.second;
  EXPECT_NE(r.second.find("already committed here"), std::string::npos) << r.second;
  auto same_length = dfs::net::push_chunk(
      p, {data_port()}, 97, ch.handle, 1,
      forge(sec::capability_op::write, ch.handle, 1, 60000, {self()}), "attacker");
  EXPECT_TRUE(same_length.stored.empty());
  EXPECT_NE(same_length.errors.find("already committed here"), std::string::npos)
      << same_length.errors;
  std::string got;
  client().get("/victim", 0, [&](uint64_t, std::string_view d) { got.append(d); });
  EXPECT_EQ(got, "original");
  auto s = dfs::net::stat_chunk(p, data_port(), ch.handle, ch.token);
  EXPECT_EQ(s.crc32c, dfs::crc32c(std::string("original")));
  // A repeat of the committed bytes (a client whose chain broke after this replica committed)
  // is counted as stored, and changes nothing.
  auto repeat = dfs::net::push_chunk(
      p, {data_port()}, 98, ch.handle, 1,
      forge(sec::capability_op::write, ch.handle, 1, 60000, {self()}), "original");
  EXPECT_EQ(repeat.stored, std::vector<std::string>{data_port().text()}) << repeat.errors;
  EXPECT_EQ(dfs::net::stat_chunk(p, data_port(), ch.handle, ch.token).crc32c, s.crc32c);
}

TEST_F(DataPlane, APushChainNamingAnOutsideAddressIsRefusedAndNothingIsSentThere) {
  // A listener standing for "any host:port" the attacker would like the chunkserver to reach.
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(lfd, 8), 0);
  socklen_t len = sizeof a;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  dfs::net::data_endpoint outside{"127.0.0.1", ntohs(a.sin_port)};
  // A planned chunk: the master's own write token, chain = this chunkserver only.
  auto plan = client().plan_put("/relay", 10, 0);
  ASSERT_EQ(plan.chunks.size(), 1u);
  auto& ch = plan.chunks[0];
  auto p = pool();
  auto r = refusal([&] {
    dfs::net::push_chunk(p, {data_port(), outside}, 5, ch.handle, ch.chunk_version, ch.token,
                         "0123456789");
  });
  EXPECT_EQ(r.first, forbidden) << r.second;
  EXPECT_NE(r.second.find("push chain names " + outside.text()), std::string::npos) << r.second;
  EXPECT_LT(::accept(lfd, nullptr, nullptr), 0) << "the chunkserver connected to the outsider";
  ::close(lfd);
  // The same token without the detour works: the plan's replica is the whole chain.
  auto ok = dfs::net::push_chunk(p, {data_port()}, 6, ch.handle, ch.chunk_version, ch.token,
                                 "0123456789");
  EXPECT_EQ(ok.stored, std::vector<std::string>{self()});
}

TEST_F(DataPlane, ListIsForAdminCertificatesOnly) {
  put("/f", "x");
  auto p = pool("client");
  auto r = refusal([&] { dfs::net::list_store(p, data_port()); });
  EXPECT_EQ(r.first, forbidden) << r.second;
  EXPECT_NE(r.second.find("list needs an admin certificate"), std::string::npos) << r.second;
  auto admin = pool("admin");
  EXPECT_EQ(dfs::net::list_store(admin, data_port()).total_chunks, 1u);
}

TEST_F(DataPlane, IdleConnectionsAndAHugeLengthHeaderDoNotStopOtherClients) {
  auto cs_pid = c.proc("cs1").pid();
  auto before = rss_kib(cs_pid);
  // 1,000 idle connections and one 4 GiB length header, all from 127.0.0.3.
  std::vector<int> fds;
  for (int i = 0; i < 1000; ++i) {
    int fd = connect_from("127.0.0.3", data_port().port);
    if (fd >= 0) fds.push_back(fd);
  }
  int big = connect_from("127.0.0.3", data_port().port);
  if (big >= 0) {
    std::string hdr(24, '\0');
    hdr[0] = 0x44, hdr[1] = 0x53, hdr[2] = 0x46, hdr[3] = 0x44, hdr[4] = 2;
    for (int i = 12; i < 16; ++i) hdr[i] = static_cast<char>(0xff);
    ::send(big, hdr.data(), hdr.size(), MSG_NOSIGNAL);
  }
  // Meanwhile the legitimate client (127.0.0.1) puts and gets.
  for (int i = 0; i < 5; ++i) {
    auto remote = "/f" + std::to_string(i);
    std::string bytes(200000, char('a' + i));
    client().put_bytes(bytes, remote, 0);
    std::string got;
    client().get(remote, 0, [&](uint64_t, std::string_view d) { got.append(d); });
    EXPECT_EQ(got, bytes);
  }
  auto after = rss_kib(cs_pid);
  EXPECT_LT(after - before, 64 * 1024) << "RSS grew from " << before << " to " << after << " KiB";
  // The per-address cap turned most away at once; the rest are cut when their handshake time
  // (2 s here) is over.
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
  EXPECT_TRUE(c.proc("cs1").running());
}

// tls.data = false (trusted networks): plain TCP on the data port, tokens still required.
struct PlainDataPort : DataPlane {
  void SetUp() override { start({"tls.data=false"}); }
};

TEST_F(PlainDataPort, TokensAreStillCheckedAndListIsRefused) {
  auto cfg = client_config();
  cfg.tls.data = false;
  caf_cfg = std::make_unique<caf::actor_system_config>();
  dfs::configure_actor_system(*caf_cfg, cfg);
  sys = std::make_unique<caf::actor_system>(*caf_cfg);
  storage = std::make_unique<dfs::storage_client>(*sys, cfg);
  auto l = put("/p", "plain bytes");
  auto& ch = l.chunks[0];
  auto p = pool("");
  EXPECT_EQ(dfs::net::read_chunk(p, data_port(), ch.handle, 0, 11, ch.token), "plain bytes");
  auto r = refusal([&] { dfs::net::read_chunk(p, data_port(), ch.handle, 0, 11, ""); });
  EXPECT_EQ(r.first, forbidden) << r.second;
  r = refusal([&] { dfs::net::list_store(p, data_port()); });
  EXPECT_NE(r.second.find("over TLS (tls.data = true)"), std::string::npos) << r.second;
  // A TLS client gets nowhere on a plain port either (no silent downgrade confusion).
  auto tls = pool("client");
  EXPECT_NE(
      refusal([&] { dfs::net::read_chunk(tls, data_port(), ch.handle, 0, 11, ch.token); }).second,
      "accepted");
}
