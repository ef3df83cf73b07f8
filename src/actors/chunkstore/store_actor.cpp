#include "actors/chunkstore/store_actor.hpp"

#include <unistd.h>

#include <caf/all.hpp>

#include "common/logging.hpp"
#include "core/security/capability.hpp"
#include "storage/durable_file.hpp"

namespace dfs {

namespace {

constexpr auto tick_interval = std::chrono::seconds(1);

// The store is thread-safe and statvfs is quick: read at scrape time, never stale.
void export_store_gauges(net::metrics& m, std::shared_ptr<chunk_store> store, const config& cfg) {
  auto* chunks = &m.gauge("dfs_chunks", "Chunk replicas stored on this chunkserver").Add({});
  auto* stored =
      &m.gauge("dfs_chunk_stored_bytes", "Bytes of the chunk replicas stored here").Add({});
  auto* cap = &m.gauge("dfs_disk_capacity_bytes",
                       "Space this chunkserver offers (chunkserver.capacity_bytes or the disk)")
                   .Add({});
  auto* avail =
      &m.gauge("dfs_disk_free_bytes", "Space left of what this chunkserver offers").Add({});
  m.on_scrape([=, limit = cfg.chunkserver.capacity_bytes] {
    chunks->Set(static_cast<double>(store->chunk_count()));
    stored->Set(static_cast<double>(store->used_bytes()));
    auto [c, f] = store->offered_space(limit);
    cap->Set(static_cast<double>(c));
    avail->Set(static_cast<double>(f));
  });
}

}  // namespace

store_actor::behavior_type store_fn(store_actor::stateful_pointer<store_state> self, config cfg,
                                    std::shared_ptr<chunk_store> store,
                                    std::shared_ptr<net::metrics> metrics,
                                    std::shared_ptr<net::lease_board> leases) {
  auto& st = self->state;
  st.store = store;
  auto cluster = net::cluster_id(cfg.cluster.name);
  auto self_ep = cfg.node.host + ":" + std::to_string(cfg.data_port());
  data_service_options so;
  so.self = self_ep;
  so.cluster = cluster;
  so.timeout_ms = cfg.data_io_timeout_ms();
  so.capability_key = security::capability_key(cfg.cluster.key);
  so.max_pending_bytes_per_conn = cfg.chunkserver.max_pending_bytes_per_conn;
  so.metrics = metrics;
  if (metrics) export_store_gauges(*metrics, store, cfg);
  net::data_server_options opts;
  opts.host = cfg.node.host;
  opts.port = cfg.data_port();
  opts.cluster = cluster;
  // Between requests a connection may idle this long; within one, each read/write as long.
  opts.timeout_ms = cfg.net.idle_timeout_ms;
  opts.max_connections = cfg.net.max_conns;
  opts.max_per_address = cfg.net.max_conns_per_address;
  opts.handshake_timeout_ms = cfg.net.handshake_timeout_ms;
  try {
    if (cfg.tls.data) {
      net::tls_files files{cfg.tls.ca, cfg.tls.cert, cfg.tls.key};
      opts.tls = std::make_shared<net::tls_context>(files, net::tls_side::server);
      so.client_tls = std::make_shared<net::tls_context>(files, net::tls_side::client);
    }
    mutation_service_options mo;
    mo.self = self_ep;
    mo.pool.cluster = cluster;
    mo.pool.timeout_ms = so.timeout_ms;
    mo.pool.tls = so.client_tls;
    mo.primary.chunk_size_bytes = cfg.master.chunk_size_bytes;  // requests name their file's
    // The client waits client.timeout_ms: its answer (even "timeout") must come before that.
    mo.primary.reply_timeout = std::chrono::milliseconds(cfg.client.timeout_ms * 2 / 3);
    mo.crash_before_reply = cfg.fault.crash_after_log;
    st.mutations = std::make_shared<mutation_service>(store, leases, mo);
    so.mutations = st.mutations;
    st.service = std::make_shared<data_service>(store, so);
    auto service = st.service;
    st.server = std::make_shared<net::data_server>(
        opts, [service](net::frame_conn& c) { service->serve(c); });
    st.server->start();
  } catch (const std::exception& e) {
    log::get("chunkstore")->critical("data_port_unusable error=\"{}\"", e.what());
    log::shutdown();
    _exit(3);
  }
  log::get("chunkstore")->info("data_port_listening addr={} tls={}", self_ep, cfg.tls.data);
  if (cfg.chunkserver.local_reads) {
    // Answers are an open() each, never a disk read: a short time per connection suffices.
    auto service = st.service;
    st.local_reads = std::make_shared<net::local_read_server>(
        self_ep, std::min<uint32_t>(so.timeout_ms, 2000),
        [service](const net::read_msg& rq) { return service->open_local(rq); });
    try {
      st.local_reads->start();
    } catch (const std::exception& e) {
      // Reads still work over the data port; only the shortcut is missing.
      log::get("chunkstore")->warn("local_reads_unavailable error=\"{}\"", e.what());
      st.local_reads.reset();
    }
  }
  // Stop the listener (and join its threads) when the actor goes, at shutdown.
  auto server = st.server;
  auto local_reads = st.local_reads;
  self->attach_functor([server, local_reads] {
    if (local_reads) local_reads->stop();
    server->stop();
  });
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
