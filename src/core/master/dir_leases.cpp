#include "core/master/dir_leases.hpp"

#include <algorithm>
#include <type_traits>

namespace dfs::master {

std::string parent_dir(const std::string& path) {
  if (path.size() <= 1) return {};
  auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

namespace {

// The entry at `path` changed: its directory's listing, and the child count its directory
// shows in the listing above.
void entry_changed(const std::string& path, std::vector<changed_dir>& out) {
  auto dir = parent_dir(path);
  if (dir.empty()) return;
  out.push_back({dir, false});
  if (auto up = parent_dir(dir); !up.empty()) out.push_back({up, false});
}

void changed_by(const client_mutation& m, std::vector<changed_dir>& out) {
  std::visit(
      [&](auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, rename_record>) {
          entry_changed(r.from, out);
          entry_changed(r.to, out);
          out.push_back({r.from, true});  // a directory: everything below it moved
        } else if constexpr (std::is_same_v<T, restore_record> || std::is_same_v<T, mkdir_record> ||
                             std::is_same_v<T, remove_record> || std::is_same_v<T, commit_record> ||
                             std::is_same_v<T, trash_record>) {
          entry_changed(r.path, out);
        }
        // purge_record: the trash only.
      },
      m);
}

}  // namespace

std::vector<changed_dir> changed_dirs(const log_record& r) {
  std::vector<changed_dir> out;
  std::visit(
      [&](auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, request_record>) {
          changed_by(x.op, out);
        } else if constexpr (std::is_same_v<T, grow_record> ||
                             std::is_same_v<T, materialize_record>) {
          entry_changed(x.path, out);  // size, chunk count
        } else if constexpr (std::is_same_v<T, mkdir_record> || std::is_same_v<T, remove_record> ||
                             std::is_same_v<T, commit_record> || std::is_same_v<T, trash_record> ||
                             std::is_same_v<T, restore_record> ||
                             std::is_same_v<T, rename_record> || std::is_same_v<T, purge_record>) {
          changed_by(client_mutation{x}, out);
        }
        // allocate, abandon, drain, bump_version, copy-on-write: nothing a stat shows.
      },
      r);
  return out;
}

dir_leases::dir_leases(core::duration term, core::duration quiet) : term_(term), quiet_(quiet) {}

std::optional<core::duration> dir_leases::grant(const std::string& dir, uint64_t client,
                                                core::time_point now) {
  if (term_ <= core::duration::zero() || client == 0 || dir.empty()) return std::nullopt;
  auto& s = dirs_[dir];
  if (s.shared_until > now && s.last_changer != client) return std::nullopt;
  auto& end = s.holders[client];
  end = std::max(end, now + term_);
  auto& any = holder_ends_[client];
  any = std::max(any, end);
  return term_;
}

core::time_point dir_leases::wait_for_others(dir_state& s, uint64_t client, core::time_point now) {
  auto until = now;
  s.holders.erase(client);
  for (auto& [holder, end] : s.holders) until = std::max(until, end);
  return until;
}

core::time_point dir_leases::on_change(const changed_dir& d, uint64_t client,
                                       core::time_point now) {
  auto until = std::max(now, hold_until_);
  if (term_ <= core::duration::zero()) return until;
  auto& s = dirs_[d.dir];
  // Another client's change within `quiet` makes the directory write-shared (no grants to
  // anyone, last_changer 0); the same client's changes keep it its own.
  s.last_changer = s.shared_until <= now || s.last_changer == client ? client : 0;
  s.shared_until = now + quiet_;
  until = std::max(until, wait_for_others(s, client, now));
  if (!d.subtree) return until;
  auto below = d.dir == "/" ? std::string("/") : d.dir + "/";
  for (auto it = dirs_.lower_bound(below);
       it != dirs_.end() && it->first.compare(0, below.size(), below) == 0; ++it)
    until = std::max(until, wait_for_others(it->second, client, now));
  return until;
}

bool dir_leases::change_may_wait(uint64_t client, core::time_point now) const {
  if (hold_until_ > now) return true;
  for (auto& [holder, end] : holder_ends_)
    if (holder != client && end > now) return true;
  return false;
}

void dir_leases::expire(core::time_point now) {
  for (auto e = holder_ends_.begin(); e != holder_ends_.end();)
    e = e->second <= now ? holder_ends_.erase(e) : std::next(e);
  for (auto it = dirs_.begin(); it != dirs_.end();) {
    auto& h = it->second.holders;
    for (auto e = h.begin(); e != h.end();) e = e->second <= now ? h.erase(e) : std::next(e);
    it = h.empty() && it->second.shared_until <= now ? dirs_.erase(it) : std::next(it);
  }
}

}  // namespace dfs::master
