#include "storage/sync_pacer.hpp"

namespace dfs {

void sync_pacer::on_sync(us start, us took) {
  last_start_ = start;
  auto t = static_cast<double>(took.count());
  if (mean_us_ >= 0 && took >= stall_floor && t > stall_factor * mean_us_) {
    ++stalls_;
    stall_end_ = start + took + memory;
  }
  // 1/16 weight: a stall moves the mean little, a disk that became slower for good soon sets it.
  mean_us_ = mean_us_ < 0 ? t : mean_us_ + (t - mean_us_) / 16;
}

sync_pacer::us sync_pacer::next_start(us now) const {
  if (!pacing(now)) return now;
  return last_start_ + interval_ > now ? last_start_ + interval_ : now;
}

}  // namespace dfs
