#include "net/data_server.hpp"

#include <sys/socket.h>

#include <optional>
#include <stdexcept>

#include "common/logging.hpp"
#include "common/thread_name.hpp"

namespace dfs::net {

namespace asio = boost::asio;
using asio::ip::tcp;

// Connections the kernel queues before accept() takes them (burst of a cluster's pushes).
constexpr int accept_backlog = 128;

data_server::data_server(data_server_options opts, handler h)
    : opts_(std::move(opts)), handler_(std::move(h)), acceptor_(io_) {}

data_server::~data_server() {
  stop();
}

void data_server::start() {
  boost::system::error_code ec;
  tcp::endpoint ep(asio::ip::make_address(opts_.host, ec), opts_.port);
  if (ec) throw std::runtime_error("bad data address " + opts_.host + ": " + ec.message());
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(accept_backlog, ec);
  if (ec)
    throw std::runtime_error("cannot listen on data port " + opts_.host + ":" +
                             std::to_string(opts_.port) + ": " + ec.message());
  acceptor_thread_ =
      named_thread("accept-" + std::to_string(opts_.port), [this] { accept_loop(); });
}

void data_server::refuse(const std::string& peer, const std::string& why) {
  auto n = ++refused_;
  // Counted always, logged sparingly: a flood of connections must not flood the log.
  if (n <= 10 || n % 1000 == 0)
    log::get("data")->warn("connection_refused count={} peer={} reason=\"{}\"", n, peer, why);
}

void data_server::accept_loop() {
  while (!stopping_) {
    boost::system::error_code ec;
    tcp::socket s(io_);
    acceptor_.accept(s, ec);
    if (ec) {
      if (stopping_) return;
      continue;
    }
    auto remote = s.remote_endpoint(ec);
    if (ec) continue;  // already gone
    auto peer = remote.address().to_string();
    std::lock_guard<std::mutex> lk(mu_);
    if (active_ >= opts_.max_connections) {
      refuse(peer, "too many connections");
      continue;  // closes the socket
    }
    auto& mine = per_address_[peer];
    if (mine >= opts_.max_per_address) {
      refuse(peer, "too many connections from this address");
      continue;
    }
    ++mine;
    // Reap finished threads now and then so the list stays short.
    for (auto it = threads_.begin(); it != threads_.end();) {
      if (*it->second) {
        it->first.join();
        it = threads_.erase(it);
      } else {
        ++it;
      }
    }
    ++active_;
    auto done = std::make_shared<std::atomic<bool>>(false);
    threads_.emplace_back(named_thread("conn-" + std::to_string(opts_.port),
                                       [this, done, peer, s = std::move(s)]() mutable {
                                         serve(std::move(s), peer, done);
                                       }),
                          done);
  }
}

void data_server::serve(tcp::socket s, std::string peer, std::shared_ptr<std::atomic<bool>> done) {
  int fd = s.native_handle();
  {
    std::lock_guard<std::mutex> lk(mu_);
    live_fds_.insert(fd);
  }
  try {
    std::optional<frame_conn> conn;
    try {
      conn.emplace(frame_conn::accept(std::move(s), opts_.cluster, opts_.timeout_ms,
                                      opts_.tls.get(), opts_.handshake_timeout_ms));
    } catch (const std::exception& e) {
      auto n = ++failed_handshakes_;
      if (n <= 10 || n % 1000 == 0)
        log::get("data")->warn("tls_refused count={} peer={} reason=\"{}\"", n, peer, e.what());
    }
    if (conn) handler_(*conn);
  } catch (...) {
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    live_fds_.erase(fd);
    if (auto it = per_address_.find(peer); it != per_address_.end() && --it->second == 0)
      per_address_.erase(it);
  }
  --active_;
  *done = true;
}

void data_server::stop() {
  if (stopping_.exchange(true)) return;
  boost::system::error_code ec;
  // Unblock accept(): shutdown on the listening socket makes it return with an error.
  ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
  if (acceptor_thread_.joinable()) acceptor_thread_.join();
  acceptor_.close(ec);
  {
    std::lock_guard<std::mutex> lk(mu_);
    for (int fd : live_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  std::list<std::pair<std::thread, std::shared_ptr<std::atomic<bool>>>> threads;
  {
    std::lock_guard<std::mutex> lk(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads)
    if (t.first.joinable()) t.first.join();
}

}  // namespace dfs::net
