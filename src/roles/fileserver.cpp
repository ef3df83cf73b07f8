#include "common/logging.hpp"
#include "roles/role_table.hpp"

namespace dfs {

// Fileservers host the FTQueue replica group (issue 5) and the HTTP gateway. For now they
// run the common node services: control port, node actor and admin console.
void start_fileserver(node_context& ctx) {
  log::get("main")->info("fileserver_ready control={}", ctx.id.address().to_string());
}

}  // namespace dfs
