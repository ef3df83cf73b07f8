#include "core/records/file_scanner.hpp"

#include <algorithm>
#include <utility>

#include "common/assert.hpp"

namespace dfs::records {

std::vector<uint64_t> uniform_chunks(uint64_t size_bytes, uint64_t chunk_size_bytes) {
  DFS_ASSERT(chunk_size_bytes > 0, "uniform_chunks needs a chunk size");
  std::vector<uint64_t> out(size_bytes / chunk_size_bytes, chunk_size_bytes);
  if (size_bytes % chunk_size_bytes) out.push_back(size_bytes % chunk_size_bytes);
  return out;
}

file_scanner::file_scanner(std::vector<uint64_t> chunk_lengths, uint64_t max_payload_bytes,
                           sink on_new)
    : lengths_(std::move(chunk_lengths)),
      max_payload_bytes_(max_payload_bytes),
      on_new_(std::move(on_new)) {
  skip_empty_chunks();
}

void file_scanner::skip_empty_chunks() {
  while (chunk_ < lengths_.size() && lengths_[chunk_] == 0) ++chunk_;
}

void file_scanner::feed(uint64_t offset, std::string_view bytes) {
  DFS_ASSERT(offset == next_offset_, "file_scanner fed out of order");
  next_offset_ += bytes.size();
  while (!bytes.empty()) {
    DFS_ASSERT(chunk_ < lengths_.size(), "file_scanner fed past the last chunk");
    uint64_t want = lengths_[chunk_] - in_chunk_;
    size_t take = static_cast<size_t>(std::min<uint64_t>(want, bytes.size()));
    if (partial_.empty() && take == lengths_[chunk_]) {
      scan_chunk(bytes.substr(0, take));  // a whole chunk in one piece: no copy
    } else {
      partial_.append(bytes.data(), take);
      if (partial_.size() == lengths_[chunk_]) {
        scan_chunk(partial_);
        partial_.clear();
      }
    }
    bytes.remove_prefix(take);
    in_chunk_ += take;
    if (in_chunk_ == lengths_[chunk_]) {
      ++chunk_;
      in_chunk_ = 0;
      skip_empty_chunks();
    }
  }
}

void file_scanner::scan_chunk(std::string_view chunk) {
  scan(
      chunk,
      [&](record_id id, std::string_view payload) {
        if (!dedup_.first_time(id)) {
          ++duplicates_;
          return;
        }
        ++records_;
        on_new_(id, payload);
      },
      max_payload_bytes_);
}

}  // namespace dfs::records
