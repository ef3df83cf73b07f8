#pragma once
// The master's trash: removed files by trash id, with two indexes so that no periodic or
// per-request step walks every entry. Expiry runs on every tick (5 a second): a scan of the
// whole map was ~50 ms a tick with a million entries (one `rm -r` of a large tree keeps them
// for master.trash_ttl_s, a day by default), and it held the master's actor the whole time.
// Undelete and purge by path look a path up instead of scanning.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/master/namespace_tree.hpp"

namespace dfs::master {

// A removed file waiting in the trash (undelete restores it; purge or expiry frees it).
struct trash_entry {
  uint64_t id = 0;
  std::string path;
  uint64_t deleted_ms = 0;
  file_node file;
};

class trash_bin {
 public:
  using entries_t = std::map<uint64_t, trash_entry>;

  trash_bin() = default;
  // A copy indexes its own entries (by_path_'s keys view the entries' paths). A move keeps
  // the map's nodes, so the views stay valid.
  trash_bin(const trash_bin& o);
  trash_bin& operator=(const trash_bin& o);
  trash_bin(trash_bin&&) = default;
  trash_bin& operator=(trash_bin&&) = default;

  const entries_t& entries() const { return entries_; }
  trash_entry* find(uint64_t id);
  bool contains(uint64_t id) const { return entries_.count(id) > 0; }

  // Adds `e`; false (and nothing changes) when its id is in the bin already.
  bool add(trash_entry e);
  // Removes entry `id` and gives it back; nullopt when there is none.
  std::optional<trash_entry> take(uint64_t id);

  // The newest entry (highest id) of `path`, or null.
  const trash_entry* newest_of(std::string_view path) const;
  // Every entry of `path`, by increasing id.
  std::vector<uint64_t> ids_of(std::string_view path) const;
  // Up to `max` entries deleted at or before `cutoff_ms`, oldest deletion first, returned by
  // increasing id. Costs what it returns, not the bin's size.
  std::vector<uint64_t> deleted_by(uint64_t cutoff_ms, size_t max) const;

 private:
  entries_t entries_;
  std::set<std::pair<uint64_t, uint64_t>> by_deleted_;  // (deleted_ms, id)
  // Path -> ids. The views point into entries_' nodes, which never move while they exist.
  std::map<std::string_view, std::set<uint64_t>> by_path_;
};

}  // namespace dfs::master
