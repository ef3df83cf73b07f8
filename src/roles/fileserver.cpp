#include <algorithm>
#include <filesystem>

#include "actors/gcs/sequencer_impl.hpp"
#include "client/gateway_backend.hpp"
#include "common/logging.hpp"
#include "roles/http_port.hpp"
#include "roles/master_status_poller.hpp"
#include "roles/role_table.hpp"
#include "storage/durable_file.hpp"

namespace dfs {

namespace {

// gcs.durability = memory: only a fileserver of the cluster's very first start may help found
// the group (genesis rule of gcs::member): the first start leaves a marker in node.data_dir, and
// a restart finds it. The queue state lives in memory and comes back by state transfer from the
// group. (With a disk, the image in node.data_dir/gcs decides: sequencer.cpp.)
bool first_start(const config& cfg) {
  auto marker = std::filesystem::path(cfg.node.data_dir) / "gcs.founded";
  std::error_code ec;
  if (std::filesystem::exists(marker, ec)) return false;
  // Durable and 0600 like every file of the node: a marker lost to a crash would let a
  // restarted fileserver found a second group.
  auto st =
      write_file_atomic(marker.string(), "this fileserver took part in founding the gcs group\n");
  if (!st) log::get("main")->error("gcs_founded_marker_failed error=\"{}\"", st.message);
  return true;
}

// The HTTP gateway on node.port + 3 (issue 16): the listener (net) calls the handlers (client);
// /metrics and the status page (/, /status/fragment, /status.json) are answered before the
// gateway's routes.
// A port that cannot be bound is logged; the node still serves its queue replica.
void start_gateway(node_context& ctx) {
  auto& cfg = ctx.cfg;
  auto backend = std::make_shared<gateway_backend>(ctx.sys, cfg, ctx.id.address());
  auto m = ctx.metrics;
  auto board = ctx.status;
  auto log = log::get("main");
  try {
    auto o = http_options_of(ctx);
    auto server =
        std::make_shared<net::http_server>(o, [backend, m, board](net::http_exchange& ex) {
          if (!net::serve_metrics(*m, ex) && !net::serve_status(*board, ex)) backend->handle(ex);
        });
    ctx.services.push_back(server);
    ctx.http_port_served = true;
    log->info("gateway_ready http={}://{}:{}", cfg.gateway.tls ? "https" : "http", o.host,
              server->port());
  } catch (const std::exception& e) {
    log->error("gateway_failed error=\"{}\"", e.what());
  }
}

}  // namespace

// Fileservers host the FTQueue replica group (issue 5): the sequencer actor owns the group's
// protocol, the replica and the multicast port; the node actor hands it client requests.
void start_fileserver(node_context& ctx) {
  auto gcfg = gcs_config_from(ctx.cfg);
  if (!gcfg.durable) gcfg.bootstrap = first_start(ctx.cfg);
  ctx.ftqueue_fast = std::make_shared<sequencer_inline>();
  auto seq = ctx.sys.spawn<sequencer_impl>(
      ctx.ftqueue_fast, [cfg = ctx.cfg, id = ctx.id, gcfg, membership = ctx.membership,
                         metrics = ctx.metrics, status = ctx.status](sequencer_self self) {
        return sequencer_fn(self, cfg, id, gcfg, membership, metrics, status);
      });
  ctx.ftqueue = seq;
  ctx.keep(seq);
  ctx.commands["view"] = {"view", "gcs view: id, members and ranks, primary, stable seqs", seq};
  ctx.commands["queues"] = {"queues", "FTQueue queues: id, label, size", seq};
  ctx.commands["gcs-stats"] = {"gcs-stats", "multicast, NACKs, retransmissions, deliveries/s", seq};
  ctx.commands["fault"] = {"fault [clear|loss PCT|block PORT,..|stall MS]",
                           "UDP receive faults; stall holds the sequencer (tests, benchmarks)", seq,
                           true};
  if (ctx.cfg.gateway.enabled) start_gateway(ctx);
  // A co-located master publishes its own section; otherwise ask it (the page's capacity bars).
  bool has_master = std::find(ctx.roles.begin(), ctx.roles.end(), "master") != ctx.roles.end();
  if (!has_master && !ctx.cfg.master.address.empty())
    ctx.services.push_back(std::make_shared<master_status_poller>(ctx.sys, ctx.cfg, ctx.status));
  log::get("main")->info("fileserver_ready control={}", ctx.id.address().to_string());
}

}  // namespace dfs
