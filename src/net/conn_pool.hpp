#pragma once
// Idle data-port connections kept for reuse, per "host:port". Opening a TCP connection costs a
// connect/accept, and the data server spawns a thread per connection: for small chunks those
// costs dominate the transfer itself (measured: 4 KiB puts were bound by them), so clients and
// chunkservers (downstream hops of a push chain) keep finished connections here.
//
// A connection goes back to the pool only after a complete exchange (the peer is waiting for
// the next request). The data server closes connections idle for its timeout, so idle entries
// older than `max_idle` are discarded instead of being handed out; a reused connection that
// still turns out dead is the caller's cue to retry once on a fresh one (lease::reused).
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "net/data_frame.hpp"

namespace dfs::net {

struct pool_options {
  uint32_t cluster = 0;
  uint32_t timeout_ms = 30000;                // per read/write, as frame_conn
  size_t max_idle_per_endpoint = 32;          // beyond it, returned connections are closed
  std::chrono::milliseconds max_idle{10000};  // must stay below the server's idle timeout
  std::shared_ptr<tls_context> tls;           // client side; null: plain TCP (tls.data = false)
};

class conn_pool {
 public:
  explicit conn_pool(pool_options o) : opts_(o) {}
  conn_pool(const conn_pool&) = delete;
  conn_pool& operator=(const conn_pool&) = delete;

  struct lease {
    frame_conn conn;
    bool reused;  // taken from the pool: may have been closed by the peer meanwhile
  };
  // An idle connection to host:port, or a new one; throws std::runtime_error (naming the
  // address) if a new one cannot be opened.
  lease acquire(const std::string& host, uint16_t port);
  // The same, a new connection's connect and handshake within `connect_timeout_ms` instead of
  // the pool's timeout (a caller with its own deadline).
  lease acquire(const std::string& host, uint16_t port, uint32_t connect_timeout_ms);
  // Hands a connection back after a complete request/reply exchange.
  void release(const std::string& host, uint16_t port, frame_conn c);
  size_t idle_count() const;
  uint64_t opened() const { return opened_; }  // new connections so far (tests, console)
  const pool_options& options() const { return opts_; }

 private:
  struct idle_conn {
    frame_conn conn;
    std::chrono::steady_clock::time_point since;
  };
  static std::string key(const std::string& host, uint16_t port);

  pool_options opts_;
  boost::asio::io_context io_;  // owns the sockets' executor: declared before the pool entries
  mutable std::mutex mu_;
  std::map<std::string, std::vector<idle_conn>> idle_;
  uint64_t opened_ = 0;
};

}  // namespace dfs::net
