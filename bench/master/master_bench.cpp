// bench/master: what the master's periodic work costs per chunk, in process (no I/O): the
// repair scan (master_core::plan_repairs, once per repair_interval; it visits only the chunks
// its indexes name), with every chunkserver healthy; and the plan after a chunkserver dies,
// when a quarter of the chunks are below target at once (the scan, then the repair planner).
// Both run on the master's thread and hold every request behind them. Also a tick of a master
// whose trash holds --trash removed files, none expired yet (one `rm -r` of a large tree keeps
// that many for master.trash_ttl_s, a day by default).
//
//   master_bench [--chunks 100000,1000000] [--rounds 5] [--trash 1000000] [--json]
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/master/master_core.hpp"
#include "core/master/repair_service.hpp"

namespace {

using namespace dfs;
using namespace dfs::master;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

constexpr int servers = 4;
constexpr uint64_t chunks_per_file = 10;

struct figures {
  uint64_t chunks = 0;
  double scan_ms = 0;        // median tick with every server healthy
  double death_scan_ms = 0;  // median: the tick that notices a dead server, before planning
  double plan_ms = 0;        // median: the repair planner on that tick's chunks
  uint64_t below_target = 0;
  double bytes_per_chunk = 0;  // the master's heap (namespace, chunk table, indexes) per chunk
  double register_ms = 0;      // median: one server's registration (a full report, 3/4 of chunks)
};

node_id server(int i) {
  // Hostnames as on EC2: longer than the 15 characters std::string keeps without allocating.
  return node_id{"ip-10-0-1-" + std::to_string(20 + i) + ".ec2.internal", 17100,
                 1795898431755ull + static_cast<uint64_t>(i)};
}

// Bytes the allocator has handed out and not taken back (small blocks and mmapped ones).
double heap_in_use() {
  auto m = ::mallinfo2();
  return double(m.uordblks + m.hblkhd);
}

double ms_since(clock_type::time_point a) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - a).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// A master that holds `n` chunks of 3 replicas spread over the servers, all registered.
// `register_ms`: each server's registration (its full report) in turn.
master_core make_master(uint64_t n, core::time_point t0, std::vector<double>& register_ms) {
  core_options o;
  o.meta.replication = 3;
  master_core c(o, node_id{"ip-10-0-1-10.ec2.internal", 17000, 1795898431736ull});
  master_snapshot s;
  s.next_handle = n + 1;
  s.dirs.push_back("/d");
  for (uint64_t f = 0; f * chunks_per_file < n; ++f) {
    file_snapshot fs{"/d/f" + std::to_string(f), 2, {}};
    version_info v;
    v.number = 1;
    v.chunk_size_bytes = 64ull << 20;
    for (uint64_t h = f * chunks_per_file + 1; h <= std::min(n, (f + 1) * chunks_per_file); ++h) {
      v.chunks.push_back(chunk_handle{h});
      s.chunks.push_back({chunk_handle{h}, 1, 64ull << 20, 0});
      v.size_bytes += 64ull << 20;
    }
    fs.versions.push_back(std::move(v));
    s.files.push_back(std::move(fs));
  }
  if (auto r = c.recover(s, {}, t0); !r) {
    std::fprintf(stderr, "master_bench: recover: %s\n", r.err().message.c_str());
    std::exit(1);
  }
  std::vector<std::vector<chunk_report>> held(servers);
  for (uint64_t h = 1; h <= n; ++h)
    for (int k = 0; k < 3; ++k) held[(h + k) % servers].push_back({h, 1, 64ull << 20});
  for (int i = 0; i < servers; ++i) {
    master_effects fx;
    auto a = clock_type::now();
    (void)c.on_register({server(i), 17101, "", 1ull << 44, 1ull << 44, 0, held[i]}, t0, fx);
    register_ms.push_back(ms_since(a));
  }
  return c;
}

void heartbeat_all(master_core& c, core::time_point now, uint64_t seq) {
  for (int i = 0; i < servers; ++i) {
    master_effects fx;
    (void)c.on_heartbeat({server(i), seq, 1ull << 44, 1ull << 44, 0, {}, {}, {}, {}, {}}, now, fx);
  }
}

figures run(uint64_t n, int rounds) {
  figures r;
  r.chunks = n;
  std::vector<double> scans, deaths, plans, bytes, registers;
  for (int round = 0; round < rounds; ++round) {
    core::time_point t0{};
    double heap0 = heap_in_use();
    auto c = make_master(n, t0, registers);
    bytes.push_back((heap_in_use() - heap0) / double(n));
    // Ticks a repair interval apart, every server heartbeating in between.
    for (int k = 1; k <= 3; ++k) {
      auto now = t0 + milliseconds(1001 * k);
      heartbeat_all(c, now, static_cast<uint64_t>(k));
      auto a = clock_type::now();
      (void)c.on_tick(now, 0);
      scans.push_back(ms_since(a));
    }
    auto now = t0 + milliseconds(4004);
    auto a = clock_type::now();
    auto fx = c.on_member_down(server(0), false, now);
    deaths.push_back(ms_since(a));
    if (!fx.repair) continue;
    r.below_target = fx.repair->chunks.size();
    repair_service planner(repair_options{});
    auto b = clock_type::now();
    (void)planner.on_update(*fx.repair, now);
    plans.push_back(ms_since(b));
  }
  r.scan_ms = median(scans);
  r.death_scan_ms = median(deaths);
  r.plan_ms = median(plans);
  r.bytes_per_chunk = median(bytes);
  r.register_ms = median(registers);
  return r;
}

