#pragma once
// scrub_pacer: the pace of a chunkserver's scrubber (issue 12 item 3), as pure arithmetic.
// The scrubber verifies every chunk's block checksums in passes; within a pass it reads at
// most `bytes_per_s` (chunkserver.scrub_mib_s), and a pass starts at most once per
// `pass_interval` (chunkserver.scrub_interval_h), never sooner than `min_gap` after the last
// one (an empty store must not spin). It also keeps the progress the console shows.
//
//   idle ──start_pass──▶ scanning ──on_verified*──▶ finish_pass ──▶ idle (until next_pass_at)
#include <cstdint>
#include <optional>

#include "core/time.hpp"

namespace dfs::chunkstore {

struct scrub_options {
  uint64_t bytes_per_s = 32ull << 20;
  core::duration pass_interval = std::chrono::hours(24);
  core::duration min_gap = std::chrono::seconds(1);
};

struct scrub_progress {
  uint64_t passes_done = 0;
  bool scanning = false;
  uint64_t chunks_done = 0, chunks_total = 0;  // of the pass in progress (or the last one)
  uint64_t bytes_done = 0, bytes_total = 0;
  uint64_t corrupt_this_pass = 0;
  uint64_t corrupt_total = 0;  // since the chunkserver started
  std::optional<core::time_point> pass_started;
  std::optional<core::time_point> last_pass_finished;
  core::duration last_pass_took{};
};

class scrub_pacer {
 public:
  explicit scrub_pacer(scrub_options o) : opts_(o) {}

  // When the next pass may start (now for the first one).
  core::time_point next_pass_at(core::time_point now) const;
  void start_pass(uint64_t chunks, uint64_t bytes, core::time_point now);
  // `bytes` of a chunk verified (`chunk_done`: its last piece; `corrupt`: it failed). Returns
  // how long to wait before reading on, so the pass keeps to bytes_per_s.
  [[nodiscard]] core::duration on_verified(uint64_t bytes, bool chunk_done, bool corrupt,
                                           core::time_point now);
  void finish_pass(core::time_point now);
  const scrub_progress& progress() const { return p_; }
  const scrub_options& options() const { return opts_; }

 private:
  scrub_options opts_;
  scrub_progress p_;
};

}  // namespace dfs::chunkstore
