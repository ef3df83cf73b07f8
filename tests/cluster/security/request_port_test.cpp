// The request port (node.port + 4; proto/request_wire.hpp) on a master + chunkserver as real
// processes: it answers a client's namespace request as the control port does (the CLI's
// output is the same either way), authorizes by the certificate's kind exactly as the node
// actor does over CAF (a server certificate cannot make client requests), refuses plain TCP
// and another CA's certificate, and answers malformed frames with one clear error, closing
// that connection only: the node keeps serving. Tagged requests (net/mux_conn.hpp): many in
// flight on one connection, each answered by its tag.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <caf/all.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "client/request_link.hpp"
#include "common/dfs_cluster.hpp"
#include "common/little_endian.hpp"
#include "net/conn_pool.hpp"
#include "net/data_frame.hpp"
#include "proto/request_wire.hpp"
#include "proto/wire.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::run_result;
using dfs::test::wait_until;
namespace net = dfs::net;
using dfs::proto::request_method;
using dfs::proto::request_status;

namespace {

constexpr int master_index = 0;

struct RequestPort : ::testing::Test {
  dfs_cluster c;

  void SetUp() override {
    c.set_common({"master.address=" + c.addr_of(master_index), "quorum.replication=1",
                  "quorum.write=1", "quorum.read=1"});
    c.start("master", "master", master_index);
    c.start("cs1", "chunkserver", 1);
    ASSERT_TRUE(wait_until([&] { return c.healthy_chunkservers(master_index) == 1; }, 20s));
  }

  run_result cli(std::vector<std::string> args, bool request_port = true) {
    auto argv =
        c.client_argv({"master.address=" + c.addr_of(master_index),
                       std::string("client.request_port=") + (request_port ? "true" : "false")},
                      args);
    return dfs::test::run(argv, c.dir());
  }

  // The CLI with DFS_STARTUP_TRACE=1: its start-up marks (and a helper's) on stderr.
  run_result traced_cli(std::vector<std::string> args, bool request_port) {
    auto argv =
        c.client_argv({"master.address=" + c.addr_of(master_index),
                       std::string("client.request_port=") + (request_port ? "true" : "false")},
                      std::move(args));
    argv.insert(argv.begin(), {"/usr/bin/env", "DFS_STARTUP_TRACE=1"});
    return dfs::test::run(argv, c.dir());
  }

  uint16_t port() const { return static_cast<uint16_t>(c.port_of(master_index) + 4); }

  // Connections with certificate `cert` of the cluster CA (empty: plain TCP; `ca_dir`: a
  // certificate of another CA).
  net::conn_pool pool(const std::string& cert, const std::string& ca_dir = "") {
    net::pool_options o;
    o.cluster = net::cluster_id("dfs");
    o.timeout_ms = 5000;
    auto dir = ca_dir.empty() ? c.pki_dir() : ca_dir;
    if (!cert.empty())
      o.tls = std::make_shared<net::tls_context>(
          net::tls_files{c.pki_dir() + "/ca.crt", dir + "/" + cert + ".crt",
                         dir + "/" + cert + ".key"},
          net::tls_side::client);
    return net::conn_pool(o);
  }

  // One raw frame each way; false when no reply frame came (refused, closed).
  static bool exchange(net::frame_conn& conn, net::data_type type, const std::string& payload,
                       net::reply_msg& out) {
    if (!conn.write(type, payload)) return false;
    net::frame f;
    return conn.read(f) == net::frame_error::none && net::parse_reply(f, out);
  }
  // The next frame, a tagged reply; false when none came or it is not one.
  static bool read_tagged(net::frame_conn& conn, uint64_t& tag, net::reply_msg& out) {
    net::frame f;
    return conn.read(f) == net::frame_error::none && net::parse_tagged_reply(f, tag, out);
  }
  // The next frame, a tagged answer `ok` carrying an ns_reply; false otherwise.
  static bool read_tagged_ns(net::frame_conn& conn, uint64_t& tag, dfs::ns_reply& ns) {
    net::reply_msg r;
    return read_tagged(conn, tag, r) && r.status == uint32_t(request_status::ok) &&
           dfs::wire::decode(r.body, ns);
  }
  static std::string stat_request(const std::string& path) {
    return dfs::proto::encode_request(request_method::ns, 5000,
                                      dfs::wire::encode(dfs::ns_request{dfs::ns_op::stat, path}));
  }
};

}  // namespace

