#include "core/chunkserver/mutation_primary.hpp"

#include <algorithm>

namespace dfs::chunkserver {

const char* to_string(mutation_status s) {
  switch (s) {
    case mutation_status::ok:
      return "ok";
    case mutation_status::retry_next_chunk:
      return "retry_next_chunk";
    case mutation_status::not_primary:
      return "not_primary";
    case mutation_status::lease_expired:
      return "lease_expired";
    case mutation_status::too_large:
      return "too_large";
    case mutation_status::data_missing:
      return "data_missing";
    case mutation_status::failed:
      return "failed";
    case mutation_status::timeout:
      return "timeout";
    case mutation_status::busy:
      return "busy";
  }
  return "?";
}

const char* to_string(ack_status s) {
  switch (s) {
    case ack_status::applied:
      return "applied";
    case ack_status::stale_primary:
      return "stale_primary";
    case ack_status::data_missing:
      return "data_missing";
    case ack_status::out_of_sync:
      return "out_of_sync";
  }
  return "?";
}

client_reply mutation_primary::answer(const client_request& r, mutation_status s,
                                      uint64_t offset) const {
  return client_reply{r.client_id, r.request_number, r.handle, s, offset};
}

primary_effects mutation_primary::on_request(const client_request& r, bool data_ready,
                                             uint64_t chunk_length_bytes,
                                             const primary_leases& leases, core::time_point now) {
  primary_effects fx;
  request_key key{r.client_id, r.request_number};
  if (auto done = done_.find(key)) {  // a retry of a finished request: the same answer
    fx.replies.push_back(*done);
    return fx;
  }
  auto version = leases.version(r.handle, now);
  if (!version) {
    bool had = leases.all().count(r.handle) > 0 || chunks_.count(r.handle) > 0;
    fx.replies.push_back(
        answer(r, had ? mutation_status::lease_expired : mutation_status::not_primary));
    return fx;
  }
  auto& c = chunks_[r.handle];
  if (c.chunk_version != *version) {  // a new lease: a new serial space
    if (!c.in_flight.empty()) abandon(r.handle, mutation_status::lease_expired, "", fx);
    auto& fresh = chunks_[r.handle];
    fresh = chunk_order{};
    fresh.chunk_version = *version;
    return handle_request(fresh, r, data_ready, chunk_length_bytes, now, std::move(fx));
  }
  return handle_request(c, r, data_ready, chunk_length_bytes, now, std::move(fx));
}

primary_effects mutation_primary::handle_request(chunk_order& c, const client_request& r,
                                                 bool data_ready, uint64_t chunk_length_bytes,
                                                 core::time_point now, primary_effects fx) {
  request_key key{r.client_id, r.request_number};
  if (auto it = by_request_.find(key); it != by_request_.end()) {
    // A retry of a request still in flight: no new serial; push it again to the replicas
    // that did not acknowledge (the client may just have pushed the data again).
    auto f = c.in_flight.find(it->second.second);
    if (it->second.first == r.handle && f != c.in_flight.end()) {
      f->second.reply_by = now + opts_.reply_timeout;
      resend(f->second, now, true, fx);
      return fx;
    }
  }
  c.end_bytes = std::max(c.end_bytes, chunk_length_bytes);
  const uint64_t chunk = r.chunk_size_bytes != 0 ? r.chunk_size_bytes : opts_.chunk_size_bytes;
  bool fits = r.op == client_op::append ? r.length <= chunk / 4
                                        : r.offset <= chunk && r.length <= chunk - r.offset;
  if (!fits || r.length == 0) {
    fx.replies.push_back(answer(r, mutation_status::too_large));
    return fx;
  }
  if (c.in_flight.size() >= opts_.max_in_flight_per_chunk) {
    fx.replies.push_back(answer(r, mutation_status::busy));
    return fx;
  }
  mutation m{r.handle, c.chunk_version, 0, mutation_kind::write, r.offset, r.length, r.data};
  mutation_status success = mutation_status::ok;
  if (r.op == client_op::append) {
    if (c.end_bytes + r.length > chunk) {  // does not fit: pad the rest, next chunk
      if (c.end_bytes >= chunk) {          // already padded (or full)
        fx.replies.push_back(answer(r, mutation_status::retry_next_chunk));
        return fx;
      }
      m = mutation{r.handle,    c.chunk_version,     0, mutation_kind::pad,
                   c.end_bytes, chunk - c.end_bytes, {}};
      success = mutation_status::retry_next_chunk;
      data_ready = true;  // a pad needs no data
    } else {
      m.offset = c.end_bytes;
    }
  }
  if (!data_ready) {
    fx.replies.push_back(answer(r, mutation_status::data_missing));
    return fx;
  }
  c.end_bytes = std::max(c.end_bytes, m.offset + m.length);
  order(c, m, r, success, now, fx);
  return fx;
}

void mutation_primary::order(chunk_order& c, mutation m, const client_request& r,
                             mutation_status success, core::time_point now, primary_effects& fx) {
  m.serial = c.next_serial++;
  in_flight_mutation f;
  f.m = m;
  f.key = request_key{r.client_id, r.request_number};
  f.success = success;
  f.reply_by = now + opts_.reply_timeout;
  for (const auto& s : r.secondaries) f.replicas.push_back(replica_progress{s, false, false, now});
  fx.apply.push_back(disk_apply{m});
  for (const auto& s : r.secondaries) fx.send.push_back(mutation_to{s, m});
  fx.mutated.push_back(m.handle);
  by_request_[f.key] = {m.handle, m.serial};
  c.in_flight.emplace(m.serial, std::move(f));
}

void mutation_primary::reply(const in_flight_mutation& f, mutation_status s,
                             primary_effects& fx) const {
  uint64_t offset = s == mutation_status::ok ? f.m.offset : 0;
  fx.replies.push_back(client_reply{f.key.client_id, f.key.request_number, f.m.handle, s, offset});
}

void mutation_primary::finish_if_done(chunk_order& c, uint64_t serial, primary_effects& fx) {
  auto it = c.in_flight.find(serial);
  if (it == c.in_flight.end()) return;
  auto& f = it->second;
  if (!f.local_done) return;
  bool all = true, failed = false;
  for (const auto& p : f.replicas) {
    all = all && (p.acked || p.given_up);
    failed = failed || p.given_up;
  }
  if (!all) return;
  if (!failed) {
    client_reply rep{f.key.client_id, f.key.request_number, f.m.handle, f.success,
                     f.success == mutation_status::ok ? f.m.offset : 0};
    done_.remember(f.key, rep);
    if (f.reply_by) fx.replies.push_back(rep);
  }
  by_request_.erase(f.key);
  c.in_flight.erase(it);
}

void mutation_primary::abandon(uint64_t handle, mutation_status why, const std::string& event,
                               primary_effects& fx) {
  auto it = chunks_.find(handle);
  if (it == chunks_.end()) return;
  for (auto& [serial, f] : it->second.in_flight) {
    if (f.reply_by) reply(f, why, fx);
    by_request_.erase(f.key);
  }
  if (!event.empty()) fx.events.push_back(event);
  chunks_.erase(it);
}

void mutation_primary::resend(in_flight_mutation& f, core::time_point now, bool all_unacked,
                              primary_effects& fx) const {
  for (auto& p : f.replicas) {
    if (p.acked || p.given_up) continue;
    if (!all_unacked && now < p.last_sent + opts_.resend_interval) continue;
    p.last_sent = now;
    fx.send.push_back(mutation_to{p.to, f.m});
  }
}

bool mutation_primary::abandon_if_over(uint64_t handle, const primary_leases& leases,
                                       core::time_point now, primary_effects& fx) {
  auto c = chunks_.find(handle);
  if (c == chunks_.end() || leases.version(handle, now) == c->second.chunk_version) return false;
  bool busy = !c->second.in_flight.empty();
  abandon(handle, mutation_status::lease_expired,
          busy ? "lease_over_with_mutations_in_flight handle=" + std::to_string(handle) : "", fx);
  return true;
}

primary_effects mutation_primary::on_ack(const endpoint& from, const mutation_ack& a,
                                         const primary_leases& leases, core::time_point now) {
  primary_effects fx;
  auto c = chunks_.find(a.handle);
  if (c == chunks_.end() || c->second.chunk_version != a.chunk_version) return fx;
  if (abandon_if_over(a.handle, leases, now, fx)) return fx;
  auto it = c->second.in_flight.find(a.serial);
  if (it == c->second.in_flight.end()) return fx;  // finished or dropped: a duplicate ack
  auto& f = it->second;
  auto p = std::find_if(f.replicas.begin(), f.replicas.end(),
                        [&](const replica_progress& r) { return r.to == from; });
  if (p == f.replicas.end() || p->acked || p->given_up) return fx;
  switch (a.status) {
    case ack_status::applied:
      p->acked = true;
      finish_if_done(c->second, a.serial, fx);
      break;
    case ack_status::data_missing:  // the client pushes again and retries (joins this one)
      if (f.reply_by) reply(f, mutation_status::data_missing, fx);
      f.reply_by.reset();
      break;
    case ack_status::out_of_sync:  // that replica is lost for this chunk: the master repairs
      p->given_up = true;
      if (f.reply_by) reply(f, mutation_status::failed, fx);
      f.reply_by.reset();
      fx.events.push_back("replica_out_of_sync handle=" + std::to_string(a.handle) +
                          " replica=" + from.to_string());
      finish_if_done(c->second, a.serial, fx);
      break;
    case ack_status::stale_primary:  // a newer lease exists: we are not primary any more
      fx.drop_leases.push_back(a.handle);
      abandon(a.handle, mutation_status::lease_expired,
              "stale_primary handle=" + std::to_string(a.handle) +
                  " version=" + std::to_string(a.chunk_version) + " told_by=" + from.to_string(),
              fx);
      break;
  }
  return fx;
}

primary_effects mutation_primary::on_resend_request(const endpoint& from, const resend_request& r,
                                                    const primary_leases& leases,
                                                    core::time_point now) {
  primary_effects fx;
  auto c = chunks_.find(r.handle);
  bool ordering = c != chunks_.end() && c->second.chunk_version == r.chunk_version &&
                  leases.version(r.handle, now) == r.chunk_version;
  if (!ordering) {  // we gave this version up: the gap never fills
    fx.gone.push_back(gone_to{from, mutation_gone{r.handle, r.chunk_version, r.next_serial}});
    return fx;
  }
  auto& order = c->second;
  if (r.next_serial >= order.next_serial) return fx;  // nothing ordered there yet
  for (uint64_t s = r.next_serial; s < order.next_serial; ++s) {
    auto it = order.in_flight.find(s);
    if (it == order.in_flight.end()) {
      if (s == r.next_serial) {  // every replica acked it or it was given up: not for them
        fx.gone.push_back(gone_to{from, mutation_gone{r.handle, r.chunk_version, s}});
        return fx;
      }
      continue;
    }
    for (auto& p : it->second.replicas) {
      if (p.to != from || p.acked || p.given_up) continue;
      p.last_sent = now;
      fx.send.push_back(mutation_to{from, it->second.m});
    }
  }
  return fx;
}

primary_effects mutation_primary::on_applied(const mutation& m, apply_result result,
                                             const primary_leases& leases, core::time_point now) {
  primary_effects fx;
  auto c = chunks_.find(m.handle);
  if (c == chunks_.end() || c->second.chunk_version != m.chunk_version) return fx;
  if (abandon_if_over(m.handle, leases, now, fx)) return fx;
  auto it = c->second.in_flight.find(m.serial);
  if (it == c->second.in_flight.end()) return fx;
  if (result == apply_result::ok) {
    it->second.local_done = true;
    finish_if_done(c->second, m.serial, fx);
    return fx;
  }
  // The local replica did not take a mutation the secondaries are taking: it no longer
  // matches them, so it must not order anything more on this chunk.
  fx.drop_leases.push_back(m.handle);
  abandon(m.handle, mutation_status::failed,
          "primary_apply_failed handle=" + std::to_string(m.handle) +
              " serial=" + std::to_string(m.serial),
          fx);
  return fx;
}

primary_effects mutation_primary::on_tick(const primary_leases& leases, core::time_point now) {
  primary_effects fx;
  std::vector<uint64_t> over;
  for (auto& [handle, c] : chunks_) {
    if (leases.version(handle, now) != c.chunk_version) {
      over.push_back(handle);
      continue;
    }
    for (auto& [serial, f] : c.in_flight) {
      if (f.reply_by && now >= *f.reply_by) {
        reply(f, mutation_status::timeout, fx);
        f.reply_by.reset();
      }
      resend(f, now, false, fx);
    }
  }
  for (auto h : over) abandon_if_over(h, leases, now, fx);
  return fx;
}

size_t mutation_primary::in_flight(uint64_t handle) const {
  auto it = chunks_.find(handle);
  return it == chunks_.end() ? 0 : it->second.in_flight.size();
}

std::optional<uint64_t> mutation_primary::end_bytes(uint64_t handle) const {
  auto it = chunks_.find(handle);
  if (it == chunks_.end()) return std::nullopt;
  return it->second.end_bytes;
}

}  // namespace dfs::chunkserver
