// bench/ftqueue: 3 fileservers on loopback (the first also the gossip introducer), once with
// gcs.durability = disk and once with memory; 1, 8 and 32 concurrent clients each doing push/pop
// pairs on their own queue for N seconds; ops/s and latency p50/p99, then the same under
// injected packet loss (the fileservers' receive-side UDP fault injection, gossip included:
// `fault loss PCT`); then the failover time: SIGKILL of a fileserver while 4 clients push, the
// longest wait of an operation sent after the kill (median, max and each kill's).
// Per round also what each operation cost the group, from the fileservers' gcs-stats: UDP
// datagrams and fsyncs (all three fileservers) per acknowledged operation, the mean time of one
// log sync (encode, write, fdatasync) and how many were stalls (storage/sync_pacer.hpp), packets
// per datagram (how much the sequencers' per-peer bundling saved), and CPU microseconds per
// operation of the clients (this process) and of the three fileservers together.
//
// The clients share one multiplexed request link (client/request_link.hpp: one connection per
// fileserver, many requests in flight, as a gRPC channel carries etcd's benchmark clients);
// `--link own` gives each client its own connection instead, as separate processes would have.
//
//   ftqueue_bench [--seconds 20] [--clients 1,8,32] [--loss 0,5] [--durability disk,memory]
//                 [--failovers 5] [--link shared|own] [--set KEY=VALUE (fileservers)] [--json]
//
// Also each round trip's cost on this machine (bench/shared/round_trips.hpp) and what it
// bounds one client to.
//
// Every acknowledged operation is majority-stable: on the disk (disk) or in the memory (memory)
// of 2 of 3 fileservers. Stops every process it started (the process guards kill them on exit).
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
#include "shared/process_cpu.hpp"
#include "shared/round_trips.hpp"

using namespace std::chrono_literals;
using dfs::ftqueue::op_code;

namespace {

struct options {
  int seconds = 20;
  std::vector<int> clients{1, 8, 32};
  std::vector<int> loss{0, 5};
  std::vector<std::string> durability{"disk", "memory"};
  int failovers = 5;
  bool json = false;
  bool shared_link = true;
  std::vector<std::string> extra;  // --set KEY=VALUE for every fileserver
};

struct result {
  std::string durability;
  int clients = 0, loss = 0;
  double ops_per_s = 0, p50_ms = 0, p99_ms = 0;
  uint64_t errors = 0, ops = 0;
  double datagrams_per_op = 0, packets_per_datagram = 0, syncs_per_op = 0;
  double us_per_sync = 0;  // mean encode + write + fdatasync of the GCS log, all fileservers
  uint64_t stalls = 0;     // syncs slow enough to turn on the log's pacing (storage/sync_pacer)
  double cpu_us_per_op_clients = 0, cpu_us_per_op_fileservers = 0;
};

// Running totals read before and after a round: the three fileservers' gcs-stats counters,
// their CPU time and this process's (the clients').
struct round_totals {
  uint64_t packets = 0, datagrams = 0, syncs = 0, sync_us = 0, stalls = 0;
  double cpu_us_clients = 0, cpu_us_fileservers = 0;
};

uint64_t stat_value(const std::string& table, const std::string& key) {
  std::istringstream in(table);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string k;
    uint64_t v = 0;
    if (words >> k && k == key && words >> v) return v;
  }
  return 0;
}

round_totals read_totals(dfs::test::dfs_cluster& c) {
  round_totals t;
  for (int i = 1; i <= 3; ++i) {
    auto out = c.admin(i, {"gcs-stats"}).out;
    t.packets += stat_value(out, "packets_sent");
    t.datagrams += stat_value(out, "datagrams_sent");
    t.syncs += stat_value(out, "disk_syncs");
    t.sync_us += stat_value(out, "disk_sync_us");
    t.stalls += stat_value(out, "disk_stalls");
    t.cpu_us_fileservers += bench::cpu_us(c.proc("fs" + std::to_string(i)).pid());
  }
  t.cpu_us_clients = bench::cpu_us(::getpid());
  return t;
}

