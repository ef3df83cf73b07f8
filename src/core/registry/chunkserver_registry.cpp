#include "core/registry/chunkserver_registry.hpp"

#include <algorithm>

namespace dfs::registry {

const char* to_string(health h) {
  switch (h) {
    case health::healthy:
      return "healthy";
    case health::unhealthy:
      return "unhealthy";
    case health::removed:
      return "removed";
  }
  return "?";
}

std::vector<health_change> chunkserver_registry::on_register(const registration& r,
                                                             time_point now) {
  std::vector<health_change> out;
  auto& slot = servers_[r.id.address()];
  bool fresh = slot.id.empty();
  if (!fresh && slot.id != r.id && slot.state != health::removed)
    out.push_back({slot.id, slot.state, health::removed, "replaced by " + r.id.to_string()});
  health before = (fresh || slot.id != r.id) ? health::removed : slot.state;
  if (fresh || slot.id != r.id) {
    slot = chunkserver_info{};
    slot.id = r.id;
    slot.registered_at = now;
  }
  slot.data_port = r.data_port;
  slot.zone = r.zone;
  slot.capacity_bytes = r.capacity_bytes;
  slot.free_bytes = r.free_bytes;
  slot.last_heartbeat = now;
  slot.state = health::healthy;
  if (before != health::healthy) out.push_back({r.id, before, health::healthy, "registered"});
  return out;
}

bool chunkserver_registry::on_heartbeat(const node_id& id, uint64_t capacity_bytes,
                                        uint64_t free_bytes, time_point now) {
  auto s = find(id);
  if (!s || s->state == health::removed) return false;
  s->capacity_bytes = capacity_bytes;
  s->free_bytes = free_bytes;
  s->last_heartbeat = now;
  ++s->heartbeats;
  // Back from unhealthy: the change is reported by the next on_tick.
  return true;
}

std::vector<health_change> chunkserver_registry::on_tick(time_point now) {
  std::vector<health_change> out;
  for (auto& [addr, s] : servers_) {
    if (s.state == health::removed) continue;
    auto age = now - s.last_heartbeat;
    health next = age >= opts_.removed_after     ? health::removed
                  : age >= opts_.unhealthy_after ? health::unhealthy
                                                 : health::healthy;
    if (next != s.state) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(age).count();
      out.push_back({s.id, s.state, next, "last heartbeat " + std::to_string(ms) + " ms ago"});
      s.state = next;
    }
  }
  return out;
}

void chunkserver_registry::excuse(duration missed, time_point now) {
  for (auto& [addr, s] : servers_) s.last_heartbeat = std::min(now, s.last_heartbeat + missed);
}

std::vector<health_change> chunkserver_registry::mark_removed(const node_id& id,
                                                              const std::string& reason) {
  auto s = find(id);
  if (!s || s->state == health::removed) return {};
  health before = s->state;
  s->state = health::removed;
  return {{id, before, health::removed, reason}};
}

std::vector<chunkserver_info> chunkserver_registry::list() const {
  std::vector<chunkserver_info> out;
  for (auto& [addr, s] : servers_) out.push_back(s);
  return out;
}

size_t chunkserver_registry::count(health h) const {
  size_t n = 0;
  for (auto& [addr, s] : servers_) n += s.state == h ? 1 : 0;
  return n;
}

chunkserver_info* chunkserver_registry::find(const node_id& id) {
  auto i = servers_.find(id.address());
  return (i == servers_.end() || i->second.id != id) ? nullptr : &i->second;
}

bool chunkserver_registry::live(const node_id& id) const {
  auto i = servers_.find(id.address());
  return i != servers_.end() && i->second.id == id && i->second.state != health::removed;
}

}  // namespace dfs::registry
