#pragma once
// The gateway's JSON answers, rendered by hand (Boost.JSON is not in Debian 12's Boost 1.74).
// Every string goes through json_string: quotes, backslashes and control characters escaped,
// bytes that are not well-formed UTF-8 (names from before the master's name rules) replaced
// by U+FFFD, so every answer is valid JSON whatever the names hold.
#include <string>
#include <string_view>
#include <vector>

#include "core/master/messages.hpp"

namespace dfs::gateway {

std::string json_string(std::string_view s);

// {"error": "..."}
std::string render_error(std::string_view message);

// {"path": "...", "entries": [{"name", "type": "file"|"dir", "size", "versions", "mtime_ms"}]}
std::string render_listing(std::string_view path, const std::vector<ns_entry>& entries);

// {"path": "...", "versions": [{"version", "size", "mtime_ms", "chunk_size", "chunks"}]}
std::string render_versions(std::string_view path, const std::vector<ns_version>& versions);

// {"path": "...", "version": N, "size": S} (PUT)
std::string render_put(std::string_view path, const ns_version& v);

}  // namespace dfs::gateway