TEST_F(RequestPort, AnswersAsTheControlPortDoesAndAuthorizesByKind) {
  auto src = c.dir() + "/src.bin";
  std::ofstream(src) << "twelve bytes";
  ASSERT_EQ(cli({"put", src, "/f"}).exit_code, 0);
  auto via_port = cli({"stat", "/f"});
  auto via_caf = cli({"stat", "/f"}, false);
  ASSERT_EQ(via_port.exit_code, 0) << via_port.err;
  EXPECT_EQ(via_port.out, via_caf.out);
  EXPECT_NE(via_port.out.find("12 bytes"), std::string::npos) << via_port.out;
  auto missing = cli({"stat", "/nope"});
  EXPECT_EQ(missing.exit_code, cli({"stat", "/nope"}, false).exit_code);
  EXPECT_NE(missing.err.find("/nope"), std::string::npos) << missing.err;

  // The same request by hand with the client certificate: answered, the reply decodes.
  auto p = pool("client");
  auto l = p.acquire("127.0.0.1", port());
  net::reply_msg r;
  ASSERT_TRUE(exchange(l.conn, net::data_type::request, stat_request("/f"), r));
  ASSERT_EQ(r.status, uint32_t(request_status::ok)) << r.message;
  dfs::ns_reply ns;
  ASSERT_TRUE(dfs::wire::decode(r.body, ns));
  EXPECT_EQ(ns.status, dfs::ns_status::ok) << ns.error;

  // A server certificate is not a client's: refused by the node actor's own check, with why.
  c.issue("intruder", dfs::principal_kind::server);
  auto sp = pool("intruder");
  auto sl = sp.acquire("127.0.0.1", port());
  ASSERT_TRUE(exchange(sl.conn, net::data_type::request, stat_request("/f"), r));
  EXPECT_EQ(r.status, uint32_t(request_status::refused));
  EXPECT_NE(r.message.find("client"), std::string::npos) << r.message;
  // A queue operation on a node without the fileserver role: refused, named.
  auto q = dfs::proto::encode_request(request_method::queue, 5000,
                                      dfs::wire::encode(dfs::queue_request{1, 1, 1, 0, 0}));
  ASSERT_TRUE(exchange(l.conn, net::data_type::request, q, r));
  EXPECT_EQ(r.status, uint32_t(request_status::refused));
  EXPECT_NE(r.message.find("fileserver"), std::string::npos) << r.message;
}

