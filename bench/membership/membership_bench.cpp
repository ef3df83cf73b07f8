// bench/membership: N real dfsnode processes gossiping on loopback. Measures join
// convergence, crash detection (SIGKILL one node per round: first and last survivor to
// declare it dead, from the nodes' own log timestamps) and steady-state gossip traffic.
//
//   membership_bench [--nodes 10,32] [--rounds 5] [--json] [--bin PATH]
//
// Stops every process it started (SIGTERM, then SIGKILL from the process guards).
#include <algorithm>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/process.hpp"

using namespace std::chrono_literals;
using dfs::test::process;
using dfs::test::wait_until;

namespace {

using sys_clock = std::chrono::system_clock;

struct options {
  std::vector<int> sizes{10, 32};
  int rounds = 5;
  bool json = false;
  std::string bin = DFS_BIN_PATH;
};

struct stat_pair {
  double median = 0, max = 0;
};

stat_pair summarize(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.back()};
}

// Log lines start with local time "2026-11-21T17:37:14.137"; seconds since the epoch.
std::optional<double> log_time(const std::string& line) {
  std::tm tm{};
  int ms = 0;
  if (line.size() < 23) return std::nullopt;
  if (!strptime(line.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return std::nullopt;
  ms = std::atoi(line.substr(20, 3).c_str());
  tm.tm_isdst = -1;
  return static_cast<double>(std::mktime(&tm)) + ms / 1000.0;
}

double now_s() {
  return std::chrono::duration<double>(sys_clock::now().time_since_epoch()).count();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Time of the first line of a node's log text that contains `needle`, at or after `after`
// (seconds since the epoch): an earlier false suspicion under load must not count.
std::optional<double> first_line_with(const std::string& log_text, const std::string& needle,
                                      double after = 0) {
  std::istringstream in(log_text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(needle) == std::string::npos) continue;
    auto t = log_time(line);
    if (t && *t >= after - 0.001) return t;
  }
  return std::nullopt;
}

class bench_cluster {
 public:
  bench_cluster(const options& o, int n)
      : opt_(o),
        n_(n),
        dir_("dfs-bench-"),
        base_(dfs::test::free_port_block(static_cast<uint16_t>(n * 10), 31000)) {
    procs_.resize(static_cast<size_t>(n));
  }
  ~bench_cluster() {
    for (auto& p : procs_)
      if (p) p->signal_and_wait(SIGTERM);
  }

  std::string addr(int i) const { return "127.0.0.1:" + std::to_string(base_ + 10 * i); }
  std::string log(int i) const {
    return dir_.path() + "/n" + std::to_string(i) + "/logs/dfsnode.log";
  }
  void start(int i) {
    std::vector<std::string> argv = {
        opt_.bin,
        "--role",
        "introducer",
        "--set",
        "node.port=" + std::to_string(base_ + 10 * i),
        "--set",
        "node.data_dir=" + dir_.path() + "/n" + std::to_string(i) + "/",
        "--set",
        "log.console=false",
        "--set",
        "cluster.introducers=[\"" + addr(0) + "\"]"};
    std::remove(log(i).c_str());  // a restarted node's log starts fresh
    procs_[static_cast<size_t>(i)] =
        std::make_unique<process>(argv, dir_.path() + "/n" + std::to_string(i) + ".out");
  }
  void kill9(int i) { procs_[static_cast<size_t>(i)]->kill_now(); }
  // The node id (first token after level) from a node's own log.
  std::string id_of(int i) {
    std::istringstream in(slurp(log(i)));
    std::string ts, lvl, id;
    in >> ts >> lvl >> id;
    return id;
  }
  dfs::test::run_result admin(int i, std::vector<std::string> args) {
    std::vector<std::string> argv = {opt_.bin,    "--role", "admin", "--set", "log.console=false",
                                     "--connect", addr(i)};
    argv.insert(argv.end(), args.begin(), args.end());
    return dfs::test::run(argv, dir_.path());
  }

 private:
  const options& opt_;
  int n_;
  dfs::test::temp_dir dir_;
  uint16_t base_;
  std::vector<std::unique_ptr<process>> procs_;
};

struct result {
  int n = 0;
  double join_convergence_s = 0;
  std::vector<double> first, all;
  double bytes_per_s_per_node = 0, packets_per_s_per_node = 0;
};

// Time until every node logged member_up for all the others, from the last start.
std::optional<double> join_convergence(bench_cluster& c, int n, double started) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back(c.id_of(i));
  double last = 0;
  bool ok = wait_until(
      [&] {
        last = 0;
        for (int i = 0; i < n; ++i) {
          auto text = slurp(c.log(i));  // once per node and poll, not once per member
          for (int j = 0; j < n; ++j) {
            if (i == j) continue;
            auto t = first_line_with(text, "member_up member=" + ids[j]);
            if (!t) return false;
            last = std::max(last, *t);
          }
        }
        return true;
      },
      60s, 200ms);
  if (!ok) return std::nullopt;
  return std::max(0.0, last - started);
}

// SIGKILL `victim`; first and last survivor's member_down time after the kill.
bool detect_round(bench_cluster& c, int n, int victim, result& r) {
  auto id = c.id_of(victim);
  double killed = now_s();
  c.kill9(victim);
  std::vector<double> t;
  bool ok = wait_until(
      [&] {
        t.clear();
        for (int i = 0; i < n; ++i) {
          if (i == victim) continue;
          auto x = first_line_with(slurp(c.log(i)), "member_down member=" + id, killed);
          if (!x) return false;
          t.push_back(*x - killed);
        }
        return true;
      },
      30s, 100ms);
  if (!ok) return false;
  r.first.push_back(*std::min_element(t.begin(), t.end()));
  r.all.push_back(*std::max_element(t.begin(), t.end()));
  // Restart with a new incarnation and wait until everybody has it again.
  c.start(victim);
  bool back = wait_until([&] { return !c.id_of(victim).empty(); }, 10s);
  auto nid = c.id_of(victim);
  return back &&
         wait_until(
             [&] {
               for (int i = 0; i < n; ++i)
                 if (i != victim && !first_line_with(slurp(c.log(i)), "member_up member=" + nid))
                   return false;
               return true;
             },
             30s, 200ms);
}

// Steady-state gossip traffic: reset counters, wait, read `bandwidth` (bytes/s sent).
void measure_traffic(bench_cluster& c, int n, result& r) {
  for (int i = 0; i < n; ++i) c.admin(i, {"reset-bandwidth"});
  auto until = std::chrono::steady_clock::now() + 5s;
  wait_until([&] { return std::chrono::steady_clock::now() >= until; }, 6s, 500ms);
  double bytes = 0, packets = 0;
  int counted = 0;
  for (int i = 0; i < n; ++i) {
    std::istringstream in(c.admin(i, {"bandwidth"}).out);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream ls(line);
      std::string dir;
      double b = 0, p = 0, bps = 0, pps = 0;
      if (ls >> dir >> b >> p >> bps >> pps && dir == "sent") {
        bytes += bps;
        packets += pps;
        ++counted;
      }
    }
  }
  if (counted) {
    r.bytes_per_s_per_node = bytes / counted;
    r.packets_per_s_per_node = packets / counted;
  }
}

