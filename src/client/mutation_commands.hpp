#pragma once
// `write REMOTE OFFSET LOCAL|-` and `append REMOTE LOCAL|- [--each-line]` (issue 13,
// client/file_mutator.hpp): a write at an offset of the newest version, and record appends
// where the chunk's primary chooses the offset, each record framed (core/records) for
// `cat --records`. Bad input and failures are thrown as
// storage_error (one line); the commands print what they did.
#include <string>
#include <vector>

#include "client/storage_client.hpp"

namespace dfs {

int run_write_command(storage_client& client, const std::vector<std::string>& args);
int run_append_command(storage_client& client, const std::vector<std::string>& args);
// `verify REMOTE`: asks every replica of every chunk of the newest version for its version,
// length and checksum; exit 1 if the replicas of a chunk differ (GFS §2.7: after a successful
// mutation they must be byte-identical).
int run_verify_command(storage_client& client, const std::vector<std::string>& args);

}  // namespace dfs
