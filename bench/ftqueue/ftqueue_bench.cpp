// bench/ftqueue: 3 fileservers on loopback (the first also the gossip introducer); 1, 8 and 32
// concurrent clients each doing push/pop pairs on their own queue for N seconds; ops/s and
// latency p50/p99, then the same under injected packet loss (the fileservers' receive-side UDP
// fault injection, gossip included: `fault loss PCT`).
//
//   ftqueue_bench [--seconds 20] [--clients 1,8,32] [--loss 0,5] [--json]
//
// Every acknowledged operation is majority-stable (in the memory of 2 of 3 fileservers).
// Stops every process it started (the process guards kill them on exit).
#include <algorithm>
#include <atomic>
#include <caf/all.hpp>
#include <cstring>
#include <iostream>
#include <sstream>
#include <thread>

#include "client/queue_client.hpp"
#include "common/dfs_cluster.hpp"
#include "common/text_table.hpp"
#include "proto/system_setup.hpp"

using namespace std::chrono_literals;
using dfs::ftqueue::op_code;

namespace {

struct options {
  int seconds = 20;
  std::vector<int> clients{1, 8, 32};
  std::vector<int> loss{0, 5};
  bool json = false;
};

struct result {
  int clients = 0, loss = 0;
  double ops_per_s = 0, p50_ms = 0, p99_ms = 0;
  uint64_t errors = 0;
};

std::vector<int> parse_list(const char* s) {
  std::vector<int> out;
  std::stringstream in(s);
  std::string x;
  while (std::getline(in, x, ',')) out.push_back(std::stoi(x));
  return out;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool more = i + 1 < argc;
    if (a == "--json")
      o.json = true;
    else if (a == "--seconds" && more)
      o.seconds = std::stoi(argv[++i]);
    else if (a == "--clients" && more)
      o.clients = parse_list(argv[++i]);
    else if (a == "--loss" && more)
      o.loss = parse_list(argv[++i]);
    else {
      std::cerr << "usage: ftqueue_bench [--seconds N] [--clients 1,8,32] [--loss 0,5] [--json]\n";
      std::exit(2);
    }
  }
  return o;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

result run_round(caf::actor_system& sys, const dfs::config& cfg,
                 const std::vector<dfs::endpoint>& servers, int clients, int seconds,
                 int label_base) {
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> lat(static_cast<size_t>(clients));
  std::vector<uint64_t> errors(static_cast<size_t>(clients));
  std::vector<std::thread> threads;
  for (int k = 0; k < clients; ++k) {
    threads.emplace_back([&, k] {
      dfs::queue_client_options o;
      o.attempt_timeout = 2000ms;
      dfs::queue_client qc{sys, cfg, servers, o};
      auto q = qc.call(op_code::create, label_base + k);
      if (!q.ok()) {
        ++errors[k];
        return;
      }
      while (!stop) {
        for (auto code : {op_code::push, op_code::pop}) {
          auto t0 = std::chrono::steady_clock::now();
          auto r = qc.call(code, q.value, 1);
          auto ms =
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
          if (r.ok())
            lat[k].push_back(ms.count());
          else
            ++errors[k];
        }
      }
    });
  }
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));  // the measurement window
  stop = true;
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<double> all;
  result r;
  r.clients = clients;
  for (int k = 0; k < clients; ++k) {
    all.insert(all.end(), lat[k].begin(), lat[k].end());
    r.errors += errors[k];
  }
  r.ops_per_s = static_cast<double>(all.size()) / elapsed;
  r.p50_ms = percentile(all, 0.50);
  r.p99_ms = percentile(all, 0.99);
  return r;
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(digits);
  s << v;
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = parse(argc, argv);
  dfs::test::dfs_cluster c;
  c.set_common({"cluster.introducers=[\"" + c.addr_of(1) + "\"]", "gcs.expected_group_size=3",
                "log.level=warn"});
  for (int i = 1; i <= 3; ++i)
    c.start("fs" + std::to_string(i), i == 1 ? "introducer,fileserver" : "fileserver", i);
  std::vector<dfs::endpoint> servers;
  for (int i = 1; i <= 3; ++i) servers.push_back({"127.0.0.1", c.port_of(i)});
  bool ready = dfs::test::wait_until(
      [&] {
        for (int i = 1; i <= 3; ++i) {
          auto out = c.admin(i, {"view"}).out;
          if (out.find("primary          yes") == std::string::npos ||
              out.find("   2  127.0.0.1") == std::string::npos)
            return false;
        }
        return true;
      },
      30s);
  if (!ready) {
    std::cerr << "ftqueue_bench: no primary view of 3 fileservers within 30 s\n";
    return 1;
  }
  caf::actor_system_config caf_cfg;
  auto cfg = c.config_for("client");
  dfs::configure_actor_system(caf_cfg, cfg);
  caf::actor_system sys{caf_cfg};
  std::vector<result> results;
  int label = 1000;
  for (int loss : opt.loss) {
    for (int i = 1; i <= 3; ++i) c.admin(i, {"fault", "loss", std::to_string(loss)});
    for (int n : opt.clients) {
      auto r = run_round(sys, cfg, servers, n, opt.seconds, label);
      label += n;
      r.loss = loss;
      results.push_back(r);
      if (!opt.json)
        std::cerr << "clients=" << n << " loss=" << loss << "% ops/s=" << fixed(r.ops_per_s, 0)
                  << "\n";
    }
  }
  if (opt.json) {
    std::cout << "[";
    for (size_t i = 0; i < results.size(); ++i) {
      auto& r = results[i];
      std::cout << (i ? ",\n " : "") << "{\"clients\": " << r.clients
                << ", \"ops_per_s\": " << fixed(r.ops_per_s, 1)
                << ", \"p50_ms\": " << fixed(r.p50_ms, 3) << ", \"p99_ms\": " << fixed(r.p99_ms, 3)
                << ", \"loss\": " << r.loss / 100.0 << ", \"errors\": " << r.errors << "}";
    }
    std::cout << "]\n";
  } else {
    dfs::text_table t({"CLIENTS", "LOSS", "OPS/S", "P50_MS", "P99_MS", "ERRORS"},
                      {true, true, true, true, true, true});
    for (auto& r : results)
      t.add({std::to_string(r.clients), std::to_string(r.loss) + "%", fixed(r.ops_per_s, 0),
             fixed(r.p50_ms, 2), fixed(r.p99_ms, 2), std::to_string(r.errors)});
    std::cout << t.render();
  }
  return 0;
}
