#pragma once
// The web status page (issue 16 item 3), rendered on the server: GET / is a whole document
// whose <main id="status"> holds render_body(); a small inline script (no build step, nothing
// fetched from elsewhere) fetches GET /status/fragment every `refresh_ms` and swaps the new
// body in, so the page stays live without a reload. Every text from the cluster (ids, labels,
// zones) is escaped with html_escape.
//
// Hooks for people and tests: every chunkserver row is <tr class="cs" data-id=ID
// data-state=healthy|unhealthy|removed>, every member row <tr class="member" data-id=ID
// data-state=alive|suspect|dead|left>.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status/status_model.hpp"

namespace dfs::status {

// &, <, >, " and ' as entities; bytes that are not well-formed UTF-8 as U+FFFD.
std::string html_escape(std::string_view text);

// The live sections (what the script swaps in).
std::string render_body(const snapshot& s);

// The whole page, refreshing every `refresh_ms`.
std::string render_page(const snapshot& s, uint32_t refresh_ms);

}  // namespace dfs::status
