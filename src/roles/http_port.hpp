#pragma once
// The HTTP port (node.port + 3) of every server node: the fileserver's gateway, or on nodes
// without one a listener that serves only /metrics and the status page (issue 16 items 3, 4). Both
// take their limits, TLS and token key from the same place, so a scraper authenticates the same way
// everywhere.
#include "net/http_server.hpp"
#include "roles/node_context.hpp"

namespace dfs {

// Listener options from cfg.gateway (limits, TLS), cfg.net and cfg.cluster.key; throws what
// net::tls_context throws for unusable TLS files.
net::http_options http_options_of(const node_context& ctx);

// Starts the /metrics and status-page listener unless a role already serves the port. A port that
// cannot be bound is logged; the node runs on without it.
void start_metrics_port(node_context& ctx);

}  // namespace dfs
