#include "client/record_reader.hpp"

#include <vector>

#include "core/records/file_scanner.hpp"

namespace dfs {

records_read read_records(storage_client& client, const std::string& remote, uint64_t version,
                          const std::function<void(records::record_id, std::string_view)>& sink) {
  auto l = client.locate(remote, version);
  if (l.versions.empty()) throw storage_error("no version in the layout of " + remote);
  // The chunk boundaries are the layout's own sizes, not multiples of the chunk size: a record
  // is whole inside the chunk it was appended to, wherever that chunk starts.
  std::vector<uint64_t> lengths;
  uint64_t total = 0;
  for (auto& c : l.chunks) {
    lengths.push_back(c.size_bytes);
    total += c.size_bytes;
  }
  if (!l.inline_data.empty()) lengths = {total = l.inline_data.size()};  // one "chunk
  // Any intact frame that fits in its chunk is read, not only those within max_payload: the
  // limit is the writers' (the primary's), and a record one let through must not be lost here.
  records::file_scanner scanner(std::move(lengths), UINT32_MAX, sink);
  client.read_layout(l, 0, total,
                     [&](uint64_t offset, std::string_view bytes) { scanner.feed(offset, bytes); });
  if (!scanner.complete())
    throw storage_error("short read of " + remote + ": not every chunk of the version came");
  return {l.versions[0], scanner.records(), scanner.duplicates()};
}

}  // namespace dfs
