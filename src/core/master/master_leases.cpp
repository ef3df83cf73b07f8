// master_core's lease side (lease_table.hpp has the rules): lease requests, the version bump
// each grant logs, grants and renewals on heartbeat replies, version updates for the other
// replicas, and the clients waiting for their primary's confirmation.
#include <algorithm>
#include <set>

#include "core/master/master_core.hpp"
#include "core/master/ns_replies.hpp"

namespace dfs::master {

namespace {

uint64_t ms_of(core::duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return ms < 0 ? 0 : static_cast<uint64_t>(ms);
}

}  // namespace

result<chunk_handle> master_core::lease_target(const lease_request& r) const {
  if (r.handle != 0) {
    if (meta_.chunks().find(chunk_handle{r.handle}) == nullptr)
      return make_error(errc::not_found, "no chunk " + chunk_handle{r.handle}.to_string());
    return chunk_handle{r.handle};
  }
  auto l = meta_.layout(r.path, 0);
  if (!l) return l.err();
  if (l->version.is_inline())  // no chunk to lease until the client stores it as chunks
    return make_error(errc::inline_refused,
                      l->path + " is stored inline; store it as chunks before writing");
  if (r.chunk_index >= l->chunks.size())
    return make_error(errc::invalid_argument, "chunk index " + std::to_string(r.chunk_index) +
                                                  " out of range: " + l->path + " has " +
                                                  std::to_string(l->chunks.size()) + " chunks");
  return l->chunks[r.chunk_index].meta.handle;
}

std::set<node_id> master_core::healthy_servers() const {
  std::set<node_id> healthy;
  for (auto& s : registry_.list())
    if (s.state == registry::health::healthy) healthy.insert(s.id);
  return healthy;
}

// A healthy replica holding the current version; among them the one primary of the fewest
// chunks (spreads the ordering work), then the lowest id (deterministic).
std::optional<node_id> master_core::pick_primary(const chunk_entry& e) const {
  std::map<node_id, size_t> held;
  for (auto& [h, l] : leases_.all()) ++held[l.primary];
  auto healthy = healthy_servers();
  std::optional<node_id> best;
  for (auto& n : e.replicas) {
    if (healthy.count(n) == 0) continue;
    if (!best || held[n] < held[*best]) best = n;
  }
  return best;
}

lease_reply master_core::lease_reply_of(const lease_info& l, bool granted,
                                        core::time_point now) const {
  lease_reply r;
  r.handle = l.handle.value;
  r.chunk_version = l.chunk_version;
  auto p = replica_addrs({l.primary});
  // A primary removed from the registry (dead) is still named: its lease runs to its end.
  r.primary = p.empty() ? replica_addr{l.primary, 0} : p.front();
  // Every secondary is named, also one removed since (dead, or restarting): the primary
  // forwards to exactly these, and a mutation is acknowledged once all of them have it.
  // Leaving one out (a chaos run) had appends acknowledged by the others alone, and a later
  // lease named the replica that lacked them. Pushes to it fail until a new lease leaves it
  // out: at once for the same primary when the live replicas meet quorum.write
  // (supersede_lease), else when this one ends (not extended while a secondary is unhealthy).
  for (const auto& n : l.secondaries) {
    auto a = replica_addrs({n});
    r.secondaries.push_back(a.empty() ? replica_addr{n, 0} : a.front());
  }
  r.expires_in_ms = l.expiry > now ? ms_of(l.expiry - now) : 0;
  r.granted = granted;
  return r;
}

master_effects master_core::on_lease(request_token t, const lease_request& r,
                                     core::time_point now) {
  master_effects fx;
  auto h = lease_target(r);
  if (!h) return fx.replies.push_back({t, lease_error(h.err().code, h.err().message)}), fx;
  if (auto it = snapshot_paths_.find(r.path); it != snapshot_paths_.end() && now < it->second)
    return fx.replies.push_back(
               {t, lease_error(errc::busy, quote_path(r.path) + ": a snapshot waits for its "
                                                                "leases to end; ask again later")}),
           fx;
  // Copy-on-write: a chunk another version (or a trash entry) reads is never leased, so no
  // mutation ever changes its bytes; the lease goes to a copy that replaces it here.
  if (auto* e = meta_.chunks().find(*h); e != nullptr && e->refcount > 1) {
    if (r.handle != 0)
      return fx.replies.push_back(
                 {t, lease_error(errc::conflict, "chunk " + h->to_string() +
                                                     " is shared with another version: ask by "
                                                     "path and index")}),
             fx;
    copy_before_lease(t, r, *h, now, fx);
    return fx;
  }
  lease_chunk(t, *h, now, fx);
  return fx;
}

void master_core::lease_chunk(request_token t, chunk_handle h, core::time_point now,
                              master_effects& fx) {
  if (auto* l = leases_.valid(h, now); l != nullptr && l->acked) {
    // A secondary of the running lease is gone (dead, or restarted as a new incarnation): no
    // mutation can be acknowledged until the lease ends. Its primary may take a new one at
    // once without it (which is revoked in turn if a copy is to restore the chunk's replicas:
    // revoke_leases).
    if (!names_gone_secondary(*l, now) || !supersede_lease(t, h, *l, now, fx))
      fx.replies.push_back({t, lease_reply_of(*l, false, now)});
    return;
  }
  if (auto* l = leases_.find(h); l != nullptr && (l->phase != lease_phase::fenced) &&
                                 (l->phase != lease_phase::active || now < l->expiry)) {
    // Being granted, or granted and not yet confirmed by its primary: wait with the others.
    lease_waiters_[h.value].push_back({t, false});
    return;
  }
  auto* e = meta_.chunks().find(h);
  // Right after a restart or failover a lease of an earlier life may still run: on most chunks
  // the one primary that can hold it is known, and may have a new grant at once.
  earlier_lease earlier;
  if (now < leases_.quiet_until() && e != nullptr) earlier = earlier_lease_on(*e, now);
  if (!earlier.registering.empty())
    return fx.replies.push_back(
        {t, lease_error(errc::busy, "chunk " + h.to_string() + ": " + earlier.registering +
                                        "; ask again later")});
  if (auto no = leases_.check_grant(h, now, earlier.settled))
    return fx.replies.push_back({t, lease_error(errc::busy, "chunk " + h.to_string() + ": " +
                                                                no->why + "; ask again later")});
  if (snapshot_waits_for(h, now))
    return fx.replies.push_back(
        {t,
         lease_error(errc::busy, "chunk " + h.to_string() +
                                     ": a snapshot waits for its lease to end; ask again later")});
  if (journal_failed_)
    return fx.replies.push_back(
        {t, lease_error(refusal_code(), refusal_text("the master cannot log the version bump"))});
  auto primary = earlier.only ? earlier.only : e != nullptr ? pick_primary(*e) : std::nullopt;
  if (!primary)
    return fx.replies.push_back(
        {t,
         lease_error(errc::no_servers,
                     "no live replica of chunk " + h.to_string() + " holds its current version " +
                         std::to_string(e != nullptr ? e->meta.chunk_version : 0))});
  auto secondaries = live_secondaries(*e, *primary);
  // A mutation is acknowledged once every replica of its lease has it: as for a put, that must
  // be at least quorum.write replicas, or one disk could lose acknowledged bytes. The client
  // asks again until enough replicas are back (or repair made new ones).
  if (1 + secondaries.size() < opts_.write_quorum)
    return fx.replies.push_back(
        {t,
         lease_error(errc::no_servers,
                     "chunk " + h.to_string() + ": only " + std::to_string(1 + secondaries.size()) +
                         " live replica(s) hold its current version; a write or append "
                         "needs quorum.write = " +
                         std::to_string(opts_.write_quorum))});
  if (auto why = repair_holds_grant(h, *e, now, fx))
    return fx.replies.push_back(
        {t, lease_error(errc::busy, "chunk " + h.to_string() + ": " + *why + "; ask again later")});
  auto bump = log_grant(t, h, *primary, now, fx);
  if (!bump) return;
  std::set<node_id> members(secondaries.begin(), secondaries.end());
  members.insert(*primary);
  meta_.note_lease_reserved(h, bump->chunk_version, members);
  leases_.reserve(h, *primary, std::move(secondaries), bump->chunk_version, now, earlier.settled);
}

// Only live replicas take part: one that stopped answering would fail every mutation of the
// lease. It misses the version bump and is stale when it comes back (never read).
std::vector<node_id> master_core::live_secondaries(const chunk_entry& e,
                                                   const node_id& primary) const {
  std::vector<node_id> out;
  auto healthy = healthy_servers();
  for (auto& n : e.replicas)
    if (n != primary && healthy.count(n) > 0) out.push_back(n);
  return out;
}

// Logs a grant's version bump (with its primary); `t` waits for the primary's confirmation.
std::optional<bump_version_record> master_core::log_grant(request_token t, chunk_handle h,
                                                          const node_id& primary,
                                                          core::time_point now,
                                                          master_effects& fx) {
  auto rec = meta_.validate_bump(h, primary);
  if (!rec)
    return fx.replies.push_back({t, lease_error(rec.err().code, rec.err().message)}), std::nullopt;
  waiter w;
  w.silent = true;
  log_and_apply(log_record{*rec}, std::move(w), now, fx);
  open_.bumps.push_back(*rec);
  lease_waiters_[h.value].push_back({t, true});
  fx.events.push_back({event_level::info, "lease_reserved chunk=" + h.to_string() +
                                              " primary=" + primary.to_string() +
                                              " version=" + std::to_string(rec->chunk_version)});
  return *rec;
}

// A secondary left out of the new lease misses its version bump: stale when it comes back,
// deleted, and copied again only once leases on the chunk stop (repair). So a secondary that
// may just be restarting is waited for: superseded at once when a new incarnation has
// registered at its address (it is named, if it kept the current version), else once it has
// been silent for registry.removed_after (a crash). A chaos run with the first version
// (superseding at the first request after a death) whittled a chunk down to one replica.
// A live secondary whose replica is gone since (found out of sync or corrupt, or trimmed)
// follows nothing more: superseded at once.
bool master_core::names_gone_secondary(const lease_info& l, core::time_point now) const {
  auto* e = meta_.chunks().find(l.handle);
  std::vector<registry::chunkserver_info> servers;  // read only if a secondary is not live
  bool gone = false;
  for (auto& n : l.secondaries) {
    if (registry_.live(n)) {
      gone = gone || (e != nullptr && e->replicas.count(n) == 0);
      continue;
    }
    if (servers.empty()) servers = registry_.list();
    auto it = std::find_if(servers.begin(), servers.end(),
                           [&](const auto& s) { return s.id.address() == n.address(); });
    bool replaced = it != servers.end() && it->id != n && it->state == registry::health::healthy;
    bool silent = it == servers.end() || it->id != n ||
                  now - it->last_heartbeat >= opts_.registry.removed_after;
    if (!replaced && !silent) return false;
    gone = true;
  }
  return gone;
}

bool master_core::supersede_lease(request_token t, chunk_handle h, const lease_info& l,
                                  core::time_point now, master_effects& fx) {
  auto* e = meta_.chunks().find(h);
  // `l` is the valid, confirmed lease on `h` (lease_chunk): lease_table::may_supersede holds.
  if (e == nullptr || journal_failed_ || snapshot_waits_for(h, now) ||
      healthy_servers().count(l.primary) == 0 || e->replicas.count(l.primary) == 0)
    return false;
  auto secondaries = live_secondaries(*e, l.primary);
  if (1 + secondaries.size() < opts_.write_quorum) return false;
  auto primary = l.primary;  // `l` is replaced below
  auto bump = log_grant(t, h, primary, now, fx);
  if (!bump) return true;
  fx.events.push_back({event_level::info, "lease_superseded chunk=" + h.to_string() +
                                              " primary=" + primary.to_string() +
                                              ": a secondary of its lease is gone"});
  std::set<node_id> members(secondaries.begin(), secondaries.end());
  members.insert(primary);
  meta_.note_lease_reserved(h, bump->chunk_version, members);
  leases_.supersede(h, std::move(secondaries), bump->chunk_version, now);
  return true;
}

void master_core::on_bumps_logged(const batch& b, bool ok, master_effects& fx) {
  for (auto& bump : b.bumps) {
    leases_.on_logged(bump.handle, bump.chunk_version, ok);
    if (!ok) {
      fail_lease_waiters(bump.handle, errc::unavailable,
                         "the master could not log the version bump (journal failed)", fx);
      continue;
    }
    // The other live replicas take the new version (the primary takes it with its grant).
    if (auto* l = leases_.find(bump.handle))
      for (auto& n : l->secondaries) version_updates_[n][bump.handle.value] = bump.chunk_version;
  }
}

void master_core::leases_on_heartbeat(const chunkserver_heartbeat& hb, core::time_point now,
                                      heartbeat_reply& reply, master_effects& fx) {
  for (auto& r : hb.released)
    if (leases_.on_released(hb.id, chunk_handle{r.handle}, r.chunk_version, now))
      fx.events.push_back(
          {event_level::info, "lease_released chunk=" + chunk_handle{r.handle}.to_string() +
                                  " primary=" + hb.id.to_string() +
                                  " version=" + std::to_string(r.chunk_version)});
  std::vector<lease_claim_entry> claims;
  auto healthy = healthy_servers();
  for (auto& c : hb.leases) {
    // A chunk that became shared is not renewed: its lease runs out, the next one copies it.
    // (Snapshots and commits refuse to share a leased chunk, so this is a second line.) Nor
    // is one with a secondary that is not healthy: mutations fail until the lease runs out
    // and the next one is granted without it. Nor one short of replicas: it is copied once
    // its lease has ended (repair_holds_grant).
    auto* e = meta_.chunks().find(chunk_handle{c.handle});
    bool extend =
        c.extend &&
        (e == nullptr || (e->refcount <= 1 && !awaits_repair(chunk_handle{c.handle}, *e, now))) &&
        !snapshot_waits_for(chunk_handle{c.handle}, now);
    if (auto* l = leases_.find(chunk_handle{c.handle}))
      for (auto& n : l->secondaries) extend = extend && healthy.count(n) > 0;
    claims.push_back({chunk_handle{c.handle}, c.chunk_version, extend});
  }
  std::vector<chunk_handle> acked;
  auto holder_ms = ms_of(opts_.lease.holder_duration());
  for (auto& o : leases_.on_heartbeat(hb.id, claims, now, acked)) {
    reply.leases.push_back({o.handle.value, o.chunk_version, holder_ms});
    if (auto* l = leases_.find(o.handle)) {
      std::set<node_id> members(l->secondaries.begin(), l->secondaries.end());
      members.insert(l->primary);
      meta_.note_lease_handed(o.handle, o.chunk_version, members);
    }
    fx.events.push_back({event_level::debug, "lease_handed chunk=" + o.handle.to_string() +
                                                 " primary=" + hb.id.to_string() +
                                                 " version=" + std::to_string(o.chunk_version)});
  }
  for (auto h : acked) {
    fx.events.push_back({event_level::info,
                         "lease_granted chunk=" + h.to_string() + " primary=" + hb.id.to_string()});
    answer_lease_waiters(h, now, fx);
  }
  revoke_leases(hb, now, reply, fx);
  if (auto it = version_updates_.find(hb.id); it != version_updates_.end())
    for (auto& [h, v] : it->second) reply.versions.push_back({h, v});
}

// A lease in the way of a repair or a snapshot is revoked rather than waited out (up to
// lease.duration, a minute by default): a chunk appended to without a pause kept two replicas
// that long, and a snapshot of it waited as long. Asked in every reply until the primary's
// heartbeat says it gave the lease up (leases_on_heartbeat, lease_table::on_released).
void master_core::revoke_leases(const chunkserver_heartbeat& hb, core::time_point now,
                                heartbeat_reply& reply, master_effects& fx) {
  for (auto& c : hb.leases) {
    chunk_handle h{c.handle};
    if (!leases_.revocable(h, hb.id, c.chunk_version, now)) continue;
    auto* e = meta_.chunks().find(h);
    const char* why = snapshot_waits_for(h, now)                  ? "a snapshot waits for it"
                      : e != nullptr && awaits_repair(h, *e, now) ? "its chunk waits for a copy"
                                                                  : nullptr;
    if (why == nullptr) continue;
    reply.revoke.push_back({c.handle, c.chunk_version});
    fx.events.push_back({event_level::info, "lease_revoked chunk=" + h.to_string() +
                                                " primary=" + hb.id.to_string() + ": " + why});
  }
}

void master_core::confirm_versions(const node_id& n, const std::vector<chunk_report>& reported) {
  auto it = version_updates_.find(n);
  if (it == version_updates_.end()) return;
  for (auto& c : reported) {
    auto u = it->second.find(c.handle);
    // Reported at the new version: taken. An older one keeps the update going (note_behind).
    if (u != it->second.end() && c.chunk_version >= u->second) it->second.erase(u);
  }
  if (it->second.empty()) version_updates_.erase(it);
}

void master_core::note_behind(const node_id& n, const std::vector<chunk_handle>& behind) {
  for (auto h : behind)
    if (const auto* e = meta_.chunks().find(h))
      version_updates_[n][h.value] = e->meta.chunk_version;
}

void master_core::leases_on_tick(core::time_point now, master_effects& fx) {
  for (auto h : leases_.on_tick(now))
    fail_lease_waiters(h, errc::unavailable,
                       "chunk " + h.to_string() + ": the primary did not take the lease in time",
                       fx);
  // Waiters of a lease that ended before its primary confirmed it (its confirmation lost).
  for (auto it = lease_waiters_.begin(); it != lease_waiters_.end();) {
    auto* l = leases_.find(chunk_handle{it->first});
    bool waiting =
        l != nullptr && (l->phase == lease_phase::reserved || l->phase == lease_phase::offering ||
                         (l->phase == lease_phase::active && now < l->expiry));
    if (waiting) {
      ++it;
      continue;
    }
    auto h = chunk_handle{it->first};
    ++it;
    fail_lease_waiters(h, errc::unavailable,
                       "chunk " + h.to_string() + ": the primary did not confirm the lease", fx);
  }
  // Chunks gone (removed, purged) need no new version.
  for (auto it = version_updates_.begin(); it != version_updates_.end();) {
    auto& m = it->second;
    for (auto u = m.begin(); u != m.end();)
      u = meta_.chunks().find(chunk_handle{u->first}) == nullptr ? m.erase(u) : std::next(u);
    it = m.empty() ? version_updates_.erase(it) : std::next(it);
  }
}

void master_core::leases_on_node_gone(const node_id& n, master_effects& fx) {
  version_updates_.erase(n);
  for (auto h : leases_.on_node_gone(n))
    fail_lease_waiters(h, errc::unavailable,
                       "chunk " + h.to_string() + ": its primary " + n.to_string() + " is gone",
                       fx);
}

void master_core::answer_lease_waiters(chunk_handle h, core::time_point now, master_effects& fx) {
  auto it = lease_waiters_.find(h.value);
  auto* l = leases_.valid(h, now);
  if (it == lease_waiters_.end() || l == nullptr) return;
  for (auto& w : it->second) fx.replies.push_back({w.token, lease_reply_of(*l, w.granted, now)});
  lease_waiters_.erase(it);
}

void master_core::fail_lease_waiters(chunk_handle h, errc code, const std::string& why,
                                     master_effects& fx) {
  auto it = lease_waiters_.find(h.value);
  if (it == lease_waiters_.end()) return;
  for (auto& w : it->second) fx.replies.push_back({w.token, lease_error(code, why)});
  lease_waiters_.erase(it);
}

}  // namespace dfs::master
