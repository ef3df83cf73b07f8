#include "actors/chunkstore/store_actor.hpp"

#include <unistd.h>

#include <caf/all.hpp>

#include "common/logging.hpp"

namespace dfs {

namespace {

constexpr auto tick_interval = std::chrono::seconds(1);

}  // namespace

store_actor::behavior_type store_fn(store_actor::stateful_pointer<store_state> self, config cfg,
                                    std::shared_ptr<chunk_store> store) {
  auto& st = self->state;
  st.store = store;
  auto cluster = net::cluster_id(cfg.cluster.name);
  auto self_ep = cfg.node.host + ":" + std::to_string(cfg.data_port());
  st.service = std::make_shared<data_service>(store, self_ep, cluster, cfg.data_io_timeout_ms());
  // max_connections: the default.
  net::data_server_options opts{cfg.node.host, cfg.data_port(), cluster, cfg.data_io_timeout_ms()};
  auto service = st.service;
  st.server = std::make_shared<net::data_server>(
      opts, [service](net::frame_conn& c) { service->serve(c); });
  try {
    st.server->start();
  } catch (const std::exception& e) {
    log::get("chunkstore")->critical("data_port_unusable error=\"{}\"", e.what());
    log::shutdown();
    _exit(3);
  }
  log::get("chunkstore")->info("data_port_listening addr={}", self_ep);
  // Stop the listener (and join its threads) when the actor goes, at shutdown.
  auto server = st.server;
  self->attach_functor([server] { server->stop(); });
  self->send(self, tick_atom::value);
  return {
      [=](tick_atom) {
        if (auto n = self->state.store->expire(core::clock::now()))
          log::get("chunkstore")->info("pending_expired count={}", n);
        self->delayed_send(self, tick_interval, tick_atom::value);
      },
  };
}

}  // namespace dfs
