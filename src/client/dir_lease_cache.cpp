#include "client/dir_lease_cache.hpp"

#include "core/master/dir_leases.hpp"

namespace dfs {

dir_lease_cache& dir_lease_cache::process() {
  static dir_lease_cache cache;
  return cache;
}

namespace {

ns_reply stat_reply_of(const ns_entry& e, const ns_version& v) {
  ns_reply r;
  r.entries.push_back(e);
  if (!e.is_dir) r.versions.push_back(v);
  return r;
}

}  // namespace

std::optional<ns_reply> dir_lease_cache::find(const std::string& path,
                                              clock::time_point now) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto d = dirs_.find(master::parent_dir(path));
  if (d == dirs_.end() || d->second.until <= now) return std::nullopt;
  auto s = d->second.stats.find(path);
  if (s == d->second.stats.end()) return std::nullopt;
  return stat_reply_of(s->second.first, s->second.second);
}

uint64_t dir_lease_cache::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

void dir_lease_cache::keep(const std::string& dir, const ns_reply& r, clock::time_point asked,
                           uint64_t gen) {
  if (r.lease_ms == 0 || r.entries.size() != r.versions.size()) return;
  // A margin for the two clocks' rates (and the master's tick granularity): an eighth.
  auto term = std::chrono::milliseconds(r.lease_ms);
  lease l{asked + term - term / 8, {}};
  for (size_t i = 0; i < r.entries.size(); ++i)
    l.stats.emplace(r.entries[i].name, std::make_pair(r.entries[i], r.versions[i]));
  std::lock_guard<std::mutex> lock(mu_);
  if (gen != generation_) return;  // this process changed something since it asked
  if (dirs_.size() >= max_dirs) {
    auto now = clock::now();
    for (auto it = dirs_.begin(); it != dirs_.end();)
      it = it->second.until <= now ? dirs_.erase(it) : std::next(it);
    if (dirs_.size() >= max_dirs) dirs_.clear();
  }
  dirs_[dir] = std::move(l);
}

void dir_lease_cache::forget() {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
  dirs_.clear();
}

std::optional<ns_reply> dir_lease_cache::stat_in(const ns_reply& r, const std::string& path) {
  if (r.entries.size() != r.versions.size()) return std::nullopt;
  for (size_t i = 0; i < r.entries.size(); ++i)
    if (r.entries[i].name == path) return stat_reply_of(r.entries[i], r.versions[i]);
  return std::nullopt;
}

}  // namespace dfs