TEST_F(RequestPort, PlainTcpAnotherCaAndMalformedFramesAreRefusedAndTheNodeKeepsServing) {
  net::reply_msg r;
  // Plain TCP: the port expects a TLS handshake and hangs up; nothing is answered.
  auto plain = pool("");
  try {
    auto l = plain.acquire("127.0.0.1", port());
    EXPECT_FALSE(exchange(l.conn, net::data_type::request, stat_request("/"), r));
  } catch (const std::exception&) {
  }
  // Another CA's admin certificate: the handshake fails, or the first read does (TLS 1.3).
  dfs::pki::create_ca(c.dir() + "/evil");
  dfs::pki::issue_certificate(c.dir() + "/evil", "mallory", dfs::principal_kind::admin, {});
  auto evil = pool("mallory", c.dir() + "/evil");
  try {
    auto l = evil.acquire("127.0.0.1", port());
    EXPECT_FALSE(exchange(l.conn, net::data_type::request, stat_request("/"), r));
  } catch (const std::exception&) {
  }
  // Malformed requests with a good certificate: one bad_request answer each, then closed.
  auto p = pool("client");
  struct bad_case {
    net::data_type type;
    std::string payload;
  };
  std::vector<bad_case> cases = {
      {net::data_type::request, std::string("\xff\x10\x00\x00\x00", 5)},  // unknown method
      {net::data_type::request, std::string("\x01\x10", 2)},              // short head
      {net::data_type::request,
       dfs::proto::encode_request(request_method::ns, 100, "\x07not a request")},
      {net::data_type::read, stat_request("/")},  // not a request frame
  };
  for (auto& bc : cases) {
    auto l = p.acquire("127.0.0.1", port());
    ASSERT_TRUE(exchange(l.conn, bc.type, bc.payload, r));
    EXPECT_EQ(r.status, uint32_t(request_status::bad_request)) << r.message;
    EXPECT_FALSE(r.message.empty());
    net::frame f;  // then the node hangs up (a reset or a close, as TLS shuts down)
    EXPECT_NE(l.conn.read(f), net::frame_error::none);
  }
  // Still serving, by hand and through the CLI.
  auto l = p.acquire("127.0.0.1", port());
  ASSERT_TRUE(exchange(l.conn, net::data_type::request, stat_request("/"), r));
  EXPECT_EQ(r.status, uint32_t(request_status::ok)) << r.message;
  EXPECT_EQ(cli({"ls", "/"}).exit_code, 0);
}

// A one-shot command the request port serves never starts CAF in the client (its start was
// ~5 ms of a CLI call; client/actor_system_ref.hpp); with the request port off it does, and
// prints the same. The startup trace (DFS_STARTUP_TRACE) names each stage the process reached.
TEST_F(RequestPort, AOneShotCommandItServesNeverStartsTheClientsActorSystem) {
  auto lean = traced_cli({"stat", "/"}, true);
  ASSERT_EQ(lean.exit_code, 0) << lean.err;
  EXPECT_NE(lean.err.find("startup request_sent"), std::string::npos) << lean.err;
  EXPECT_EQ(lean.err.find("actor_system_up"), std::string::npos) << lean.err;
  auto caf = traced_cli({"stat", "/"}, false);
  ASSERT_EQ(caf.exit_code, 0) << caf.err;
  EXPECT_NE(caf.err.find("startup actor_system_up"), std::string::npos) << caf.err;
  EXPECT_EQ(lean.out, caf.out);
}

// A one-shot command keeps the TLS session the master issued, and the next command resumes
// it (no certificates cross) and is served as before; another certificate never gets it, and
// nothing lands outside the directory it was told to use, which is private.
TEST_F(RequestPort, TheNextOneShotCommandResumesItsTlsSessionAndIsServedTheSame) {
  auto first = traced_cli({"mkdir", "/resumed"}, true);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.err.find("tls_session_resumed"), std::string::npos) << first.err;
  auto second = traced_cli({"stat", "/resumed"}, true);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("startup tls_session_resumed"), std::string::npos) << second.err;
  EXPECT_NE(second.out.find("directory"), std::string::npos) << second.out;
  struct stat st {};
  ASSERT_EQ(::stat(c.tls_session_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(c.tls_session_dir())) {
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << e.path();
    ++files;
  }
  EXPECT_EQ(files, 1);
  // The admin certificate's first command makes its own full handshake.
  auto argv =
      c.client_argv({"master.address=" + c.addr_of(master_index)}, {"stat", "/resumed"}, "admin");
  argv.insert(argv.begin(), {"/usr/bin/env", "DFS_STARTUP_TRACE=1"});
  auto admin = dfs::test::run(argv, c.dir());
  ASSERT_EQ(admin.exit_code, 0) << admin.err;
  EXPECT_EQ(admin.err.find("tls_session_resumed"), std::string::npos) << admin.err;
}

