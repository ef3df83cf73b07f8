#include "actors/master/master_actor.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "common/logging.hpp"

namespace dfs {

namespace {

constexpr auto tick_interval = std::chrono::milliseconds(200);

std::vector<master::chunk_report_entry> to_entries(const std::vector<chunk_report>& v) {
  std::vector<master::chunk_report_entry> out;
  out.reserve(v.size());
  for (auto& c : v) out.push_back({master::chunk_handle{c.handle}, c.chunk_version, c.size_bytes});
  return out;
}

std::vector<uint64_t> to_values(const std::vector<master::chunk_handle>& v) {
  std::vector<uint64_t> out;
  for (auto h : v) out.push_back(h.value);
  return out;
}

// Health changes are logged; a removed chunkserver no longer counts as a replica anywhere.
void on_changes(master_self self, const std::vector<registry::health_change>& changes) {
  auto log = log::get("master");
  for (auto& c : changes) {
    auto lvl = c.to == registry::health::healthy ? spdlog::level::info : spdlog::level::warn;
    log->log(lvl, "chunkserver_{} node={} from={} reason=\"{}\"", registry::to_string(c.to),
             c.id.to_string(), registry::to_string(c.from), c.reason);
    if (c.to == registry::health::removed) {
      self->state.meta.on_node_down(c.id);
      self->state.used_bytes.erase(c.id);
      self->state.pending_deletes.erase(c.id);
    }
  }
}

registration_ack on_register(master_self self, const chunkserver_registration& r) {
  auto& st = self->state;
  auto now = core::clock::now();
  on_changes(self, st.registry.on_register(
                       {r.id, r.data_port, r.zone, r.capacity_bytes, r.free_bytes}, now));
  st.used_bytes[r.id] = r.used_bytes;
  auto rep = st.meta.on_full_report(r.id, to_entries(r.chunks), now);
  log::get("master")->info("chunk_report node={} chunks={} delete={}", r.id.to_string(),
                           r.chunks.size(), rep.to_delete.size());
  return {st.self, st.heartbeat_interval_ms, to_values(rep.to_delete)};
}

heartbeat_reply on_heartbeat(master_self self, const chunkserver_heartbeat& hb) {
  auto& st = self->state;
  auto now = core::clock::now();
  bool known = st.registry.on_heartbeat(hb.id, hb.capacity_bytes, hb.free_bytes, now);
  if (!known) {
    log::get("master")->info("heartbeat_from_unregistered node={}", hb.id.to_string());
    return {false, {}};
  }
  st.used_bytes[hb.id] = hb.used_bytes;
  std::vector<uint64_t> freed;
  if (auto it = st.pending_deletes.find(hb.id); it != st.pending_deletes.end()) {
    freed = std::move(it->second);
    st.pending_deletes.erase(it);
  }
  if (hb.added.empty() && hb.removed.empty()) return {true, freed};
  std::vector<master::chunk_handle> removed;
  for (auto h : hb.removed) removed.push_back(master::chunk_handle{h});
  auto rep = st.meta.on_incremental_report(hb.id, to_entries(hb.added), removed, now);
  if (!hb.removed.empty())
    log::get("master")->info("replicas_dropped node={} count={}", hb.id.to_string(),
                             hb.removed.size());
  auto del = to_values(rep.to_delete);
  del.insert(del.end(), freed.begin(), freed.end());
  return {true, del};
}

bool is_chunkserver(const member_event_msg& e) {
  return std::find(e.roles.begin(), e.roles.end(), "chunkserver") != e.roles.end();
}

// Membership is the faster signal; the heartbeat table stays as the second one.
void on_member_event(master_self self, const member_event_msg& e) {
  if (!is_chunkserver(e)) return;
  if (e.kind == member_event_kind::down || e.kind == member_event_kind::left)
    on_changes(self, self->state.registry.mark_removed(e.id, e.kind == member_event_kind::down
                                                                 ? "membership: dead"
                                                                 : "membership: left"));
}

void subscribe(master_self self, const failure_detector_actor& membership) {
  if (!membership) return;
  self->request(membership, caf::infinite, subscribe_atom::value,
                caf::actor_cast<membership_listener>(self))
      .then([](const std::vector<member_event_msg>&) {},
            [](caf::error& e) {
              log::get("master")->warn("membership_subscribe_failed error=\"{}\"",
                                       caf::to_string(e));
            });
}

}  // namespace

master_actor::behavior_type master_fn(master_self self, config cfg, node_id id,
                                      failure_detector_actor membership) {
  self->state.registry =
      registry::chunkserver_registry({std::chrono::milliseconds(cfg.master.unhealthy_after_ms),
                                      std::chrono::milliseconds(cfg.master.removed_after_ms)});
  self->state.self = id;
  self->state.heartbeat_interval_ms = cfg.chunkserver.heartbeat_interval_ms;
  self->state.cfg = std::move(cfg);
  recover_metadata(self);
  subscribe(self, membership);
  self->send(self, tick_atom::value);
  log::get("master")->info("master_started node={}", id.to_string());
  return {
      [=](register_atom, const chunkserver_registration& r) { return on_register(self, r); },
      [=](heartbeat_atom, const chunkserver_heartbeat& hb) { return on_heartbeat(self, hb); },
      [=](admin_atom, const admin_request& req) { return master_console(self, req); },
      [=](storage_atom, const ns_request& r) { return handle_ns(self, r); },
      [=](put_atom, const put_request& r) { return handle_put(self, r); },
      [=](commit_atom, const put_commit& r) { return handle_commit(self, r); },
      [=](flush_atom) { flush_journal(self); },
      [=](member_event_atom, const member_event_msg& e) { on_member_event(self, e); },
      [=](tick_atom) {
        on_changes(self, self->state.registry.on_tick(core::clock::now()));
        on_meta_tick(self);
        self->delayed_send(self, tick_interval, tick_atom::value);
      },
  };
}

}  // namespace dfs
