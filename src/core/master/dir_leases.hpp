#pragma once
// Directory leases (issue 17): a client may keep the stats of every entry of a directory for a
// short term and answer `stat` from them, without a round trip to the master, while the master
// promises that no change to that directory is *acknowledged* before the lease ends. So a
// cached stat never misses a change its writer was told had happened (design.md §10: reads
// return the newest acknowledged version), and nothing is ever revoked: a change is applied at
// once and only its answer waits (at most one term), as Gray and Cheriton's leases have a
// write wait for the leases on its data to end.
//
// - A change by the holder itself ends the holder's own lease (its client forgets the
//   directory before it sends the change), so a client that stats and then writes never waits
//   for itself.
// - A directory another client changed within the last `quiet` is write-shared: no lease is
//   granted on it, so writers there do not keep waiting for readers' terms.
// - A master starting from a log (restart, a new active master) cannot know the leases its
//   previous life granted: no change is acknowledged before one term has passed.
//
// Leases are volatile and never logged. Pure: the master core owns one and passes time in.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/master/records.hpp"
#include "core/time.hpp"

namespace dfs::master {

// The directories whose listing (the stats of their entries, a subdirectory's entry count
// included) a record changes: the parent of each path it touches, and that parent's parent
// (whose entry for the parent shows its child count). `subtree`: every directory at or below
// `dir` too (mv of a directory). Records that change nothing a stat shows (allocations, lease
// version bumps, copy-on-write, purges of the trash, drains) change none.
struct changed_dir {
  std::string dir;
  bool subtree = false;
};
std::vector<changed_dir> changed_dirs(const log_record& r);

// The directory holding `path` ("/" for "/a"; "" for "/" itself).
std::string parent_dir(const std::string& path);

class dir_leases {
 public:
  // term 0: leases off (no grant, no change ever waits).
  explicit dir_leases(core::duration term = {}, core::duration quiet = {});

  core::duration term() const { return term_; }

  // A lease on `dir` for `client` from `now`: its term, or nullopt (leases off, an untagged
  // client, a write-shared directory).
  std::optional<core::duration> grant(const std::string& dir, uint64_t client,
                                      core::time_point now);

  // `client` (0: unknown, e.g. the master itself) changes `dir` now: its own lease on it ends.
  // Returns the time the change may be acknowledged: when every other client's lease on it has
  // ended (at most now + term), and not before the start guard.
  core::time_point on_change(const changed_dir& d, uint64_t client, core::time_point now);

  // Whether a change by `client` now might have to wait: another client holds a lease on any
  // directory, or the start guard runs. (The request port's thread applies a mutation itself
  // only when nothing waits: it cannot answer later.)
  bool change_may_wait(uint64_t client, core::time_point now) const;

  // No change is acknowledged before `t` (a master starting from a log).
  void hold_changes_until(core::time_point t) { hold_until_ = std::max(hold_until_, t); }

  // Forgets ended leases and old change marks (call on the master's tick).
  void expire(core::time_point now);

  size_t directories() const { return dirs_.size(); }

 private:
  struct dir_state {
    std::map<uint64_t, core::time_point> holders;  // client -> end of its lease
    core::time_point shared_until{};               // no grant before (a foreign change)
    uint64_t last_changer = 0;                     // 0 while shared: changed by several clients
  };
  core::time_point wait_for_others(dir_state& s, uint64_t client, core::time_point now);

  core::duration term_;
  core::duration quiet_;
  std::map<std::string, dir_state> dirs_;
  std::map<uint64_t, core::time_point> holder_ends_;  // client -> end of its latest lease
  core::time_point hold_until_{};
};

}  // namespace dfs::master
