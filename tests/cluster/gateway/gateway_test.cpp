// The fileserver's HTTP gateway against real processes (master, 3 chunkservers, a fileserver),
// driven with curl over HTTPS as a user would: a bearer token from `dfsnode --role ca token`,
// a multi-chunk PUT and a byte-exact GET, Range, ETag, versions, listing, DELETE, mkdir,
// queue create/push/pop; and what must be refused without harming the node: no credential,
// forged and foreign tokens (401), a server certificate (403), an oversize header (431), a
// malformed request line (400), a client that never speaks (cut off after the idle timeout),
// too many connections from one address. Also: 200 MiB through the gateway in bounded memory,
// a 1 GiB upload with the fileserver under 200 MiB of resident memory,
// redirects to the gateway next to the replicas, and a clean SIGTERM with a client connected.
// Each test stops exactly the processes it started (dfs_cluster, by PID).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <random>
#include <vector>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::fnv1a;
using dfs::test::read_all;
using dfs::test::run_result;
using dfs::test::wait_until;
using dfs::test::write_random;

namespace {

constexpr int master_index = 0;
constexpr int fileserver_index = 4;
constexpr const char* curl_bin = "/usr/bin/curl";

struct reply {
  int status = 0;
  std::string body;
  std::string headers;
  std::string err;
};

struct Gateway : ::testing::Test {
  dfs_cluster c;
  std::string token;

  void SetUp() override {
    if (::access(curl_bin, X_OK) != 0) GTEST_SKIP() << "curl is not installed";
    c.set_common({"master.address=" + c.addr_of(master_index), "master.unhealthy_after_ms=1500",
                  "master.removed_after_ms=4000", "chunkserver.heartbeat_interval_ms=300"});
    c.start("master", "master", master_index);
    for (int i = 1; i <= 3; ++i) c.start("cs" + std::to_string(i), "chunkserver", i);
    c.start("fs", "fileserver", fileserver_index,
            {"gcs.expected_group_size=1",
             "cluster.introducers=[\"" + c.addr_of(fileserver_index) + "\"]",
             "gateway.idle_timeout_ms=2000", "gateway.max_header_bytes=4096"});
    token = make_token("alice", "client");
    ASSERT_FALSE(token.empty());
    ASSERT_TRUE(wait_until([&] { return healthy() == 3; }, 20s))
        << c.admin(master_index, {"chunkservers"}).out;
    ASSERT_TRUE(wait_until([&] { return get("/files/").status == 200; }, 20s))
        << get("/files/").err << get("/files/").body;
  }

  int healthy() { return c.healthy_chunkservers(master_index); }

  std::string make_token(const std::string& name, const std::string& kind,
                         const std::string& key_file = "", const std::string& ttl = "600") {
    auto r = dfs::test::run({DFS_BIN_PATH, "--role", "ca", "--set",
                             "cluster.key_file=" + (key_file.empty() ? c.key_file() : key_file),
                             "token", name, "--kind", kind, "--ttl", ttl},
                            c.dir());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
    return r.out;
  }

  std::string base(int index = fileserver_index, const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(c.port_of(index) + 3);
  }
  std::string local(const std::string& name) const { return c.dir() + "/" + name; }

