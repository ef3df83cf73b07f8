#include "actors/master/master_actor.hpp"

#include <caf/all.hpp>

#include "common/logging.hpp"
#include "common/text_table.hpp"

namespace dfs {

namespace {

constexpr auto tick_interval = std::chrono::milliseconds(200);

void log_changes(const std::vector<registry::health_change>& changes) {
  auto log = log::get("master");
  for (auto& c : changes) {
    auto lvl = c.to == registry::health::healthy ? spdlog::level::info : spdlog::level::warn;
    log->log(lvl, "chunkserver_{} node={} from={} reason=\"{}\"", registry::to_string(c.to),
             c.id.to_string(), registry::to_string(c.from), c.reason);
  }
}

std::string chunkserver_table(const registry::chunkserver_registry& reg) {
  auto now = core::clock::now();
  text_table t({"NODE", "DATA", "ZONE", "STATE", "LAST_HEARTBEAT", "CAPACITY", "FREE"},
               {false, false, false, false, true, true, true});
  for (auto& s : reg.list()) {
    auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - s.last_heartbeat);
    t.add({s.id.to_string(), s.id.host + ":" + std::to_string(s.data_port),
           s.zone.empty() ? "-" : s.zone, registry::to_string(s.state),
           format_age_ms(age.count()), format_bytes(s.capacity_bytes),
           format_bytes(s.free_bytes)});
  }
  return t.render() + std::to_string(reg.count(registry::health::healthy)) + " healthy, " +
         std::to_string(reg.count(registry::health::unhealthy)) + " unhealthy, " +
         std::to_string(reg.count(registry::health::removed)) + " removed\n";
}

}  // namespace

master_actor::behavior_type master_fn(master_actor::stateful_pointer<master_state> self,
                                      config cfg, node_id id) {
  self->state.registry = registry::chunkserver_registry(
      {std::chrono::milliseconds(cfg.master.unhealthy_after_ms),
       std::chrono::milliseconds(cfg.master.removed_after_ms)});
  self->state.self = id;
  self->state.heartbeat_interval_ms = cfg.chunkserver.heartbeat_interval_ms;
  self->send(self, tick_atom::value);
  log::get("master")->info("master_started node={}", id.to_string());
  return {
      [=](register_atom, const chunkserver_registration& r) {
        auto changes = self->state.registry.on_register(
            {r.id, r.data_port, r.zone, r.capacity_bytes, r.free_bytes}, core::clock::now());
        log_changes(changes);
        return registration_ack{self->state.self, self->state.heartbeat_interval_ms};
      },
      [=](heartbeat_atom, const chunkserver_heartbeat& hb) {
        bool known = self->state.registry.on_heartbeat(hb.id, hb.capacity_bytes, hb.free_bytes,
                                                       core::clock::now());
        if (!known)
          log::get("master")->info("heartbeat_from_unregistered node={}", hb.id.to_string());
        return heartbeat_reply{known};
      },
      [=](admin_atom, const admin_request& req) -> admin_reply {
        if (req.args.at(0) == "chunkservers") return {0, chunkserver_table(self->state.registry)};
        return {1, "the master does not know the command '" + req.args.at(0) + "'"};
      },
      [=](tick_atom) {
        log_changes(self->state.registry.on_tick(core::clock::now()));
        self->delayed_send(self, tick_interval, tick_atom::value);
      },
  };
}

}  // namespace dfs
