#pragma once
// The records of one file version: its bytes, fed in file order in pieces of any size, are cut
// back into its chunks (records never straddle a chunk boundary, so each chunk is scanned on
// its own and a scan never runs from one chunk into the next), each chunk is scanned
// (record_frame.hpp) and every record is delivered once across the whole file (record_dedup).
// Pure: the caller reads the bytes (client/record_reader.hpp).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/records/record_dedup.hpp"
#include "core/records/record_frame.hpp"

namespace dfs::records {

// The lengths of the chunks of a file of `size_bytes` cut every `chunk_size_bytes` (> 0): all
// full but the last.
std::vector<uint64_t> uniform_chunks(uint64_t size_bytes, uint64_t chunk_size_bytes);

class file_scanner {
 public:
  using sink = std::function<void(record_id, std::string_view payload)>;

  // `chunk_lengths`: the file's chunks in order (a layout's sizes); `max_payload_bytes`: longer
  // "frames" are not records (UINT32_MAX: any that fits in its chunk).
  file_scanner(std::vector<uint64_t> chunk_lengths, uint64_t max_payload_bytes, sink on_new);

  // The file's bytes at `offset`: where the last piece ended, within the chunks' total (a
  // caller's bug otherwise: asserted).
  void feed(uint64_t offset, std::string_view bytes);

  // Every byte of every chunk was fed (a short read loses the records of the last chunk).
  bool complete() const { return chunk_ == lengths_.size(); }
  uint64_t records() const { return records_; }
  uint64_t duplicates() const { return duplicates_; }

 private:
  void skip_empty_chunks();
  void scan_chunk(std::string_view chunk);

  std::vector<uint64_t> lengths_;
  uint64_t max_payload_bytes_;
  sink on_new_;
  record_dedup dedup_;
  size_t chunk_ = 0;          // the chunk the next byte belongs to
  uint64_t in_chunk_ = 0;     // bytes of it fed so far
  uint64_t next_offset_ = 0;  // file offset of the next byte
  std::string partial_;       // a chunk that came in several pieces, until it is whole
  uint64_t records_ = 0;
  uint64_t duplicates_ = 0;
};

}  // namespace dfs::records
