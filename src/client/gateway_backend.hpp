#pragma once
// The handlers of the fileservers' HTTP gateway (issue 16): each request, routed by
// core/gateway, becomes the same client-library calls the `client` role makes — storage_client
// for files (metadata from the master, bytes straight to and from the chunkservers),
// queue_client for FTQueue — on behalf of the HTTP caller: the gateway holds cluster.key, so
// it signs the caller's control-plane token itself (kind and name from the bearer token or
// client certificate), and the master and fileservers check that kind as for any client.
//
// Bodies stream: a GET hands chunks to the socket as they arrive (at most
// gateway.window_chunks chunks in memory), a PUT pushes chunks while the body is read.
// Clients are pooled (one per concurrent request at most): a queue client keeps its client id,
// so retried queue operations stay exactly-once, and the master connection is reused.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "client/queue_client.hpp"
#include "client/storage_client.hpp"
#include "common/config.hpp"
#include "core/gateway/redirect.hpp"
#include "core/gateway/request_target.hpp"
#include "core/security/auth_token.hpp"
#include "net/http_exchange.hpp"

namespace dfs {

class gateway_backend {
 public:
  // `self` is this fileserver's control address (its queue replica comes first).
  gateway_backend(caf::actor_system& sys, const config& cfg, const endpoint& self);
  ~gateway_backend();

  void handle(net::http_exchange& ex);

  // One pooled client with the caller it currently acts for.
  template <class Client>
  struct pooled {
    std::unique_ptr<Client> client;
    std::shared_ptr<security::auth_claims> as;
  };

 private:
  template <class Client>
  class pool;
  void get_file(net::http_exchange& ex, const gateway::route& r);
  void put_file(net::http_exchange& ex, const gateway::route& r);
  void namespace_op(net::http_exchange& ex, const gateway::route& r);
  void copy_or_move(net::http_exchange& ex, const gateway::route& r);
  void queue_op(net::http_exchange& ex, const gateway::route& r);
  token_source minter(const std::shared_ptr<security::auth_claims>& as) const;

  caf::actor_system& sys_;
  config cfg_;
  std::vector<endpoint> fileservers_;
  std::vector<gateway::gateway_addr> gateways_;  // HTTP ports of the fileservers (redirects)
  std::string token_key_;  // control-plane tokens for the callers (core/security/auth_token)
  std::unique_ptr<pool<storage_client>> storage_;
  std::unique_ptr<pool<queue_client>> queues_;
};

}  // namespace dfs