  // curl METHOD PATH with `args`; the bearer token unless `auth` is false.
  reply call(const std::string& method, const std::string& path, std::vector<std::string> args = {},
             bool auth = true, const std::string& url_base = "") {
    static int n = 0;
    auto body = local("curl-body-" + std::to_string(n)),
         head = local("curl-head-" + std::to_string(n++));
    std::vector<std::string> argv = {
        curl_bin, "-sS",  "--max-time", "120", "--cacert", c.pki_dir() + "/ca.crt",
        "-X",     method, "-D",         head,  "-w",       "%{http_code}"};
    // The body to a file of the helper's, unless the caller names one.
    if (std::find(args.begin(), args.end(), "-o") == args.end())
      argv.insert(argv.end(), {"-o", body});
    if (auth) argv.insert(argv.end(), {"-H", "Authorization: Bearer " + token});
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back((url_base.empty() ? base() : url_base) + path);
    auto r = dfs::test::run(argv, c.dir());
    reply out;
    out.status = std::atoi(r.out.c_str());
    out.body = read_all(body);
    out.headers = read_all(head);
    out.err = r.err;
    std::remove(body.c_str());
    std::remove(head.c_str());
    return out;
  }
  reply get(const std::string& path, std::vector<std::string> args = {}) {
    return call("GET", path, std::move(args));
  }
  reply put_file(const std::string& path, const std::string& file) {
    return call("PUT", path, {"-T", file});
  }
  bool node_alive() { return c.proc("fs").running(); }
};

int connect_raw(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST_F(Gateway, FilesRoundTripRangeVersionsListingDelete) {
  // 3.5 chunks of 1 MiB: several chunks, a short last one.
  write_random(local("big"), 3 * 1048576 + 524288, 7);
  auto p = put_file("/files/docs/big.bin?chunk_size=1MiB", local("big"));
  EXPECT_EQ(p.status, 404) << p.body;  // /docs does not exist yet: the master's own error
  EXPECT_NE(p.body.find("{\"error\":\"no such file or directory"), std::string::npos) << p.body;
  EXPECT_EQ(call("POST", "/dirs/docs").status, 201);
  EXPECT_EQ(call("POST", "/dirs/docs").status, 409);
  // ?parents=1 as mkdir -p: the missing parents too, and an existing directory is 200.
  EXPECT_EQ(call("POST", "/dirs/deep/er").status, 404);
  auto deep = call("POST", "/dirs/deep/er?parents=1");
  EXPECT_EQ(deep.status, 201) << deep.body;
  EXPECT_EQ(deep.body, "{\"path\":\"/deep/er\",\"created\":true}");
  auto again = call("POST", "/dirs/deep/er?parents=true");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_NE(again.body.find("\"created\":false"), std::string::npos) << again.body;
  EXPECT_EQ(call("POST", "/dirs/deep/x?parents=maybe").status, 400);
  EXPECT_EQ(get("/files/deep/").body.find("\"name\":\"x\""), std::string::npos);
  p = put_file("/files/docs/big.bin?chunk_size=1MiB", local("big"));
  ASSERT_EQ(p.status, 201) << p.body << p.err;
  EXPECT_NE(p.body.find("\"version\":1"), std::string::npos) << p.body;

  auto g = get("/files/docs/big.bin");
  ASSERT_EQ(g.status, 200) << g.body;
  auto original = read_all(local("big"));
  EXPECT_EQ(g.body.size(), original.size());
  EXPECT_EQ(fnv1a(g.body), fnv1a(original));
  EXPECT_NE(g.headers.find("ETag: \"v1-"), std::string::npos) << g.headers;

  // A range across the first chunk boundary, and a suffix range.
  auto r = get("/files/docs/big.bin", {"-H", "Range: bytes=1048570-1048589"});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, original.substr(1048570, 20));
  EXPECT_NE(r.headers.find("Content-Range: bytes 1048570-1048589/3670016"), std::string::npos)
      << r.headers;
  r = get("/files/docs/big.bin", {"-H", "Range: bytes=-10"});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, original.substr(original.size() - 10));
  EXPECT_EQ(get("/files/docs/big.bin", {"-H", "Range: bytes=99999999-"}).status, 416);

  // The ETag names the version: unchanged -> 304.
  auto etag_at = g.headers.find("ETag: ");
  auto etag = g.headers.substr(etag_at + 6, g.headers.find('\r', etag_at) - etag_at - 6);
  EXPECT_EQ(get("/files/docs/big.bin", {"-H", "If-None-Match: " + etag}).status, 304);

  // A second version; the first stays readable.
  write_random(local("v2"), 1000, 8);
  ASSERT_EQ(put_file("/files/docs/big.bin", local("v2")).status, 201);
  EXPECT_EQ(get("/files/docs/big.bin").body, read_all(local("v2")));
  auto head = call("HEAD", "/files/docs/big.bin", {"-I"});
  EXPECT_EQ(head.status, 200);
  EXPECT_NE(head.headers.find("Content-Length: 1000"), std::string::npos) << head.headers;
  EXPECT_NE(head.headers.find("ETag: \"v2-"), std::string::npos) << head.headers;
  EXPECT_EQ(fnv1a(get("/files/docs/big.bin?version=1").body), fnv1a(original));
  EXPECT_EQ(get("/files/docs/big.bin?version=9").status, 404);
  EXPECT_EQ(get("/files/docs/big.bin?version=x").status, 400);
  auto v = get("/versions/docs/big.bin");
  EXPECT_EQ(v.status, 200);
  EXPECT_NE(v.body.find("\"version\":1,\"size\":3670016"), std::string::npos) << v.body;
  EXPECT_NE(v.body.find("\"version\":2,\"size\":1000"), std::string::npos) << v.body;

