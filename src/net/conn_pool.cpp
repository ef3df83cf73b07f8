#include "net/conn_pool.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace dfs::net {

namespace {

// An idle connection the peer has closed (idle timeout, restart) reads as EOF or an error;
// a live one has nothing to read.
bool still_open(frame_conn& c) {
  char b;
  auto r = ::recv(c.fd(), &b, 1, MSG_PEEK | MSG_DONTWAIT);
  return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

std::string conn_pool::key(const std::string& host, uint16_t port) {
  return host + ":" + std::to_string(port);
}

conn_pool::lease conn_pool::acquire(const std::string& host, uint16_t port) {
  return acquire(host, port, opts_.timeout_ms);
}

conn_pool::lease conn_pool::acquire(const std::string& host, uint16_t port,
                                    uint32_t connect_timeout_ms) {
  {
    std::lock_guard lk(mu_);
    auto it = idle_.find(key(host, port));
    auto now = std::chrono::steady_clock::now();
    while (it != idle_.end() && !it->second.empty()) {
      auto c = std::move(it->second.back());
      it->second.pop_back();
      // The newest idle connection is the likeliest to be alive; a stale one is just closed.
      if (now - c.since < opts_.max_idle && still_open(c.conn)) return {std::move(c.conn), true};
    }
    ++opened_;
  }
  auto c = frame_conn::connect(io_, host, port, opts_.cluster, connect_timeout_ms, opts_.tls.get());
  c.set_timeout(opts_.timeout_ms);
  return {std::move(c), false};
}

void conn_pool::release(const std::string& host, uint16_t port, frame_conn c) {
  if (c.has_unread()) return;  // out of step with the peer: the next exchange would misread
  std::lock_guard lk(mu_);
  auto& v = idle_[key(host, port)];
  if (v.size() >= opts_.max_idle_per_endpoint) return;  // c closes here
  v.push_back({std::move(c), std::chrono::steady_clock::now()});
}

size_t conn_pool::idle_count() const {
  std::lock_guard lk(mu_);
  size_t n = 0;
  for (auto& [k, v] : idle_) n += v.size();
  return n;
}

}  // namespace dfs::net
