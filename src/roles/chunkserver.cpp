#include "actors/chunkserver/master_link.hpp"
#include "actors/chunkstore/scrub_actor.hpp"
#include "actors/chunkstore/store_actor.hpp"
#include "roles/role_table.hpp"

namespace dfs {

void start_chunkserver(node_context& ctx) {
  auto store = open_chunk_store(ctx.cfg.node.data_dir, ctx.cfg.chunkserver.pending_ttl_ms,
                                ctx.cfg.chunkserver.max_pending_bytes);
  // The primary leases, from the master link (heartbeat replies) to the data port (mutations).
  auto leases = std::make_shared<net::lease_board>();
  ctx.keep(ctx.sys.spawn(store_fn, ctx.cfg, store, ctx.metrics, leases));
  ctx.keep(ctx.sys.spawn(master_link_fn, ctx.cfg, ctx.id, store, leases));
  auto scrub = ctx.sys.spawn(scrub_fn, ctx.cfg, store);
  ctx.keep(scrub);
  ctx.commands["scrub"] = {"scrub", "background checksum scrub: progress, last pass, found", scrub};
}

}  // namespace dfs