  // Empty file, listing, names that need escaping in URLs and JSON.
  write_random(local("empty"), 0, 9);
  ASSERT_EQ(put_file("/files/docs/empty", local("empty")).status, 201);
  auto e = get("/files/docs/empty");
  EXPECT_EQ(e.status, 200);
  EXPECT_TRUE(e.body.empty());
  ASSERT_EQ(put_file("/files/docs/a%20%22q%22.txt", local("v2")).status, 201);
  auto l = get("/files/docs/");
  EXPECT_EQ(l.status, 200);
  EXPECT_NE(l.body.find("{\"name\":\"big.bin\",\"type\":\"file\",\"size\":1000,\"versions\":2"),
            std::string::npos)
      << l.body;
  EXPECT_NE(l.body.find("\"name\":\"a \\\"q\\\".txt\""), std::string::npos) << l.body;
  EXPECT_NE(get("/files/").body.find("{\"name\":\"docs\",\"type\":\"dir\""), std::string::npos);
  // A directory named without its slash is listed too; with ?version it is the master's error.
  auto no_slash = get("/files/docs");
  EXPECT_EQ(no_slash.status, 200) << no_slash.body;
  EXPECT_EQ(no_slash.body, l.body);
  EXPECT_EQ(get("/files/docs?version=1").status, 409);

  // POST ?copy_to= as cp [-r], ?move_to= as mv: into an existing directory by its name.
  auto cp = call("POST", "/files/docs/big.bin?copy_to=/copied");
  EXPECT_EQ(cp.status, 201) << cp.body;
  EXPECT_EQ(cp.body, "{\"path\":\"/copied\",\"from\":\"/docs/big.bin\",\"version\":1}");
  EXPECT_NE(cp.headers.find("Location: /files/copied"), std::string::npos) << cp.headers;
  EXPECT_EQ(get("/files/copied").body, read_all(local("v2")));
  EXPECT_EQ(call("POST", "/files/deep?copy_to=/deep2").status, 409) << "a tree needs recursive";
  auto cpr = call("POST", "/files/deep?copy_to=/deep2&recursive=1");
  EXPECT_EQ(cpr.status, 201) << cpr.body;
  EXPECT_EQ(cpr.body, "{\"path\":\"/deep2\",\"from\":\"/deep\",\"files\":0,\"dirs\":2}");
  auto mv = call("POST", "/files/copied?move_to=/deep2/er");
  EXPECT_EQ(mv.status, 201) << mv.body;
  EXPECT_EQ(mv.body, "{\"path\":\"/deep2/er/copied\",\"from\":\"/copied\"}");
  EXPECT_EQ(get("/files/deep2/er/copied").body, read_all(local("v2")));
  EXPECT_EQ(get("/files/copied").status, 404);
  EXPECT_EQ(call("POST", "/files/docs/big.bin").status, 400) << "neither copy_to nor move_to";
  EXPECT_EQ(call("POST", "/files/nope?copy_to=/x").status, 404);
  EXPECT_EQ(call("POST", "/files/deep2?move_to=/deep2/er").status, 400) << "into itself";

  // DELETE, then 404; bad paths are 400; unknown resources 404.
  EXPECT_EQ(call("DELETE", "/files/docs/big.bin").status, 200);
  auto gone = get("/files/docs/big.bin");
  EXPECT_EQ(gone.status, 404);
  EXPECT_NE(gone.body.find("{\"error\":"), std::string::npos) << gone.body;
  EXPECT_EQ(get("/files/docs/x%00y").status, 400);
  EXPECT_EQ(get("/files/docs/%2E%2E/etc").status, 400);
  EXPECT_EQ(get("/nothing/here").status, 404);
  EXPECT_EQ(call("PATCH", "/files/docs/empty").status, 405);
  // ?recursive=1 as rm -r: /deep holds the directory er and the file f.
  ASSERT_EQ(put_file("/files/deep/er/f", local("v2")).status, 201);
  EXPECT_EQ(call("DELETE", "/files/deep").status, 409) << "not empty";
  EXPECT_EQ(call("DELETE", "/files/deep?recursive=maybe").status, 400);
  auto tree = call("DELETE", "/files/deep?recursive=1");
  EXPECT_EQ(tree.status, 200) << tree.body;
  EXPECT_EQ(tree.body, "{\"path\":\"/deep\",\"removed\":true,\"files\":1,\"dirs\":2}");
  EXPECT_EQ(get("/files/deep/").status, 404);
  EXPECT_TRUE(node_alive());
}

