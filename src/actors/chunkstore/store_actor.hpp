#pragma once
// The chunk store actor: owns the chunkserver's data port (net::data_server serving
// data_service) and ticks the store (pending pushes that expire). The store itself is shared
// with the master link, which reports chunks and carries out the master's deletes.
#include <memory>

#include <caf/typed_event_based_actor.hpp>

#include "common/config.hpp"
#include "net/data_server.hpp"
#include "net/data_service.hpp"
#include "net/local_reads.hpp"
#include "proto/interfaces.hpp"
#include "storage/chunk_store.hpp"

namespace dfs {

using store_actor = caf::typed_actor<caf::reacts_to<tick_atom>>;

struct store_state {
  static inline const char* name = "chunk_store";
  std::shared_ptr<chunk_store> store;
  std::shared_ptr<mutation_service> mutations;  // writes and appends (issue 13)
  std::shared_ptr<data_service> service;
  std::shared_ptr<net::data_server> server;
  std::shared_ptr<net::local_read_server> local_reads;  // null: chunkserver.local_reads off
};

// `metrics`: where the data port counts reads and writes, and the store's gauges are read at
// each scrape (dfs_chunks, dfs_chunk_stored_bytes, dfs_disk_*_bytes); may be null.
store_actor::behavior_type store_fn(store_actor::stateful_pointer<store_state> self, config cfg,
                                    std::shared_ptr<chunk_store> store,
                                    std::shared_ptr<net::metrics> metrics,
                                    std::shared_ptr<net::lease_board> leases);

}  // namespace dfs
