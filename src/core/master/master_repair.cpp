// master_core's repair side (design.md §6): what needs copies (chunks below target, rebalance
// candidates) for the repair actor, whose orders (repair_service.hpp) are handed out with
// heartbeat replies; their results and timeouts, hot-chunk targets, trimming of surplus
// replicas and drains. The rest of master_core is in master_core.cpp.
#include <algorithm>

#include "core/master/master_core.hpp"

namespace dfs::master {

// -- repair -----------------------------------------------------------------------------------

// A copy of a chunk taken while a lease on it may run could miss mutations the primary
// orders meanwhile and still carry the lease's version (it would pass for current): chunks
// that took leases are copied only once no lease can run (expiry + margin, or the restart
// wait-out). The next lease then names the copy.
bool master_core::lease_may_run(chunk_handle h, core::time_point now) const {
  auto* e = meta_.chunks().find(h);
  return e != nullptr && content_may_change(e->meta) && leases_.check_grant(h, now).has_value();
}

bool master_core::short_of_replicas(const chunk_entry& e) const {
  uint32_t kept = 0;
  for (auto& n : e.replicas) kept += registry_.live(n) && !draining(n);
  if (kept >= opts_.meta.replication) return false;
  for (auto& s : registry_.list())
    if (s.state == registry::health::healthy && !draining(s.id) && e.replicas.count(s.id) == 0)
      return true;
  return false;
}

bool master_core::awaits_repair(chunk_handle h, const chunk_entry& e, core::time_point now) const {
  auto it = repair_holds_.find(h.value);
  bool gave_up = it != repair_holds_.end() && it->second.over &&
                 now < it->second.since + opts_.repair_hold_again;
  return !gave_up && short_of_replicas(e);
}

// Copies wait for a chunk's leases to end, so a chunk mutated without a pause (an appended
// log) would never get its lost replica back: its lease is revoked and not extended while it
// is short (leases_on_heartbeat), and once it has ended the next grant waits for the copy. The
// clients' retries would otherwise win every race against the planner. Bounded: a copy that
// cannot be planned or does not finish in time lets leases go on, and that chunk is not held
// again for repair_hold_again.
std::optional<std::string> master_core::repair_holds_grant(chunk_handle h, const chunk_entry& e,
                                                           core::time_point now,
                                                           master_effects& fx) {
  bool short_now = short_of_replicas(e);
  auto it = repair_holds_.find(h.value);
  if (it != repair_holds_.end() &&
      (!short_now || now >= it->second.since + opts_.repair_hold_again)) {
    repair_holds_.erase(it);
    it = repair_holds_.end();
  }
  if (!short_now) return std::nullopt;
  if (it == repair_holds_.end()) {
    it = repair_holds_.emplace(h.value, repair_hold{now}).first;
    fx.events.push_back({event_level::info, "repair_hold chunk=" + h.to_string() +
                                                ": its grants wait for a copy to restore its "
                                                "replicas"});
    plan_repairs(now, fx, true);
  }
  bool copy = copying(h);  // a scan of the copies in flight: once
  auto limit = it->second.since + (copy ? opts_.repair_hold_copy : opts_.repair_hold_plan);
  if (now >= limit) {
    if (!it->second.over)
      fx.events.push_back(
          {event_level::warn, "repair_hold_given_up chunk=" + h.to_string() + ": no copy " +
                                  (copy ? "finished" : "was planned") + " in time; leases go on"});
    it->second.over = true;
    return std::nullopt;
  }
  return std::string(copy ? "a copy to restore its replicas is under way"
                          : "a copy to restore its replicas is being planned");
}

void master_core::plan_repairs(core::time_point now, master_effects& fx, bool at_once) {
  if (!at_once && last_repair_plan_ && now - *last_repair_plan_ < opts_.repair_interval) return;
  last_repair_plan_ = now;
  for (auto it = repair_holds_.begin(); it != repair_holds_.end();)  // freed or long repaired
    it =
        now >= it->second.since + opts_.repair_hold_again ? repair_holds_.erase(it) : std::next(it);
  for (auto it = copies_.begin(); it != copies_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    auto& o = it->second.order;
    fx.events.push_back({event_level::warn, "repair_copy_timeout handle=" + o.handle.to_string() +
                                                " from=" + o.source.to_string() +
                                                " to=" + o.target.to_string()});
    outcomes_.push_back({o, false});
    auto& q = copies_to_send_[o.target];
    q.erase(std::remove(q.begin(), q.end(), o.id), q.end());
    it = copies_.erase(it);
  }
  repair_update u;
  u.plan = true;
  u.outcomes = std::move(outcomes_);
  u.gone = std::move(gone_);
  outcomes_.clear();
  gone_.clear();
  auto registered = registry_.list();
  server_index by_id;
  // Servers whose replicas count as healthy ones (healthy, not draining), decided once per
  // server: the loop below asks for every replica of every chunk, each second.
  std::set<node_id, node_id_lookup_less> counted;
  for (auto& s : registered) {
    if (s.state == registry::health::removed) continue;
    by_id[s.id] = &s;
    bool drains = draining(s.id);
    if (s.state == registry::health::healthy && !drains) counted.insert(s.id);
    u.servers.push_back({s.id, s.state, s.last_heartbeat + opts_.registry.unhealthy_after,
                         s.free_bytes, s.zone, drains});
  }
  // Only chunks short of healthy replicas can need a copy; the planner decides the rest
  // (replicas on a server unhealthy for less than repair.delay still count). A hot chunk's
  // target is replicator.max_replicas; chunks above their target are trimmed.
  size_t trim_budget = opts_.max_trims_per_plan;
  auto visit = [&](uint64_t h, const chunk_entry& e) {
    chunk_handle handle{h};
    uint32_t target = hot(handle) ? std::max(opts_.meta.replication, opts_.hot_max_replicas)
                                  : opts_.meta.replication;
    uint32_t healthy = 0;
    for (auto& n : e.replicas) healthy += counted.count(n) ? 1 : 0;
    if (healthy >= target) {
      if (e.replicas.size() > target && trim_budget > 0)
        trim(handle, e, target, by_id, trim_budget, fx);
      return;
    }
    if (lease_may_run(handle, now)) return;
    u.chunks.push_back({handle, e.meta.chunk_version, e.meta.size_bytes,
                        std::vector<node_id>(e.replicas.begin(), e.replicas.end()), target,
                        hot(handle)});
  };
  const auto& table = meta_.chunks();
  if (auto some = repair_candidates(counted)) {
    for (auto h : *some)
      if (auto* e = table.find(chunk_handle{h})) visit(h, *e);
  } else {
    for (auto& [h, e] : table.chunks()) visit(h, e);
  }
  if (u.chunks.empty()) u.rebalance = rebalance_request(registered);
  fx.repair = std::move(u);
}

// The chunks the repair scan must look at, in handle order (the order of a walk over every
// chunk, so that trim budgets and the planner's ties fall alike): a chunk with the nominal
// replica count, not hot, whose replicas all count, is at its target with nothing to trim.
// Nullopt when those are most of the table (a server that holds many chunks stopped
// counting): walking every chunk costs less than gathering and sorting them.
std::optional<std::vector<uint64_t>> master_core::repair_candidates(
    const std::set<node_id, node_id_lookup_less>& counted) const {
  const auto& table = meta_.chunks();
  std::vector<const handle_set*> uncounted;  // replicas on servers that do not count
  size_t total = table.off_nominal().size() + hot_.size();
  for (auto& [n, handles] : table.by_node())
    if (!handles.empty() && counted.count(n) == 0) {
      uncounted.push_back(&handles);
      total += handles.size();
    }
  if (total * 2 > table.chunks().size()) return std::nullopt;
  std::vector<uint64_t> out;
  out.reserve(total);
  for (auto h : table.off_nominal()) out.push_back(h);
  out.insert(out.end(), hot_.begin(), hot_.end());
  for (auto* handles : uncounted)
    for (auto h : *handles) out.push_back(h);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

master_effects master_core::on_repair_answer(const repair_answer& a, core::time_point now) {
  master_effects fx;
  repair_progress_ = a.progress;
  for (auto& o : a.orders) {
    // Planned on a view that may have changed since: a server gone or a chunk freed meanwhile
    // fails the order back to the planner with the next update.
    if (!registry_.live(o.source) || !registry_.live(o.target) ||
        meta_.chunks().find(o.handle) == nullptr || lease_may_run(o.handle, now)) {
      outcomes_.push_back({o, false});
      continue;
    }
    start_copy(o, now, fx);
  }
  if (a.orders.size() > a.moves)
    fx.events.push_back(
        {event_level::info, "repair_planned copies=" + std::to_string(a.orders.size() - a.moves) +
                                " queued=" + std::to_string(a.progress.stats.queued) +
                                " missing=" + std::to_string(a.progress.stats.missing) +
                                " in_flight=" + std::to_string(a.progress.in_flight)});
  if (a.moves > 0 && !a.orders.empty())
    fx.events.push_back({event_level::info, "rebalance_moves count=" + std::to_string(a.moves) +
                                                " from=" + a.orders.back().source.to_string() +
                                                " to=" + a.orders.back().target.to_string()});
  return fx;
}

void master_core::set_hot_chunks(const std::vector<uint64_t>& handles) {
  hot_ = std::set<uint64_t>(handles.begin(), handles.end());
}

bool master_core::copying(chunk_handle h) const {
  for (auto& [_, c] : copies_)
    if (c.order.handle == h) return true;
  return false;
}

void master_core::start_copy(const copy_order& o, core::time_point now, master_effects& fx) {
  copies_[o.id] = {o, now + opts_.copy_timeout};
  copies_to_send_[o.target].push_back(o.id);
  fx.events.push_back({event_level::debug, "repair_copy_planned handle=" + o.handle.to_string() +
                                               " from=" + o.source.to_string() +
                                               " to=" + o.target.to_string()});
}

double master_core::usage(const registry::chunkserver_info& s) const {
  auto it = used_bytes_.find(s.id);
  uint64_t used = it == used_bytes_.end() ? 0 : it->second;
  return s.capacity_bytes == 0
             ? 100.0
             : 100.0 * static_cast<double>(used) / static_cast<double>(s.capacity_bytes);
}

std::optional<move_request> master_core::rebalance_request(
    const std::vector<registry::chunkserver_info>& servers) const {
  if (opts_.balance_threshold_pct >= 100) return std::nullopt;
  const registry::chunkserver_info* full = nullptr;
  const registry::chunkserver_info* empty = nullptr;
  for (auto& s : servers) {
    if (s.state != registry::health::healthy || draining(s.id) || s.capacity_bytes == 0) continue;
    if (full == nullptr || usage(s) > usage(*full)) full = &s;
    if (empty == nullptr || usage(s) < usage(*empty)) empty = &s;
  }
  if (full == nullptr || full == empty ||
      usage(*full) - usage(*empty) <= opts_.balance_threshold_pct)
    return std::nullopt;
  // Move about half the difference: both end near the middle, nothing ping-pongs.
  double gap = (usage(*full) - usage(*empty)) / 200.0 *
               static_cast<double>(std::min(full->capacity_bytes, empty->capacity_bytes));
  move_request m{full->id, empty->id, {}, static_cast<uint64_t>(gap)};
  uint64_t listed = 0;
  for (auto& [h, e] : meta_.chunks().chunks()) {
    if (listed >= m.bytes) break;
    chunk_handle handle{h};
    if (!e.replicas.count(full->id) || e.replicas.count(empty->id) || hot(handle) ||
        e.replicas.size() != opts_.meta.replication || copying(handle))
      continue;
    m.candidates.push_back({handle, e.meta.chunk_version, e.meta.size_bytes, {}, 0, false});
    listed += e.meta.size_bytes;
  }
  if (m.candidates.empty()) return std::nullopt;
  return m;
}

void master_core::trim(chunk_handle h, const chunk_entry& e, uint32_t target,
                       const server_index& servers, size_t& budget, master_effects& fx) {
  if (copying(h)) return;
  std::vector<const registry::chunkserver_info*> good;
  std::vector<node_id> victims;
  for (auto& n : e.replicas) {
    auto it = servers.find(n);
    if (it == servers.end()) continue;
    if (draining(n))
      victims.push_back(n);  // its copies are elsewhere now: copy, then delete
    else if (it->second->state == registry::health::healthy)
      good.push_back(it->second);
  }
  if (good.size() < target) return;
  // Keep the replicas on the least used servers (a rebalance move trims the fullest).
  std::sort(good.begin(), good.end(), [&](auto* a, auto* b) {
    auto ua = usage(*a), ub = usage(*b);
    return ua != ub ? ua < ub : a->id < b->id;
  });
  for (size_t i = target; i < good.size(); ++i) victims.push_back(good[i]->id);
  for (auto& v : victims) {
    if (budget == 0) return;
    --budget;
    meta_.drop_replica(h, v);  // not handed to readers from now on
    pending_deletes_[v].push_back(h.value);
    fx.events.push_back({event_level::debug, "replica_trimmed handle=" + h.to_string() +
                                                 " node=" + v.to_string() +
                                                 " target=" + std::to_string(target)});
  }
}

std::vector<copy_instruction> master_core::take_copy_orders(const node_id& target) {
  std::vector<copy_instruction> out;
  auto it = copies_to_send_.find(target);
  if (it == copies_to_send_.end()) return out;
  for (auto id : it->second) {
    auto c = copies_.find(id);
    if (c == copies_.end()) continue;
    auto& o = c->second.order;
    auto* e = meta_.chunks().find(o.handle);
    auto src = replica_addrs({o.source});
    if (e == nullptr || src.empty()) continue;  // freed or source gone: the timeout settles it
    out.push_back(
        {o.id, o.handle.value, o.chunk_version, o.size_bytes, e->meta.crc32c, src[0], {}});
  }
  copies_to_send_.erase(it);
  return out;
}

void master_core::on_copy_results(const chunkserver_heartbeat& hb, core::time_point now,
                                  master_effects& fx) {
  bool settled = false;
  for (auto& r : hb.copies) {
    auto it = copies_.find(r.order_id);
    // Unknown (timed out, or its server went) or not this target's: already settled.
    if (it == copies_.end() || it->second.order.target != hb.id) continue;
    auto& o = it->second.order;
    outcomes_.push_back({o, r.ok});
    if (r.ok)
      fx.events.push_back({event_level::info, "repair_copy_done handle=" + o.handle.to_string() +
                                                  " from=" + o.source.to_string() +
                                                  " to=" + o.target.to_string()});
    else
      fx.events.push_back({event_level::warn, "repair_copy_failed handle=" + o.handle.to_string() +
                                                  " to=" + o.target.to_string() + " error=\"" +
                                                  r.error + "\""});
    copies_.erase(it);
    settled = true;
  }
  // Slots came free: plan now, so that this very heartbeat's reply can carry the next copy
  // (the actor answers the heartbeat after the repair actor's answer).
  if (settled) plan_repairs(now, fx, true);
}

master_effects master_core::on_drain(request_token t, const endpoint& addr, bool on,
                                     core::time_point now) {
  master_effects fx;
  auto key = addr.to_string();
  bool known = !on && meta_.draining().count(key) > 0;
  std::string data_of;  // the node whose DATA address `addr` is, if one's
  for (auto& s : registry_.list()) {
    if (s.state == registry::health::removed) continue;
    known |= s.id.address() == addr;
    if (s.id.host == addr.host && s.data_port == addr.port) data_of = s.id.address().to_string();
  }
  if (!known) {
    ns_reply r;
    r.status = errc::not_found;
    r.error = "no registered chunkserver at " + key;
    if (!data_of.empty())
      r.error += " (the data address of " + data_of + "; drain takes the NODE address)";
    fx.replies.push_back({t, std::move(r)});
    return fx;
  }
  log_and_apply(log_record{drain_record{key, on}}, {t, ns_reply{}}, now, fx);
  return fx;
}

bool master_core::drained(const node_id& n) const {
  if (!draining(n)) return false;
  std::set<node_id> counted;
  for (auto& s : registry_.list())
    if (s.state == registry::health::healthy && !draining(s.id)) counted.insert(s.id);
  for (auto& [h, e] : meta_.chunks().chunks()) {
    if (e.replicas.count(n) == 0) continue;
    uint32_t elsewhere = 0;
    for (auto& r : e.replicas) elsewhere += static_cast<uint32_t>(counted.count(r));
    if (elsewhere < opts_.meta.replication) return false;
  }
  return true;
}

size_t master_core::repair_orders_unsent() const {
  size_t n = 0;
  for (auto& [_, q] : copies_to_send_) n += q.size();
  return n;
}

}  // namespace dfs::master