struct trash_figures {
  double tick_ms = 0;          // median tick
  double bytes_per_entry = 0;  // the master's heap per trash entry (entry, indexes, snapshot)
};

// A tick (5 a second) of a master whose trash holds `n` small files deleted at consecutive
// wall ms (in 2026), none of them expired at the tick's wall clock; medians of `rounds`.
trash_figures trash_tick(uint64_t n, int rounds) {
  std::vector<double> ticks, bytes;
  for (int round = 0; round < rounds; ++round) {
    double heap0 = heap_in_use();
    core_options o;
    master_core c(o, node_id{"ip-10-0-1-10.ec2.internal", 17000, 1795898431736ull});
    master_snapshot s;
    s.next_handle = 1;
    s.dirs.push_back("/d");
    const uint64_t wall0 = 1795898431000ull;
    for (uint64_t id = 1; id <= n; ++id) {
      version_info v;
      v.number = 1;
      v.size_bytes = 1;
      s.trash.push_back({id, "/d/f" + std::to_string(id), wall0 + id, 2, {v}});
      s.inlined.push_back({id, "/d/f" + std::to_string(id), 1, "x"});
    }
    s.next_trash_id = n + 1;
    core::time_point t0{};
    if (auto r = c.recover(s, {}, t0); !r) {
      std::fprintf(stderr, "master_bench: recover: %s\n", r.err().message.c_str());
      std::exit(1);
    }
    s = {};
    bytes.push_back((heap_in_use() - heap0) / double(n));
    for (int k = 1; k <= 3; ++k) {
      auto a = clock_type::now();
      (void)c.on_tick(t0 + milliseconds(200 * k), wall0 + n + 1);  // the ttl is a day
      ticks.push_back(ms_since(a));
    }
  }
  return {median(ticks), median(bytes)};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<uint64_t> sizes{100000, 1000000};
  int rounds = 3;
  uint64_t trash = 1000000;
  bool json = false;
  CLI::App app{"the master's per-chunk periodic work (repair scan and plan), in process"};
  app.add_option("--chunks", sizes, "chunk counts")->delimiter(',');
  app.add_option("--rounds", rounds, "masters built per size; figures are medians")
      ->check(CLI::PositiveNumber);
  app.add_option("--trash", trash, "removed files in the trash for the trash tick (0: skip)");
  app.add_flag("--json", json, "one JSON object per size on stdout");
  CLI11_PARSE(app, argc, argv);
  std::vector<figures> out;
  for (auto n : sizes) {
    if (!json)
      std::fprintf(stderr, "building a master with %llu chunks ...\n",
                   static_cast<unsigned long long>(n));
    out.push_back(run(n, rounds));
  }
  auto t = trash > 0 ? trash_tick(trash, rounds) : trash_figures{};
  for (auto& r : out) {
    if (json)
      std::printf(
          "{\"chunks\":%llu,\"scan_ms\":%.1f,\"scan_ns_per_chunk\":%.0f,\"death_scan_ms\":%.1f,"
          "\"below_target\":%llu,\"plan_ms\":%.1f,\"bytes_per_chunk\":%.0f,\"register_ms\":%.1f}\n",
          static_cast<unsigned long long>(r.chunks), r.scan_ms, r.scan_ms * 1e6 / r.chunks,
          r.death_scan_ms, static_cast<unsigned long long>(r.below_target), r.plan_ms,
          r.bytes_per_chunk, r.register_ms);
  }
  if (json) {
    if (trash > 0)
      std::printf(
          "{\"trash_entries\":%llu,\"trash_tick_ms\":%.3f,\"trash_bytes_per_entry\":%.0f}\n",
          static_cast<unsigned long long>(trash), t.tick_ms, t.bytes_per_entry);
    return 0;
  }
  std::printf("%10s %12s %14s %16s %14s %10s %12s %12s\n", "CHUNKS", "SCAN_MS", "SCAN_NS/CHUNK",
              "DEATH_SCAN_MS", "BELOW_TARGET", "PLAN_MS", "BYTES/CHUNK", "REGISTER_MS");
  for (auto& r : out)
    std::printf("%10llu %12.1f %14.0f %16.1f %14llu %10.1f %12.0f %12.1f\n",
                static_cast<unsigned long long>(r.chunks), r.scan_ms, r.scan_ms * 1e6 / r.chunks,
                r.death_scan_ms, static_cast<unsigned long long>(r.below_target), r.plan_ms,
                r.bytes_per_chunk, r.register_ms);
  std::printf(
      "scan: a tick's repair scan with every chunkserver healthy (runs every repair interval);\n"
      "death: the scan when membership reports one of %d chunkservers dead; plan: the repair\n"
      "planner on the chunks that scan found below target; bytes/chunk: the master's heap\n"
      "(namespace, chunk table, replica sets and indexes) per chunk; register: one chunkserver's\n"
      "registration with its full report (3/4 of the chunks). Medians of %d masters.\n",
      servers, rounds);
  if (trash > 0)
    std::printf(
        "trash tick: %.3f ms, a tick with %llu files in the trash, none expired (%.0f bytes of\n"
        "heap per trash entry)\n",
        t.tick_ms, static_cast<unsigned long long>(trash), t.bytes_per_entry);
  return 0;
}
