#pragma once
// hot_chunks: which chunks are read so much that they deserve extra replicas (design.md §6
// "replicator", issue 12 item 5). Chunkservers report client reads per chunk with each
// heartbeat; a chunk whose reads over one window exceed `hot_reads_per_s` is hot and its
// target becomes `max_replicas` (repair copies it up); once no window has been hot for
// `cool_down`, it is cold again and the master trims it back to its replication.
//
//   (unknown) ──reads──▶ counting ──window over hot_reads_per_s──▶ hot
//                            ▲                                      │ cool_down without a
//                            └──────────────── cold (forgotten) ◀───┘ hot window
#include <cstdint>
#include <map>
#include <vector>

#include "core/master/ids.hpp"
#include "core/time.hpp"

namespace dfs::master {

struct hot_options {
  double hot_reads_per_s = 50;                          // replicator.hot_reads_per_s
  uint32_t max_replicas = 5;                            // replicator.max_replicas
  core::duration cool_down = std::chrono::seconds(60);  // replicator.cool_down_s
  core::duration window = std::chrono::seconds(2);      // reads are rated per window
  size_t max_tracked = 100000;                          // chunks counted at once
};

class hot_chunks {
 public:
  explicit hot_chunks(hot_options o) : opts_(o) {}

  void on_reads(chunk_handle h, uint64_t reads, core::time_point now);
  // Closes windows that are over and forgets chunks cold for cool_down.
  void on_tick(core::time_point now);
  bool hot(chunk_handle h) const;
  // The replicas `h` should have: max_replicas while hot (never fewer than `base`).
  uint32_t target(chunk_handle h, uint32_t base) const;
  std::vector<chunk_handle> hot_list() const;
  const hot_options& options() const { return opts_; }

 private:
  struct entry {
    core::time_point window_start;
    uint64_t window_reads = 0;
    bool hot = false;
    core::time_point last_hot{};
  };
  void close_window(entry& e, core::time_point now);

  hot_options opts_;
  std::map<uint64_t, entry> chunks_;
};

}  // namespace dfs::master
