// /metrics on every server node against real processes (master, 3 chunkservers, a fileserver):
// after puts and gets through the CLI, each node's text exposition is parsed by a small parser
// of the Prometheus text format (every sample `name{labels} value`, one HELP and one TYPE per
// family, before its samples), and the counters that the load should move have moved. Scrapes
// need the same credential as the gateway: no token is 401; a node without a gateway serves
// /metrics and the status page only. Also: bytes per port, membership (suspicions after a
// SIGKILL), GCS and queue-op metrics move. Each test stops exactly the processes it started
// (dfs_cluster, by PID).
#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::read_all;
using dfs::test::wait_until;
using dfs::test::write_random;

namespace {

constexpr int master_index = 0;
constexpr int fileserver_index = 4;
constexpr const char* curl_bin = "/usr/bin/curl";

struct sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// The text format 0.0.4, strictly enough to catch what Prometheus would reject.
struct exposition {
  std::vector<sample> samples;
  std::map<std::string, std::string> types;  // family -> counter, gauge, histogram, ...
  std::vector<std::string> errors;

  // Sum of every sample named `name` whose labels include `want`.
  double sum(const std::string& name, const std::map<std::string, std::string>& want = {}) const {
    double total = 0;
    for (auto& s : samples) {
      if (s.name != name) continue;
      bool match = true;
      for (auto& [k, v] : want) match = match && s.labels.count(k) && s.labels.at(k) == v;
      if (match) total += s.value;
    }
    return total;
  }
  bool has(const std::string& name) const {
    for (auto& s : samples)
      if (s.name == name) return true;
    return false;
  }
};

bool valid_name(const std::string& n) {
  if (n.empty() || std::isdigit(static_cast<unsigned char>(n[0]))) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':') return false;
  return true;
}

// A histogram's or summary's sample belongs to the family without its suffix.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  for (std::string suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      auto base = name.substr(0, name.size() - suffix.size());
      if (types.count(base)) return base;
    }
  }
  return name;
}

exposition parse(const std::string& text) {
  exposition out;
  std::set<std::string> helped;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  auto fail = [&](const std::string& why) {
    out.errors.push_back("line " + std::to_string(n) + ": " + why + ": " + line);
  };
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream w(line);
      std::string hash, kw, name, rest;
      w >> hash >> kw >> name;
      std::getline(w, rest);
      if (kw == "HELP") {
        if (!valid_name(name) || !helped.insert(name).second) fail("bad or repeated HELP");
      } else if (kw == "TYPE") {
        rest.erase(0, rest.find_first_not_of(' '));
        static const std::set<std::string> kinds = {"counter", "gauge", "histogram", "summary",
                                                    "untyped"};
        if (!valid_name(name) || !kinds.count(rest) || out.types.count(name))
          fail("bad or repeated TYPE");
        out.types[name] = rest;
      }
      continue;
    }
    sample s;
    size_t p = 0;
    while (p < line.size() && line[p] != '{' && line[p] != ' ') ++p;
    s.name = line.substr(0, p);
    if (!valid_name(s.name)) {
      fail("bad metric name");
      continue;
    }
    if (p < line.size() && line[p] == '{') {
      ++p;
      while (p < line.size() && line[p] != '}') {
        auto eq = line.find('=', p);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') break;
        auto key = line.substr(p, eq - p);
        std::string value;
        size_t q = eq + 2;
        for (; q < line.size() && line[q] != '"'; ++q) {
          if (line[q] == '\\' && q + 1 < line.size()) ++q;
          value += line[q];
        }
        if (q >= line.size() || !valid_name(key)) break;
        s.labels[key] = value;
        p = q + 1;
        if (p < line.size() && line[p] == ',') ++p;
      }
      if (p >= line.size() || line[p] != '}') {
        fail("bad labels");
        continue;
      }
      ++p;
    }
    if (p >= line.size() || line[p] != ' ') {
      fail("no value");
      continue;
    }
    auto value = line.substr(p + 1);
    value = value.substr(0, value.find(' '));  // an optional timestamp follows
    char* end = nullptr;
    s.value = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0') {
      fail("bad value");
      continue;
    }
    auto family = family_of(s.name, out.types);
    if (!out.types.count(family) || !helped.count(family)) fail("sample before HELP/TYPE");
    if (out.types[family] == "counter" && s.name.size() > 6 &&
        s.name.compare(s.name.size() - 6, 6, "_total") != 0)
      fail("counter not named _total");
    out.samples.push_back(std::move(s));
  }
  return out;
}

