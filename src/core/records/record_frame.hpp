#pragma once
// Framing of appended records (GFS §3.3 record append, issue 13): a reader scans a chunk's
// bytes and finds every intact record, whatever else record append left around it: zero
// padding up to the chunk's end, torn fragments of failed appends, duplicates of retried ones.
// Pure: byte buffers only.
//
// Frame, all integers little-endian:
//   offset size field
//   0      4    magic 0x31434552 ("REC1" in file order)
//   4      4    payload length in bytes
//   8      8    client id (the appending process)
//   16     8    sequence (that client's append number): (client, seq) names the record
//   24     4    CRC32C over bytes 4..23, then the payload
//   28     ...  payload
//
// The CRC covers the length and the id too: a torn or overwritten frame fails it instead of
// being followed or reported under someone else's id. Records never straddle a chunk boundary
// (the primary pads instead), so each chunk is scanned on its own.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>

namespace dfs::records {

inline constexpr uint32_t record_magic = 0x31434552;
inline constexpr size_t header_bytes = 28;

// Names one append: a retried append carries the same id, so its duplicates can be dropped.
struct record_id {
  uint64_t client = 0;
  uint64_t seq = 0;
};

inline bool operator==(const record_id& a, const record_id& b) {
  return a.client == b.client && a.seq == b.seq;
}
inline bool operator!=(const record_id& a, const record_id& b) {
  return !(a == b);
}
inline bool operator<(const record_id& a, const record_id& b) {
  return std::tie(a.client, a.seq) < std::tie(b.client, b.seq);
}

// The largest payload a chunk of `chunk_size_bytes` takes: the primary refuses records (frame
// included) over a quarter chunk, so padding wastes at most a quarter of any chunk. 0 when the
// chunk is too small for any record.
uint64_t max_payload(uint64_t chunk_size_bytes);

// Header + payload. The payload must be shorter than 4 GiB (asserted).
std::string frame(record_id id, std::string_view payload);

// Calls `on_record(id, payload)` for every intact frame of `chunk` in order of position, with
// `payload` a view into `chunk`. At a valid frame (magic, length within the rest and at most
// `max_payload_bytes`, CRC) the scan goes on after it; anywhere else one byte on. So padding,
// fragments and garbage are skipped and never reported, and the frames after them are found.
// Frames wholly inside a valid frame's payload are its content, not reported; a valid frame
// that starts inside one and runs past its end is (see overlapping_frame in the .cpp).
void scan(std::string_view chunk, const std::function<void(record_id, std::string_view)>& on_record,
          uint64_t max_payload_bytes = UINT32_MAX);

}  // namespace dfs::records
