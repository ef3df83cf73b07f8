#include "storage/sync_pacer.hpp"

namespace dfs {

void sync_pacer::on_sync(us start, us took) {
  last_start_ = start;
  auto t = static_cast<double>(took.count());
  if (mean_us_ >= 0 && took >= stall_floor && t > stall_factor * mean_us_)
    recent_[stalls_++ % stalls_to_pace] = start + took;
  // 1/16 weight: a stall moves the mean little, a disk that became slower for good soon sets it.
  mean_us_ = mean_us_ < 0 ? t : mean_us_ + (t - mean_us_) / 16;
}

bool sync_pacer::pacing(us now) const {
  if (interval_.count() == 0 || stalls_ < stalls_to_pace) return false;
  us newest = recent_[(stalls_ - 1) % stalls_to_pace];
  us oldest = recent_[stalls_ % stalls_to_pace];  // of the last stalls_to_pace
  return newest - oldest < memory && now < newest + memory;
}

sync_pacer::us sync_pacer::next_start(us now) const {
  if (!pacing(now)) return now;
  return last_start_ + interval_ > now ? last_start_ + interval_ : now;
}

}  // namespace dfs
