#include "actors/master/master_actor.hpp"
#include "roles/role_table.hpp"

namespace dfs {

void start_master(node_context& ctx) {
  auto m = ctx.sys.spawn(master_fn, ctx.cfg, ctx.id);
  ctx.master = m;
  ctx.keep(m);
  ctx.commands["chunkservers"] = {"chunkservers",
                                  "registered chunkservers: state, last heartbeat, space", m};
}

}  // namespace dfs
