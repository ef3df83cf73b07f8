#pragma once
// Blocking helpers for the command-line tools (client, admin console): connect to a node's
// published actor over mutual TLS, log in with the process's certificate (SECURITY.md), and
// run one request with a deadline. Never used inside actors.
#include <chrono>
#include <functional>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "client/master_finder_for.hpp"
#include "common/config.hpp"
#include "common/node_id.hpp"
#include "core/master/master_finder.hpp"
#include "proto/error_text.hpp"
#include "proto/interfaces.hpp"

namespace dfs {

// A logged-in connection to a node: its actor and the token every request carries.
struct remote_node {
  node_actor actor;
  std::string token;
  std::chrono::steady_clock::time_point renew_at;  // log in again from here on

  explicit operator bool() const { return static_cast<bool>(actor); }
};

// For a server acting for a caller it authenticated itself (the HTTP gateway): the token every
// request carries, signed by that server for the caller, instead of a certificate login.
using token_source = std::function<std::string()>;

// Connects to the node actor published at `addr` and logs in with cfg.tls.cert/key (or takes
// its tokens from `act_as`), all within cfg.client.timeout_ms (connect_node_until: by
// `deadline`); the error says which address failed and why.
caf::expected<remote_node> connect_node(caf::actor_system& sys, const config& cfg,
                                        const endpoint& addr, const token_source& act_as = {});
caf::expected<remote_node> connect_node_until(caf::actor_system& sys, const config& cfg,
                                              const endpoint& addr,
                                              std::chrono::steady_clock::time_point deadline,
                                              const token_source& act_as = {});

// Logs in again if the token is near its end (long-lived shells); an error if that fails.
// With `act_as`, takes a fresh token from it.
caf::error refresh_login(caf::actor_system& sys, const config& cfg, remote_node& node,
                         const token_source& act_as = {});

// One admin request; the reply, or an error reply (status 1) with the reason.
admin_reply admin_call(caf::actor_system& sys, const remote_node& node, const admin_request& req,
                       std::chrono::milliseconds timeout);

}  // namespace dfs
