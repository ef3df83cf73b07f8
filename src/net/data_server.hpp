#pragma once
// TCP listener of the data port: accepts connections (Boost.Asio) and serves each one on its
// own thread with blocking frame I/O (data_frame.hpp), at most `max_connections` at once and
// `max_per_address` from one remote address (so one host cannot take every slot). With `tls`,
// each connection must finish a mutual TLS handshake within `handshake_timeout_ms` before its
// first frame is read; a connection silent for `timeout_ms` is closed.
// Blocking threads keep the chain-forwarding code straight-line: read a frame, forward it,
// keep it; the kernel's socket buffers pipeline the hops.
#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/data_frame.hpp"

namespace dfs::net {

struct data_server_options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  uint32_t cluster = 0;
  uint32_t timeout_ms = 30000;  // per read/write on a connection (and idle between requests)
  size_t max_connections = 256;
  size_t max_per_address = 64;
  std::shared_ptr<tls_context> tls;  // server side; null: plain TCP
  uint32_t handshake_timeout_ms = 10000;
};

class data_server {
 public:
  using handler = std::function<void(frame_conn&)>;
  data_server(data_server_options opts, handler h);
  ~data_server();
  // Binds and starts accepting; throws std::runtime_error if the port cannot be bound.
  void start();
  // Stops accepting, shuts down live connections, joins every thread.
  void stop();
  uint64_t refused_connections() const { return refused_; }
  uint64_t failed_handshakes() const { return failed_handshakes_; }
  size_t active_connections() const { return active_; }

 private:
  void accept_loop();
  void serve(boost::asio::ip::tcp::socket s, std::string peer,
             std::shared_ptr<std::atomic<bool>> done);
  void refuse(const std::string& peer, const std::string& why);

  data_server_options opts_;
  handler handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread acceptor_thread_;
  std::mutex mu_;
  std::set<int> live_fds_;
  std::map<std::string, size_t> per_address_;  // live connections by remote address
  std::list<std::pair<std::thread, std::shared_ptr<std::atomic<bool>>>> threads_;
  std::atomic<size_t> active_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> failed_handshakes_{0};
};

}  // namespace dfs::net
