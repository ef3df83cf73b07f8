#pragma once
// The client side of the request port (node.port + 4; proto/request_wire.hpp): one request
// to a node in one frame each way over pooled mutual-TLS connections, instead of a CAF request
// (caf-0.17.md §12). The caller keeps CAF for what this cannot carry: an outcome `unusable`
// (no request port there, the answer too large for a frame) says to ask over the control port.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/config.hpp"
#include "common/node_id.hpp"
#include "net/conn_pool.hpp"
#include "proto/request_wire.hpp"
#include "proto/wire.hpp"

namespace dfs {

class request_link {
 public:
  // Throws std::runtime_error naming a TLS file that cannot be used.
  explicit request_link(const config& cfg);

  struct outcome {
    enum kind { answered, refused, failed, unusable } kind = failed;
    std::string text;  // why, unless answered
    std::string body;  // the reply struct's bytes, when answered
  };

  // One exchange with the node whose control port is `node.port`, within `timeout`. `failed`
  // after the request may have reached the node (the caller's retry carries its request id).
  outcome exchange(const endpoint& node, proto::request_method method, std::string_view body,
                   std::chrono::milliseconds timeout);

  template <class Reply, class Atom, class Req>
  outcome call(const endpoint& node, Atom, const Req& req, std::chrono::milliseconds timeout,
               Reply& out) {
    auto o = exchange(node, proto::method_of<Atom, Req>::value, wire::encode(req), timeout);
    if (o.kind == outcome::answered && !wire::decode(o.body, out))
      return {outcome::failed, "malformed answer from " + node.to_string() + "'s request port", {}};
    return o;
  }

 private:
  net::conn_pool pool_;
  std::mutex mu_;
  // Nodes whose request port refused the connection: asked over CAF until then.
  std::map<std::string, std::chrono::steady_clock::time_point> skip_until_;
};

}  // namespace dfs
