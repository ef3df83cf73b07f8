#pragma once
// Why a TLS connect that CAF gave up on failed. CAF 0.17's openssl connect calls SSL_connect
// once before it returns; when the node's certificate is already in the socket by then (the
// node answered within microseconds, as on loopback) and we refuse it, CAF says only
// "cannot_connect_to_node", exactly as for a connection reset at once. The first is a matter
// of credentials, the second a node that is going down: a handshake of our own tells them
// apart, on that rare path only.
#include <chrono>
#include <string>

#include "common/node_id.hpp"
#include "net/tls_context.hpp"

namespace dfs::net {

struct tls_probe_result {
  bool refused = false;  // we refused the node's certificate (tls_peer_refused)
  std::string why;       // "" when the handshake completed; else what failed (when refused,
                         // OpenSSL's verdict on the certificate alone)
};

// Connects to `to` and runs a client handshake with `ctx` (no kept session offered), all
// within `timeout`; closes the connection again.
tls_probe_result tls_probe(tls_context& ctx, const endpoint& to, std::chrono::milliseconds timeout);

}  // namespace dfs::net
