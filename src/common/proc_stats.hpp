#pragma once
// What the process costs the machine, as /proc tells it (Linux): resident memory, threads and
// open descriptors, for the metrics endpoint (net/metrics.hpp). Reading never throws; a field
// that cannot be read is 0, so that a scrape still answers on a system without /proc.
#include <cstdint>
#include <string_view>

namespace dfs {

struct proc_stats {
  uint64_t rss_bytes = 0;
  uint64_t threads = 0;
  uint64_t open_fds = 0;
};

// The `VmRSS:` (kB) and `Threads:` lines of a /proc/<pid>/status text; missing or malformed
// lines leave their field 0. Pure, for tests.
proc_stats parse_proc_status(std::string_view status_text);

// This process now: /proc/self/status, and the entries of /proc/self/fd.
proc_stats read_proc_stats();

}  // namespace dfs