void add_costs(result& r, const round_totals& before, const round_totals& after) {
  if (r.ops == 0) return;
  double ops = static_cast<double>(r.ops);
  auto datagrams = static_cast<double>(after.datagrams - before.datagrams);
  r.datagrams_per_op = datagrams / ops;
  r.packets_per_datagram =
      datagrams > 0 ? static_cast<double>(after.packets - before.packets) / datagrams : 0;
  r.syncs_per_op = static_cast<double>(after.syncs - before.syncs) / ops;
  r.stalls = after.stalls - before.stalls;
  if (after.syncs > before.syncs)
    r.us_per_sync = static_cast<double>(after.sync_us - before.sync_us) /
                    static_cast<double>(after.syncs - before.syncs);
  r.cpu_us_per_op_clients = (after.cpu_us_clients - before.cpu_us_clients) / ops;
  r.cpu_us_per_op_fileservers = (after.cpu_us_fileservers - before.cpu_us_fileservers) / ops;
}

struct failover_result {
  std::string durability;
  std::vector<double> ms;  // one per SIGKILL
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
    else if (a == "--set" && more)
      o.extra.push_back(argv[++i]);
    else if (a == "--failovers" && more)
      o.failovers = std::stoi(argv[++i]);
    else if (a == "--link" && more &&
             (argv[i + 1] == std::string("shared") || argv[i + 1] == std::string("own")))
      o.shared_link = argv[++i] == std::string("shared");
    else if (a == "--durability" && more) {
      o.durability.clear();
      std::stringstream in(argv[++i]);
      std::string x;
      while (std::getline(in, x, ',')) {
        if (x != "disk" && x != "memory") {
          std::cerr << "ftqueue_bench: --durability takes disk and/or memory, not '" << x << "'\n";
          std::exit(2);
        }
        o.durability.push_back(x);
      }
    } else {
      std::cerr << "usage: ftqueue_bench [--seconds N] [--clients 1,8,32] [--loss 0,5] "
                   "[--durability disk,memory] [--failovers N] [--link shared|own] "
                   "[--set KEY=VALUE] [--json]\n";
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

// The clients' request link: one shared by all (multiplexed), or null (each its own).
std::shared_ptr<dfs::request_link> link_for(const options& opt, const dfs::config& cfg) {
  return opt.shared_link ? std::make_shared<dfs::request_link>(cfg, true) : nullptr;
}

result run_round(caf::actor_system& sys, const dfs::config& cfg,
                 const std::vector<dfs::endpoint>& servers, int clients, int seconds,
                 int label_base, const std::shared_ptr<dfs::request_link>& link) {
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> lat(static_cast<size_t>(clients));
  std::vector<uint64_t> errors(static_cast<size_t>(clients));
  std::vector<std::thread> threads;
  for (int k = 0; k < clients; ++k) {
    threads.emplace_back([&, k] {
      dfs::queue_client_options o;
      o.attempt_timeout = 2000ms;
      o.link = link;
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
  r.ops = all.size();
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

bool primary_of_three(dfs::test::dfs_cluster& c) {
  for (int i = 1; i <= 3; ++i) {
    auto out = c.admin(i, {"view"}).out;
    if (out.find("primary          yes") == std::string::npos ||
        out.find("   2  127.0.0.1") == std::string::npos)
      return false;
  }
  return true;
}

// SIGKILL of fs2 or fs3 (alternating) while 4 clients push. The failover time is the longest
// wait of an operation sent after the kill: from its send to its acknowledgement, retries on
// another fileserver included. Every member orders the slots of its rank (the sequencer
// rotates), so the kill stalls the group from the dead member's next slot until a view without
// it is installed. The first operation after the kill can still fall into a live member's slot
// and come back in 2 ms; the next ones wait for the view change, and this measures them. The
// clients go on until 200 operations sent after the kill are acknowledged. The victim restarts
// and the group of 3 is back before the next round.
std::vector<double> measure_failovers(dfs::test::dfs_cluster& c, caf::actor_system& sys,
                                      const dfs::config& cfg,
                                      const std::vector<dfs::endpoint>& servers, int rounds,
                                      const std::shared_ptr<dfs::request_link>& link) {
  using clock = std::chrono::steady_clock;
  std::vector<double> out;
  for (int round = 0; round < rounds; ++round) {
    std::atomic<bool> stop{false};
    std::atomic<int64_t> kill_at{INT64_MAX}, dead_at{INT64_MAX}, worst_after{0};
    std::atomic<uint64_t> acked{0}, acked_after{0};
    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k) {
      threads.emplace_back([&, k] {
        dfs::queue_client_options o;
        o.attempt_timeout = 1000ms;
        o.give_up_after = 20s;
        o.link = link;
        dfs::queue_client qc{sys, cfg, servers, o};
        auto q = qc.call(op_code::create, 900000 + round * 10 + k);
        int64_t waiting_since = 0;  // send time of the first of the failed calls since the last ok
        while (!stop && q.ok()) {
          auto sent = clock::now().time_since_epoch().count();
          auto r = qc.call(op_code::push, q.value, 1);
          auto done = clock::now().time_since_epoch().count();
          if (!r.ok()) {
            if (waiting_since == 0) waiting_since = sent;
            continue;
          }
          if (waiting_since != 0) sent = waiting_since;
          waiting_since = 0;
          ++acked;
          if (done >= kill_at) {
            int64_t waited = done - std::max<int64_t>(sent, kill_at);
            int64_t cur = worst_after;
            while (waited > cur && !worst_after.compare_exchange_weak(cur, waited)) {
            }
            if (sent >= dead_at) ++acked_after;
          }
        }
      });
    }
    dfs::test::wait_until([&] { return acked >= 200; }, 20s);
    std::string victim = round % 2 ? "fs3" : "fs2";
    kill_at = clock::now().time_since_epoch().count();
    c.kill9(victim);  // returns once the victim is reaped
    dead_at = clock::now().time_since_epoch().count();
    bool served = dfs::test::wait_until([&] { return acked_after >= 200; }, 30s);
    stop = true;
    for (auto& t : threads) t.join();
    if (served)
      out.push_back(
          std::chrono::duration<double, std::milli>(clock::duration(worst_after.load())).count());
    c.start(victim, "fileserver", victim == "fs2" ? 2 : 3);
    if (!dfs::test::wait_until([&] { return primary_of_three(c); }, 30s)) break;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = parse(argc, argv);
  // One client's bound: its request crosses TCP to a fileserver and back, and the operation
  // needs at least one datagram exchange between fileservers (DATA out, a majority's report
  // back) and, with a disk, one fsync at each of the majority (in parallel).
  double tcp_us = bench::tcp_round_trip_us(), udp_us = bench::udp_round_trip_us();
  std::vector<result> results;
  std::vector<failover_result> failovers;
  int label = 1000;
  for (const auto& durability : opt.durability) {
    dfs::test::dfs_cluster c;
    c.set_common({"cluster.introducers=[\"" + c.addr_of(1) + "\"]", "gcs.expected_group_size=3",
                  "log.level=warn", "gcs.durability=" + durability});
    c.add_common(opt.extra);
    for (int i = 1; i <= 3; ++i)
      c.start("fs" + std::to_string(i), i == 1 ? "introducer,fileserver" : "fileserver", i);
    std::vector<dfs::endpoint> servers;
    for (int i = 1; i <= 3; ++i) servers.push_back({"127.0.0.1", c.port_of(i)});
    if (!dfs::test::wait_until([&] { return primary_of_three(c); }, 30s)) {
      std::cerr << "ftqueue_bench: no primary view of 3 fileservers within 30 s\n";
      return 1;
    }
    caf::actor_system_config caf_cfg;
    auto cfg = c.config_for("client");
    dfs::configure_actor_system(caf_cfg, cfg);
    caf::actor_system sys{caf_cfg};
    for (int loss : opt.loss) {
      for (int i = 1; i <= 3; ++i) c.admin(i, {"fault", "loss", std::to_string(loss)});
      for (int n : opt.clients) {
        auto before = read_totals(c);
        auto r = run_round(sys, cfg, servers, n, opt.seconds, label, link_for(opt, cfg));
        add_costs(r, before, read_totals(c));
        label += n;
        r.loss = loss;
        r.durability = durability;
        results.push_back(r);
        if (!opt.json)
          std::cerr << durability << " clients=" << n << " loss=" << loss
                    << "% ops/s=" << fixed(r.ops_per_s, 0) << "\n";
      }
    }
    for (int i = 1; i <= 3; ++i) c.admin(i, {"fault", "clear"});
    if (opt.failovers > 0)
      failovers.push_back(
          {durability, measure_failovers(c, sys, cfg, servers, opt.failovers, link_for(opt, cfg))});
  }
  auto median = [](std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto max_of = [](const std::vector<double>& v) {
    return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
  };
  if (opt.json) {
    std::cout << "{\"link\": \"" << (opt.shared_link ? "shared" : "own")
              << "\", \"tcp_round_trip_us\": " << fixed(tcp_us, 1)
              << ", \"udp_round_trip_us\": " << fixed(udp_us, 1) << ",\n \"rounds\": [";
    for (size_t i = 0; i < results.size(); ++i) {
      auto& r = results[i];
      std::cout << (i ? ",\n " : "") << "{\"durability\": \"" << r.durability
                << "\", \"clients\": " << r.clients << ", \"ops_per_s\": " << fixed(r.ops_per_s, 1)
                << ", \"p50_ms\": " << fixed(r.p50_ms, 3) << ", \"p99_ms\": " << fixed(r.p99_ms, 3)
                << ", \"loss\": " << r.loss / 100.0 << ", \"errors\": " << r.errors
                << ", \"datagrams_per_op\": " << fixed(r.datagrams_per_op, 2)
                << ", \"packets_per_datagram\": " << fixed(r.packets_per_datagram, 2)
                << ", \"syncs_per_op\": " << fixed(r.syncs_per_op, 2)
                << ", \"us_per_sync\": " << fixed(r.us_per_sync, 0)
                << ", \"disk_stalls\": " << r.stalls
                << ", \"cpu_us_per_op_clients\": " << fixed(r.cpu_us_per_op_clients, 0)
                << ", \"cpu_us_per_op_fileservers\": " << fixed(r.cpu_us_per_op_fileservers, 0)
                << "}";
    }
    std::cout << "],\n \"failover\": [";
    for (size_t i = 0; i < failovers.size(); ++i) {
      auto& f = failovers[i];
      std::cout << (i ? ",\n " : "") << "{\"durability\": \"" << f.durability
                << "\", \"kills\": " << f.ms.size()
                << ", \"failover_ms_median\": " << fixed(median(f.ms), 1)
                << ", \"failover_ms_max\": " << fixed(max_of(f.ms), 1) << ", \"failover_ms\": [";
      for (size_t k = 0; k < f.ms.size(); ++k) std::cout << (k ? ", " : "") << fixed(f.ms[k], 1);
      std::cout << "]}";
    }
    std::cout << "]}\n";
  } else {
    dfs::text_table t(
        {"DURABILITY", "CLIENTS", "LOSS", "OPS/S", "P50_MS", "P99_MS", "ERRORS", "DGRAMS/OP",
         "PKTS/DGRAM", "FSYNCS/OP", "US/FSYNC", "STALLS", "CPU_US/OP_CLIENTS",
         "CPU_US/OP_FILESERVERS"},
        {false, true, true, true, true, true, true, true, true, true, true, true, true, true});
    for (auto& r : results)
      t.add({r.durability, std::to_string(r.clients), std::to_string(r.loss) + "%",
             fixed(r.ops_per_s, 0), fixed(r.p50_ms, 2), fixed(r.p99_ms, 2),
             std::to_string(r.errors), fixed(r.datagrams_per_op, 2),
             fixed(r.packets_per_datagram, 2), fixed(r.syncs_per_op, 2), fixed(r.us_per_sync, 0),
             std::to_string(r.stalls), fixed(r.cpu_us_per_op_clients, 0),
             fixed(r.cpu_us_per_op_fileservers, 0)});
    std::cout << "clients' request link: "
              << (opt.shared_link ? "shared, multiplexed" : "one per client") << "\n"
              << t.render();
    std::cout << "round trips on 127.0.0.1: TCP " << fixed(tcp_us, 0) << " us (client <-> "
              << "fileserver), UDP " << fixed(udp_us, 0) << " us (fileserver <-> fileserver)\n";
    for (auto& r : results)
      if (r.clients == 1 && r.loss == 0) {
        double sync = r.durability == "disk" ? r.us_per_sync : 0;
        std::cout << "  one client, " << r.durability << ": at most "
                  << fixed(1e6 / (tcp_us + udp_us + sync), 0) << " ops/s (the round trips"
                  << (sync > 0 ? " and the round's mean fsync, " + fixed(sync, 0) + " us" : "")
                  << "), measured " << fixed(r.ops_per_s, 0) << "\n";
      }
    if (!failovers.empty()) {
      dfs::text_table f({"DURABILITY", "KILLS", "FAILOVER_MS_MEDIAN", "FAILOVER_MS_MAX", "EACH_MS"},
                        {false, true, true, true, false});
      for (auto& x : failovers) {
        std::string each;
        for (double ms : x.ms) each += (each.empty() ? "" : " ") + fixed(ms, 0);
        f.add({x.durability, std::to_string(x.ms.size()), fixed(median(x.ms), 0),
               fixed(max_of(x.ms), 0), each});
      }
      std::cout << "\n" << f.render();
    }
  }
  return 0;
}
