#pragma once
// The status page's data as JSON (GET /status.json), for scripts and dashboards:
//   {"node": {...}, "membership": {...}|null, "master": {...}|null, "gcs": {...}|null}
// A section is null on a node that does not run its owner (no master role: "master": null).
#include <string>

#include "core/status/status_model.hpp"

namespace dfs::status {

std::string render_json(const snapshot& s);

}  // namespace dfs::status
