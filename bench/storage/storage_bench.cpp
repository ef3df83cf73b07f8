// Storage benchmark: starts a local cluster (master + 3 chunkservers, replication 3, W=2) and
// measures, on the same machine, the storage path and the machine's own limits:
//   put/get of one large file (MiB/s), N small files (put/stat/get/rm files/s), metadata
//   lookups/s, local disk sequential write (with fsync) / cold read, loopback TCP MiB/s.
// --masters 3 runs the same with three replicated masters (issue 15: the metadata log goes
// through Raft), plus the failover phase: SIGKILL the active master, time until a client's
// small put succeeds again (and until a standby says it is active). The mutations phase
// (issue 13; --mutations-only) times record appends and random 64 KiB writes.
// Output: a table, or one JSON object with --json. Not part of ctest (scripts/bench storage).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <caf/all.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "client/file_mutator.hpp"
#include "client/storage_client.hpp"
#include "common/dfs_cluster.hpp"
#include "core/records/record_frame.hpp"
#include "proto/system_setup.hpp"
#include "storage/dir_sync_group.hpp"
#include "via_http.hpp"

using namespace std::chrono_literals;
using clk = std::chrono::steady_clock;

namespace {

double secs_since(clk::time_point t0) {
  return std::chrono::duration<double>(clk::now() - t0).count();
}

void write_random(const std::string& path, uint64_t bytes) {
  std::mt19937_64 rng(42);
  std::string buf(1 << 20, '\0');
  FILE* f = std::fopen(path.c_str(), "wb");
  for (uint64_t done = 0; done < bytes; done += buf.size()) {
    for (size_t i = 0; i < buf.size(); i += 8) {
      uint64_t v = rng();
      std::memcpy(&buf[i], &v, 8);
    }
    std::fwrite(buf.data(), 1, std::min<uint64_t>(buf.size(), bytes - done), f);
  }
  std::fclose(f);
}

// Sequential write with fsync, then a cold read (page cache dropped for the file).
std::pair<double, double> disk_mib_s(const std::string& path, uint64_t bytes) {
  std::string buf(1 << 20, 'x');
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  auto t0 = clk::now();
  for (uint64_t d = 0; d < bytes; d += buf.size()) (void)!::write(fd, buf.data(), buf.size());
  ::fsync(fd);
  double w = double(bytes) / 1048576.0 / secs_since(t0);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
  fd = ::open(path.c_str(), O_RDONLY);
  t0 = clk::now();
  while (::read(fd, buf.data(), buf.size()) > 0) {
  }
  double r = double(bytes) / 1048576.0 / secs_since(t0);
  ::close(fd);
  ::unlink(path.c_str());
  return {w, r};
}

// Durable creates of 4 KiB files the way the chunkservers make chunk files (tmp file, write,
// fsync, rename, directory fsync shared by concurrent writers), `threads` writers spread over
// three directories: each small put makes three of these, so this bounds small puts at a third.
double disk_small_creates_s(const std::string& dir, size_t files, size_t threads) {
  std::vector<std::unique_ptr<dfs::dir_sync_group>> dirs;
  for (int d = 0; d < 3; ++d) {
    auto path = dir + "/creates" + std::to_string(d);
    dfs::make_dirs(path);
    dirs.push_back(std::make_unique<dfs::dir_sync_group>(path));
  }
  std::string data(4096, 'c');
  std::atomic<size_t> next{0};
  auto t0 = clk::now();
  std::vector<std::thread> ts;
  for (size_t t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      for (size_t i; (i = next++) < files;) {
        auto& g = *dirs[i % dirs.size()];
        (void)dfs::write_and_rename(g.dir() + "/f" + std::to_string(i), data);
        (void)g.sync();
      }
    });
  for (auto& t : ts) t.join();
  return double(files) / secs_since(t0);
}

