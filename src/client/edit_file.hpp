#pragma once
// edit REMOTE: download the newest version to a private temporary file, run $VISUAL or $EDITOR
// (else vi) on it, and upload a new version only if the bytes changed — committed on condition
// that no other version was committed meanwhile (put_commit::base_version), unless `force`.
// A refused or failed upload keeps the edited copy and says where it is.
#include <string>

#include "client/storage_client.hpp"

namespace dfs {

int edit_remote(storage_client& c, const std::string& remote, bool force);

}  // namespace dfs
