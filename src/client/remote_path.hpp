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
// Where a command puts SOURCE given TO: TO ending in '/' names a directory and the source's
// name goes inside ("/docs/" + "a.txt" -> "/docs/a.txt", as cp and mv take it; "/docs//"
// stays a bad path), any other TO is itself.
bool names_a_directory(const std::string& to);
std::string destination(const std::string& to, const std::string& source);

}  // namespace dfs