double loopback_mib_s(uint64_t bytes) {
  int ls = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
  ::listen(ls, 1);
  std::thread rx([&] {
    int c = ::accept(ls, nullptr, nullptr);
    std::string b(1 << 20, '\0');
    while (::recv(c, b.data(), b.size(), 0) > 0) {
    }
    ::close(c);
  });
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  std::string b(1 << 20, 'y');
  auto t0 = clk::now();
  for (uint64_t d = 0; d < bytes; d += b.size()) (void)!::send(s, b.data(), b.size(), 0);
  ::close(s);
  rx.join();
  ::close(ls);
  return double(bytes) / 1048576.0 / secs_since(t0);
}

// Runs f(client, i) for i in [0, n) on `threads` threads; returns operations per second.
double per_second(caf::actor_system& sys, const dfs::config& cfg, size_t n, size_t threads,
                  const std::function<void(dfs::storage_client&, size_t)>& f) {
  std::atomic<size_t> next{0};
  std::atomic<size_t> errors{0};
  auto t0 = clk::now();
  std::vector<std::thread> ts;
  for (size_t t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      dfs::storage_client c(sys, cfg);
      for (size_t i; (i = next++) < n;) {
        try {
          f(c, i);
        } catch (const std::exception& e) {
          if (errors++ == 0) std::cerr << "bench: " << e.what() << "\n";
        }
      }
    });
  for (auto& t : ts) t.join();
  return double(n) / secs_since(t0);
}

struct bench_options {
  size_t records = 4000;  // mutations phase: 4 KiB records appended by 8 clients to one file
  size_t writes = 2000;   // mutations phase: random 64 KiB writes into the big file
  uint64_t big_mib = 1024;
  size_t files = 10000, threads = 16;
  int masters = 1;       // 1, or 3 replicated masters (port blocks 0..masters-1)
  size_t failovers = 5;  // rounds of the failover phase (masters > 1)
  std::vector<std::string> sets;
  std::string via = "native";  // "http": also every figure through a fileserver's gateway
  bool membership = true;      // re-replication: an introducer, every node in the gossip
};

// The master group of a bench cluster: one master on port block 0 ("master", as before
// issue 15), or `n` replicated masters "master0".."master<n-1>" on blocks 0..n-1; the
// chunkservers come after them.
struct master_group {
  dfs::test::dfs_cluster& cl;
  int n;

  std::string name(int i) const { return n == 1 ? "master" : "master" + std::to_string(i); }
  // What every node and the client is told about the masters.
  std::vector<std::string> sets() const {
    std::vector<std::string> s = {"master.address=" + cl.addr_of(0)};
    if (n == 1) return s;
    std::string list;
    for (int i = 0; i < n; ++i) list += std::string(i ? ", " : "") + "\"" + cl.addr_of(i) + "\"";
    s.push_back("cluster.masters=[" + list + "]");
    s.push_back("master.replicas=" + std::to_string(n));
    return s;
  }
  // The group's first start founds it (master.bootstrap); restarts go without.
  void start(int i, bool first) {
    cl.start(name(i), "master", i,
             first && n > 1 ? std::vector<std::string>{"master.bootstrap=true"}
                            : std::vector<std::string>{});
  }
  void start_all() {
    for (int i = 0; i < n; ++i) start(i, true);
  }
  std::string masters_of(int i) { return cl.admin(i, {"masters"}).out; }
  // The master that says it is active (the standbys refuse admin mutations and some reads),
  // or -1.
  int active() {
    if (n == 1) return 0;
    for (int i = 0; i < n; ++i)
      if (cl.proc(name(i)).running() && masters_of(i).find(": active") != std::string::npos)
        return i;
    return -1;
  }
  // The active master's console answer to `args` ("" when no master is active): the last one
  // found while it answers, so that polling costs one console call as with one master.
  std::string console(const std::vector<std::string>& args) {
    if (last_active >= 0 && cl.proc(name(last_active)).running()) {
      auto r = cl.admin(last_active, args);
      if (r.exit_code == 0) return r.out;
    }
    last_active = active();
    return last_active < 0 ? std::string() : cl.admin(last_active, args).out;
  }
  int last_active = -1;
};