struct Metrics : ::testing::Test {
  dfs_cluster c;
  std::string token;

  void SetUp() override {
    if (::access(curl_bin, X_OK) != 0) GTEST_SKIP() << "curl is not installed";
    // One gossip group through the master, so that every node's membership lists all five.
    c.set_common({"master.address=" + c.addr_of(master_index), "master.unhealthy_after_ms=1500",
                  "master.removed_after_ms=4000", "chunkserver.heartbeat_interval_ms=300",
                  "cluster.introducers=[\"" + c.addr_of(master_index) + "\"]"});
    c.start("master", "master", master_index);
    for (int i = 1; i <= 3; ++i) c.start("cs" + std::to_string(i), "chunkserver", i);
    c.start("fs", "fileserver", fileserver_index, {"gcs.expected_group_size=1"});
    auto r =
        dfs::test::run({DFS_BIN_PATH, "--role", "ca", "--set", "cluster.key_file=" + c.key_file(),
                        "token", "prometheus", "--kind", "client", "--ttl", "600"},
                       c.dir());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    token = r.out.substr(0, r.out.find('\n'));
    ASSERT_TRUE(wait_until([&] { return healthy() == 3; }, 20s))
        << c.admin(master_index, {"chunkservers"}).out;
  }

  int healthy() { return c.healthy_chunkservers(master_index); }

  // curl GET on node `index`'s HTTP port; the status, and the body into `body`.
  int get(int index, const std::string& path, std::string* body = nullptr, bool auth = true) {
    return call(index, "GET", path, body, auth);
  }

  int call(int index, const std::string& method, const std::string& path,
           std::string* body = nullptr, bool auth = true) {
    static int n = 0;
    auto file = c.dir() + "/scrape-" + std::to_string(n++);
    std::vector<std::string> argv = {
        curl_bin, "-sS",  "--max-time", "20", "--cacert", c.pki_dir() + "/ca.crt",
        "-X",     method, "-o",         file, "-w",       "%{http_code}"};
    if (auth) argv.insert(argv.end(), {"-H", "Authorization: Bearer " + token});
    argv.push_back("https://127.0.0.1:" + std::to_string(c.port_of(index) + 3) + path);
    auto r = dfs::test::run(argv, c.dir());
    if (body) *body = read_all(file);
    std::remove(file.c_str());
    return std::atoi(r.out.c_str());
  }

  // The parsed /metrics of node `index`, failing the test on any format error.
  exposition scrape(int index) {
    std::string body;
    EXPECT_EQ(get(index, "/metrics", &body), 200) << body;
    auto e = parse(body);
    for (auto& err : e.errors) ADD_FAILURE() << "node " << index << ": " << err;
    return e;
  }

  dfs::test::run_result cli(const std::vector<std::string>& args) {
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
    return dfs::test::run(argv, c.dir());
  }
};

