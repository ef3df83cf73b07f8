#pragma once
// The actor each server node publishes on its control port: the node's front door. It
// delegates every request to the local actor that owns it, so replies go straight back to
// the remote caller without another hop through here.
#include "proto/interfaces.hpp"

namespace dfs {

// `master` is null when this node does not run the master role, `ftqueue` when it does not
// run the fileserver role.
node_actor::behavior_type node_fn(node_actor::pointer self, admin_actor admin, master_actor master,
                                  ftqueue_actor ftqueue = {});

}  // namespace dfs
