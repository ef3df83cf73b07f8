#include "core/chunkserver/mutation_secondary.hpp"

namespace dfs::chunkserver {

void mutation_secondary::load(uint64_t handle, uint64_t chunk_version, uint64_t applied_serial) {
  auto& c = chunks_[handle];
  c = chunk_state{};
  c.chunk_version = chunk_version;
  c.applied = applied_serial;
}

void mutation_secondary::ack(const chunk_state& c, const mutation& m, ack_status s,
                             secondary_effects& fx) const {
  fx.acks.push_back(ack_to{c.primary, mutation_ack{m.handle, m.chunk_version, m.serial, s}});
}

void mutation_secondary::lose(uint64_t handle, chunk_state& c, const std::string& why,
                              secondary_effects& fx) {
  c.out_of_sync = true;
  c.held.clear();
  c.gap_since.reset();
  fx.out_of_sync.push_back(handle);
  fx.events.push_back("chunk_out_of_sync handle=" + std::to_string(handle) +
                      " version=" + std::to_string(c.chunk_version) +
                      " applied=" + std::to_string(c.applied) + " why=" + why);
}

void mutation_secondary::drop_held(uint64_t handle, chunk_state& c, const std::string& why,
                                   secondary_effects& fx) {
  fx.events.push_back("held_mutations_dropped handle=" + std::to_string(handle) + " version=" +
                      std::to_string(c.chunk_version) + " applied=" + std::to_string(c.applied) +
                      " held=" + std::to_string(c.held.size()) + " why=" + why);
  c.held.clear();
  c.gap_since.reset();
  c.resend_requests = 0;
}

secondary_effects mutation_secondary::on_mutation(const endpoint& from, const mutation& m,
                                                  core::time_point now) {
  secondary_effects fx;
  auto it = chunks_.find(m.handle);
  if (it == chunks_.end() || it->second.out_of_sync) {  // not here (any more): cannot follow
    fx.acks.push_back(
        ack_to{from, mutation_ack{m.handle, m.chunk_version, m.serial, ack_status::out_of_sync}});
    return fx;
  }
  auto& c = it->second;
  if (m.chunk_version < c.chunk_version) {
    fx.acks.push_back(
        ack_to{from, mutation_ack{m.handle, m.chunk_version, m.serial, ack_status::stale_primary}});
    fx.events.push_back("stale_primary_refused handle=" + std::to_string(m.handle) +
                        " version=" + std::to_string(m.chunk_version) +
                        " known=" + std::to_string(c.chunk_version) + " from=" + from.to_string());
    return fx;
  }
  if (m.chunk_version > c.chunk_version) {
    // Only the master bumps versions, with a lease: a newer primary. Adopt it, unless a disk
    // apply of the old version is still running (its completion must not land after the new
    // version is stored): then drop this copy, the primary resends.
    if (c.applying) return fx;
    c.chunk_version = m.chunk_version;
    c.applied = 0;
    c.held.clear();
    c.gap_since.reset();
    c.resend_requests = 0;
    fx.set_versions.push_back(version_update{m.handle, m.chunk_version});
  }
  c.primary = from;
  if (m.serial <= c.applied) {  // a duplicate or a resend of something durable
    ack(c, m, ack_status::applied, fx);
    return fx;
  }
  if (c.applying == m.serial) return fx;  // at the disk now: its ack follows
  if (m.serial > c.applied + 1 || c.applying) {
    if (c.held.size() < opts_.max_held_per_chunk || c.held.count(m.serial) > 0)
      c.held[m.serial] = m;
    if (!c.gap_since && !c.applying) c.gap_since = now;
    return fx;
  }
  c.held[m.serial] = m;
  apply_next(c, now, fx);
  return fx;
}

void mutation_secondary::apply_next(chunk_state& c, core::time_point now, secondary_effects& fx) {
  if (c.applying) return;
  auto it = c.held.find(c.applied + 1);
  // Anything at or below `applied` is done; drop it.
  c.held.erase(c.held.begin(), c.held.lower_bound(c.applied + 1));
  if (it == c.held.end()) {
    if (c.held.empty()) {
      c.gap_since.reset();
    } else if (!c.gap_since) {
      c.gap_since = now;
    }
    return;
  }
  c.applying = it->first;
  c.gap_since.reset();
  fx.apply.push_back(disk_apply{it->second});
  c.held.erase(it);
}

secondary_effects mutation_secondary::on_applied(const mutation& m, apply_result result,
                                                 core::time_point now) {
  secondary_effects fx;
  auto it = chunks_.find(m.handle);
  if (it == chunks_.end()) return fx;
  auto& c = it->second;
  if (c.chunk_version != m.chunk_version || c.applying != m.serial) return fx;
  c.applying.reset();
  switch (result) {
    case apply_result::ok:
      c.applied = m.serial;
      c.resend_requests = 0;
      ack(c, m, ack_status::applied, fx);
      apply_next(c, now, fx);
      break;
    case apply_result::data_missing:  // not applied: the client pushes again, primary resends
      ack(c, m, ack_status::data_missing, fx);
      if (!c.held.empty()) c.gap_since = now;
      break;
    case apply_result::failed:
      ack(c, m, ack_status::out_of_sync, fx);
      lose(m.handle, c, "disk_failed serial=" + std::to_string(m.serial), fx);
      break;
  }
  return fx;
}

secondary_effects mutation_secondary::on_gone(const endpoint& from, const mutation_gone& g,
                                              core::time_point now) {
  (void)from;
  (void)now;
  secondary_effects fx;
  auto it = chunks_.find(g.handle);
  if (it == chunks_.end() || it->second.out_of_sync) return fx;
  auto& c = it->second;
  // Only a serial we still miss matters (an old answer about one applied since is not).
  if (c.chunk_version != g.chunk_version || g.serial <= c.applied || c.applying == g.serial)
    return fx;
  // The primary stopped ordering this version (its lease ended, it restarted): the gap never
  // fills. What is held past it was never acknowledged to a client (that needs every replica,
  // and we apply without gaps), so it is dropped; the next lease's version carries on.
  drop_held(g.handle, c, "primary_gave_up serial=" + std::to_string(g.serial), fx);
  return fx;
}

secondary_effects mutation_secondary::on_tick(core::time_point now) {
  secondary_effects fx;
  for (auto& [handle, c] : chunks_) {
    if (c.out_of_sync || c.applying || !c.gap_since || now < *c.gap_since + opts_.gap_timeout)
      continue;
    if (c.resend_requests >= opts_.max_resend_requests) {  // the primary is gone or mute
      drop_held(handle, c, "gap_not_filled next=" + std::to_string(c.applied + 1), fx);
      continue;
    }
    ++c.resend_requests;
    c.gap_since = now;
    fx.resend_requests.push_back(
        resend_to{c.primary, resend_request{handle, c.chunk_version, c.applied + 1}});
  }
  return fx;
}

std::optional<uint64_t> mutation_secondary::version(uint64_t handle) const {
  auto it = chunks_.find(handle);
  if (it == chunks_.end()) return std::nullopt;
  return it->second.chunk_version;
}

std::optional<uint64_t> mutation_secondary::applied(uint64_t handle) const {
  auto it = chunks_.find(handle);
  if (it == chunks_.end()) return std::nullopt;
  return it->second.applied;
}

size_t mutation_secondary::held(uint64_t handle) const {
  auto it = chunks_.find(handle);
  return it == chunks_.end() ? 0 : it->second.held.size();
}

bool mutation_secondary::out_of_sync(uint64_t handle) const {
  auto it = chunks_.find(handle);
  return it != chunks_.end() && it->second.out_of_sync;
}

}  // namespace dfs::chunkserver