TEST_F(Metrics, EveryNodeServesParsableMetricsThatMoveWithLoad) {
  // Every server node answers on its HTTP port once started.
  for (int i : {master_index, 1, 2, 3, fileserver_index})
    ASSERT_TRUE(wait_until([&] { return get(i, "/metrics") == 200; }, 20s)) << "node " << i;

  for (int i = 0; i < 3; ++i) {
    auto name = "m" + std::to_string(i);
    write_random(c.dir() + "/" + name, 200000 + i, 40 + i);
    auto p = cli({"put", c.dir() + "/" + name, "/" + name, "--chunk-size", "64KiB"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    // The first get over the data ports, the others from the chunk files (local reads).
    std::vector<std::string> get = {"get", "/" + name, c.dir() + "/" + name + ".back"};
    if (i == 0) get.insert(get.begin(), {"--set", "client.local_reads=false"});
    auto g = cli(get);
    ASSERT_EQ(g.exit_code, 0) << g.err;
  }
  ASSERT_EQ(cli({"ls", "/"}).exit_code, 0);

  for (int i : {master_index, 1, 2, 3, fileserver_index}) {
    auto e = scrape(i);
    EXPECT_GT(e.sum("dfs_process_resident_memory_bytes"), 0) << "node " << i;
    EXPECT_GE(e.sum("dfs_process_threads"), 1) << "node " << i;
    EXPECT_GE(e.sum("dfs_process_open_fds"), 1) << "node " << i;
    // The scrapes so far: answered 200 to GET.
    EXPECT_GE(e.sum("dfs_http_requests_total", {{"method", "GET"}, {"status", "200"}}), 1)
        << "node " << i;
    EXPECT_EQ(e.types["dfs_http_request_duration_seconds"], "histogram");
  }

  // Master: client operations counted by kind; gauges refreshed within a second.
  auto m = scrape(master_index);
  EXPECT_GE(m.sum("dfs_master_ops_total", {{"op", "put"}}), 3);
  EXPECT_GE(m.sum("dfs_master_ops_total", {{"op", "commit"}}), 3);
  EXPECT_GE(m.sum("dfs_master_ops_total", {{"op", "ls"}}), 1);
  // Reads answered by the request port between the master actor's messages (the CLI uses
  // the request port): the ls at least, unless the actor was busy at that very moment.
  EXPECT_GE(m.sum("dfs_master_port_reads_total"), 1);
  // Mutations applied and logged by the request port the same way (the commits of the puts).
  EXPECT_GE(m.sum("dfs_master_port_writes_total"), 1);
  EXPECT_GT(m.sum("dfs_master_ops_total", {{"op", "heartbeat"}}), 0);
  EXPECT_TRUE(wait_until(
      [&] {
        auto e = scrape(master_index);
        return e.sum("dfs_master_files") >= 3 && e.sum("dfs_master_chunks") >= 12 &&
               e.sum("dfs_master_chunkservers", {{"state", "healthy"}}) == 3;
      },
      10s))
      << get(master_index, "/metrics");
  EXPECT_TRUE(m.has("dfs_master_under_replicated_chunks"));
  EXPECT_TRUE(m.has("dfs_master_repair_copies_total"));

  // Chunkservers: every chunk written on each replica (3 replicas) and read once from one.
  double writes = 0, reads = 0, written = 0, read = 0, local_reads = 0;
  for (int i = 1; i <= 3; ++i) {
    auto e = scrape(i);
    local_reads += e.sum("dfs_chunk_local_reads_total");
    writes += e.sum("dfs_chunk_writes_total");
    written += e.sum("dfs_chunk_written_bytes_total");
    reads += e.sum("dfs_chunk_reads_total");
    read += e.sum("dfs_chunk_read_bytes_total");
    EXPECT_GT(e.sum("dfs_chunks"), 0) << "node " << i;
    EXPECT_GT(e.sum("dfs_disk_capacity_bytes"), 0) << "node " << i;
    EXPECT_GT(e.sum("dfs_disk_free_bytes"), 0) << "node " << i;
  }
  double bytes = 200000 + 200001 + 200002;
  EXPECT_GT(writes, 0);
  EXPECT_GT(reads, 0);
  EXPECT_GE(written, bytes);  // each byte on every replica the quorum needs
  EXPECT_GE(read, bytes);
  // 4 chunks of 64 KiB per file: the second and third gets' 8 were local, the first's 4 not.
  EXPECT_GE(local_reads, 8);
  EXPECT_LE(local_reads, reads - 4);

  // Bytes per port: the puts came in on the chunkservers' data ports, the console and the
  // client on the master's control port, gossip everywhere, the scrapes on the HTTP ports.
  double data_in = 0;
  for (int i = 1; i <= 3; ++i)
    data_in += scrape(i).sum("dfs_port_bytes_total", {{"port", "data"}, {"direction", "in"}});
  EXPECT_GE(data_in, bytes);
  for (int i : {master_index, 1, fileserver_index}) {
    auto e = scrape(i);
    EXPECT_GT(e.sum("dfs_port_bytes_total", {{"port", "gossip"}, {"direction", "in"}}), 0) << i;
    EXPECT_GT(e.sum("dfs_port_bytes_total", {{"port", "gossip"}, {"direction", "out"}}), 0) << i;
    EXPECT_GT(e.sum("dfs_port_bytes_total", {{"port", "http"}, {"direction", "out"}}), 0) << i;
    EXPECT_GT(e.sum("dfs_port_bytes_total", {{"port", "http"}, {"direction", "in"}}), 0) << i;
    EXPECT_GT(e.sum("dfs_membership_gossip_bytes_total", {{"direction", "out"}}), 0) << i;
  }
  EXPECT_GT(
      scrape(master_index).sum("dfs_port_bytes_total", {{"port", "control"}, {"direction", "in"}}),
      0);
  // The clients' metadata requests (plans, commits, layouts) on the master's request port.
  auto mr = scrape(master_index);
  EXPECT_GT(mr.sum("dfs_port_bytes_total", {{"port", "request"}, {"direction", "in"}}), 0);
  EXPECT_GT(mr.sum("dfs_port_bytes_total", {{"port", "request"}, {"direction", "out"}}), 0);
}

TEST_F(Metrics, MembershipGcsAndQueueMetricsMove) {
  // Queue operations through the fileserver's gateway: counted by kind, delivered by the GCS.
  std::string body;
  ASSERT_TRUE(wait_until(
      [&] { return call(fileserver_index, "POST", "/queues?label=5", &body) == 200; }, 20s))
      << body;
  auto id = std::to_string(std::atoll(body.c_str() + body.find("\"id\":") + 5));
  ASSERT_EQ(call(fileserver_index, "POST", "/queues/" + id + "/items?item=3"), 200);
  ASSERT_EQ(call(fileserver_index, "POST", "/queues/" + id + "/items?item=4"), 200);
  ASSERT_EQ(call(fileserver_index, "POST", "/queues/" + id + "/pop"), 200);
  EXPECT_TRUE(wait_until(
      [&] {
        auto e = scrape(fileserver_index);
        return e.sum("dfs_queue_ops_total", {{"op", "create"}}) >= 1 &&
               e.sum("dfs_queue_ops_total", {{"op", "push"}}) >= 2 &&
               e.sum("dfs_queue_ops_total", {{"op", "pop"}}) >= 1 &&
               e.sum("dfs_gcs_deliveries_total") >= 4 && e.sum("dfs_gcs_delivered_seq") >= 4 &&
               e.sum("dfs_gcs_view_epoch") >= 1 && e.sum("dfs_gcs_primary") == 1 &&
               e.sum("dfs_gcs_view_members") == 1 && e.sum("dfs_queues") == 1 &&
               e.sum("dfs_queue_items") == 1;
      },
      10s))
      << get(fileserver_index, "/metrics");
  auto f = scrape(fileserver_index);
  EXPECT_GE(f.sum("dfs_gcs_views_installed_total"), 1);
  EXPECT_EQ(f.sum("dfs_gcs_view_info"), 1);  // one series: the installed view
  EXPECT_TRUE(f.has("dfs_gcs_retransmissions_total"));
  EXPECT_TRUE(f.has("dfs_gcs_nacks_total"));

  // Membership: five members alive everywhere; a SIGKILLed chunkserver is suspected (by some
  // member's probe), then counted dead on the master.
  EXPECT_TRUE(wait_until(
      [&] {
        return scrape(master_index).sum("dfs_membership_members", {{"state", "alive"}}) == 5;
      },
      10s));
  c.kill9("cs3");
  EXPECT_TRUE(wait_until(
      [&] {
        double suspicions = 0;
        for (int i : {master_index, 1, 2, fileserver_index})
          suspicions += scrape(i).sum("dfs_membership_suspicions_total");
        auto m = scrape(master_index);
        return suspicions >= 1 && m.sum("dfs_membership_members", {{"state", "dead"}}) == 1 &&
               m.sum("dfs_membership_members", {{"state", "alive"}}) == 4;
      },
      20s))
      << get(master_index, "/metrics");
  EXPECT_TRUE(scrape(master_index).has("dfs_membership_refutations_total"));
  EXPECT_TRUE(scrape(master_index).has("dfs_membership_suspicions_refuted_total"));
}

TEST_F(Metrics, ScrapesNeedTheGatewaysCredentials) {
  ASSERT_TRUE(wait_until([&] { return get(master_index, "/metrics") == 200; }, 20s));
  std::string body;
  EXPECT_EQ(get(master_index, "/metrics", &body, false), 401) << body;
  EXPECT_EQ(body.find("dfs_"), std::string::npos);
  EXPECT_EQ(get(1, "/metrics", nullptr, false), 401);
  // A node without a gateway serves only /metrics and the status page.
  EXPECT_EQ(get(master_index, "/", &body, false), 401) << body;
  EXPECT_EQ(get(master_index, "/", &body), 200) << body;
  EXPECT_EQ(get(master_index, "/files/"), 404);
  EXPECT_EQ(get(master_index, "/nothing"), 404);
  // The refusals are counted, and the node still answers.
  auto e = scrape(master_index);
  EXPECT_GE(e.sum("dfs_http_requests_total", {{"status", "401"}}), 1);
  EXPECT_GE(e.sum("dfs_http_requests_total", {{"status", "404"}}), 2);
  // The fileserver's gateway serves /metrics beside its routes, under the same rule.
  ASSERT_TRUE(wait_until([&] { return get(fileserver_index, "/metrics") == 200; }, 20s));
  EXPECT_EQ(get(fileserver_index, "/metrics", nullptr, false), 401);
}

}  // namespace