// A client config for the bench cluster: every master, the cluster's client certificate.
dfs::config client_config(dfs::test::dfs_cluster& cl, master_group& m, const bench_options& o,
                          uint32_t timeout_ms = 30000) {
  std::vector<std::string> client_sets = m.sets();
  client_sets.insert(client_sets.end(),
                     {"log.console=false", "client.timeout_ms=" + std::to_string(timeout_ms)});
  client_sets.insert(client_sets.end(), o.sets.begin(), o.sets.end());
  dfs::config cfg = dfs::load_config("", client_sets);
  auto certs = cl.config_for("client").tls;
  cfg.tls.ca = certs.ca, cfg.tls.cert = certs.cert, cfg.tls.key = certs.key;
  return cfg;
}

// Starts `m`'s masters and 3 chunkservers with the bench's common settings.
void start_cluster(dfs::test::dfs_cluster& cl, master_group& m, const bench_options& o) {
  std::vector<std::string> common = m.sets();
  common.insert(common.end(), {"chunkserver.heartbeat_interval_ms=500", "log.level=warn"});
  common.insert(common.end(), o.sets.begin(), o.sets.end());
  cl.set_common(common);
  m.start_all();
  for (int i = 1; i <= 3; ++i) cl.start("cs" + std::to_string(i), "chunkserver", m.n + i - 1);
}

// Waits until the master answers `c` and counts 3 healthy chunkservers.
void wait_ready(dfs::storage_client& c, master_group& m, const std::string& what) {
  if (!dfs::test::wait_until(
          [&] {
            try {
              return c.ns(dfs::ns_op::list, "/").status == dfs::ns_status::ok &&
                     m.console({"chunkservers"}).find("3 healthy") != std::string::npos;
            } catch (...) {
              return false;
            }
          },
          30s))
    throw std::runtime_error(what + " did not come up");
}

// One run on a fresh local cluster: every figure, keyed as in the JSON output.
std::map<std::string, double> run_once(const bench_options& o) {
  dfs::test::dfs_cluster cl;
  cl.use_shipped_defaults();
  master_group m{cl, o.masters};
  start_cluster(cl, m, o);
  std::optional<bench_http::gateway_client> gateway;
  if (o.via == "http") gateway = bench_http::start_gateway(cl, o.masters + 3);
  dfs::config cfg = client_config(cl, m, o);
  caf::actor_system_config caf_cfg;
  dfs::configure_actor_system(caf_cfg, cfg);
  caf::actor_system sys{caf_cfg};
  std::map<std::string, double> r;
  r["masters"] = o.masters;
  {
    dfs::storage_client c(sys, cfg);
    wait_ready(c, m, "cluster");
    auto [dw, dr] = disk_mib_s(cl.dir() + "/disk-probe", o.big_mib << 20);
    r["disk_write_mib_s"] = dw;
    r["disk_read_mib_s"] = dr;
    r["loopback_mib_s"] = loopback_mib_s(o.big_mib << 20);
    // Left in place: deleting thousands of files would slow the creates that follow (on ext4
    // without a journal, inodes freed in the last minutes are skipped by inode allocation).
    r["disk_4k_creates_s"] = disk_small_creates_s(cl.dir(), o.files, o.threads);
    auto big = cl.dir() + "/big";
    write_random(big, o.big_mib << 20);
    ::sync();  // each timed transfer starts with no earlier writes still being flushed
    auto t0 = clk::now();
    c.put(big, "/big", 0);
    r["put_1gib_mib_s"] = double(o.big_mib) / secs_since(t0);
    ::sync();
    t0 = clk::now();
    c.get_to_file("/big", 0, big + ".back");
    r["get_1gib_mib_s"] = double(o.big_mib) / secs_since(t0);
    ::unlink((big + ".back").c_str());
    c.ns(dfs::ns_op::remove, "/big");
    if (gateway)
      for (auto& [k, v] : bench_http::figures(*gateway, big, o.big_mib, o.files, o.threads))
        r[k] = v;
    c.ns(dfs::ns_op::mkdir, "/small");
  }
  std::string small(4096, 's');
  auto name = [](size_t i) { return "/small/f" + std::to_string(i); };
  r["small_put_files_s"] = per_second(
      sys, cfg, o.files, o.threads, [&](auto& c, size_t i) { c.put_bytes(small, name(i), 4096); });
  r["small_stat_files_s"] = per_second(sys, cfg, o.files, o.threads,
                                       [&](auto& c, size_t i) { c.ns(dfs::ns_op::stat, name(i)); });
  r["small_get_files_s"] = per_second(sys, cfg, o.files, o.threads, [&](auto& c, size_t i) {
    c.get(name(i), 0, [](uint64_t, std::string_view) {});
  });
  r["meta_lookups_s"] = per_second(sys, cfg, o.files * 2, o.threads, [&](auto& c, size_t i) {
    c.ns(dfs::ns_op::stat, name(i % o.files));
  });
  r["small_rm_files_s"] = per_second(sys, cfg, o.files, o.threads,
                                     [&](auto& c, size_t i) { c.ns(dfs::ns_op::remove, name(i)); });
  return r;
}

