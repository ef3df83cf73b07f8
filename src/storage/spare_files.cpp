#include "storage/spare_files.hpp"

#include <algorithm>
#include <cctype>

namespace dfs {

namespace {

constexpr const char* suffix = ".spare";

std::optional<uint64_t> spare_id(const std::string& name) {
  auto n = name.size();
  auto s = std::string(suffix).size();
  if (n <= s || n - s > 19 || name.compare(n - s, s, suffix) != 0) return std::nullopt;
  uint64_t id = 0;
  for (size_t i = 0; i < n - s; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return std::nullopt;
    id = id * 10 + uint64_t(name[i] - '0');
  }
  return id;
}

}  // namespace

bool spare_files::is_spare_name(const std::string& name) {
  return spare_id(name).has_value();
}

std::string spare_files::path_of(uint64_t id) const {
  return dir_ + "/" + std::to_string(id) + suffix;
}

void spare_files::adopt(const std::vector<std::string>& names) {
  std::vector<uint64_t> extra;
  {
    std::lock_guard lk(mu_);
    ids_.clear();  // the listing is the truth, also when a store is opened again
    for (const auto& n : names) {
      auto id = spare_id(n);
      if (!id) continue;
      next_id_ = std::max(next_id_, *id + 1);
      if (ids_.size() < capacity_)
        ids_.push_back(*id);
      else
        extra.push_back(*id);
    }
  }
  for (auto id : extra) remove_file(path_of(id));
}

io_status spare_files::retire(const std::string& path) {
  uint64_t id = 0;
  bool full = false;
  {
    std::lock_guard lk(mu_);
    full = ids_.size() + retiring_ >= capacity_;
    if (!full) {
      id = next_id_++;
      ++retiring_;
    }
  }
  // Full: deleted, outside the lock (freeing a large file's blocks takes a while).
  if (full) return remove_file(path);
  auto spare = path_of(id);
  bool kept = rename_file(path, spare).ok();
  io_status st;
  if (!kept) {
    st = remove_file(path);  // the file is still at `path`: deleted as before spares existed
  } else if (!truncate_file(spare, 0)) {
    // Emptied so that a spare holds no disk space (an O_TRUNC open would do it only at reuse,
    // and free space must show at once); one that cannot be is deleted.
    kept = false;
    st = remove_file(spare);
  }
  std::lock_guard lk(mu_);
  --retiring_;
  if (kept) ids_.push_back(id);
  return st;
}

bool spare_files::take(const std::string& path) {
  uint64_t id = 0;
  {
    std::lock_guard lk(mu_);
    if (ids_.empty()) return false;
    id = ids_.back();
    ids_.pop_back();
  }
  if (!rename_file(path_of(id), path)) return false;
  std::lock_guard lk(mu_);
  ++reused_;
  return true;
}

io_status spare_files::fill(size_t target, const std::function<io_status()>& sync_dir) {
  uint64_t first = 0;
  size_t want = 0;
  {
    std::lock_guard lk(mu_);
    if (ids_.size() + retiring_ >= std::min(target, capacity_)) return {};
    want = std::min(target, capacity_) - ids_.size() - retiring_;
    first = next_id_;
    next_id_ += want;
  }
  std::vector<uint64_t> made;
  io_status st;
  for (size_t i = 0; i < want; ++i) {
    st = create_empty_file(path_of(first + i));
    if (!st) break;
    made.push_back(first + i);
  }
  if (made.empty()) return st;
  if (auto synced = sync_dir ? sync_dir() : fsync_dir(dir_); !synced) {
    for (auto id : made) remove_file(path_of(id));
    return synced;
  }
  std::lock_guard lk(mu_);
  ids_.insert(ids_.end(), made.begin(), made.end());
  return st;
}

size_t spare_files::size() const {
  std::lock_guard lk(mu_);
  return ids_.size();
}

uint64_t spare_files::reused() const {
  std::lock_guard lk(mu_);
  return reused_;
}

}  // namespace dfs
