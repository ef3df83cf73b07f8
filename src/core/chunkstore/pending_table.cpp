#include "core/chunkstore/pending_table.hpp"

namespace dfs::chunkstore {

namespace {

std::string name(data_id id) {
  return "data id " + std::to_string(id.value);
}

}  // namespace

pending_table::pending_table(pending_limits limits) : limits_(limits) {}

result<void> pending_table::start(data_id id, chunk_handle handle, uint64_t chunk_version,
                                  uint64_t declared_bytes, core::time_point now) {
  if (entries_.count(id) > 0) return make_error(errc::invalid_argument, name(id) + " in use");
  if (declared_bytes > limits::max_chunk_size_bytes)
    return make_error(
        errc::invalid_argument,
        name(id) + ": chunk of " + std::to_string(declared_bytes) + " bytes over the limit");
  if (entries_.size() >= limits_.max_entries ||
      declared_bytes > limits_.max_total_bytes - total_bytes_)
    return make_error(errc::busy, "too much pending data; retry later");
  entries_[id] = pending_entry{id, handle, chunk_version, declared_bytes, 0, now + limits_.ttl};
  total_bytes_ += declared_bytes;
  return {};
}

result<void> pending_table::add_bytes(data_id id, uint64_t n, core::time_point now) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return make_error(errc::not_found, name(id) + " not pending");
  auto& e = it->second;
  if (n > e.declared_bytes - e.received_bytes)
    return make_error(errc::invalid_argument, name(id) + ": more bytes than declared (" +
                                                  std::to_string(e.declared_bytes) + ")");
  e.received_bytes += n;
  e.expires_at = now + limits_.ttl;
  return {};
}

result<pending_entry> pending_table::finish(data_id id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return make_error(errc::not_found, name(id) + " not pending");
  if (!it->second.complete())
    return make_error(errc::invalid_argument,
                      name(id) + " incomplete: " + std::to_string(it->second.received_bytes) +
                          " of " + std::to_string(it->second.declared_bytes) + " bytes");
  auto e = it->second;
  total_bytes_ -= e.declared_bytes;
  entries_.erase(it);
  return e;
}

bool pending_table::cancel(data_id id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  total_bytes_ -= it->second.declared_bytes;
  entries_.erase(it);
  return true;
}

std::vector<data_id> pending_table::on_tick(core::time_point now) {
  std::vector<data_id> expired;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now < it->second.expires_at) {
      ++it;
      continue;
    }
    expired.push_back(it->first);
    total_bytes_ -= it->second.declared_bytes;
    it = entries_.erase(it);
  }
  return expired;
}

const pending_entry* pending_table::find(data_id id) const {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second;
}

}  // namespace dfs::chunkstore
