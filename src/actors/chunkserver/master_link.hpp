#pragma once
// A chunkserver's link to the master: a thin actor around chunkserver::master_link
// (src/core/chunkserver), which decides when to connect, register and heartbeat. The actor
// connects to the master's node actor (and watches it), builds the full and incremental chunk
// reports from the shared chunk_store (src/storage), sends them, deletes the chunks the
// master's replies name, and hands the repair copies they order to a replica_copier (whose
// results ride on the next heartbeat). Which master it connects to (one of cluster.masters,
// the active one as standbys name it) and which replies are fenced off is the core's choice.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include <caf/typed_event_based_actor.hpp>

#include "common/config.hpp"
#include "core/chunkserver/master_link.hpp"
#include "core/security/server_token.hpp"
#include "net/lease_board.hpp"
#include "net/replica_copier.hpp"
#include "proto/interfaces.hpp"
#include "storage/chunk_store.hpp"

namespace dfs {

// local_copy_done: a copy-on-write copy ended (the order, ok, the error line).
using master_link_actor =
    caf::typed_actor<caf::reacts_to<connect_atom>, caf::reacts_to<tick_atom, uint64_t>,
                     caf::reacts_to<copy_done_atom, copy_result>,
                     caf::reacts_to<local_copy_done_atom, local_copy, bool, std::string>>;

struct master_link_state {
  static inline const char* name = "master_link";
  master_link_state() : link(chunkserver::link_options{}) {}
  config cfg;
  node_id self;
  node_actor master;
  chunkserver::master_link link;
  std::shared_ptr<chunk_store> store;  // reports come from it, deletes go to it
  std::string token_key;               // from cluster.key: our token, and the master's check
  security::server_token own_token;
  std::shared_ptr<net::replica_copier> copier;  // repair copies the master orders
  std::vector<copy_result> copies_done;         // for the next heartbeat
  std::shared_ptr<net::lease_board> leases;     // our primary leases, shared with the data port
  // Copy-on-write copies (chunk_store::copy_local), each on a thread of its own, at most
  // max_local_copies at once; the rest wait here.
  static constexpr size_t max_local_copies = 2;
  std::deque<local_copy> local_queue;
  size_t local_running = 0;
};

master_link_actor::behavior_type master_link_fn(
    master_link_actor::stateful_pointer<master_link_state> self, config cfg, node_id id,
    std::shared_ptr<chunk_store> store, std::shared_ptr<net::lease_board> leases);

}  // namespace dfs
