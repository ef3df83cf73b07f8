#pragma once
// `scripts/bench storage --via http` (issue 16 item 6): the large-file and small-file figures
// again, through a fileserver's HTTP gateway with curl, as a script would do it — one curl per
// large transfer; per small-file phase one curl with `--parallel-max THREADS` keep-alive
// connections reading its URLs from a config file (no process per file, like a real client).
// Keys are the native ones prefixed `http_`, plus `http_*_of_native` fractions.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/dfs_cluster.hpp"

namespace bench_http {

constexpr const char* curl_bin = "/usr/bin/curl";

struct gateway_client {
  std::string base;  // https://127.0.0.1:PORT
  std::string ca;
  std::string token;
  std::string scratch;  // a directory for config files and outputs

  std::vector<std::string> argv(std::vector<std::string> extra) const {
    std::vector<std::string> a = {curl_bin,
                                  "-sS",
                                  "--no-progress-meter",
                                  "--cacert",
                                  ca,
                                  "-H",
                                  "Authorization: Bearer " + token,
                                  "-w",
                                  "%{http_code}\\n"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  // Runs curl; the number of transfers that answered `want`.
  size_t run(const std::vector<std::string>& extra, const std::string& want,
             bool quiet = false) const {
    auto r = dfs::test::run(argv(extra), scratch);
    size_t ok = 0;
    for (size_t at = 0; (at = r.out.find(want + "\n", at)) != std::string::npos; ++at) ++ok;
    if (!r.err.empty() && !quiet) std::cerr << "bench: curl: " << r.err.substr(0, 300) << "\n";
    return ok;
  }
  // One curl, `threads` parallel connections, one transfer per line group of `urls`.
  size_t many(const std::vector<std::string>& lines, size_t threads,
              const std::vector<std::string>& extra, const std::string& want) const {
    auto cfg = scratch + "/curl-urls.cfg";
    std::ofstream(cfg) << [&] {
      std::string s;
      for (auto& l : lines) s += l + "\n";
      return s;
    }();
    auto args = extra;
    args.insert(args.end(), {"-Z", "--parallel-max", std::to_string(threads), "-K", cfg});
    auto n = run(args, want);
    ::unlink(cfg.c_str());
    return n;
  }
};

inline double secs_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Starts a fileserver at `index` and returns a client of its gateway once it answers.
inline gateway_client start_gateway(dfs::test::dfs_cluster& cl, int index) {
  if (::access(curl_bin, X_OK) != 0) throw std::runtime_error("--via http needs curl");
  cl.start("fs", "fileserver", index,
           {"gcs.expected_group_size=1", "cluster.introducers=[\"" + cl.addr_of(index) + "\"]"});
  auto t =
      dfs::test::run({DFS_BIN_PATH, "--role", "ca", "--set", "cluster.key_file=" + cl.key_file(),
                      "token", "bench", "--kind", "client", "--ttl", "86400"},
                     cl.dir());
  if (t.exit_code != 0) throw std::runtime_error("ca token: " + t.err);
  while (!t.out.empty() && t.out.back() == '\n') t.out.pop_back();
  gateway_client g{"https://127.0.0.1:" + std::to_string(cl.port_of(index) + 3),
                   cl.pki_dir() + "/ca.crt", t.out, cl.dir()};
  if (!dfs::test::wait_until(
          [&] {
            return g.run({"-o", "/dev/null", g.base + "/files/"}, "200", true) == 1;
          },
          std::chrono::seconds(30)))
    throw std::runtime_error("the gateway did not answer");
  return g;
}

inline std::map<std::string, double> figures(const gateway_client& g, const std::string& big,
                                             uint64_t big_mib, size_t files, size_t threads) {
  std::map<std::string, double> r;
  ::sync();  // as for the native figures: no earlier writes still being flushed
  auto t0 = std::chrono::steady_clock::now();
  if (g.run({"-o", "/dev/null", "-T", big, g.base + "/files/hbig"}, "201") != 1)
    throw std::runtime_error("http put of the large file failed");
  r["http_put_1gib_mib_s"] = double(big_mib) / secs_since(t0);
  ::sync();
  t0 = std::chrono::steady_clock::now();
  if (g.run({"-o", big + ".http", g.base + "/files/hbig"}, "200") != 1)
    throw std::runtime_error("http get of the large file failed");
  r["http_get_1gib_mib_s"] = double(big_mib) / secs_since(t0);
  ::unlink((big + ".http").c_str());
  g.run({"-o", "/dev/null", "-X", "DELETE", g.base + "/files/hbig"}, "200");
  g.run({"-o", "/dev/null", "-X", "POST", g.base + "/dirs/hsmall"}, "201");

  auto small = g.scratch + "/small-4k";
  std::ofstream(small) << std::string(4096, 's');
  auto phase = [&](const char* key, const char* method, const char* prefix, bool upload,
                   const char* want) {
    std::vector<std::string> lines;
    for (size_t i = 0; i < files; ++i) {
      auto url = g.base + prefix + "/hsmall/f" + std::to_string(i) + "?chunk_size=4KiB";
      lines.push_back("url = \"" + url + "\"");
      if (upload) lines.push_back("upload-file = \"" + small + "\"");
      lines.push_back("output = \"/dev/null\"");
    }
    auto t = std::chrono::steady_clock::now();
    auto ok = g.many(lines, threads, {"-X", method}, want);
    r[key] = double(ok) / secs_since(t);
    if (ok != files) std::cerr << "bench: " << key << ": " << files - ok << " failed\n";
  };
  phase("http_small_put_files_s", "PUT", "/files", true, "201");
  phase("http_small_stat_files_s", "GET", "/versions", false, "200");
  phase("http_small_get_files_s", "GET", "/files", false, "200");
  phase("http_small_rm_files_s", "DELETE", "/files", false, "200");
  ::unlink(small.c_str());
  return r;
}

}  // namespace bench_http