// Small files stored inline (master.inline_max_bytes, off in dfs_cluster by default): PUT
// through the gateway's streamed upload, GET with a range, an ETag that changes with the bytes.
TEST_F(Gateway, SmallFilesStoredInlineRoundTripWithRangesAndEtags) {
  c.kill9("master");
  c.start("master", "master", master_index, {"master.inline_max_bytes=4096"});
  c.kill9("fs");
  c.start(
      "fs", "fileserver", fileserver_index,
      {"gcs.expected_group_size=1", "cluster.introducers=[\"" + c.addr_of(fileserver_index) + "\"]",
       "master.inline_max_bytes=4096"});
  ASSERT_TRUE(wait_until([&] { return healthy() == 3; }, 20s));
  ASSERT_TRUE(wait_until([&] { return get("/files/").status == 200; }, 20s));
  write_random(local("small"), 3000, 21);
  auto p = put_file("/files/small.bin", local("small"));
  ASSERT_EQ(p.status, 201) << p.body << p.err;
  auto ls = dfs::test::run(
      c.client_argv({"master.address=" + c.addr_of(master_index)}, {"ls", "-l", "/"}), c.dir());
  EXPECT_NE(ls.out.find(" inline"), std::string::npos) << ls.out << ls.err;
  auto original = read_all(local("small"));
  auto g = get("/files/small.bin");
  ASSERT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(g.body, original);
  auto r = get("/files/small.bin", {"-H", "Range: bytes=100-199"});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, original.substr(100, 100));
  auto etag_at = g.headers.find("ETag: ");
  ASSERT_NE(etag_at, std::string::npos) << g.headers;
  auto etag = g.headers.substr(etag_at + 6, g.headers.find('\r', etag_at) - etag_at - 6);
  EXPECT_EQ(get("/files/small.bin", {"-H", "If-None-Match: " + etag}).status, 304);
  // The same size, other bytes, after the file was removed: version 1 again, another ETag.
  ASSERT_EQ(call("DELETE", "/files/small.bin").status, 200);
  write_random(local("other"), 3000, 22);
  ASSERT_EQ(put_file("/files/small.bin", local("other")).status, 201);
  EXPECT_EQ(get("/files/small.bin", {"-H", "If-None-Match: " + etag}).status, 200);
  EXPECT_EQ(get("/files/small.bin").body, read_all(local("other")));
}

TEST_F(Gateway, QueuesCreatePushPopDestroy) {
  reply created;
  // The fileserver's group forms within a few seconds of its start.
  ASSERT_TRUE(wait_until(
      [&] {
        created = call("POST", "/queues?label=77");
        return created.status == 200;
      },
      20s, 200ms))
      << created.status << " " << created.body;
  auto id_at = created.body.find("\"id\":");
  ASSERT_NE(id_at, std::string::npos) << created.body;
  auto id = std::to_string(std::atoll(created.body.c_str() + id_at + 5));
  EXPECT_EQ(call("POST", "/queues?label=77").body, created.body);  // same label, same id
  EXPECT_EQ(call("POST", "/queues/" + id + "/items", {"--data-binary", "5"}).status, 200);
  EXPECT_EQ(call("POST", "/queues/" + id + "/items?item=-7").status, 200);
  EXPECT_EQ(call("POST", "/queues/" + id + "/items", {"--data-binary", "five"}).status, 400);
  EXPECT_EQ(get("/queues/" + id).body, "{\"id\":" + id + ",\"size\":2,\"top\":5}");
  EXPECT_EQ(call("POST", "/queues/" + id + "/pop").body, "{\"item\":5}");
  EXPECT_EQ(call("POST", "/queues/" + id + "/pop").body, "{\"item\":-7}");
  auto empty = call("POST", "/queues/" + id + "/pop");
  EXPECT_EQ(empty.status, 409);
  EXPECT_EQ(empty.body, "{\"error\":\"queue is empty\"}");
  EXPECT_EQ(get("/queues/" + id).body, "{\"id\":" + id + ",\"size\":0,\"top\":null}");
  EXPECT_EQ(call("DELETE", "/queues/" + id).status, 200);
  EXPECT_EQ(get("/queues/" + id).status, 404);
  EXPECT_EQ(call("POST", "/queues").status, 400);  // no label
}

