#pragma once
// The master's section of the status page (issue 16 item 3): copied from the core by the master
// actor on its tick, like the metrics' gauges, because only the actor may read the core.
#include "core/status/status_model.hpp"

namespace dfs {

struct master_state;

status::master_section master_status_of(const master_state& st);

}  // namespace dfs
