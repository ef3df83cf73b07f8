#include "actors/chunkserver/master_link.hpp"
#include "roles/role_table.hpp"

namespace dfs {

void start_chunkserver(node_context& ctx) {
  ctx.keep(ctx.sys.spawn(master_link_fn, ctx.cfg, ctx.id));
}

}  // namespace dfs
