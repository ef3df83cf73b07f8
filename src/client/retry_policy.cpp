#include "client/retry_policy.hpp"

#include <algorithm>

namespace dfs {

retry_policy::retry_policy(clock::time_point start, ms total, std::optional<ms> first_cap)
    : deadline_(start + total),
      first_attempt_(
          std::max(min_attempt, first_cap ? std::min(total / 4, *first_cap) : total / 4)),
      total_(total) {}

void retry_policy::set_first_attempt(ms m) {
  first_attempt_ = std::max(min_attempt, std::min(m, total_));
}

std::optional<retry_policy::ms> retry_policy::attempt_timeout(clock::time_point now) const {
  if (now >= deadline_) return std::nullopt;
  auto left = std::chrono::duration_cast<ms>(deadline_ - now);
  if (left.count() == 0) return std::nullopt;
  // Doubling, at most 2^5 times the first: beyond that the deadline caps it anyway.
  auto t = first_attempt_ * (int64_t{1} << std::min<uint32_t>(failures_, 5));
  return std::min(t, left);
}

std::optional<retry_policy::ms> retry_policy::pause_after_failure(clock::time_point now,
                                                                  uint64_t random) {
  ++failures_;
  auto base =
      std::min(max_pause, first_pause * (int64_t{1} << std::min<uint32_t>(failures_ - 1, 6)));
  // Jitter: 50 % .. 100 % of the base.
  auto pause = base / 2 + ms(static_cast<int64_t>(random % (uint64_t(base.count()) / 2 + 1)));
  if (now + pause >= deadline_) return std::nullopt;
  return pause;
}

}  // namespace dfs
