#pragma once
// mkdir as the commands need it: plain (`mkdir`), tolerant of a directory already there (a
// second `put -r` into the same tree), or with its missing parents (`mkdir -p`).
#include <string>

#include "client/storage_client.hpp"

namespace dfs {

struct make_dir_options {
  bool exist_ok = false;  // a directory already at `dir` is success (a file there is not)
  bool parents = false;   // create missing parents first; implies exist_ok, as mkdir -p
};

// Returns whether `dir` was created by this call. Parents are created only after the master
// said one is missing, so the usual case (the parent exists) stays one request.
bool make_dir(storage_client& c, const std::string& dir, make_dir_options o = {});

}  // namespace dfs
