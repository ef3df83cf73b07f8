#pragma once
// When a client asks the master again: one deadline (client.timeout_ms) for the whole call,
// attempts whose own timeout doubles (a request lost with a dying master is given up early,
// while a slow answer still gets most of the time), pauses between attempts that double with
// jitter (clients retrying after a master restart do not all arrive at once). Pure: time and
// randomness come in, so the schedule is unit-tested.
#include <chrono>
#include <cstdint>
#include <optional>

namespace dfs {

class retry_policy {
 public:
  using clock = std::chrono::steady_clock;
  using ms = std::chrono::milliseconds;

  // `total`: client.timeout_ms, from `start`. `first_cap`: with several masters, the first
  // attempt waits at most this long (client: twice master.election_timeout_ms). A request sent
  // to a master that died with it is never answered (CAF fails no pending request when the
  // connection drops), and a new master is elected within about that time, so waiting a quarter
  // of a long client.timeout_ms would only delay the failover.
  retry_policy(clock::time_point start, ms total, std::optional<ms> first_cap = std::nullopt);

  // A request the master may hold for a while (a lock waiting behind a holder): its first
  // attempt waits this long (at most the whole deadline).
  void set_first_attempt(ms m);
  // The timeout of the next attempt at `now`; nullopt once the deadline has passed.
  std::optional<ms> attempt_timeout(clock::time_point now) const;
  // After a failed attempt: how long to pause before the next (`random`: any 64-bit value, for
  // jitter), or nullopt if no attempt fits before the deadline any more.
  std::optional<ms> pause_after_failure(clock::time_point now, uint64_t random);

  uint32_t attempts() const { return failures_ + 1; }
  clock::time_point deadline() const { return deadline_; }

  static constexpr ms min_attempt{1000};  // however short client.timeout_ms / 4 is
  static constexpr ms first_pause{50};
  static constexpr ms max_pause{1000};

 private:
  clock::time_point deadline_;
  ms first_attempt_;
  ms total_;
  uint32_t failures_ = 0;
};

}  // namespace dfs
