#pragma once
// Reading a file of appended records (issue 13, `cat --records`): every record of a version
// once, in file order, without the padding, torn fragments and duplicates record append
// leaves (core/records/README.md). The chunk cutting, scanning and dedup are the pure
// records::file_scanner; this only feeds it a version's bytes.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "client/storage_client.hpp"
#include "core/records/record_frame.hpp"

namespace dfs {

struct records_read {
  ns_version version;       // the version read
  uint64_t records = 0;     // delivered
  uint64_t duplicates = 0;  // skipped: seen before in this version
};

// Reads version `version` (0 = the newest) of `remote` and hands each record's payload to
// `sink` the first time its id is seen. Throws storage_error like storage_client::get.
records_read read_records(storage_client& client, const std::string& remote, uint64_t version,
                          const std::function<void(records::record_id, std::string_view)>& sink);

}  // namespace dfs
