#include "roles/http_port.hpp"

#include "common/logging.hpp"
#include "core/gateway/bearer.hpp"
#include "core/gateway/json.hpp"

namespace dfs {

namespace {

// Scrapes are small and rare: two workers, whatever the gateway's setting.
constexpr uint32_t metrics_workers = 2;

}  // namespace

net::http_options http_options_of(const node_context& ctx) {
  auto& cfg = ctx.cfg;
  net::http_options o;
  o.host = cfg.node.host;
  o.port = cfg.http_port();
  o.max_conns = cfg.gateway.max_conns;
  o.max_conns_per_address = cfg.net.max_conns_per_address;
  o.workers = cfg.gateway.workers;
  o.idle_timeout_ms = cfg.gateway.idle_timeout_ms;
  o.max_header_bytes = cfg.gateway.max_header_bytes;
  o.max_body_bytes = cfg.gateway.max_upload_bytes;
  o.token_key = gateway::bearer_token_key(cfg.cluster.key);
  o.metrics = ctx.metrics;
  if (cfg.gateway.tls)
    o.tls = std::make_shared<net::tls_context>(
        net::tls_files{cfg.tls.ca, cfg.tls.cert, cfg.tls.key}, net::tls_side::server);
  return o;
}

void start_metrics_port(node_context& ctx) {
  if (ctx.http_port_served) return;
  auto log = log::get("main");
  try {
    auto o = http_options_of(ctx);
    o.workers = metrics_workers;
    o.max_body_bytes = 0;  // nothing here takes a body
    auto m = ctx.metrics;
    auto board = ctx.status;
    auto server = std::make_shared<net::http_server>(o, [m, board](net::http_exchange& ex) {
      if (!net::serve_metrics(*m, ex) && !net::serve_status(*board, ex))
        ex.respond(404, gateway::render_error(
                            "not found: this node serves only /metrics and the status page /"));
    });
    ctx.services.push_back(server);
    ctx.http_port_served = true;
    log->info("metrics_ready http={}://{}:{}/ (status page, /metrics)", o.tls ? "https" : "http",
              o.host, server->port());
  } catch (const std::exception& e) {
    log->error("metrics_port_failed error=\"{}\"", e.what());
  }
}

}  // namespace dfs
