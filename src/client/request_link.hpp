#pragma once
// The client side of the request port (node.port + 4; proto/request_wire.hpp): one request
// to a node in one frame each way over pooled mutual-TLS connections, instead of a CAF request
// (caf-0.17.md §12). The caller keeps CAF for what this cannot carry: an outcome `unusable`
// (no request port there, the answer too large for a frame) says to ask over the control port.
//
// Multiplexed (net/mux_conn.hpp): one connection per node for every thread that shares the
// link, many requests in flight on it; for a process with many concurrent callers (the
// benchmark's clients). A call that finds no other under way on the link goes on a pooled
// connection instead, its thread writing and reading the socket itself: alone, that is faster
// than handing the request to the multiplexed connection's I/O thread and back.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "common/config.hpp"
#include "common/node_id.hpp"
#include "net/conn_pool.hpp"
#include "net/mux_conn.hpp"
#include "proto/plain_wire.hpp"
#include "proto/request_wire.hpp"

namespace dfs {

class request_link {
 public:
  // Throws std::runtime_error naming a TLS file that cannot be used.
  explicit request_link(const config& cfg, bool multiplex = false);

  struct outcome {
    enum kind { answered, refused, failed, unusable } kind = failed;
    std::string text;  // why, unless answered
    std::string body;  // the reply struct's bytes, when answered
    // failed without the request ever leaving (no connection): the node cannot have applied it.
    bool unsent = false;
  };

  // One exchange with the node whose control port is `node.port`, within `timeout`. `failed`
  // after the request may have reached the node (the caller's retry carries its request id).
  // Thread-safe.
  outcome exchange(const endpoint& node, proto::request_method method, std::string_view body,
                   std::chrono::milliseconds timeout);

  template <class Reply, class Atom, class Req>
  outcome call(const endpoint& node, Atom, const Req& req, std::chrono::milliseconds timeout,
               Reply& out) {
    auto o = exchange(node, proto::method_of<Atom, Req>::value, plain_wire::encode(req), timeout);
    if (o.kind == outcome::answered && !plain_wire::decode(o.body, out))
      return {outcome::failed, "malformed answer from " + node.to_string() + "'s request port", {}};
    return o;
  }

 private:
  outcome exchange_pooled(const std::string& key, const endpoint& node, uint16_t port,
                          const std::string& payload, std::chrono::milliseconds timeout);
  outcome exchange_muxed(const std::string& key, const endpoint& node, uint16_t port,
                         const std::string& payload, std::chrono::milliseconds timeout);
  // The node's multiplexed connection, unless there is none or it broke.
  std::shared_ptr<net::mux_conn> live_mux(const std::string& key);
  // A connection refused or timed out: `failed` when out of time or when this link connected
  // to that node's request port before, else `unusable` (and the node skipped for a while).
  outcome cannot_connect(const std::string& key, const std::exception& e, bool out_of_time);
  void connected(const std::string& key);  // a connection to the node's request port was made

  net::conn_pool pool_;  // before muxed_: their sockets use its io_context
  bool multiplex_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<net::mux_conn>> muxed_;  // by node
  std::mutex connect_mu_;          // one new multiplexed connection at a time
  std::atomic<int> in_flight_{0};  // exchanges under way on this link
  // Nodes whose request port refused the connection: asked over CAF until then.
  std::map<std::string, std::chrono::steady_clock::time_point> skip_until_;
  std::set<std::string> connected_;  // nodes whose request port this link has connected to
};

}  // namespace dfs
