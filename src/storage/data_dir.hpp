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

// One process per data directory: an exclusive flock on `data_dir`/lock, held while `fd` stays
// open (the caller keeps it for the process's life; the kernel drops the lock when the process
// ends, SIGKILL included). Two nodes on one directory would both append to its journal or chunk
// files; a second start by mistake (a second unit, a manual start beside systemd) once ran
// beside the first. The file holds the holder's PID, which the error names.
io_status lock_data_dir(const std::string& data_dir, int& fd);

}  // namespace dfs
