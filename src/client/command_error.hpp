#pragma once
// How every client command reports a failure: "error: MSG" on stderr as one printable line
// whatever MSG quotes (names from the user, the master, a fileserver: escaped only when they
// need it), and exit code 1.
#include <string>

namespace dfs {

int command_error(const std::string& msg);

}  // namespace dfs
