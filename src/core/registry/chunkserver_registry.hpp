#pragma once
// The master's table of chunkservers: who registered, where their data port is, how much
// space they have, and how healthy they look judged by heartbeat age.
//
//            register / heartbeat
//   (new) ───────────────────────▶ healthy ◀──────────────┐ heartbeat
//                                    │ no heartbeat for    │ (re-register when removed)
//                                    ▼ unhealthy_after     │
//                                 unhealthy ───────────────┤
//                                    │ no heartbeat for    │
//                                    ▼ removed_after       │
//                                  removed ────────────────┘
//
// Entries are keyed by control address: a chunkserver restarted at the same address comes
// back with a new incarnation and replaces the old entry (whose id is then gone for good).
// A heartbeat from an id the table does not hold as live is refused, which makes the
// chunkserver register again with a full report — that is how a restarted master relearns.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/node_id.hpp"
#include "core/time.hpp"

namespace dfs::registry {

using core::duration;
using core::time_point;

enum class health { healthy, unhealthy, removed };

const char* to_string(health h);

struct chunkserver_info {
  node_id id;
  uint16_t data_port = 0;
  std::string zone;
  uint64_t capacity_bytes = 0;
  uint64_t free_bytes = 0;
  time_point registered_at{};
  time_point last_heartbeat{};
  uint64_t heartbeats = 0;
  health state = health::healthy;
};

struct registry_options {
  duration unhealthy_after = std::chrono::seconds(3);
  duration removed_after = std::chrono::seconds(10);
};

struct health_change {
  node_id id;
  health from;
  health to;
  std::string reason;
};

struct registration {
  node_id id;
  uint16_t data_port = 0;
  std::string zone;
  uint64_t capacity_bytes = 0;
  uint64_t free_bytes = 0;
};

class chunkserver_registry {
 public:
  explicit chunkserver_registry(registry_options opts) : opts_(opts) {}

  // Registers (or re-registers) a chunkserver. Returns the changes it causes: the previous
  // incarnation at the same address is removed, and the new one becomes healthy.
  [[nodiscard]] std::vector<health_change> on_register(const registration& r, time_point now);

  // A heartbeat; false when the sender is unknown or removed (it must register again).
  [[nodiscard]] bool on_heartbeat(const node_id& id, uint64_t capacity_bytes, uint64_t free_bytes,
                                  time_point now);

  // Re-evaluates health by heartbeat age.
  [[nodiscard]] std::vector<health_change> on_tick(time_point now);

  // This master did not run for `missed` (a paused VM, SIGSTOP, a starved process): the
  // heartbeats sent meanwhile are still unread, so that time is not counted in any
  // heartbeat's age (no age grows past `now`).
  void excuse(duration missed, time_point now);

  // Another signal (membership says dead) removes a chunkserver at once.
  [[nodiscard]] std::vector<health_change> mark_removed(const node_id& id,
                                                        const std::string& reason);

  std::vector<chunkserver_info> list() const;
  duration unhealthy_after() const { return opts_.unhealthy_after; }
  size_t count(health h) const;
  // Registered and not removed.
  bool live(const node_id& id) const;

 private:
  chunkserver_info* find(const node_id& id);

  registry_options opts_;
  std::map<endpoint, chunkserver_info> servers_;
};

}  // namespace dfs::registry
