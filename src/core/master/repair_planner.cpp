#include "core/master/repair_planner.hpp"

#include <algorithm>

namespace dfs::master {

namespace {

struct candidate {
  const repair_chunk* chunk;
  uint32_t counted;  // replicas that count
  uint32_t need;     // copies to start
};

}  // namespace

uint32_t repair_planner::load(const node_id& n) const {
  auto it = load_.find(n);
  return it == load_.end() ? 0 : it->second;
}

void repair_planner::refill(core::time_point now) {
  double rate = static_cast<double>(opts_.max_bytes_per_s);
  if (!refilled_) {
    budget_bytes_ = rate;
    refilled_ = true;
  } else if (now > last_refill_) {
    budget_bytes_ += rate * std::chrono::duration<double>(now - last_refill_).count();
  }
  budget_bytes_ = std::min(budget_bytes_, rate);  // at most one second of budget saved up
  last_refill_ = now;
}

std::vector<copy_order> repair_planner::plan(const std::vector<repair_chunk>& chunks,
                                             const std::vector<repair_server>& servers,
                                             core::time_point now) {
  refill(now);
  std::map<node_id, const repair_server*, node_id_lookup_less> by_id;
  for (auto& s : servers) by_id[s.id] = &s;
  auto healthy = [&](const node_id& n) {
    auto it = by_id.find(n);
    return it != by_id.end() && it->second->state == registry::health::healthy;
  };
  // An unhealthy server may come back: its replicas count until `delay` has passed.
  auto counts = [&](const repair_server& s) {
    if (s.draining) return false;
    return s.state == registry::health::healthy ||
           (s.state == registry::health::unhealthy && now - s.unhealthy_since < opts_.delay);
  };

  std::vector<candidate> todo;
  stats_.queued = stats_.missing = 0;
  for (auto& c : chunks) {
    uint32_t counted = 0;
    bool source = false;  // a draining server's replica does not count, but is a source
    for (auto& r : c.replicas) {
      auto it = by_id.find(r);
      if (it == by_id.end()) continue;
      counted += counts(*it->second) ? 1 : 0;
      source = source || it->second->state == registry::health::healthy;
    }
    auto flying = static_cast<uint32_t>(in_flight_.count(c.handle.value));
    if (counted + flying >= c.target) continue;
    ++stats_.queued;
    if (counted == 0 && !source) {
      ++stats_.missing;  // nothing to copy from (all replicas lost, or waiting out a delay)
      continue;
    }
    todo.push_back({&c, counted, c.target - counted - flying});
  }
  std::sort(todo.begin(), todo.end(), [](const candidate& a, const candidate& b) {
    if (a.counted != b.counted) return a.counted < b.counted;
    if (a.chunk->hot != b.chunk->hot) return a.chunk->hot;
    return a.chunk->handle.value < b.chunk->handle.value;
  });

  // free space minus what this plan sends there
  std::map<node_id, uint64_t, node_id_lookup_less> free_left;
  for (auto& s : servers) free_left[s.id] = s.free_bytes;
  // A server that may receive a copy of some chunk: healthy, not draining, a slot free.
  auto has_target_slot = [&](const repair_server& s) {
    return s.state == registry::health::healthy && !s.draining &&
           load(s.id) < opts_.max_copies_per_server;
  };
  // Once no server has one, no chunk further down the list gets a target: stop there rather
  // than look at each (a dead server leaves every chunk it held below target).
  auto target_slot_left = [&] {
    return std::any_of(servers.begin(), servers.end(), has_target_slot);
  };
  bool can_target = target_slot_left();
  std::vector<copy_order> out;
  for (auto& cand : todo) {
    if (!can_target) break;
    const auto& c = *cand.chunk;
    for (uint32_t k = 0; k < cand.need && out.size() < opts_.max_orders_per_plan; ++k) {
      if (budget_bytes_ < static_cast<double>(std::min(c.size_bytes, opts_.max_bytes_per_s)))
        return out;  // the bandwidth budget is spent until the next plan
      // Source: a healthy holder with a free slot, the least busy one.
      const node_id* source = nullptr;
      for (auto& r : c.replicas)
        if (healthy(r) && load(r) < opts_.max_copies_per_server &&
            (source == nullptr || load(r) < load(*source)))
          source = &r;
      if (source == nullptr) break;
      std::set<std::string> zones;
      std::set<node_id, node_id_lookup_less> taken(c.replicas.begin(), c.replicas.end());
      for (auto& r : c.replicas)
        if (auto it = by_id.find(r); it != by_id.end()) zones.insert(it->second->zone);
      auto range = in_flight_.equal_range(c.handle.value);
      for (auto it = range.first; it != range.second; ++it) taken.insert(it->second.target);
      // Target: a healthy non-holder with a free slot; a new zone first, then the fewest copies
      // in flight, then the most space. Spreading by copies in flight keeps every target's
      // disk and network busy: by space alone, servers sharing one disk or filling at the same
      // pace (free space reported a heartbeat apart) sent nearly every copy to one of them.
      const repair_server* target = nullptr;
      auto better = [&](const repair_server& s) {
        if (target == nullptr) return true;
        bool new_zone = zones.count(s.zone) == 0, t_new_zone = zones.count(target->zone) == 0;
        if (new_zone != t_new_zone) return new_zone;
        if (load(s.id) != load(target->id)) return load(s.id) < load(target->id);
        return free_left[s.id] > free_left[target->id];
      };
      for (auto& s : servers) {
        if (!has_target_slot(s) || taken.count(s.id) || free_left[s.id] < c.size_bytes) continue;
        if (auto a = avoid_until_.find({c.handle.value, s.id});
            a != avoid_until_.end() && a->second > now)
          continue;
        if (better(s)) target = &s;
      }
      if (target == nullptr) break;
      out.push_back(start(c, *source, target->id));
      free_left[target->id] -= c.size_bytes;
      can_target = target_slot_left();
    }
    if (out.size() >= opts_.max_orders_per_plan) break;
  }
  return out;
}

std::optional<copy_order> repair_planner::plan_move(const repair_chunk& c, const node_id& source,
                                                    const node_id& target, core::time_point now) {
  refill(now);
  if (in_flight_.count(c.handle.value) || load(source) >= opts_.max_copies_per_server ||
      load(target) >= opts_.max_copies_per_server ||
      budget_bytes_ < static_cast<double>(std::min(c.size_bytes, opts_.max_bytes_per_s)))
    return std::nullopt;
  if (auto a = avoid_until_.find({c.handle.value, target});
      a != avoid_until_.end() && a->second > now)
    return std::nullopt;
  return start(c, source, target);
}

copy_order repair_planner::start(const repair_chunk& c, const node_id& source,
                                 const node_id& target) {
  auto id = next_order_id_++;
  in_flight_.emplace(c.handle.value, flight{id, source, target, c.size_bytes});
  ++load_[source];
  ++load_[target];
  budget_bytes_ -= static_cast<double>(c.size_bytes);
  ++stats_.started;
  stats_.bytes_started += c.size_bytes;
  return {id, c.handle, c.chunk_version, c.size_bytes, source, target};
}

void repair_planner::finish(std::multimap<uint64_t, flight>::iterator it, bool ok,
                            core::time_point now) {
  for (auto* n : {&it->second.source, &it->second.target})
    if (auto l = load_.find(*n); l != load_.end() && --l->second == 0) load_.erase(l);
  if (ok) {
    ++stats_.done;
    stats_.bytes_done += it->second.size_bytes;
  } else {
    ++stats_.failed;
    avoid_until_[{it->first, it->second.target}] = now + opts_.retry_after;
  }
  in_flight_.erase(it);
}

void repair_planner::on_copy_done(const copy_order& o, bool ok, core::time_point now) {
  auto range = in_flight_.equal_range(o.handle.value);
  for (auto it = range.first; it != range.second; ++it)
    if (it->second.id == o.id) return finish(it, ok, now);
}

void repair_planner::on_server_gone(const node_id& n, core::time_point now) {
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    auto next = std::next(it);
    if (it->second.source == n || it->second.target == n) finish(it, false, now);
    it = next;
  }
  // Old avoidances of a gone server no longer matter.
  for (auto it = avoid_until_.begin(); it != avoid_until_.end();)
    it = it->first.second == n ? avoid_until_.erase(it) : std::next(it);
}

}  // namespace dfs::master