std::optional<result> run_size(const options& o, int n) {
  result r;
  r.n = n;
  bench_cluster c(o, n);
  for (int i = 0; i < n; ++i) c.start(i);
  double started = now_s();
  if (!wait_until([&] { return !c.id_of(n - 1).empty(); }, 30s)) return std::nullopt;
  auto join = join_convergence(c, n, started);
  if (!join) return std::nullopt;
  r.join_convergence_s = *join;
  measure_traffic(c, n, r);
  for (int k = 0; k < o.rounds; ++k)
    if (!detect_round(c, n, 1 + (k * 7) % (n - 1), r)) return std::nullopt;
  return r;
}

std::string fmt(double x) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.3f", x);
  return b;
}

void print_json(const result& r) {
  auto f = summarize(r.first), a = summarize(r.all);
  std::cout << "{\"n\": " << r.n << ", \"rounds\": " << r.first.size()
            << ", \"join_convergence_s\": {\"median\": " << fmt(r.join_convergence_s)
            << ", \"max\": " << fmt(r.join_convergence_s) << "}"
            << ", \"first_detection_s\": {\"median\": " << fmt(f.median)
            << ", \"max\": " << fmt(f.max) << "}"
            << ", \"all_detection_s\": {\"median\": " << fmt(a.median)
            << ", \"max\": " << fmt(a.max) << "}"
            << ", \"bytes_per_s_per_node\": " << fmt(r.bytes_per_s_per_node)
            << ", \"packets_per_s_per_node\": " << fmt(r.packets_per_s_per_node) << "}\n";
}

void print_table(const std::vector<result>& rs) {
  std::printf("%-4s %-8s %-12s %-22s %-22s %-12s\n", "N", "ROUNDS", "JOIN_S",
              "FIRST_DETECT_S med/max", "ALL_DETECT_S med/max", "BYTES/S/NODE");
  for (auto& r : rs) {
    auto f = summarize(r.first), a = summarize(r.all);
    std::printf("%-4d %-8zu %-12.3f %-22s %-22s %-12.0f\n", r.n, r.first.size(),
                r.join_convergence_s, (fmt(f.median) + " / " + fmt(f.max)).c_str(),
                (fmt(a.median) + " / " + fmt(a.max)).c_str(), r.bytes_per_s_per_node);
  }
}

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--json") {
      o.json = true;
    } else if (a == "--nodes") {
      o.sizes.clear();
      std::istringstream in(next());
      std::string x;
      while (std::getline(in, x, ','))
        if (std::atoi(x.c_str()) >= 2) o.sizes.push_back(std::atoi(x.c_str()));
      if (o.sizes.empty()) return false;
    } else if (a == "--rounds") {
      o.rounds = std::max(1, std::atoi(next().c_str()));
    } else if (a == "--bin") {
      o.bin = next();
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse(argc, argv, o)) {
    std::cerr << "usage: membership_bench [--nodes 10,32] [--rounds 5] [--json] [--bin PATH]\n";
    return 2;
  }
  std::vector<result> results;
  for (int n : o.sizes) {
    if (!o.json) std::cerr << "running N=" << n << " ...\n";
    auto r = run_size(o, n);
    if (!r) {
      std::cerr << "membership_bench: N=" << n << " did not converge or detect in time\n";
      return 1;
    }
    if (o.json) print_json(*r);
    results.push_back(*r);
  }
  if (!o.json) print_table(results);
  return 0;
}
