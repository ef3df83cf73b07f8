#pragma once
// Typed actor interfaces. The `node_actor` is what every server node publishes on its
// control port; it delegates to the role actors behind it, so a peer needs one connection
// per node whatever roles it hosts.
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "proto/admin.hpp"
#include "proto/atoms.hpp"
#include "proto/chunkserver.hpp"
#include "proto/ftqueue.hpp"
#include "proto/membership.hpp"
#include "proto/storage.hpp"

namespace dfs {

using admin_actor = caf::typed_actor<caf::replies_to<admin_atom, admin_request>::with<admin_reply>>;

using master_actor = caf::typed_actor<
    caf::replies_to<register_atom, chunkserver_registration>::with<registration_ack>,
    caf::replies_to<heartbeat_atom, chunkserver_heartbeat>::with<heartbeat_reply>,
    caf::replies_to<admin_atom, admin_request>::with<admin_reply>,
    caf::replies_to<storage_atom, ns_request>::with<ns_reply>,
    caf::replies_to<storage_atom, versions_request>::with<ns_reply>,
    caf::replies_to<storage_atom, layout_request>::with<ns_reply>,
    caf::replies_to<put_atom, put_request>::with<put_plan>,
    caf::replies_to<commit_atom, put_commit>::with<ns_reply>, caf::reacts_to<flush_atom>,
    caf::reacts_to<tick_atom>, caf::reacts_to<member_event_atom, member_event_msg>>;

using node_actor = caf::typed_actor<
    caf::replies_to<admin_atom, admin_request>::with<admin_reply>,
    caf::replies_to<queue_atom, queue_request>::with<queue_reply>,
    caf::replies_to<register_atom, chunkserver_registration>::with<registration_ack>,
    caf::replies_to<heartbeat_atom, chunkserver_heartbeat>::with<heartbeat_reply>,
    caf::replies_to<storage_atom, ns_request>::with<ns_reply>,
    caf::replies_to<storage_atom, versions_request>::with<ns_reply>,
    caf::replies_to<storage_atom, layout_request>::with<ns_reply>,
    caf::replies_to<put_atom, put_request>::with<put_plan>,
    caf::replies_to<commit_atom, put_commit>::with<ns_reply>>;

}  // namespace dfs
