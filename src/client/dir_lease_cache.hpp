#pragma once
// The client's side of directory leases (core/master/dir_leases.hpp): the stats of a
// directory's entries, kept while the master's lease on them runs, so that `stat` of a file
// there needs no round trip. The master acknowledges no other client's change to the
// directory before the lease ends, and this process forgets every lease before and after each
// change it makes itself (the master ends its own leases with the change), so a stat answered
// here never misses an acknowledged change.
//
// One per process, shared by its storage_clients: they share the client id the master keys
// leases by, so a change one of them makes ends the leases another holds.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "proto/interfaces.hpp"

namespace dfs {

class dir_lease_cache {
 public:
  using clock = std::chrono::steady_clock;

  static dir_lease_cache& process();

  // The stat of `path` (as the master names it) while a lease on its directory runs.
  std::optional<ns_reply> find(const std::string& path, clock::time_point now) const;
  // A stamp to take before asking for a lease: keep() drops a reply asked before a forget().
  uint64_t generation() const;
  // Keeps a stat_dir reply with a lease (ns_reply::lease_ms) on `dir`, asked at `asked` (before
  // the request left, so the lease ends here no later than at the master).
  void keep(const std::string& dir, const ns_reply& r, clock::time_point asked, uint64_t gen);
  void forget();

  // The stat of `path` out of a stat_dir reply, if it lists it.
  static std::optional<ns_reply> stat_in(const ns_reply& r, const std::string& path);

 private:
  struct lease {
    clock::time_point until;
    std::map<std::string, std::pair<ns_entry, ns_version>> stats;  // by path
  };
  static constexpr size_t max_dirs = 1024;

  mutable std::mutex mu_;
  uint64_t generation_ = 0;
  std::map<std::string, lease> dirs_;
};

}  // namespace dfs
