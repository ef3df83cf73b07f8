#pragma once
// Client-side spelling of remote paths: what the commands accept beyond the master's clean
// paths (a trailing slash for a directory, as shells and tab completion type it) and how they
// build one path from another. The master checks every path it receives (core/master/path.hpp).
#include <string>

namespace dfs {

// "/docs/" -> "/docs"; "/" stays "/".
std::string without_trailing_slash(std::string path);
// "/docs" + "a" -> "/docs/a"; "/" + "a" -> "/a".
std::string join_remote(const std::string& dir, const std::string& name);
// The last component: "/docs/a" -> "a", "/docs/" -> "docs", "photos" -> "photos" (local paths
// too: `put -r ./photos /backup` lands as /backup/photos).
std::string base_name(std::string path);

}  // namespace dfs
