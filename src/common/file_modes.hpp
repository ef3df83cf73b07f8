#pragma once
// Modes of what a server node creates under node.data_dir (issue 11 item 7). Chunk data, the
// master's namespace and the logs (which name files and clients) are the node's alone: other
// local users get nothing, the group only read access to logs (an operator group like adm).
// The server sets node_umask first thing, and every creating call passes its mode as well:
// either one alone would do, both together survive a mistake in one of them.
#include <sys/types.h>

namespace dfs {

inline constexpr mode_t node_umask = 0077;
inline constexpr mode_t node_dir_mode = 0700;   // node.data_dir and every directory in it
inline constexpr mode_t node_file_mode = 0600;  // chunk files, op log, checkpoints, markers
inline constexpr mode_t log_file_mode = 0640;   // <data_dir>/logs/dfsnode.log*

}  // namespace dfs
