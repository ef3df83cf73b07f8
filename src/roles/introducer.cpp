#include "common/logging.hpp"
#include "roles/role_table.hpp"

namespace dfs {

// The introducer is an ordinary member of the gossip group that joiners contact first
// (cluster.introducers); any live member can answer a join, so it needs no actor of its own.
// The membership actor, the node actor and the admin console every server node runs are
// started by roles/server.cpp.
void start_introducer(node_context& ctx) {
  log::get("main")->info("introducer_ready control={}", ctx.id.address().to_string());
}

}  // namespace dfs
