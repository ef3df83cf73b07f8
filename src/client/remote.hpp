#pragma once
// Blocking helpers for the command-line tools (client, admin console): connect to a node's
// published actor and run one request with a deadline. Never used inside actors.
#include <chrono>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "common/node_id.hpp"
#include "proto/interfaces.hpp"

namespace dfs {

// Connects to the node actor published at `addr`; the error says which address failed.
caf::expected<node_actor> connect_node(caf::actor_system& sys, const endpoint& addr);

// One admin request; the reply, or an error reply (status 1) with the reason.
admin_reply admin_call(caf::actor_system& sys, const node_actor& node, const admin_request& req,
                       std::chrono::milliseconds timeout);

}  // namespace dfs