// Without a master, file requests get 503 with the client library's reason and the node
// keeps serving; the queues (the fileservers' own group) do not need the master.
TEST_F(Gateway, MasterDownIs503QueuesStillServed) {
  c.kill9("master");
  auto r = get("/files/");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("{\"error\":"), std::string::npos) << r.body;
  reply q;
  EXPECT_TRUE(wait_until(
      [&] {
        q = call("POST", "/queues?label=5");
        return q.status == 200;
      },
      20s, 200ms))
      << q.status << " " << q.body;
  EXPECT_TRUE(node_alive());
}

// A change the master logged and never answered (it crashed right after its log write, and
// stays down): 504, not 503, whose "unavailable" a client may take for "not done". It was done.
TEST_F(Gateway, AChangeTheMasterLoggedButNeverAnsweredIs504) {
  c.kill9("master");
  c.start("master", "master", master_index, {"fault.crash_after_log=mkdir"});
  ASSERT_TRUE(wait_until([&] { return healthy() == 3; }, 20s));
  auto r = call("POST", "/dirs/docs");
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_NE(r.body.find("outcome unknown"), std::string::npos) << r.body;
  ASSERT_TRUE(wait_until([&] { return !c.proc("master").running(); }, 10s));
  c.start("master", "master", master_index);
  reply s;
  EXPECT_TRUE(wait_until(
      [&] {
        s = get("/files/docs/");
        return s.status == 200;
      },
      20s, 200ms))
      << s.status << " " << s.body;
  EXPECT_TRUE(node_alive());
}

TEST_F(Gateway, CredentialsAreRequired) {
  auto none = call("GET", "/files/", {}, false);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body, "{\"error\":\"permission denied: no credential\"}");
  EXPECT_NE(none.headers.find("WWW-Authenticate: Bearer"), std::string::npos);
  EXPECT_EQ(call("POST", "/queues?label=1", {}, false).status, 401);

  auto good = token;
  token = good.substr(0, good.size() - 1) + (good.back() == '0' ? "1" : "0");  // forged MAC
  EXPECT_EQ(get("/files/").status, 401);
  token = good;
  auto at = token.find(".client.");
  token.replace(at, 8, ".admin.");  // a widened kind
  EXPECT_EQ(get("/files/").status, 401);
  std::ofstream(local("other.key")) << "another-cluster-secret-0123456789";
  token = make_token("mallory", "admin", local("other.key"));  // another cluster's key
  EXPECT_EQ(get("/files/").status, 401);
  token = "garbage";
  EXPECT_EQ(get("/files/").status, 401);
  EXPECT_EQ(call("GET", "/files/", {"-H", "Authorization: Basic YTpi"}, false).status, 401);

  // A client certificate of the cluster CA authenticates without a token; a server one may not
  // use the gateway.
  auto cert = [&](const std::string& name) {
    return call(
        "GET", "/files/",
        {"--cert", c.pki_dir() + "/" + name + ".crt", "--key", c.pki_dir() + "/" + name + ".key"},
        false);
  };
  EXPECT_EQ(cert("client").status, 200);
  EXPECT_EQ(cert("admin").status, 200);
  EXPECT_EQ(cert("cs1").status, 403);
  token = make_token("ops", "admin");
  EXPECT_EQ(get("/files/").status, 200);

  // A token past its expiry (a 1 s ttl, waited out on the server's answer, not a sleep).
  token = make_token("brief", "client", "", "1");
  reply expired;
  EXPECT_TRUE(wait_until(
      [&] {
        expired = get("/files/");
        return expired.status == 401;
      },
      10s, 200ms));
  EXPECT_NE(expired.body.find("credential expired"), std::string::npos) << expired.body;

  // The token tool refuses what it must not make, with one line and exit code 2.
  auto tool = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {DFS_BIN_PATH, "--role", "ca"};
    argv.insert(argv.end(), args.begin(), args.end());
    return dfs::test::run(argv, c.dir());
  };
  EXPECT_EQ(tool({"--set", "cluster.key_file=" + c.key_file(), "token", "x", "--kind", "server"})
                .exit_code,
            2);
  EXPECT_EQ(tool({"token", "x", "--kind", "client"}).exit_code, 2);  // no cluster key
  EXPECT_EQ(tool({"--set", "cluster.key_file=" + c.key_file(), "token", "x", "--kind", "client",
                  "--ttl", "0"})
                .exit_code,
            2);
  EXPECT_TRUE(node_alive());
}

