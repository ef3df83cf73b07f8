#include "common/logging.hpp"
#include "roles/role_table.hpp"

namespace dfs {

// The introducer is an ordinary member that joiners contact first; its membership actor
// arrives with the gossip layer (issue 3). Until then it runs the common node services:
// control port, node actor and admin console.
void start_introducer(node_context& ctx) {
  log::get("main")->info("introducer_ready control={}", ctx.id.address().to_string());
}

}  // namespace dfs