// Re-replication (issue 12): a 1 GiB file (64 MiB chunks) on 4 chunkservers, one holder
// SIGKILLed. Seconds from the kill until every chunk is back at 3 replicas (detection
// included: master.removed_after_ms=3000 here), and the bytes copied divided by those seconds
// and by the copying time alone (from the removal seen by the console to the end).
std::map<std::string, double> rereplicate_once(const bench_options& o) {
  dfs::test::dfs_cluster cl;
  cl.use_shipped_defaults();
  master_group m{cl, o.masters};
  std::vector<std::string> common = m.sets();
  common.insert(common.end(), {"chunkserver.heartbeat_interval_ms=500", "log.level=warn",
                               "master.unhealthy_after_ms=1500", "master.removed_after_ms=3000"});
  // With an introducer, every node is in the gossip membership, as in a deployment: the
  // master hears of the SIGKILLed chunkserver's death from it (design.md §3), or from
  // heartbeat silence, whichever comes first.
  int introducer = o.masters + 4;
  if (o.membership) common.push_back("cluster.introducers=[\"" + cl.addr_of(introducer) + "\"]");
  common.insert(common.end(), o.sets.begin(), o.sets.end());
  cl.set_common(common);
  if (o.membership) cl.start("introducer", "introducer", introducer);
  m.start_all();
  for (int i = 1; i <= 4; ++i) cl.start("cs" + std::to_string(i), "chunkserver", o.masters + i - 1);
  auto console = [&](const std::vector<std::string>& args) { return m.console(args); };
  if (!dfs::test::wait_until(
          [&] { return console({"chunkservers"}).find("4 healthy") != std::string::npos; }, 30s))
    throw std::runtime_error("re-replication cluster did not come up");
  auto cfg = client_config(cl, m, o);
  caf::actor_system_config caf_cfg;
  dfs::configure_actor_system(caf_cfg, cfg);
  caf::actor_system sys{caf_cfg};
  dfs::storage_client c(sys, cfg);
  auto big = cl.dir() + "/big";
  write_random(big, o.big_mib << 20);
  c.put(big, "/big", 64u << 20);
  ::unlink(big.c_str());
  // The victim is the first chunkserver holding a chunk of /big (a file of one chunk is on 3 of
  // the 4); what it holds is what must be copied: its rows in the chunk table, times their size.
  auto layout = console({"chunks", "/big"});
  int victim_i = 1;
  while (victim_i < 4 &&
         layout.find(cl.addr_of(o.masters + victim_i - 1) + "#") == std::string::npos)
    ++victim_i;
  auto victim = cl.addr_of(o.masters + victim_i - 1) + "#";
  uint64_t copied = 0;
  for (size_t p = 0; (p = layout.find(victim, p)) != std::string::npos; ++p) copied += 64u << 20;
  if (copied == 0) throw std::runtime_error("no chunkserver holds a chunk of /big:\n" + layout);
  auto t0 = clk::now();
  cl.kill9("cs" + std::to_string(victim_i));
  // Until the removal the console is asked (a process per question); while copies run, only
  // the client's in-process layout requests: a console process per poll took a tenth of the
  // CPU the copies run on. Done: every chunk of /big has 3 live replicas.
  std::optional<clk::time_point> removed;
  auto all_back = [&] {
    auto l = c.layout_now("/big");
    return !l.chunks.empty() && std::all_of(l.chunks.begin(), l.chunks.end(),
                                            [](auto& ch) { return ch.replicas.size() >= 3; });
  };
  auto done = dfs::test::wait_until(
      [&] {
        if (!removed && console({"chunkservers"}).find("1 removed") != std::string::npos)
          removed = clk::now();
        return removed && all_back();
      },
      300s, 20ms);
  if (done &&
      console({"under-replicated"}).find("\n0 chunks under-replicated") == std::string::npos)
    throw std::runtime_error("layout shows 3 replicas per chunk, the console does not: " +
                             console({"under-replicated"}));
  if (!done) throw std::runtime_error("re-replication did not finish: " + console({"repair"}));
  double total = secs_since(t0);
  double copying = std::chrono::duration<double>(clk::now() - *removed).count();
  return {{"rereplicate_1gib_s", total},
          {"rereplicate_mib_s", double(copied >> 20) / total},
          {"rereplicate_copy_mib_s", double(copied >> 20) / copying},
          {"rereplicate_copied_mib", double(copied >> 20)}};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Master failover (issue 15): 3 masters + 3 chunkservers, one client connected (a small put
// done). Each round SIGKILLs the active master and times, from the kill, until a small put
// through the same client succeeds (failover_ms; client.timeout_ms=60000, retried on errors)
// and until a surviving master's console says it is active (failover_elect_ms, polled by a
// second thread, so its resolution is one console round trip, ~0.1-0.3 s). The killed master
// is then restarted (no bootstrap) and the round ends when it says standby and the active
// master counts 3 healthy chunkservers. A request already sent to the killed master is not
// failed when its link drops: it waits out the client's first attempt (client.timeout_ms / 4,
// retry_policy), so failover_ms is about 15 s here however fast the election; `--set
// client.timeout_ms=N` (after the 60000 here) moves it.
std::map<std::string, double> failover_phase(const bench_options& o) {
  dfs::test::dfs_cluster cl;
  cl.use_shipped_defaults();
  master_group m{cl, std::max(o.masters, 3)};
  std::vector<std::string> common = m.sets();
  common.insert(common.end(), {"chunkserver.heartbeat_interval_ms=500", "log.level=warn"});
  common.insert(common.end(), o.sets.begin(), o.sets.end());
  cl.set_common(common);
  m.start_all();
  for (int i = 1; i <= 3; ++i) cl.start("cs" + std::to_string(i), "chunkserver", m.n + i - 1);
  auto ready = [&] { return m.console({"chunkservers"}).find("3 healthy") != std::string::npos; };
  if (!dfs::test::wait_until(ready, 30s))
    throw std::runtime_error("failover cluster did not come up");
  auto cfg = client_config(cl, m, o, 60000);
  caf::actor_system_config caf_cfg;
  dfs::configure_actor_system(caf_cfg, cfg);
  caf::actor_system sys{caf_cfg};
  dfs::storage_client c(sys, cfg);
  std::string small(4096, 'f');
  c.ns(dfs::ns_op::mkdir, "/failover");
  c.put_bytes(small, "/failover/warm", 4096);
  std::vector<double> put_ms, elect_ms;
  for (size_t round = 0; round < o.failovers; ++round) {
    int old = m.active();
    if (old < 0) throw std::runtime_error("failover: no active master before round");
    auto t0 = clk::now();
    cl.kill9(m.name(old));
    std::atomic<bool> stop{false};
    std::atomic<double> elect{-1};
    std::thread poll([&] {
      while (!stop && secs_since(t0) < 60) {
        for (int i = 0; i < m.n && elect < 0; ++i)
          if (i != old && m.masters_of(i).find(": active") != std::string::npos)
            elect = secs_since(t0) * 1000;
        if (elect >= 0) return;
        std::this_thread::sleep_for(20ms);
      }
    });
    std::optional<double> put;
    std::string last_error;
    while (!put && secs_since(t0) < 120) {
      try {
        c.put_bytes(small, "/failover/r" + std::to_string(round), 4096);
        put = secs_since(t0) * 1000;
      } catch (const std::exception& e) {
        last_error = e.what();
      }
    }
    // The elect poller may still be one console call behind the put; give it a few seconds.
    for (auto w = clk::now(); elect < 0 && clk::now() - w < 5s;) std::this_thread::sleep_for(10ms);
    stop = true;
    poll.join();
    if (!put) throw std::runtime_error("failover: no put succeeded in 120 s: " + last_error);
    put_ms.push_back(*put);
    elect_ms.push_back(elect);
    std::cerr << "failover " << round + 1 << ": killed " << m.name(old) << ", put after "
              << static_cast<long long>(*put) << " ms, a master active after "
              << static_cast<long long>(elect.load()) << " ms\n";
    m.start(old, false);
    if (!dfs::test::wait_until(
            [&] { return m.masters_of(old).find(": standby") != std::string::npos && ready(); },
            60s))
      throw std::runtime_error("failover: " + m.name(old) + " did not come back as standby:\n" +
                               m.masters_of(old));
  }
  std::map<std::string, double> r;
  r["failover_ms_median"] = median(put_ms);
  r["failover_ms_max"] = *std::max_element(put_ms.begin(), put_ms.end());
  if (std::find(elect_ms.begin(), elect_ms.end(), -1.0) == elect_ms.end()) {
    r["failover_elect_ms_median"] = median(elect_ms);
    r["failover_elect_ms_max"] = *std::max_element(elect_ms.begin(), elect_ms.end());
  }
  return r;
}

// Mutations (issue 13), on a fresh 1-master, 3-chunkserver cluster:
// - append_4k_records_s: 8 clients append 4 KiB records (framed as `append` frames them) to
//   one file at once. Bound by the chain: every record is pushed to 3 replicas, ordered by
//   one primary per chunk and made durable (fsync) on all three before it is acknowledged,
//   so records of one chunk go through one primary's serial order and three disks' fsyncs.
// - write_64k_mib_s: clients write 64 KiB at random offsets of a big_mib file. Bound by the
//   same fsync per write on three replicas (and the block read-modify-write of the chunk
//   store for unaligned writes); spread over the file's chunks, so over all primaries.
std::map<std::string, double> mutations_phase(const bench_options& o) {
  dfs::test::dfs_cluster cl;
  cl.use_shipped_defaults();
  master_group m{cl, 1};
  start_cluster(cl, m, o);
  dfs::config cfg = client_config(cl, m, o);
  caf::actor_system_config caf_cfg;
  dfs::configure_actor_system(caf_cfg, cfg);
  caf::actor_system sys{caf_cfg};
  std::map<std::string, double> r;
  dfs::storage_client c(sys, cfg);
  wait_ready(c, m, "mutations cluster");
  // Runs `per_client(mutator, i)` for i in [0, n) on `clients` threads, each with its own
  // storage client and file_mutator (its lease cache); returns seconds.
  auto timed = [&](size_t n, size_t clients,
                   const std::function<void(dfs::file_mutator&, size_t)>& f) {
    std::atomic<size_t> next{0}, errors{0};
    auto t0 = clk::now();
    std::vector<std::thread> ts;
    for (size_t t = 0; t < clients; ++t)
      ts.emplace_back([&] {
        dfs::storage_client sc(sys, cfg);
        dfs::file_mutator mu(sc);
        for (size_t i; (i = next++) < n;) {
          try {
            f(mu, i);
          } catch (const std::exception& e) {
            if (errors++ == 0) std::cerr << "bench: " << e.what() << "\n";
          }
        }
        try {
          mu.flush();
        } catch (const std::exception& e) {
          std::cerr << "bench: " << e.what() << "\n";
        }
      });
    for (auto& t : ts) t.join();
    if (errors > 0) throw std::runtime_error(std::to_string(errors) + " mutations failed");
    return secs_since(t0);
  };
  c.put_bytes("", "/log", 0);
  std::string payload(4096 - dfs::records::header_bytes, 'r');
  auto secs = timed(o.records, 8, [&](dfs::file_mutator& mu, size_t i) {
    mu.append("/log",
              dfs::records::frame({dfs::storage_client::process_client_id(), i + 1}, payload));
  });
  r["append_4k_records_s"] = double(o.records) / secs;
  auto big = cl.dir() + "/big";
  write_random(big, o.big_mib << 20);
  c.put(big, "/big", 0);
  ::unlink(big.c_str());
  std::string block(64 << 10, 'w');
  uint64_t span = (o.big_mib << 20) - block.size();
  secs = timed(o.writes, 8, [&](dfs::file_mutator& mu, size_t i) {
    std::mt19937_64 rng(i);
    mu.write("/big", rng() % span, block);
  });
  r["write_64k_mib_s"] = double(o.writes * block.size()) / (1 << 20) / secs;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"storage benchmark"};
  bool json = false;
  bench_options o;
  size_t runs = 1, pause_s = 0;
  bool rereplicate_only = false, failover_only = false, mutations_only = false, basic_only = false;
  app.add_flag("--json", json, "one JSON object on stdout");
  app.add_option("--big-mib", o.big_mib, "size of the large file (MiB)");
  app.add_option("--files", o.files, "number of 4 KiB files");
  app.add_option("--threads", o.threads, "concurrent clients for small-file phases");
  app.add_option("--runs", runs, "runs on fresh clusters; every figure is their median");
  // ext4 without a journal (these VMs) skips inodes freed in the last 1-5 minutes when it
  // allocates new ones, which makes file creation slower right after a run deleted 30,000.
  app.add_option("--pause", pause_s, "seconds to wait between runs (e.g. 300)");
  app.add_flag("--rereplicate-only", rereplicate_only, "only the re-replication phase");
  app.add_option("--masters", o.masters,
                 "1 master, or 3 replicated masters (adds the failover phase)")
      ->check(CLI::IsMember({1, 3}));
  app.add_flag("--failover-only", failover_only,
               "only the failover phase (3 masters): SIGKILL the active master, time a put");
  app.add_flag("--mutations-only", mutations_only,
               "only the mutations phase: record appends and random 64 KiB writes");
  app.add_flag(
      "--basic-only", basic_only,
      "only the put/get and small-file figures (with --via http: also through the gateway)");
  app.add_flag("!--no-membership", o.membership,
               "re-replication without an introducer: the death is seen by heartbeat silence "
               "alone (master.removed_after_ms=3000)");
  app.add_option("--records", o.records, "4 KiB records appended in the mutations phase");
  app.add_option("--writes", o.writes, "random 64 KiB writes in the mutations phase");
  app.add_option("--failovers", o.failovers, "rounds of the failover phase (default 5)")
      ->check(CLI::PositiveNumber);
  app.add_option("--via", o.via, "native (default) or http: also through a fileserver's gateway")
      ->check(CLI::IsMember({"native", "http"}));
  app.add_option("--set", o.sets, "config override for every node and the client (repeatable)")
      ->allow_extra_args(false);
  CLI11_PARSE(app, argc, argv);
  if (failover_only) o.masters = 3;
  bool only_phase = rereplicate_only || failover_only || mutations_only;
  std::map<std::string, std::vector<double>> all;
  for (size_t i = 0; i < std::max<size_t>(runs, 1); ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::seconds(pause_s));
    std::map<std::string, double> one;
    try {
      if (!only_phase) one = run_once(o);
      if (!failover_only && !rereplicate_only && !basic_only)
        for (auto& [k, v] : mutations_phase(o)) one[k] = v;
      if (mutations_only || basic_only) {
      } else if (!failover_only)
        for (auto& [k, v] : rereplicate_once(o)) one[k] = v;
      if (o.masters > 1 && !rereplicate_only && !mutations_only && !basic_only)
        for (auto& [k, v] : failover_phase(o)) one[k] = v;
    } catch (const std::exception& e) {
      std::cerr << "bench: " << e.what() << "\n";
      return 1;
    }
    std::string line;
    for (auto& [k, v] : one) {
      all[k].push_back(v);
      line += k + "=" + std::to_string(static_cast<long long>(v)) + " ";
    }
    std::cerr << "run " << i + 1 << ": " << line << "\n";
  }
  std::map<std::string, double> r;
  for (auto& [k, v] : all) r[k] = median(v);
  // Each figure against what this machine allows for it: every put byte is written by three
  // replicas, every small put creates three chunk files; reads are bound by the slower of the
  // disk and one loopback stream.
  if (only_phase) {
    r["masters"] = o.masters;
    if (json) {
      std::string s = "{";
      for (auto& [k, v] : r)
        s += (s.size() > 1 ? ", " : "") + ("\"" + k + "\": ") + std::to_string(v);
      std::cout << s << "}\n";
    } else {
      for (auto& [k, v] : r) std::printf("%-24s %10.1f\n", k.c_str(), v);
    }
    return 0;
  }
  r["put_1gib_of_limit"] = r["put_1gib_mib_s"] / (r["disk_write_mib_s"] / 3);
  r["get_1gib_of_limit"] =
      r["get_1gib_mib_s"] / std::min(r["disk_read_mib_s"], r["loopback_mib_s"]);
  r["small_put_of_limit"] = r["small_put_files_s"] / (r["disk_4k_creates_s"] / 3);
  if (o.via == "http")
    for (auto k : {"put_1gib", "get_1gib", "small_put_files", "small_get_files"}) {
      auto unit = std::string(k).find("1gib") != std::string::npos ? "_mib_s" : "_s";
      r[std::string("http_") + k + "_of_native"] =
          r[std::string("http_") + k + unit] / r[std::string(k) + unit];
    }
  if (json) {
    std::string s = "{";
    for (auto& [k, v] : r)
      s += (s.size() > 1 ? ", " : "") + ("\"" + k + "\": ") + std::to_string(v);
    std::cout << s << "}\n";
  } else {
    std::printf("%d master%s%s\n", o.masters, o.masters > 1 ? "s" : "",
                o.masters > 1 ? " (replicated metadata log, one active)" : "");
    std::printf("%-22s %12s   %s\n", "figure", "value", "machine limit for it");
    auto row = [&](const char* k, const char* limit, const char* frac) {
      std::printf("%-22s %12.1f", k, r[k]);
      if (frac != nullptr) std::printf("   %.0f%% of %s", 100 * r[frac], limit);
      std::printf("\n");
    };
    row("put_1gib_mib_s", "disk write / 3", "put_1gib_of_limit");
    row("get_1gib_mib_s", "min(disk read, loopback)", "get_1gib_of_limit");
    row("small_put_files_s", "4 KiB durable creates / 3", "small_put_of_limit");
    for (auto k : {"small_get_files_s", "small_stat_files_s", "small_rm_files_s", "meta_lookups_s",
                   "disk_write_mib_s", "disk_read_mib_s", "loopback_mib_s", "disk_4k_creates_s",
                   "rereplicate_1gib_s", "rereplicate_mib_s", "rereplicate_copy_mib_s",
                   "rereplicate_copied_mib", "failover_ms_median", "failover_ms_max",
                   "failover_elect_ms_median", "failover_elect_ms_max"})
      if (r.count(k) != 0) row(k, "", nullptr);
    if (o.via == "http") {
      row("http_put_1gib_mib_s", "native put", "http_put_1gib_of_native");
      row("http_get_1gib_mib_s", "native get", "http_get_1gib_of_native");
      row("http_small_put_files_s", "native small put", "http_small_put_files_of_native");
      row("http_small_get_files_s", "native small get", "http_small_get_files_of_native");
      row("http_small_stat_files_s", "", nullptr);
      row("http_small_rm_files_s", "", nullptr);
    }
  }
  return 0;
}
