#pragma once
// When a log's next group commit may start (storage/gcs_disk). Pure: the caller passes times.
//
// Spacing fsyncs under continuous load makes each cover more operations. On one VM disk (session
// 17) three fileservers' back-to-back fdatasyncs stalled every fsync for 10-15 ms once per
// ~100 ms, and a 2 ms spacing removed the stalls (p99 at 8 clients 14-16 -> 5-10 ms). On a disk
// that does not stall, the spacing only adds latency: on another VM (fdatasync ~170 us) it cost
// 8 clients 5,625 -> 4,992 ops/s and raised p99 2.2 -> 3.1 ms (medians of 3). So the pacer
// spaces syncs only while the disk keeps stalling: `stalls_to_pace` stalls within `memory`, a
// stall being a sync slower than `stall_factor` times the running mean and than `stall_floor`.
// Spacing then lasts until `memory` after the last stall. A disk that is slow but steady (a
// spinning disk's 8 ms) never stalls. The floor and the count sit between the two disks seen:
// the second's slowest syncs under load took 2.0-4.3 ms (84 of ~40,000 over 1 ms, mean
// 300-500 us) in one run, and 0-8 over 5 ms per 5-second round (three fileservers together) in
// others; the first stalled ~10 times a second.
#include <array>
#include <chrono>

namespace dfs {

class sync_pacer {
 public:
  using us = std::chrono::microseconds;  // time since any fixed epoch, or a duration
  static constexpr double stall_factor = 8;
  static constexpr us stall_floor{5000};
  static constexpr us memory{1000000};
  static constexpr size_t stalls_to_pace = 3;

  // interval 0: never space syncs.
  explicit sync_pacer(us interval) : interval_(interval) {}

  // A sync (write + fdatasync) that started at `start` took `took`.
  void on_sync(us start, us took);
  // The earliest start of the next sync, for a batch that was already waiting when the last one
  // ended (continuous load); `now` when there is nothing to space.
  us next_start(us now) const;

  bool pacing(us now) const;
  us mean() const { return us(static_cast<long long>(mean_us_)); }
  unsigned long long stalls() const { return stalls_; }

 private:
  us interval_;
  us last_start_{0};
  std::array<us, stalls_to_pace> recent_{};  // ends of the last stalls, a ring
  unsigned long long stalls_ = 0;
  double mean_us_ = -1;  // running mean of sync times; < 0 before the first
};

}  // namespace dfs
