#pragma once
// Deterministic simulated network for tests/sim: every run is a function of its seed.
// Messages are delayed uniformly in [min_delay, max_delay], lost with probability `loss`,
// duplicated with probability `duplicate`, and dropped while sender and receiver are in
// different partition groups or either endpoint is crashed. Reordering falls out of the
// random delays. No threads, no real clock.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <vector>

#include "core/time.hpp"

namespace dfs::sim {

using core::duration;
using core::time_point;

struct net_options {
  double loss = 0.0;       // probability a message is dropped
  double duplicate = 0.0;  // probability a message is delivered twice
  duration min_delay = std::chrono::milliseconds(1);
  duration max_delay = std::chrono::milliseconds(5);
  // With this probability a message is held up to `long_delay` instead (a stalled queue, a
  // retransmission after a long pause): messages from a process long gone still arrive.
  double long_delay_chance = 0.0;
  duration long_delay = std::chrono::milliseconds(0);
};

struct net_stats {
  uint64_t sent = 0, delivered = 0, lost = 0, duplicated = 0, blocked = 0;
};

template <class Addr, class Msg>
class sim_network {
 public:
  struct envelope {
    Addr from;
    Addr to;
    Msg msg;
  };

  sim_network(uint64_t seed, net_options opts) : rng_(seed), opts_(opts) {}

  net_options& options() { return opts_; }
  const net_stats& stats() const { return stats_; }
  std::mt19937_64& rng() { return rng_; }

  // Queue `msg` for delivery; `now` is the sender's current virtual time.
  void send(const Addr& from, const Addr& to, Msg msg, time_point now) {
    ++stats_.sent;
    if (!connected(from, to)) {
      ++stats_.blocked;
      return;
    }
    if (chance(opts_.loss)) {
      ++stats_.lost;
      return;
    }
    int copies = chance(opts_.duplicate) ? 2 : 1;
    if (copies == 2) ++stats_.duplicated;
    for (int i = 0; i < copies; ++i)
      queue_.push(pending{now + delay(), seq_++, envelope{from, to, msg}});
  }

  // Remove and return every message due at or before `now`, in delivery-time order.
  // A message whose endpoints got separated (crash, partition) while in flight is dropped.
  std::vector<envelope> deliver_due(time_point now) {
    std::vector<envelope> out;
    while (!queue_.empty() && queue_.top().at <= now) {
      auto p = queue_.top();
      queue_.pop();
      if (!connected(p.env.from, p.env.to)) {
        ++stats_.blocked;
        continue;
      }
      ++stats_.delivered;
      out.push_back(std::move(p.env));
    }
    return out;
  }

  // Time of the next queued message, or `fallback` when none is queued.
  time_point next_due(time_point fallback) const {
    return queue_.empty() ? fallback : std::min(fallback, queue_.top().at);
  }
  bool idle() const { return queue_.empty(); }

  void crash(const Addr& a) { crashed_.insert(a); }
  void restart(const Addr& a) { crashed_.erase(a); }
  bool crashed(const Addr& a) const { return crashed_.count(a) > 0; }

  // Split the world: nodes in different groups cannot talk. Unlisted nodes form group 0.
  void partition(const std::vector<std::set<Addr>>& groups) {
    group_.clear();
    for (size_t i = 0; i < groups.size(); ++i)
      for (const auto& a : groups[i]) group_[a] = static_cast<int>(i) + 1;
  }
  void heal() { group_.clear(); }

  bool connected(const Addr& a, const Addr& b) const {
    if (crashed(a) || crashed(b)) return false;
    return group_of(a) == group_of(b);
  }

 private:
  struct pending {
    time_point at;
    uint64_t seq;  // FIFO among equal times keeps runs deterministic
    envelope env;
    bool operator>(const pending& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  int group_of(const Addr& a) const {
    auto i = group_.find(a);
    return i == group_.end() ? 0 : i->second;
  }
  bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  duration delay() {
    if (chance(opts_.long_delay_chance) && opts_.long_delay > opts_.max_delay)
      return duration(std::uniform_int_distribution<duration::rep>(opts_.max_delay.count(),
                                                                   opts_.long_delay.count())(rng_));
    auto lo = opts_.min_delay.count(), hi = std::max(opts_.min_delay, opts_.max_delay).count();
    return duration(std::uniform_int_distribution<duration::rep>(lo, hi)(rng_));
  }

  std::mt19937_64 rng_;
  net_options opts_;
  net_stats stats_;
  uint64_t seq_ = 0;
  std::priority_queue<pending, std::vector<pending>, std::greater<pending>> queue_;
  std::set<Addr> crashed_;
  std::map<Addr, int> group_;
};

// Seeds for a sweep: DFS_SIM_SEED=n replays one run; DFS_SIM_RUNS=n changes the sweep size;
// DFS_SIM_SEED_OFFSET=k shifts the whole sweep, so that a long run explores seeds CI never tries
// (a failure prints its seed, which DFS_SIM_SEED then replays).
inline std::vector<uint64_t> sweep_seeds(uint64_t default_runs, uint64_t base = 1) {
  if (const char* s = std::getenv("DFS_SIM_SEED")) return {std::strtoull(s, nullptr, 10)};
  uint64_t runs = default_runs;
  if (const char* r = std::getenv("DFS_SIM_RUNS")) runs = std::strtoull(r, nullptr, 10);
  if (const char* k = std::getenv("DFS_SIM_SEED_OFFSET")) base += std::strtoull(k, nullptr, 10);
  std::vector<uint64_t> out;
  for (uint64_t i = 0; i < runs; ++i) out.push_back(base + i);
  return out;
}

}  // namespace dfs::sim
