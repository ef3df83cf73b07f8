#pragma once
// The HTTP/1.1 listener of the fileservers' gateway (issue 16; routes in core/gateway, handlers
// in client/gateway_backend). Boost.Beast, asynchronous on one I/O thread: accepting, TLS
// handshakes, request headers and keep-alive waits cost no thread. A request whose header is
// complete and authenticated goes to a pool of `workers` threads, where the handler may block
// on the cluster (the client library is blocking); its socket operations are run back on the
// I/O thread (http_exchange.hpp).
//
// Limits, checked before anything is allocated for a request: `max_conns` connections, and
// `max_conns_per_address` from one IP address (more are closed at once), `max_header_bytes` per
// request header (431), `max_body_bytes` per body (413), every read and write within
// `idle_timeout_ms` (a whole header within it too, so a client that trickles bytes is cut off), a
// malformed request line or header gets 400 and the connection is closed. Nothing is served before
// authentication: a client certificate of the cluster CA (HTTPS) or `Authorization: Bearer`
// (core/gateway/bearer.hpp); otherwise 401, and 403 for a credential whose kind may not use the
// gateway.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>

#include "net/http_exchange.hpp"
#include "net/tls_context.hpp"

namespace dfs::net {

class metrics;

struct http_options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;                 // 0: any free port (tests)
  std::shared_ptr<tls_context> tls;  // null: plain HTTP
  uint32_t max_conns = 256;
  uint32_t max_conns_per_address = 64;
  uint32_t workers = 8;
  uint32_t idle_timeout_ms = 30000;
  uint32_t max_header_bytes = 16384;
  uint64_t max_body_bytes = 1ull << 40;
  std::string token_key;                  // core/gateway/bearer.hpp: bearer_token_key(cluster.key)
  std::shared_ptr<net::metrics> metrics;  // null: nothing counted (dfs_http_requests_total etc.)
};

using http_handler = std::function<void(http_exchange&)>;

class http_server {
 public:
  // Binds and starts serving; throws std::runtime_error naming the address if it cannot bind.
  http_server(http_options opts, http_handler handler);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  uint16_t port() const { return port_; }
  // Stops accepting, closes every connection, waits for running handlers. Idempotent.
  void stop();

  // Shared with the connections (which may outlive a handler's call but never the server).
  struct shared;

 private:
  void accept();
  bool admit(boost::asio::ip::tcp::socket& sock);

  std::shared_ptr<shared> s_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<boost::asio::thread_pool> workers_;
  std::thread io_thread_;
  uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace dfs::net