// The one-shot CLI parses its certificate only when a handshake needs it; one of another CA is
// still one clear line at once, as the start-up check said it, not retries until the timeout.
TEST_F(RequestPort, AOneShotCommandWithACertificateOfAnotherCaFailsAtOnceNamingIt) {
  auto evil = c.dir() + "/evil";
  dfs::pki::create_ca(evil);
  dfs::pki::issue_certificate(evil, "mallory", dfs::principal_kind::client, {});
  auto r = dfs::test::run(
      {DFS_BIN_PATH, "--role", "client", "--set", "log.console=false", "--set",
       "master.address=" + c.addr_of(master_index), "--set", "tls.ca=" + c.pki_dir() + "/ca.crt",
       "--set", "tls.cert=" + evil + "/mallory.crt", "--set", "tls.key=" + evil + "/mallory.key",
       "--set", "client.tls_session_dir=" + c.tls_session_dir(), "stat", "/"},
      c.dir());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("tls.cert '" + evil + "/mallory.crt': certificate rejected: "),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("attempts within"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// A node whose request port this link reached before, then SIGKILLed: the refused connection
// fails the call at once (`failed`: the caller tries another node), never `unusable`, which
// sent it to CAF. CAF's cached connection to a dead node answers nothing: a queue client
// waited its whole attempt timeout there (ftqueue_bench's failovers, 1,011 ms against 407).
// Once the node is back, the next call goes over its request port again (a refusal no longer
// makes the link skip the port for 5 s). Both link kinds: pooled and multiplexed.
TEST_F(RequestPort, ARefusalFromANodeItReachedBeforeFailsTheCallInsteadOfFallingBackToCaf) {
  dfs::request_link pooled(c.config_for("client"), false);
  dfs::request_link muxed(c.config_for("client"), true);
  dfs::endpoint master{"127.0.0.1", c.port_of(master_index)};
  auto stat = [&](dfs::request_link& link) {
    dfs::ns_reply ns;
    return link.call(master, dfs::storage_atom::value, dfs::ns_request{dfs::ns_op::stat, "/"}, 3s,
                     ns);
  };
  for (auto* link : {&pooled, &muxed})
    ASSERT_EQ(stat(*link).kind, dfs::request_link::outcome::answered);
  c.kill9("master");
  for (auto* link : {&pooled, &muxed}) {
    auto o = stat(*link);
    EXPECT_EQ(o.kind, dfs::request_link::outcome::failed) << o.text;
    EXPECT_NE(o.text.find("answered before"), std::string::npos) << o.text;
  }
  // A link that never reached the node still takes a refusal for "no request port there".
  dfs::request_link fresh(c.config_for("client"), false);
  EXPECT_EQ(stat(fresh).kind, dfs::request_link::outcome::unusable);

  c.start("master", "master", master_index);
  auto probe = pool("client");
  ASSERT_TRUE(wait_until(
      [&] {
        try {
          probe.acquire("127.0.0.1", port());
          return true;
        } catch (const std::exception&) {
          return false;
        }
      },
      20s));
  for (auto* link : {&pooled, &muxed}) {
    auto o = stat(*link);
    EXPECT_EQ(o.kind, dfs::request_link::outcome::answered) << o.text;
  }
}

// Reads are answered on the port's own thread between the master actor's messages
// (actors/master/master_reads.hpp): a read on another connection right after a mutation's
// answer sees that mutation, every time (the read path never serves what is not durable, and
// never a state older than an answer already given).
TEST_F(RequestPort, AReadRightAfterAMutationsAnswerSeesIt) {
  auto p = pool("client");
  auto writer = p.acquire("127.0.0.1", port());
  auto reader = p.acquire("127.0.0.1", port());
  auto ns = [&](net::frame_conn& conn, dfs::ns_request req) {
    net::reply_msg r;
    dfs::ns_reply out;
    auto body = dfs::proto::encode_request(request_method::ns, 5000, dfs::wire::encode(req));
    EXPECT_TRUE(exchange(conn, net::data_type::request, body, r));
    EXPECT_EQ(r.status, uint32_t(request_status::ok)) << r.message;
    EXPECT_TRUE(dfs::wire::decode(r.body, out));
    return out;
  };
  for (int i = 0; i < 100; ++i) {
    auto dir = "/d" + std::to_string(i);
    ASSERT_EQ(ns(writer.conn, {dfs::ns_op::mkdir, dir}).status, dfs::ns_status::ok) << dir;
    auto seen = ns(reader.conn, {dfs::ns_op::stat, dir});
    ASSERT_EQ(seen.status, dfs::ns_status::ok) << dir << ": " << seen.error;
    ASSERT_EQ(seen.entries.size(), 1u);
    EXPECT_TRUE(seen.entries[0].is_dir);
    ASSERT_EQ(ns(writer.conn, {dfs::ns_op::remove, dir}).status, dfs::ns_status::ok) << dir;
    EXPECT_EQ(ns(reader.conn, {dfs::ns_op::stat, dir}).status, dfs::ns_status::not_found) << dir;
  }
  auto root = ns(reader.conn, {dfs::ns_op::list, "/"});
  EXPECT_EQ(root.status, dfs::ns_status::ok);
  EXPECT_TRUE(root.entries.empty()) << root.entries.size() << " entries left";
}

TEST_F(RequestPort, TaggedRequestsInFlightTogetherAreEachAnsweredByTag) {
  auto src = c.dir() + "/src.bin";
  std::ofstream(src) << "x";
  ASSERT_EQ(cli({"put", src, "/there"}).exit_code, 0);
  auto p = pool("client");
  auto l = p.acquire("127.0.0.1", port());
  // 20 requests written back to back before any answer is read: one connection, all in flight.
  auto tagged = [](uint64_t tag, const std::string& payload) {
    std::string out;
    dfs::append_le(out, tag, 8);
    return out + payload;
  };
  constexpr uint64_t n = 20;
  for (uint64_t tag = 100; tag < 100 + n; ++tag)
    ASSERT_TRUE(l.conn.write(net::data_type::tagged_request,
                             tagged(tag, stat_request(tag % 2 ? "/there" : "/missing")), true));
  ASSERT_TRUE(l.conn.write(net::data_type::tagged_request, tagged(99, stat_request("/"))));
  std::set<uint64_t> answered;
  for (uint64_t i = 0; i <= n; ++i) {
    uint64_t tag = 0;
    dfs::ns_reply ns;
    ASSERT_TRUE(read_tagged_ns(l.conn, tag, ns));
    // Each answer is its own request's: the odd tags asked for the file that exists.
    EXPECT_EQ(ns.status, tag == 99 || tag % 2 ? dfs::ns_status::ok : dfs::ns_status::not_found)
        << tag;
    EXPECT_TRUE(answered.insert(tag).second) << "answered twice: " << tag;
  }
  EXPECT_EQ(answered.size(), n + 1);

  // Plain requests sent back to back carry no tag: they are answered in the order sent.
  for (int i = 0; i < 6; ++i)
    ASSERT_TRUE(
        l.conn.write(net::data_type::request, stat_request(i % 2 ? "/there" : "/missing"), i < 5));
  for (int i = 0; i < 6; ++i) {
    net::frame f;
    net::reply_msg r;
    ASSERT_TRUE(l.conn.read(f) == net::frame_error::none && net::parse_reply(f, r));
    dfs::ns_reply ns;
    ASSERT_TRUE(dfs::wire::decode(r.body, ns));
    EXPECT_EQ(ns.status, i % 2 ? dfs::ns_status::ok : dfs::ns_status::not_found) << i;
  }

  // Ten 1 MiB requests written back to back, over the connection's 4 MiB in-flight bound: the
  // node reads the rest as the first are answered, and answers every one (a path that long is
  // invalid).
  std::string long_path = "/" + std::string(1000000, 'x');
  for (uint64_t tag = 200; tag < 210; ++tag)
    ASSERT_TRUE(l.conn.write(net::data_type::tagged_request, tagged(tag, stat_request(long_path)),
                             tag < 209));
  std::set<uint64_t> big_answered;
  for (int i = 0; i < 10; ++i) {
    uint64_t tag = 0;
    dfs::ns_reply ns;
    ASSERT_TRUE(read_tagged_ns(l.conn, tag, ns));
    EXPECT_EQ(ns.status, dfs::ns_status::invalid_path);
    big_answered.insert(tag);
  }
  EXPECT_EQ(big_answered.size(), 10u);

  // A multiplexed link shared by 8 threads: every request answered, correctly.
  dfs::request_link link(c.config_for("client"), true);
  std::atomic<int> good{0}, bad{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < 8; ++k)
    threads.emplace_back([&, k] {
      for (int i = 0; i < 25; ++i) {
        dfs::ns_reply ns;
        bool exists = (k + i) % 2 == 0;
        auto o =
            link.call({"127.0.0.1", c.port_of(master_index)}, dfs::storage_atom::value,
                      dfs::ns_request{dfs::ns_op::stat, exists ? "/there" : "/missing"}, 5s, ns);
        bool right = o.kind == dfs::request_link::outcome::answered &&
                     ns.status == (exists ? dfs::ns_status::ok : dfs::ns_status::not_found);
        ++(right ? good : bad);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 200);
  EXPECT_EQ(bad.load(), 0);

  // Malformed tagged requests: a bad_request answer (tagged, when there is a tag), then closed.
  for (auto& payload : {std::string("\x01\x02\x03", 3), tagged(7, "\xff\x10\x00\x00\x00")}) {
    auto b = p.acquire("127.0.0.1", port());
    ASSERT_TRUE(b.conn.write(net::data_type::tagged_request, payload));
    uint64_t tag = 0;
    net::reply_msg r;
    ASSERT_TRUE(read_tagged(b.conn, tag, r));
    EXPECT_EQ(r.status, uint32_t(request_status::bad_request)) << r.message;
    EXPECT_EQ(tag, payload.size() == 3 ? 0u : 7u);
    net::frame f;  // then the node hangs up
    EXPECT_NE(b.conn.read(f), net::frame_error::none);
  }
  EXPECT_EQ(cli({"stat", "/there"}).exit_code, 0);  // still serving
}

// An answer over a frame (a listing of ~1.2 MiB) comes through the lean CLI's control-port
// helper (client/proxy_master_fallback.hpp): the request port says it does not fit, the CLI
// starts `dfsnode-full ... control-proxy`, which asks over CAF. The listing is whole and the
// same as the CAF-only client's; the helper's actor system shows in the trace.
TEST_F(RequestPort, AnAnswerOverAFrameComesThroughTheLeanClisControlPortHelper) {
  constexpr int dirs = 5200;
  {
    std::ofstream script(c.dir() + "/mkdirs.txt");
    script << "mkdir /big\n";
    for (int i = 0; i < dirs; ++i) {
      auto n = std::to_string(i);
      script << "mkdir /big/" << std::string(200 - n.size(), 'd') << n << "\n";
    }
  }
  auto made =
      dfs::test::run(c.client_argv({"master.address=" + c.addr_of(master_index)}, {"shell"}),
                     c.dir(), c.dir() + "/mkdirs.txt");
  ASSERT_EQ(made.exit_code, 0) << made.err.substr(0, 2000);
  auto lean = traced_cli({"ls", "/big"}, true);
  ASSERT_EQ(lean.exit_code, 0) << lean.err;
  EXPECT_EQ(std::count(lean.out.begin(), lean.out.end(), '\n'), dirs);
  EXPECT_NE(lean.err.find("startup actor_system_up"), std::string::npos) << lean.err;
  auto caf = traced_cli({"ls", "/big"}, false);
  ASSERT_EQ(caf.exit_code, 0) << caf.err;
  EXPECT_EQ(lean.out, caf.out);
}
