// master_core's repair side (design.md §6): copies planned by repair_planner and handed out
// with heartbeat replies, their results and timeouts, hot-chunk targets, trimming of surplus
// replicas, rebalance moves and drains. The rest of master_core is in master_core.cpp.
#include <algorithm>
#include <tuple>

#include "core/master/master_core.hpp"

namespace dfs::master {

// -- repair -----------------------------------------------------------------------------------

void master_core::plan_repairs(core::time_point now, master_effects& fx, bool at_once) {
  if (!at_once && last_repair_plan_ && now - *last_repair_plan_ < opts_.repair_interval) return;
  last_repair_plan_ = now;
  repair_rate_.emplace_back(now, repair_.stats().bytes_done);
  while (repair_rate_.size() > 11) repair_rate_.pop_front();
  for (auto it = copies_.begin(); it != copies_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    auto& o = it->second.order;
    fx.events.push_back({event_level::warn, "repair_copy_timeout handle=" + o.handle.to_string() +
                                                " from=" + o.source.to_string() +
                                                " to=" + o.target.to_string()});
    repair_.on_copy_done(o, false, now);
    auto& q = copies_to_send_[o.target];
    q.erase(std::remove(q.begin(), q.end(), o.id), q.end());
    it = copies_.erase(it);
  }
  std::vector<repair_server> servers;
  auto registered = registry_.list();
  std::map<node_id, const registry::chunkserver_info*> by_id;
  for (auto& s : registered) {
    if (s.state == registry::health::removed) continue;
    by_id[s.id] = &s;
    servers.push_back({s.id, s.state, s.last_heartbeat + opts_.registry.unhealthy_after,
                       s.free_bytes, s.zone, draining(s.id)});
  }
  // Only chunks short of healthy replicas can need a copy; the planner decides the rest
  // (replicas on a server unhealthy for less than repair.delay still count). A hot chunk's
  // target is replicator.max_replicas; chunks above their target are trimmed.
  std::vector<repair_chunk> chunks;
  size_t trim_budget = opts_.max_trims_per_plan;
  for (auto& [h, e] : meta_.chunks().chunks()) {
    chunk_handle handle{h};
    uint32_t target = hot_.target(handle, opts_.meta.replication);
    uint32_t healthy = 0;
    for (auto& n : e.replicas)
      if (auto it = by_id.find(n);
          it != by_id.end() && it->second->state == registry::health::healthy && !draining(n))
        ++healthy;
    if (healthy >= target) {
      if (e.replicas.size() > target && trim_budget > 0)
        trim(handle, e, target, by_id, trim_budget, fx);
      continue;
    }
    chunks.push_back({handle, e.meta.chunk_version, e.meta.size_bytes,
                      std::vector<node_id>(e.replicas.begin(), e.replicas.end()), target,
                      hot_.hot(handle)});
  }
  auto orders = repair_.plan(chunks, servers, now);
  for (auto& o : orders) start_copy(o, now, fx);
  if (!orders.empty())
    fx.events.push_back(
        {event_level::info, "repair_planned copies=" + std::to_string(orders.size()) +
                                " queued=" + std::to_string(repair_.stats().queued) +
                                " missing=" + std::to_string(repair_.stats().missing) +
                                " in_flight=" + std::to_string(repair_.in_flight())});
  if (repair_.stats().queued == 0) plan_rebalance(registered, now, fx);
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

void master_core::plan_rebalance(const std::vector<registry::chunkserver_info>& servers,
                                 core::time_point now, master_effects& fx) {
  if (opts_.balance_threshold_pct >= 100) return;
  const registry::chunkserver_info* full = nullptr;
  const registry::chunkserver_info* empty = nullptr;
  for (auto& s : servers) {
    if (s.state != registry::health::healthy || draining(s.id) || s.capacity_bytes == 0) continue;
    if (full == nullptr || usage(s) > usage(*full)) full = &s;
    if (empty == nullptr || usage(s) < usage(*empty)) empty = &s;
  }
  if (full == nullptr || full == empty ||
      usage(*full) - usage(*empty) <= opts_.balance_threshold_pct)
    return;
  // Move about half the difference: both end near the middle, nothing ping-pongs.
  double gap_bytes = (usage(*full) - usage(*empty)) / 200.0 *
                     static_cast<double>(std::min(full->capacity_bytes, empty->capacity_bytes));
  double planned = 0;
  uint32_t moves = 0;
  for (auto& [h, e] : meta_.chunks().chunks()) {
    if (planned >= gap_bytes || moves >= opts_.repair.max_copies_per_server) break;
    chunk_handle handle{h};
    if (!e.replicas.count(full->id) || e.replicas.count(empty->id) || hot_.hot(handle) ||
        e.replicas.size() != opts_.meta.replication)
      continue;
    auto o = repair_.plan_move({handle, e.meta.chunk_version, e.meta.size_bytes, {}, 0, false},
                               full->id, empty->id, now);
    if (!o) break;
    start_copy(*o, now, fx);
    planned += static_cast<double>(e.meta.size_bytes);
    ++moves;
  }
  if (moves > 0)
    fx.events.push_back({event_level::info, "rebalance_moves count=" + std::to_string(moves) +
                                                " from=" + full->id.to_string() +
                                                " to=" + empty->id.to_string()});
}

void master_core::trim(chunk_handle h, const chunk_entry& e, uint32_t target,
                       const std::map<node_id, const registry::chunkserver_info*>& servers,
                       size_t& budget, master_effects& fx) {
  if (repair_.copying(h)) return;
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
    repair_.on_copy_done(o, r.ok, now);
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
  // Slots came free: plan now, so this very heartbeat's reply can carry the next copy.
  if (settled) plan_repairs(now, fx, true);
}

result<void> master_core::set_draining(const endpoint& addr, bool on) {
  for (auto& s : registry_.list())
    if (s.id.address() == addr && s.state != registry::health::removed) {
      if (on)
        draining_.insert(addr);
      else
        draining_.erase(addr);
      return {};
    }
  return make_error(errc::not_found, "no registered chunkserver at " + addr.to_string());
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

double master_core::repair_bytes_per_s() const {
  if (repair_rate_.size() < 2) return 0;
  auto& [t0, b0] = repair_rate_.front();
  auto& [t1, b1] = repair_rate_.back();
  double s = std::chrono::duration<double>(t1 - t0).count();
  return s > 0 ? static_cast<double>(b1 - b0) / s : 0;
}

size_t master_core::repair_orders_unsent() const {
  size_t n = 0;
  for (auto& [_, q] : copies_to_send_) n += q.size();
  return n;
}

}  // namespace dfs::master
