#include "core/chunkserver/primary_lease.hpp"

namespace dfs::chunkserver {

bool primary_leases::on_grant(const lease_grant& g, core::time_point sent_at,
                              core::time_point now) {
  auto expiry = sent_at + std::chrono::milliseconds(g.holder_ms);
  if (now >= expiry) return false;
  // A reply that crossed the revocation (renewing what was given up) must not revive it.
  if (auto r = released_.find(g.handle); r != released_.end()) {
    if (g.chunk_version <= r->second.chunk_version) return false;
    released_.erase(r);
  }
  auto it = held_.find(g.handle);
  if (it != held_.end() && now < it->second.expiry) {
    if (g.chunk_version < it->second.chunk_version) return false;
    // A renewal (same version) or a newer grant: never shortens what runs.
    if (g.chunk_version == it->second.chunk_version && expiry <= it->second.expiry) return true;
  }
  auto& l = held_[g.handle];
  bool keep_extend = it != held_.end() && l.chunk_version == g.chunk_version && l.extend;
  l.chunk_version = g.chunk_version;
  l.expiry = expiry;
  l.extend = keep_extend;
  return true;
}

bool primary_leases::is_primary(uint64_t handle, core::time_point now) const {
  auto it = held_.find(handle);
  return it != held_.end() && now < it->second.expiry;
}

std::optional<uint64_t> primary_leases::version(uint64_t handle, core::time_point now) const {
  if (!is_primary(handle, now)) return std::nullopt;
  return held_.at(handle).chunk_version;
}

std::optional<core::time_point> primary_leases::expiry(uint64_t handle,
                                                       core::time_point now) const {
  if (!is_primary(handle, now)) return std::nullopt;
  return held_.at(handle).expiry;
}

void primary_leases::note_mutation(uint64_t handle) {
  auto it = held_.find(handle);
  if (it != held_.end()) it->second.extend = true;
}

bool primary_leases::release(uint64_t handle, uint64_t version, core::time_point now) {
  auto it = held_.find(handle);
  if (it == held_.end() || now >= it->second.expiry || it->second.chunk_version != version)
    return false;
  released_[handle] = it->second;
  held_.erase(it);
  return true;
}

std::vector<lease_revocation> primary_leases::released(core::time_point now) {
  std::vector<lease_revocation> out;
  for (auto it = released_.begin(); it != released_.end();) {
    if (now >= it->second.expiry) {
      it = released_.erase(it);
      continue;
    }
    out.push_back({it->first, it->second.chunk_version});
    ++it;
  }
  return out;
}

std::vector<lease_claim> primary_leases::claims(core::time_point now) {
  std::vector<lease_claim> out;
  for (auto it = held_.begin(); it != held_.end();) {
    if (now >= it->second.expiry) {
      it = held_.erase(it);
      continue;
    }
    out.push_back({it->first, it->second.chunk_version, it->second.extend});
    it->second.extend = false;
    ++it;
  }
  return out;
}

}  // namespace dfs::chunkserver
