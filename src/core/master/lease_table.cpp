#include "core/master/lease_table.hpp"

#include <algorithm>
#include <iterator>

#include "common/assert.hpp"

namespace dfs::master {

namespace {

// duration × ppm / 1e6, rounded up (the margin must never come out short).
core::duration scaled_up(core::duration d, uint32_t ppm) {
  auto n = d.count();
  auto p = static_cast<core::duration::rep>(ppm);
  return core::duration((n / 1000000) * p + ((n % 1000000) * p + 999999) / 1000000);
}

std::string ms_text(core::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

}  // namespace

core::duration lease_options::margin() const {
  return scaled_up(duration, max_drift_ppm) + std::chrono::milliseconds(1);
}

core::duration lease_options::holder_duration() const {
  // duration - duration × drift (rounded up): the primary's lease is never longer than this.
  auto cut = scaled_up(duration, max_drift_ppm);
  return cut >= duration ? core::duration::zero() : duration - cut;
}

const char* to_string(lease_phase p) {
  switch (p) {
    case lease_phase::reserved:
      return "reserved";
    case lease_phase::offering:
      return "offering";
    case lease_phase::active:
      return "active";
    case lease_phase::fenced:
      return "fenced";
  }
  return "unknown";
}

lease_table::lease_table(lease_options opts, core::time_point started)
    : opts_(opts), quiet_until_(started + opts.duration + opts.margin()) {}

const lease_info* lease_table::find(chunk_handle h) const {
  auto it = leases_.find(h.value);
  return it == leases_.end() ? nullptr : &it->second;
}

const lease_info* lease_table::valid(chunk_handle h, core::time_point now) const {
  auto* l = find(h);
  if (l == nullptr || l->phase != lease_phase::active || now >= l->expiry) return nullptr;
  return l;
}

std::optional<grant_refusal> lease_table::check_grant(chunk_handle h, core::time_point now,
                                                      bool earlier_life_settled) const {
  if (now < quiet_until_ && !earlier_life_settled)
    return grant_refusal{"the master restarted or took over " +
                             ms_text(now - (quiet_until_ - opts_.duration - opts_.margin())) +
                             " ago: leases of an earlier life may still run for " +
                             ms_text(quiet_until_ - now),
                         quiet_until_};
  auto* l = find(h);
  if (l == nullptr) return std::nullopt;
  switch (l->phase) {
    case lease_phase::reserved:
    case lease_phase::offering:
      return grant_refusal{"a lease to " + l->primary.to_string() + " is being granted",
                           l->offer_deadline};
    case lease_phase::active:
    case lease_phase::fenced: {
      auto free_at = l->expiry + opts_.margin();
      if (now >= free_at) return std::nullopt;
      return grant_refusal{"the lease of " + l->primary.to_string() + " ends in " +
                               ms_text(free_at - now) + " (expiry + drift margin)",
                           free_at};
    }
  }
  return std::nullopt;
}

void lease_table::reserve(chunk_handle h, const node_id& primary, std::vector<node_id> secondaries,
                          uint64_t chunk_version, core::time_point now, bool earlier_life_settled) {
  DFS_ASSERT(!check_grant(h, now, earlier_life_settled),
             "lease reserved while another may run on " + h.to_string());
  lease_info l;
  l.handle = h;
  l.primary = primary;
  l.secondaries = std::move(secondaries);
  l.chunk_version = chunk_version;
  l.phase = lease_phase::reserved;
  l.offer_deadline = now + opts_.offer_timeout;
  leases_[h.value] = std::move(l);
}

bool lease_table::may_supersede(chunk_handle h, const node_id& primary,
                                core::time_point now) const {
  auto* l = valid(h, now);
  return l != nullptr && l->acked && l->primary == primary;
}

void lease_table::supersede(chunk_handle h, std::vector<node_id> secondaries,
                            uint64_t chunk_version, core::time_point now) {
  auto* old = valid(h, now);
  DFS_ASSERT(old != nullptr && old->acked, "superseding no running lease on " + h.to_string());
  DFS_ASSERT(chunk_version > old->chunk_version, "a superseding grant needs a newer version");
  lease_info l;
  l.handle = h;
  l.primary = old->primary;
  l.secondaries = std::move(secondaries);
  l.chunk_version = chunk_version;
  l.phase = lease_phase::reserved;
  l.offer_deadline = now + opts_.offer_timeout;
  l.supersedes_until = old->expiry;
  leases_[h.value] = std::move(l);
}

std::map<uint64_t, lease_info>::iterator lease_table::drop(
    std::map<uint64_t, lease_info>::iterator it) {
  auto& l = it->second;
  bool untaken = l.phase == lease_phase::reserved || l.phase == lease_phase::offering;
  if (!untaken || l.supersedes_until == core::time_point{}) return leases_.erase(it);
  // The primary still holds the lease this one superseded: fenced until that one ends.
  l.phase = lease_phase::fenced;
  l.expiry = l.supersedes_until;
  l.supersedes_until = {};
  return std::next(it);
}

void lease_table::on_logged(chunk_handle h, uint64_t chunk_version, bool ok) {
  auto it = leases_.find(h.value);
  if (it == leases_.end() || it->second.phase != lease_phase::reserved ||
      it->second.chunk_version != chunk_version)
    return;
  if (ok)
    it->second.phase = lease_phase::offering;
  else
    drop(it);  // never offered: nobody holds it (but maybe the lease it superseded)
}

std::vector<lease_offer_entry> lease_table::on_heartbeat(
    const node_id& n, const std::vector<lease_claim_entry>& claims, core::time_point now,
    std::vector<chunk_handle>& acked) {
  std::vector<lease_offer_entry> out;
  for (auto& c : claims) {
    auto it = leases_.find(c.handle.value);
    if (it == leases_.end()) continue;
    auto& l = it->second;
    if (l.primary != n || l.chunk_version != c.chunk_version || l.phase != lease_phase::active ||
        now >= l.expiry)
      continue;  // not (or no longer) its lease: its own clock ends it
    if (!l.acked) acked.push_back(l.handle);
    l.acked = true;
    if (c.extend) {
      // Counted from this heartbeat's receipt; the primary counts from its sending.
      l.expiry = now + opts_.duration;
      out.push_back({l.handle, l.chunk_version});
    }
  }
  for (auto& [h, l] : leases_)
    if (l.primary == n && l.phase == lease_phase::offering && now < l.offer_deadline) {
      l.phase = lease_phase::active;
      // At least as long as the lease it supersedes, in case this reply is lost.
      l.expiry = std::max(now + opts_.duration, l.supersedes_until);
      l.supersedes_until = {};
      out.push_back({l.handle, l.chunk_version});
    }
  return out;
}

bool lease_table::revocable(chunk_handle h, const node_id& primary, uint64_t chunk_version,
                            core::time_point now) const {
  auto* l = valid(h, now);
  return l != nullptr && l->acked && l->primary == primary && l->chunk_version == chunk_version;
}

bool lease_table::on_released(const node_id& n, chunk_handle h, uint64_t chunk_version,
                              core::time_point now) {
  auto it = leases_.find(h.value);
  if (it == leases_.end()) return false;
  auto& l = it->second;
  if (l.primary != n || l.chunk_version != chunk_version || l.phase != lease_phase::active ||
      now >= l.expiry)
    return false;
  l.expiry = now;
  l.phase = lease_phase::fenced;
  return true;
}

std::vector<chunk_handle> lease_table::on_tick(core::time_point now) {
  std::vector<chunk_handle> dropped;
  for (auto it = leases_.begin(); it != leases_.end();) {
    auto& l = it->second;
    bool offer = l.phase == lease_phase::reserved || l.phase == lease_phase::offering;
    if (offer && now >= l.offer_deadline && l.phase == lease_phase::offering) {
      // Reserved ones wait for their record's outcome: the core drops them then.
      dropped.push_back(l.handle);
      it = drop(it);
      continue;
    }
    if (l.phase == lease_phase::active && now >= l.expiry) l.phase = lease_phase::fenced;
    if (l.phase == lease_phase::fenced && now >= l.expiry + opts_.margin()) {
      it = leases_.erase(it);
      continue;
    }
    ++it;
  }
  return dropped;
}

std::vector<chunk_handle> lease_table::on_node_gone(const node_id& n) {
  return drop_if(
      [&](const lease_info& l) { return l.primary == n && l.phase == lease_phase::offering; });
}

std::vector<chunk_handle> lease_table::on_restarted(const node_id& fresh) {
  // The holder's process ended: no lease a grant of it superseded runs either.
  for (auto& [h, l] : leases_)
    if (l.primary.address() == fresh.address() && l.primary != fresh) l.supersedes_until = {};
  return drop_if([&](const lease_info& l) {
    return l.primary.address() == fresh.address() && l.primary != fresh &&
           l.phase != lease_phase::reserved;
  });
}

template <class Pred>
std::vector<chunk_handle> lease_table::drop_if(Pred pred) {
  std::vector<chunk_handle> dropped;
  for (auto it = leases_.begin(); it != leases_.end();) {
    if (pred(it->second)) {
      dropped.push_back(it->second.handle);
      it = drop(it);
    } else {
      ++it;
    }
  }
  return dropped;
}

}  // namespace dfs::master