TEST_F(Gateway, BadRequestsNeverHarmTheNode) {
  // A header beyond gateway.max_header_bytes: 431, the connection closed.
  auto big = get("/files/", {"-H", "X-Big: " + std::string(8000, 'a')});
  EXPECT_EQ(big.status, 431) << big.err;
  // A malformed request line (a method with a space in it): 400.
  auto bad = call("GE T", "/files/");
  EXPECT_EQ(bad.status, 400) << bad.err;
  // A PUT needs its length up front (a new version is planned for that many bytes).
  auto chunked =
      call("PUT", "/files/x", {"-H", "Transfer-Encoding: chunked", "--data-binary", "abc"});
  EXPECT_EQ(chunked.status, 411) << chunked.body;
  EXPECT_EQ(get("/files/").status, 200);

  // A client that connects and never speaks is cut off by gateway.idle_timeout_ms (2 s).
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(c.port_of(fileserver_index) + 3));
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  auto t0 = std::chrono::steady_clock::now();
  char buf[64];
  auto n = ::recv(fd, buf, sizeof buf, 0);
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_LE(n, 0);  // closed (0) or reset (-1), not the 20 s receive timeout
  EXPECT_LT(waited, 15s);
  ::close(fd);
  EXPECT_EQ(get("/files/").status, 200);
  EXPECT_TRUE(node_alive());

  // SIGTERM with a client connected: the gateway stops first, the node exits cleanly.
  int idle = connect_raw(static_cast<uint16_t>(c.port_of(fileserver_index) + 3));
  auto t1 = std::chrono::steady_clock::now();
  EXPECT_EQ(c.proc("fs").signal_and_wait(SIGTERM), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t1, 15s);
  if (idle >= 0) ::close(idle);
}

