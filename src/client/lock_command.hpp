#pragma once
// `lock REMOTE --shared|--exclusive [--ttl S] [-- CMD ARGS...]` (client/file_lock.hpp):
//   with CMD:  runs it while holding the lock, releases when it ends, returns its exit code
//              (128 + N when a signal N ended it; 1 when it succeeded but the lock was lost);
//   without:   holds until stdin closes, SIGINT or SIGTERM (in the shell: until `unlock` or the
//              end of the session).
// Errors (bad input, a conflict naming the holder) are thrown as storage_error.
#include <string>
#include <vector>

#include "client/storage_client.hpp"

namespace dfs {

int run_lock_command(storage_client& client, const std::vector<std::string>& args);

}  // namespace dfs
