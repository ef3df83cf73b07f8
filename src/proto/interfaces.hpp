#pragma once
// Typed actor interfaces. The `node_actor` is what every server node publishes on its
// control port; it delegates to the role actors behind it, so a peer needs one connection
// per node whatever roles it hosts.
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "proto/admin.hpp"
#include "proto/atoms.hpp"
#include "proto/auth.hpp"
#include "proto/chunkserver.hpp"
#include "proto/ftqueue.hpp"
#include "proto/membership.hpp"
#include "proto/repair.hpp"
#include "proto/replog.hpp"
#include "proto/status.hpp"
#include "proto/storage.hpp"

namespace dfs {

using admin_actor = caf::typed_actor<caf::replies_to<admin_atom, admin_request>::with<admin_reply>>;

using master_actor = caf::typed_actor<
    caf::replies_to<register_atom, chunkserver_registration>::with<registration_ack>,
    caf::replies_to<heartbeat_atom, chunkserver_heartbeat>::with<heartbeat_reply>,
    caf::replies_to<admin_atom, admin_request>::with<admin_reply>,
    caf::replies_to<storage_atom, ns_request>::with<ns_reply>,
    caf::replies_to<storage_atom, versions_request>::with<ns_reply>,
    caf::replies_to<storage_atom, trash_request>::with<ns_reply>,
    caf::replies_to<storage_atom, layout_request>::with<ns_reply>,
    caf::replies_to<storage_atom, stale_read_request>::with<ns_reply>,
    caf::replies_to<storage_atom, lock_request>::with<lock_reply>,
    caf::replies_to<storage_atom, grow_request>::with<ns_reply>,
    caf::replies_to<storage_atom, status_request>::with<status_reply>,
    caf::replies_to<put_atom, put_request>::with<put_plan>,
    caf::replies_to<commit_atom, put_commit>::with<ns_reply>,
    caf::replies_to<lease_atom, lease_request>::with<lease_reply>, caf::reacts_to<flush_atom>,
    // Checkpoint N (sequence) written or failed (the error), after `took_ms` on its thread.
    caf::reacts_to<checkpoint_done_atom, uint64_t, std::string, int64_t>, caf::reacts_to<tick_atom>,
    caf::reacts_to<member_event_atom, member_event_msg>,
    // Replicated masters: the replication timer, and a message from another master (`from`:
    // its control address, checked by the node actor against its server token).
    caf::reacts_to<replog_atom>, caf::reacts_to<replog_atom, endpoint, replog::message>>;

// The master's repair actor (actors/master/repair_actor.hpp): copy orders for an update.
using repair_actor = caf::typed_actor<
    caf::replies_to<repair_atom, master::repair_update>::with<master::repair_answer>>;

// The master's replicator actor (actors/master/replicator_actor.hpp): takes client read counts
// from heartbeats, answers the chunks that are hot now.
using replicator_actor = caf::typed_actor<caf::reacts_to<hot_atom, std::vector<chunk_reads>>,
                                          caf::replies_to<hot_atom>::with<std::vector<uint64_t>>>;

// The front door of a node (actors/node/node_actor.hpp). Every request carries the caller's
// auth token (a string, first after the atom; core/security/auth_token.hpp), checked before
// anything else. Server-to-server replies carry the answering node's server token first, so
// that the caller can tell them from a forged reply (SECURITY.md: CAF lets any connected peer
// route a message to any actor it can name).
using node_actor =
    caf::typed_actor<caf::replies_to<login_atom>::with<std::string>,
                     caf::replies_to<login_atom, login_proof>::with<login_result>,
                     caf::replies_to<admin_atom, std::string, admin_request>::with<admin_reply>,
                     caf::replies_to<queue_atom, std::string, queue_request>::with<queue_reply>,
                     caf::replies_to<register_atom, std::string,
                                     chunkserver_registration>::with<std::string, registration_ack>,
                     caf::replies_to<heartbeat_atom, std::string,
                                     chunkserver_heartbeat>::with<std::string, heartbeat_reply>,
                     caf::replies_to<storage_atom, std::string, ns_request>::with<ns_reply>,
                     caf::replies_to<storage_atom, std::string, versions_request>::with<ns_reply>,
                     caf::replies_to<storage_atom, std::string, trash_request>::with<ns_reply>,
                     caf::replies_to<storage_atom, std::string, layout_request>::with<ns_reply>,
                     caf::replies_to<storage_atom, std::string, stale_read_request>::with<ns_reply>,
                     caf::replies_to<storage_atom, std::string, lock_request>::with<lock_reply>,
                     caf::replies_to<storage_atom, std::string, grow_request>::with<ns_reply>,
                     caf::replies_to<storage_atom, std::string, status_request>::with<status_reply>,
                     caf::replies_to<put_atom, std::string, put_request>::with<put_plan>,
                     caf::replies_to<commit_atom, std::string, put_commit>::with<ns_reply>,
                     caf::replies_to<lease_atom, std::string, lease_request>::with<lease_reply>,
                     // Between replicated masters (one way: Raft tolerates loss).
                     caf::reacts_to<replog_atom, std::string, endpoint, replog::message>>;

}  // namespace dfs
