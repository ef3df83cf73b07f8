#pragma once
// The actor each server node publishes on its control port: the node's front door, and the
// only local actor a remote peer ever talks to. It checks every request's token against the
// kind the request needs (SECURITY.md), then asks the local actor that owns the request and
// relays the answer. It relays instead of delegating on purpose: a delegated reply would come
// from the owner itself, which CAF then registers for remote lookup, and any connected peer
// could then message the master or the queue actor directly, past this check.
#include "actors/node/gatekeeper.hpp"
#include "proto/interfaces.hpp"

namespace dfs {

struct node_state {
  std::optional<gatekeeper> gate;
};

// `master` is null when this node does not run the master role, `ftqueue` when it does not
// run the fileserver role.
node_actor::behavior_type node_fn(node_actor::stateful_pointer<node_state> self, gate_settings gate,
                                  admin_actor admin, master_actor master,
                                  ftqueue_actor ftqueue = {});

}  // namespace dfs
