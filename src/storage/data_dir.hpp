#pragma once
// node.data_dir at server start: created if missing, and made private if an older version, an
// installer or an operator left it (or a directory in it) open to others.
#include <string>
#include <vector>

#include "storage/durable_file.hpp"

namespace dfs {

// mkdir -p `data_dir` (0700), then chmod 0700 on `data_dir` and on every directory directly in
// it (chunks/, master/, logs/, corrupt/, ...) that grants group or other any access. Each one
// changed is appended to `tightened` as "PATH (was 0755)" for the caller's one log line.
// Symlinks are neither followed nor changed. Fails only if `data_dir` cannot be created or
// tightened; a subdirectory that cannot be changed is reported in the error too.
io_status secure_data_dir(const std::string& data_dir, std::vector<std::string>& tightened);

}  // namespace dfs