// net.max_conns_per_address bounds the gateway's connections from one address: silent
// connections up to the cap shut that address out (closed at accept), and it is served again
// once they are gone.
TEST_F(Gateway, ConnectionsPerAddressAreCapped) {
  c.start("capped", "fileserver", 5,
          {"gcs.expected_group_size=1", "net.max_conns_per_address=3",
           "gateway.idle_timeout_ms=20000"});
  auto capped = base(5);
  ASSERT_TRUE(
      wait_until([&] { return call("GET", "/files/", {}, true, capped).status == 200; }, 20s));
  // The session of the GET above may outlive curl for a moment and still count, so a silent
  // connection opened meanwhile can be turned away: keep three open ones (replacing any the
  // gateway closed) until the gateway turns curl away. Without a cap curl always gets 200.
  std::vector<int> fds;
  auto closed_by_gateway = [](int fd) {
    char b;
    auto n = ::recv(fd, &b, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  };
  EXPECT_TRUE(wait_until(
      [&] {
        for (auto it = fds.begin(); it != fds.end();)
          if (closed_by_gateway(*it)) {
            ::close(*it);
            it = fds.erase(it);
          } else {
            ++it;
          }
        while (fds.size() < 3) {
          int fd = connect_raw(static_cast<uint16_t>(c.port_of(5) + 3));
          if (fd < 0) return false;
          fds.push_back(fd);
        }
        return call("GET", "/files/", {}, true, capped).status == 0;  // closed before TLS
      },
      10s));
  for (int fd : fds) ::close(fd);
  EXPECT_TRUE(
      wait_until([&] { return call("GET", "/files/", {}, true, capped).status == 200; }, 10s));
  EXPECT_TRUE(c.proc("capped").running());
}

// Eight uploads and then eight downloads at once (curl --parallel, each on its own connection;
// more than gateway.workers' default would queue), then several requests on one kept-alive
// connection.
TEST_F(Gateway, ConcurrentAndKeptAliveRequests) {
  constexpr int n = 8;
  auto base_argv = [&] {
    return std::vector<std::string>{curl_bin,     "-sS",
                                    "--max-time", "120",
                                    "--cacert",   c.pki_dir() + "/ca.crt",
                                    "-H",         "Authorization: Bearer " + token,
                                    "-w",         "%{http_code} %{num_connects}\n"};
  };
  auto puts = base_argv(), gets = base_argv();
  for (auto* a : {&puts, &gets}) a->insert(a->end(), {"-Z", "--parallel-max", "8"});
  for (int i = 0; i < n; ++i) {
    auto name = "c" + std::to_string(i);
    write_random(local(name), 100000 + 7919 * i, 100 + i);
    auto url = base() + "/files/" + name + "?chunk_size=16KiB";
    puts.insert(puts.end(), {"-o", "/dev/null", "-T", local(name), url});
    gets.insert(gets.end(), {"-o", local(name + ".back"), url});
  }
  auto p = dfs::test::run(puts, c.dir());
  ASSERT_EQ(p.exit_code, 0) << p.err;
  size_t created = 0;
  for (size_t at = 0; (at = p.out.find("201 ", at)) != std::string::npos; ++at) ++created;
  EXPECT_EQ(created, size_t{n}) << p.out;
  auto g = dfs::test::run(gets, c.dir());
  ASSERT_EQ(g.exit_code, 0) << g.err;
  for (int i = 0; i < n; ++i) {
    auto name = "c" + std::to_string(i);
    EXPECT_EQ(fnv1a(read_all(local(name + ".back"))), fnv1a(read_all(local(name)))) << name;
  }
  // Three requests, one connection: the second and third report no new connect.
  auto seq = base_argv();
  for (auto path : {"/files/", "/files/c0", "/versions/c1"})
    seq.insert(seq.end(), {"-o", "/dev/null", base() + path});
  auto k = dfs::test::run(seq, c.dir());
  EXPECT_EQ(k.out, "200 1\n200 0\n200 0\n") << k.err;
}

// Peak resident memory of a process (VmHWM), in bytes; 0 if unknown.
uint64_t peak_rss_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

// 200 MiB in default 64 MiB chunks, up and down through the gateway: the bytes stream (the
// fileserver never holds the file), so its peak memory stays far below the file's size.
TEST_F(Gateway, LargeTransfersStreamInBoundedMemory) {
  constexpr size_t size = 200u << 20;
  write_random(local("large"), size, 12);
  auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  auto t0 = std::chrono::steady_clock::now();
  auto p = put_file("/files/large.bin", local("large"));
  ASSERT_EQ(p.status, 201) << p.body << p.err;
  auto put_s = seconds_since(t0);
  auto path = local("large.back");
  t0 = std::chrono::steady_clock::now();
  auto g = get("/files/large.bin", {"-o", path});
  ASSERT_EQ(g.status, 200) << g.err;
  auto get_s = seconds_since(t0);
  // The native client on the same file, for comparison (printed, not checked: shared
  // machines make throughput a benchmark's business, scripts/bench).
  auto cli = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {DFS_BIN_PATH,
                                     "--role",
                                     "client",
                                     "--set",
                                     "master.address=" + c.addr_of(master_index),
                                     "--set",
                                     "log.console=false"};
    auto tls = c.tls_args("client");
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), args.begin(), args.end());
    auto t = std::chrono::steady_clock::now();
    auto r = dfs::test::run(argv, c.dir());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return seconds_since(t);
  };
  auto native_put_s = cli({"put", local("large"), "/large-native.bin"});
  auto native_get_s = cli({"get", "/large-native.bin", path + ".native"});
  std::remove((path + ".native").c_str());
  std::printf(
      "200 MiB through the gateway: PUT %.1f MiB/s, GET %.1f MiB/s; native client: PUT %.1f "
      "MiB/s, GET %.1f MiB/s\n",
      200 / put_s, 200 / get_s, 200 / native_put_s, 200 / native_get_s);
  EXPECT_EQ(fnv1a(read_all(path)), fnv1a(read_all(local("large"))));
  auto peak = peak_rss_bytes(c.proc("fs").pid());
  std::printf("fileserver peak RSS after 200 MiB up and down: %llu MiB\n",
              static_cast<unsigned long long>(peak >> 20));
  EXPECT_GT(peak, 0u);
  EXPECT_LT(peak, 200u << 20) << "fileserver peak RSS " << (peak >> 20) << " MiB";
  std::remove(path.c_str());
  std::remove(local("large").c_str());
}

