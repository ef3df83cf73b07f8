#pragma once
// The master's repair actor (design.md §6, issue 12 item 1): owns the repair planner — copies in
// flight, the per-server and bytes-per-second throttles, targets to avoid after a failure —
// through master::repair_service. The master actor sends it an update (outcomes of copies,
// servers gone, the chunks below target) at least once per repair interval and whenever a copy
// settles or a chunkserver goes; the answer's copy orders ride on heartbeat replies.
#include "core/master/repair_service.hpp"
#include "proto/interfaces.hpp"

namespace dfs {

struct repair_state {
  static inline const char* name = "repair";
  master::repair_service service{master::repair_options{}};  // options set at spawn
};

using repair_self = repair_actor::stateful_pointer<repair_state>;

repair_actor::behavior_type repair_fn(repair_self self, master::repair_options opts);

}  // namespace dfs
