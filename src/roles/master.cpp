#include "actors/master/master_actor.hpp"
#include "actors/master/master_impl.hpp"
#include "actors/master/repair_actor.hpp"
#include "actors/master/replicator_actor.hpp"
#include "roles/role_table.hpp"

namespace dfs {

void start_master(node_context& ctx) {
  // The master's helpers: repair plans copies, the replicator tells hot chunks.
  auto repair = ctx.sys.spawn(repair_fn, repair_options_of(ctx.cfg));
  auto replicator = ctx.sys.spawn(replicator_fn, hot_options_of(ctx.cfg));
  ctx.keep(repair);
  ctx.keep(replicator);
  // The request port answers reads between the actor's messages (master_reads.hpp).
  ctx.master_fast_reads = std::make_shared<master_reads>();
  auto m = ctx.sys.spawn<master_impl>(
      ctx.master_fast_reads,
      [cfg = ctx.cfg, id = ctx.id, membership = ctx.membership, repair, replicator,
       metrics = ctx.metrics, status = ctx.status](master_self self) {
        return master_fn(self, cfg, id, membership, repair, replicator, metrics, status);
      });
  ctx.master = m;
  ctx.keep(m);
  ctx.commands["chunkservers"] = {
      "chunkservers", "registered chunkservers: state, last heartbeat, space, chunks", m};
  ctx.commands["files"] = {"files", "file count and bytes (newest versions)", m};
  ctx.commands["chunks"] = {"chunks REMOTE [VERSION]",
                            "per chunk of a file: handle, version, replicas and their state", m};
  ctx.commands["under-replicated"] = {"under-replicated",
                                      "chunks with fewer replicas than quorum.replication", m};
  ctx.commands["fsck"] = {
      "fsck [PATH]", "per file: healthy, under-replicated, missing chunks (exit 1 if missing)", m};
  ctx.commands["drain"] = {
      "drain HOST:PORT", "no new chunks on that chunkserver; copy its replicas elsewhere", m, true};
  ctx.commands["undrain"] = {"undrain HOST:PORT", "end a drain", m, true};
  ctx.commands["leases"] = {
      "leases", "chunk leases: chunk, primary, version, state, expiry (ms from now)", m};
  ctx.commands["locks"] = {"locks",
                           "file locks: path, mode, holders, expiry (ms from now), waiters", m};
  ctx.commands["masters"] = {
      "masters [handover [HOST:PORT]]",
      "replicated masters: this one's role and term, log indexes, lag per standby; handover "
      "(admin, on the active master): another master takes over",
      m};
  ctx.commands["repair"] = {"repair",
                            "re-replication: queued, missing, in flight, done, failed, MiB/s", m};
}

}  // namespace dfs
