#pragma once
// Every atom of the project, in one place, so that no two share a text. caf::atom() text is at
// most 10 characters and prefixed with `dfs_` where a plain word might collide with CAF's
// predefined atoms.
#include <caf/atom.hpp>

namespace dfs {

using admin_atom = caf::atom_constant<caf::atom("dfs_admin")>;
using login_atom = caf::atom_constant<caf::atom("dfs_login")>;
using register_atom = caf::atom_constant<caf::atom("dfs_reg")>;
using heartbeat_atom = caf::atom_constant<caf::atom("dfs_hb")>;
using tick_atom = caf::atom_constant<caf::atom("dfs_tick")>;
using connect_atom = caf::atom_constant<caf::atom("dfs_conn")>;

// Storage: client <-> master (src/proto/storage.hpp) and the master's group commit.
using storage_atom = caf::atom_constant<caf::atom("dfs_stor")>;
using put_atom = caf::atom_constant<caf::atom("dfs_put")>;
using commit_atom = caf::atom_constant<caf::atom("dfs_commit")>;
using lease_atom = caf::atom_constant<caf::atom("dfs_lease")>;
using flush_atom = caf::atom_constant<caf::atom("dfs_flush")>;
// The master's journal wrote a checkpoint on its own thread (storage/journal.hpp).
using checkpoint_done_atom = caf::atom_constant<caf::atom("dfs_ckdone")>;

// Membership: subscriptions and events to local listeners; datagrams and a deferred join to the
// failure detector actor.
using subscribe_atom = caf::atom_constant<caf::atom("dfs_sub")>;
using member_event_atom = caf::atom_constant<caf::atom("dfs_mevent")>;
using dgram_atom = caf::atom_constant<caf::atom("dfs_dgram")>;
using join_atom = caf::atom_constant<caf::atom("dfs_join")>;

// FTQueue: client requests; GCS datagrams to the sequencer actor.
using queue_atom = caf::atom_constant<caf::atom("dfs_queue")>;
using gcs_dgram_atom = caf::atom_constant<caf::atom("dfs_gdgram")>;
using gcs_synced_atom = caf::atom_constant<caf::atom("dfs_gsync")>;
using gcs_flush_atom = caf::atom_constant<caf::atom("dfs_gflush")>;
using copy_done_atom = caf::atom_constant<caf::atom("dfs_cpdone")>;
using local_copy_done_atom = caf::atom_constant<caf::atom("dfs_lcdone")>;  // copy-on-write

// The master's repair and replicator actors (src/proto/repair.hpp).
using repair_atom = caf::atom_constant<caf::atom("dfs_repair")>;
using hot_atom = caf::atom_constant<caf::atom("dfs_hot")>;

// Master replication: a replog::message between masters (src/proto/replog.hpp).
using replog_atom = caf::atom_constant<caf::atom("dfs_replog")>;

}  // namespace dfs
