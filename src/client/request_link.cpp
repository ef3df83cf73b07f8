#include "client/request_link.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>

#include "common/ports.hpp"
#include "common/startup_trace.hpp"
#include "net/tls_context.hpp"

namespace dfs {

namespace {

using clock = std::chrono::steady_clock;
using proto::request_status;

// After a refused connection, how long this client asks that node over CAF only.
constexpr auto skip_after_refusal = std::chrono::seconds(5);

net::pool_options options_of(const config& cfg) {
  net::pool_options p;
  p.cluster = net::cluster_id(cfg.cluster.name);
  p.timeout_ms = cfg.client.timeout_ms;  // each connect and exchange sets its own deadline
  // Mutual TLS always: the request port is the control plane (tls.data is the data port's).
  p.tls = net::tls_context::shared({cfg.tls.ca, cfg.tls.cert, cfg.tls.key}, net::tls_side::client);
  return p;
}

uint32_t ms_of(std::chrono::milliseconds t) {
  return static_cast<uint32_t>(std::clamp<int64_t>(t.count(), 1, UINT32_MAX));
}

// The reply frame's outcome.
request_link::outcome outcome_of(const std::string& key, net::reply_msg r) {
  using outcome = request_link::outcome;
  switch (static_cast<request_status>(r.status)) {
    case request_status::ok:
      return {outcome::answered, {}, std::move(r.body)};
    case request_status::refused:
      return {outcome::refused, std::move(r.message), {}};
    case request_status::failed:
      return {outcome::failed, std::move(r.message), {}};
    case request_status::too_large:
      return {outcome::unusable, std::move(r.message), {}};
    default:
      return {outcome::failed, key + " request port: " + r.message, {}};
  }
}

}  // namespace

request_link::request_link(const config& cfg, bool multiplex)
    : pool_(options_of(cfg)), multiplex_(multiplex) {}

request_link::outcome request_link::cannot_connect(const std::string& key, const std::exception& e,
                                                   bool out_of_time) {
  // This client's own certificate or key is unusable: neither CAF nor a retry can help.
  if (dynamic_cast<const net::tls_setup_error*>(&e)) return {outcome::refused, e.what(), {}};
  // Out of time (a host that drops packets, a stopped process whose kernel still accepts):
  // this attempt failed.
  if (out_of_time) return {outcome::failed, e.what(), {}, true};
  std::lock_guard lk(mu_);
  // Refused where a request port answered before: the node is down or restarting, and its
  // control port with it. Asking over CAF would only wait for a node that is not there (a
  // cached CAF connection outlives it: a queue client waited its whole attempt timeout, 1 s,
  // after a fileserver's SIGKILL), and skipping would keep the port unused after the restart.
  if (connected_.count(key))
    return {
        outcome::failed, std::string(e.what()) + " (its request port answered before)", {}, true};
  // Refused by a node never reached here (no request port there): CAF may still serve.
  skip_until_[key] = clock::now() + skip_after_refusal;
  return {outcome::unusable, e.what(), {}};
}

void request_link::connected(const std::string& key) {
  std::lock_guard lk(mu_);
  connected_.insert(key);
}

request_link::outcome request_link::exchange(const endpoint& node, proto::request_method method,
                                             std::string_view body,
                                             std::chrono::milliseconds timeout) {
  auto key = node.to_string();
  {
    std::lock_guard lk(mu_);
    if (auto it = skip_until_.find(key); it != skip_until_.end()) {
      if (clock::now() < it->second) return {outcome::unusable, "request port skipped", {}};
      skip_until_.erase(it);
    }
  }
  auto port = request_port_of(node.port);
  auto payload = proto::encode_request(method, ms_of(timeout), body);
  if (!multiplex_) return exchange_pooled(key, node, port, payload, timeout);
  // Alone on the link, the caller's own thread does the I/O on a pooled connection: the
  // multiplexed connection's I/O thread would cost it two thread hand-offs per request
  // (measured: 1 client, 1,770 against 2,015 queue ops/s). With others in flight, it shares.
  struct counted {
    std::atomic<int>& n;
    ~counted() { --n; }
  } in_flight{in_flight_};
  return in_flight_++ == 0 ? exchange_pooled(key, node, port, payload, timeout)
                           : exchange_muxed(key, node, port, payload, timeout);
}

request_link::outcome request_link::exchange_pooled(const std::string& key, const endpoint& node,
                                                    uint16_t port, const std::string& payload,
                                                    std::chrono::milliseconds timeout) {
  // A pooled connection the node closed meanwhile fails at once: one more try on a new one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::optional<net::conn_pool::lease> l;
    auto t0 = clock::now();
    try {
      l.emplace(pool_.acquire(node.host, port, ms_of(timeout)));
    } catch (const std::exception& e) {
      return cannot_connect(key, e, clock::now() - t0 >= timeout);
    }
    if (!l->reused) {
      connected(key);
      startup_mark("request_port_connected");  // TCP and the TLS handshake done
    }
    auto& c = l->conn;
    // The node answers within the timeout it was given, or says it could not.
    c.set_timeout(ms_of(
        std::chrono::duration_cast<std::chrono::milliseconds>(timeout - (clock::now() - t0))));
    net::frame f;
    bool sent = c.write(net::data_type::request, payload);
    if (sent) startup_mark("request_written");
    auto err = sent ? c.read(f) : net::frame_error::io;
    if (!sent || err != net::frame_error::none) {
      if (l->reused && (!sent || err == net::frame_error::closed)) continue;
      return {outcome::failed,
              key + " request port: " +
                  (err == net::frame_error::timeout ? std::string("no answer in time")
                                                    : std::string(net::to_string(err))),
              {}};
    }
    net::reply_msg r;
    if (!net::parse_reply(f, r))
      return {outcome::failed, key + " request port: a malformed answer", {}};
    // Every answer but bad_request (the node closes after it) or one we do not know leaves the
    // connection ready for the next request.
    if (static_cast<request_status>(r.status) < request_status::bad_request)
      pool_.release(node.host, port, std::move(c));
    return outcome_of(key, std::move(r));
  }
  return {outcome::failed, key + " request port: the connection closed", {}};
}

