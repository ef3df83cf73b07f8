// Leases right after a master restart or failover. Leases are volatile and renewals are not
// logged, so the master that takes over cannot know when an earlier life's lease ends; GFS
// waits the longest lease out (lease_table's quiet_until: 60 s by default) and so did we, for
// every write and append of a cluster that ever leased. But each grant logs its version bump
// with its primary before the grant is handed out, and an earlier master stops handing out
// grants and renewals before a successor can be elected (its read lease), so on each chunk at
// most one earlier lease can still run: held by the primary of the chunk's last logged grant.
// A grant to that same primary is then safe at once (one primary either way; its newer
// version replaces the old lease, primary_leases::on_grant), and so is any grant once that
// primary's process is known to have ended.
#include "core/master/master_core.hpp"

namespace dfs::master {

master_core::earlier_lease master_core::earlier_lease_on(const chunk_entry& e,
                                                         core::time_point now) const {
  // Never bumped: never leased (a grant is logged before it is handed out).
  if (e.meta.chunk_version <= 1) return {true, {}, {}};
  const node_id& holder = e.lease_holder.get();
  if (holder.empty()) return {};  // logged before grants named their primary
  bool holder_healthy = false;
  for (auto& s : registry_.list()) {
    if (s.state != registry::health::healthy || s.id.address() != holder.address()) continue;
    // A newer incarnation answers at the holder's address: the holder's process has ended (it
    // held that port and its data directory's lock), and its leases with it. (An older one
    // heard now is a delayed message, and proves nothing.)
    if (s.id.incarnation > holder.incarnation) return {true, {}, {}};
    holder_healthy = holder_healthy || s.id == holder;
  }
  if (!holder_healthy || e.replicas.count(holder) == 0) return {};
  // Right after the takeover the chunkservers are still registering: a grant now would leave
  // out (and so make stale) a replica that merely has not reported yet.
  auto registering_until = recovered_at_.value_or(now) + opts_.registry.unhealthy_after;
  if (e.replicas.size() < opts_.meta.replication && now < registering_until)
    return {false,
            {},
            "its replicas are still registering with the master that took over (" +
                std::to_string(e.replicas.size()) + " of " +
                std::to_string(opts_.meta.replication) + " so far)"};
  return {true, holder, {}};
}

}  // namespace dfs::master
