#include "actors/chunkserver/master_link.hpp"

#include <algorithm>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "common/logging.hpp"
#include "storage/durable_file.hpp"

namespace dfs {

namespace {

constexpr auto retry_delay = std::chrono::milliseconds(500);

using self_ptr = master_link_actor::stateful_pointer<master_link_state>;

void lose_master(self_ptr self, const std::string& why) {
  auto& st = self->state;
  if (st.master) {
    log::get("chunkserver")
        ->warn("master_lost master={} reason=\"{}\"", st.master_addr.to_string(), why);
    self->demonitor(st.master.address());
  }
  st.master = nullptr;
  st.registered = false;
  ++st.generation;
  self->delayed_send(self, retry_delay, connect_atom::value);
}

chunkserver_registration make_registration(const master_link_state& st) {
  auto [cap, free] = offered_space(st.cfg.node.data_dir, st.cfg.chunkserver.capacity_bytes);
  return {st.self,
          static_cast<uint16_t>(st.cfg.node.port + 1),
          st.cfg.node.zone,
          cap,
          free,
          st.store->used_bytes(),
          st.store->full_report()};
}

void delete_chunks(master_link_state& st, const std::vector<uint64_t>& handles) {
  if (handles.empty()) return;
  for (auto h : handles) st.store->remove(chunkstore::chunk_handle{h});
  log::get("chunkserver")->info("chunks_deleted count={} reason=master", handles.size());
}

void on_connected(self_ptr self, caf::strong_actor_ptr p) {
  auto& st = self->state;
  st.master = caf::actor_cast<node_actor>(p);
  st.connect_failures = 0;
  self->monitor(st.master);
  self->send(self, register_atom::value);
}

}  // namespace

std::pair<uint64_t, uint64_t> offered_space(const std::string& dir, uint64_t capacity_bytes) {
  uint64_t free = capacity_bytes, cap = capacity_bytes;
  if (!disk_space(dir, free, cap)) return {capacity_bytes, capacity_bytes};
  if (capacity_bytes > 0) {
    cap = capacity_bytes;
    free = std::min(free, capacity_bytes);
  }
  return {cap, free};
}
master_link_actor::behavior_type master_link_fn(self_ptr self, config cfg, node_id id,
                                                std::shared_ptr<chunk_store> store) {
  self->state.cfg = std::move(cfg);
  self->state.store = std::move(store);
  self->state.self = id;
  self->state.master_addr = *endpoint::parse(self->state.cfg.master.address);
  self->set_down_handler([=](caf::down_msg& dm) {
    if (self->state.master && dm.source == self->state.master.address())
      lose_master(self, "connection lost");
  });
  self->send(self, connect_atom::value);
  auto timeout = std::chrono::milliseconds(self->state.cfg.client.timeout_ms);
  return {
      [=](connect_atom) {
        if (self->state.master) return;
        auto mm = self->system().middleman().actor_handle();
        auto& addr = self->state.master_addr;
        self->request(mm, timeout, caf::connect_atom::value, addr.host, addr.port)
            .then(
                [=](const caf::node_id&, caf::strong_actor_ptr& p, const std::set<std::string>&) {
                  if (p) return on_connected(self, std::move(p));
                  self->delayed_send(self, retry_delay, connect_atom::value);
                },
                [=](caf::error& e) {
                  // Logged once per outage, not on every retry.
                  if (self->state.connect_failures++ == 0)
                    log::get("chunkserver")
                        ->warn("master_unreachable master={} error=\"{}\"",
                               self->state.master_addr.to_string(), self->system().render(e));
                  self->delayed_send(self, retry_delay, connect_atom::value);
                });
      },
      [=](register_atom) {
        if (!self->state.master) return;
        auto gen = self->state.generation;
        self->request(self->state.master, timeout, register_atom::value,
                      make_registration(self->state))
            .then(
                [=](const registration_ack& ack) {
                  if (gen != self->state.generation) return;
                  self->state.registered = true;
                  delete_chunks(self->state, ack.delete_chunks);
                  log::get("chunkserver")->info("registered master={}", ack.master.to_string());
                  self->send(self, tick_atom::value, gen);
                },
                [=](caf::error& e) {
                  if (gen == self->state.generation)
                    lose_master(self, "register failed: " + self->system().render(e));
                });
      },
      [=](tick_atom, uint64_t gen) {
        auto& st = self->state;
        if (gen != st.generation || !st.registered) return;
        auto [cap, free] = offered_space(st.cfg.node.data_dir, st.cfg.chunkserver.capacity_bytes);
        chunkserver_heartbeat hb{st.self, ++st.heartbeat_seq, cap, free, st.store->used_bytes(), {},
                                 {}};
        st.store->drain_changes(hb.added, hb.removed);
        auto added = hb.added;
        auto removed = hb.removed;
        self->request(st.master, timeout, heartbeat_atom::value, hb)
            .then(
                [=](const heartbeat_reply& r) {
                  if (gen != self->state.generation) return;
                  delete_chunks(self->state, r.delete_chunks);
                  if (r.registered) return;
                  log::get("chunkserver")->info("master_forgot_us action=reregister");
                  self->state.registered = false;
                  ++self->state.generation;
                  self->send(self, register_atom::value);
                },
                [=](caf::error& e) {
                  // The report did not arrive: send it again with the next heartbeat.
                  self->state.store->restore_changes(added, removed);
                  if (gen == self->state.generation)
                    log::get("chunkserver")
                        ->warn("heartbeat_failed error=\"{}\"", self->system().render(e));
                });
        self->delayed_send(self,
                           std::chrono::milliseconds(st.cfg.chunkserver.heartbeat_interval_ms),
                           tick_atom::value, gen);
      },
  };
}

}  // namespace dfs
