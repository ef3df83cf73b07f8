#pragma once
// File locks (issue 13 item 5; seed: many readers, one updater): per path either shared holders
// or one exclusive holder, each with an expiry by the master's clock that the holder renews
// (a lease). Soft state of the active master: not logged, so a master restart or a failover
// drops every lock, and the holder learns it at its next renewal (`lost`).
//
//   (free) --acquire--> held [shared: many | exclusive: one] --release/expiry--> (free)
//   a conflicting acquire --> waiting (FIFO) --holders gone--> held
//                                            --deadline------> refused "held by NAME (...)"
//
// Waiters are served strictly in arrival order, and a new request waits whenever someone waits
// before it: a stream of readers cannot starve a writer. Pure: time comes in, answers to queued
// requests go out (by the token the owner gave them); no clock reads.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/master/messages.hpp"
#include "core/time.hpp"

namespace dfs::master {

using request_token = uint64_t;  // as in master_core.hpp

struct lock_options {
  core::duration max_ttl = std::chrono::minutes(10);  // longest ttl_ms a request may ask for
  size_t max_paths = 100000;                          // locked paths (held or waited on)
  size_t max_waiters_per_path = 1024;
};

struct lock_holder {
  uint64_t client_id = 0;
  std::string owner;  // for messages: who holds it ("alice@host pid 42")
  core::time_point expires{};
};

struct lock_waiter {
  request_token token = 0;
  uint64_t client_id = 0;
  std::string owner;
  lock_mode mode = lock_mode::shared;
  core::duration ttl{};
  core::time_point deadline{};  // answered with who holds the lock when still waiting then
};

struct lock_entry {
  lock_mode mode = lock_mode::shared;  // of the holders (all share one mode)
  std::vector<lock_holder> holders;    // one when exclusive
  std::deque<lock_waiter> waiters;     // FIFO
};

// An answer to a request that waited.
struct lock_answer {
  request_token token = 0;
  lock_reply reply;
};

class lock_table {
 public:
  explicit lock_table(lock_options opts = {}) : opts_(opts) {}

  // Grants at once (status ok), refuses at once (bad input, a conflict with wait 0, limits),
  // or queues the request until `now + wait` (nullopt: the answer comes from on_tick/release
  // by `token`). A client asking again for a lock it holds renews it (and takes it exclusive
  // when it is the only holder); asking again while it waits replaces its waiting request in
  // its place in line (a client's retry after a timeout does not go to the back).
  [[nodiscard]] std::optional<lock_reply> acquire(request_token token, const lock_request& r,
                                                  core::time_point now,
                                                  std::vector<lock_answer>& answers);
  // Extends the holder's expiry by `ttl`; not_found ("lost") when it holds no lock there.
  [[nodiscard]] lock_reply renew(const lock_request& r, core::time_point now,
                                 std::vector<lock_answer>& answers);
  // Drops the client's hold (and a request of it still waiting); grants waiters that now fit.
  [[nodiscard]] lock_reply release(const lock_request& r, core::time_point now,
                                   std::vector<lock_answer>& answers);
  // Expired holders go, waiters that now fit are granted, waiters past their deadline refused.
  [[nodiscard]] std::vector<lock_answer> on_tick(core::time_point now);

  // Whether another client holds the exclusive lock of `path` (mutations by `client_id` that
  // should not go ahead then: an edit's commit). Holders past their expiry do not count.
  bool locked_by_other(const std::string& path, uint64_t client_id, core::time_point now) const;
  // Whether `client_id` holds the exclusive lock of `path`.
  bool holds_exclusive(const std::string& path, uint64_t client_id, core::time_point now) const;
  // "held by NAME (exclusive, expires in N s)"; empty when free.
  std::string held_by(const std::string& path, core::time_point now) const;
  const std::map<std::string, lock_entry>& all() const { return locks_; }

 private:
  std::optional<lock_reply> check(const lock_request& r, bool wants_ttl) const;
  void expire(lock_entry& e, core::time_point now);
  void grant_waiters(lock_entry& e, core::time_point now, std::vector<lock_answer>& answers);
  static bool fits(const lock_entry& e, uint64_t client_id, lock_mode mode);
  static lock_reply take(lock_entry& e, uint64_t client_id, const std::string& owner,
                         lock_mode mode, core::time_point expires, core::time_point now);
  std::string held_text(const lock_entry& e, core::time_point now) const;
  void forget_if_free(const std::string& path);

  lock_options opts_;
  std::map<std::string, lock_entry> locks_;
};

}  // namespace dfs::master