// `size` deterministic random bytes, written 1 MiB at a time (the test never holds the file).
void write_random_streamed(const std::string& path, uint64_t size, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::ofstream out(path, std::ios::binary);
  std::vector<uint64_t> block((1u << 20) / 8);
  for (uint64_t done = 0; done < size;) {
    for (auto& v : block) v = rng();
    auto n = std::min<uint64_t>(size - done, block.size() * 8);
    out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
    done += n;
  }
}

// Issue 16 item 5: a 1 GiB upload through the gateway while the fileserver's peak resident
// memory (VmHWM, over its whole life) stays under 200 MiB: the body streams to the replicas in
// windows of chunks, never into memory. The stored version has the full size, and its last MiB
// read back through a Range request is the file's.
TEST_F(Gateway, OneGibUploadKeepsTheGatewayUnder200MiB) {
  constexpr uint64_t size = 1ull << 30;
  write_random_streamed(local("gib"), size, 21);
  auto t0 = std::chrono::steady_clock::now();
  auto p = call("PUT", "/files/gib.bin", {"-T", local("gib"), "--max-time", "240"});
  auto put_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(p.status, 201) << p.body << p.err;
  EXPECT_NE(p.body.find("\"size\":1073741824"), std::string::npos) << p.body;
  auto tail =
      get("/files/gib.bin", {"-H", "Range: bytes=1072693248-1073741823", "-o", local("gib.tail")});
  EXPECT_EQ(tail.status, 206) << tail.err;
  {
    std::ifstream in(local("gib"), std::ios::binary);
    in.seekg(static_cast<std::streamoff>(size - (1u << 20)));
    std::string expected(1u << 20, '\0');
    in.read(&expected[0], static_cast<std::streamsize>(expected.size()));
    EXPECT_TRUE(read_all(local("gib.tail")) == expected) << "last MiB differs";
  }
  auto peak = peak_rss_bytes(c.proc("fs").pid());
  std::printf("1 GiB PUT through the gateway: %.1f s, %.1f MiB/s; fileserver peak RSS %llu MiB\n",
              put_s, 1024 / put_s, static_cast<unsigned long long>(peak >> 20));
  EXPECT_GT(peak, 0u);
  EXPECT_LT(peak, 200u << 20) << "fileserver peak RSS " << (peak >> 20) << " MiB";
  EXPECT_TRUE(node_alive());
  std::remove(local("gib").c_str());
  std::remove(local("gib.tail").c_str());
}

// A second fileserver on another loopback address, where no chunkserver runs: with
// gateway.redirect it sends readers to the gateway on 127.0.0.1, next to the replicas.
TEST_F(Gateway, RedirectsToTheGatewayNextToTheReplicas) {
  dfs::pki::issue_certificate(c.pki_dir(), "far", dfs::principal_kind::server, {"127.0.0.2"});
  c.start("far", "fileserver", 5,
          {"node.host=127.0.0.2", "gcs.expected_group_size=1", "gateway.redirect=true",
           "client.fileservers=[\"" + c.addr_of(fileserver_index) + "\"]"});
  auto far = base(5, "127.0.0.2");
  ASSERT_TRUE(wait_until([&] { return call("GET", "/files/", {}, true, far).status == 200; }, 20s));
  write_random(local("r"), 300000, 11);
  ASSERT_EQ(put_file("/files/r.bin?chunk_size=64KiB", local("r")).status, 201);
  auto moved = call("GET", "/files/r.bin", {}, true, far);
  EXPECT_EQ(moved.status, 307);
  EXPECT_NE(moved.headers.find("Location: " + base() + "/files/r.bin?version=1"), std::string::npos)
      << moved.headers;
  // curl drops an Authorization header on a redirect to another host unless trusted; a
  // client certificate goes along by itself.
  auto followed = call("GET", "/files/r.bin", {"-L", "--location-trusted"}, true, far);
  EXPECT_EQ(followed.status, 200);
  EXPECT_EQ(fnv1a(followed.body), fnv1a(read_all(local("r"))));
  auto by_cert =
      call("GET", "/files/r.bin",
           {"-L", "--cert", c.pki_dir() + "/client.crt", "--key", c.pki_dir() + "/client.key"},
           false, far);
  EXPECT_EQ(by_cert.status, 200);
  EXPECT_EQ(by_cert.body.size(), 300000u);
  // Listings and writes are served where they are asked.
  EXPECT_EQ(call("GET", "/files/", {}, true, far).status, 200);
}

}  // namespace