std::shared_ptr<net::mux_conn> request_link::live_mux(const std::string& key) {
  std::lock_guard lk(mu_);
  auto it = muxed_.find(key);
  return it != muxed_.end() && !it->second->broken() ? it->second : nullptr;
}

request_link::outcome request_link::exchange_muxed(const std::string& key, const endpoint& node,
                                                   uint16_t port, const std::string& payload,
                                                   std::chrono::milliseconds timeout) {
  auto t0 = clock::now();
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(timeout - (clock::now() - t0));
  };
  // A connection that broke (the node closed it when idle, or restarted) fails its next call
  // at once: one more try on a new one, never twice on a new one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool fresh = false;
    auto conn = live_mux(key);
    if (!conn) {
      std::lock_guard connecting(connect_mu_);
      conn = live_mux(key);  // another caller may have connected meanwhile
      if (!conn) {
        try {
          auto l = pool_.acquire(node.host, port, ms_of(left()));
          fresh = !l.reused;
          conn = std::make_shared<net::mux_conn>(std::move(l.conn));
        } catch (const std::exception& e) {
          return cannot_connect(key, e, clock::now() - t0 >= timeout);
        }
        connected(key);
        std::lock_guard lk(mu_);
        muxed_[key] = conn;
      }
    }
    auto r = conn->call(payload, std::max(left(), std::chrono::milliseconds(1)));
    switch (r.kind) {
      case net::mux_conn::result::answered:
        return outcome_of(key, std::move(r.reply));
      case net::mux_conn::result::timeout:
        return {outcome::failed, key + " request port: no answer in time", {}};
      case net::mux_conn::result::broken:
        if (!fresh && attempt == 0 && clock::now() - t0 < timeout) continue;
        return {outcome::failed, key + " request port: " + r.error, {}};
    }
  }
  return {outcome::failed, key + " request port: the connection closed", {}};
}

}  // namespace dfs
