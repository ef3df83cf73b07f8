#include "net/data_server.hpp"

#include <sys/socket.h>

#include <stdexcept>

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
  acceptor_thread_ = std::thread([this] { accept_loop(); });
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
    if (active_ >= opts_.max_connections) {
      ++refused_;
      continue;  // closes the socket
    }
    std::lock_guard<std::mutex> lk(mu_);
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
    threads_.emplace_back(
        std::thread([this, done, s = std::move(s)]() mutable { serve(std::move(s), done); }), done);
  }
}

void data_server::serve(tcp::socket s, std::shared_ptr<std::atomic<bool>> done) {
  int fd = s.native_handle();
  {
    std::lock_guard<std::mutex> lk(mu_);
    live_fds_.insert(fd);
  }
  try {
    frame_conn conn(std::move(s), opts_.cluster, opts_.timeout_ms);
    handler_(conn);
    std::lock_guard<std::mutex> lk(mu_);
    live_fds_.erase(fd);
  } catch (...) {
    std::lock_guard<std::mutex> lk(mu_);
    live_fds_.erase(fd);
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
