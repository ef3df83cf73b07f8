#pragma once
// The serving side of the request port (node.port + 4; proto/request_wire.hpp): one connection
// of the port's data_server (net/data_server.hpp), on that connection's own thread. Each
// request frame becomes the same typed request to the node actor that a CAF client would send,
// with a token minted here from the peer's verified certificate (its kind and common name), so
// the node actor's checks apply unchanged; its answer or refusal goes back as one reply frame.
#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "actors/gcs/sequencer_inline.hpp"
#include "actors/master/master_reads.hpp"
#include "net/data_frame.hpp"
#include "net/metrics.hpp"
#include "proto/interfaces.hpp"

namespace dfs {

struct request_port_settings {
  std::string token_key;             // security::auth_token_key(cluster.key)
  uint32_t token_ttl_s = 3600;       // the minted tokens' lifetime (renewed at half of it)
  uint32_t max_timeout_ms = 600000;  // a caller's timeout is cut to this
  // dfs_port_bytes_total{port="request"}; null: not counted.
  std::shared_ptr<net::metrics> metrics;
  // This node's master and sequencer actors (null where the role is not here): a request the
  // caller's certificate may make goes to them straight, not through the node actor.
  master_actor master;
  ftqueue_actor ftqueue;
  // With `master`: the reads this thread may answer itself between the actor's messages.
  std::shared_ptr<master_reads> master_fast_reads;
  // With `ftqueue`: queue operations this thread may submit itself between its messages.
  std::shared_ptr<sequencer_inline> ftqueue_fast;
};

class request_port {
 public:
  request_port(caf::actor_system& sys, node_actor node, request_port_settings s);
  // Serves requests until the peer closes, is silent past the port's idle timeout, or sends a
  // malformed frame (answered with bad_request, then closed).
  void serve(net::frame_conn& conn);

 private:
  caf::actor_system& sys_;
  node_actor node_;
  request_port_settings s_;
  prometheus::Counter* port_in_ = nullptr;
  prometheus::Counter* port_out_ = nullptr;
};

}  // namespace dfs
