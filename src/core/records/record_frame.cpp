#include "core/records/record_frame.hpp"

#include <cstring>

#include "common/assert.hpp"
#include "common/crc32c.hpp"
#include "common/little_endian.hpp"

namespace dfs::records {

namespace {

constexpr size_t crc_offset = 24;
constexpr char magic_first_byte = static_cast<char>(record_magic & 0xff);

// The payload length of a frame header at `pos` (magic, length within the chunk and the
// limit), or -1. Cheap: the CRC is checked apart (crc_ok), only where it matters.
int64_t length_at(std::string_view chunk, size_t pos, uint64_t max_payload_bytes) {
  if (chunk.size() - pos < header_bytes) return -1;
  const char* h = chunk.data() + pos;
  if (get_le(h, 4) != record_magic) return -1;
  uint64_t len = get_le(h + 4, 4);
  if (len > max_payload_bytes || len > chunk.size() - pos - header_bytes) return -1;
  return static_cast<int64_t>(len);
}

bool crc_ok(std::string_view chunk, size_t pos, uint64_t len) {
  const char* h = chunk.data() + pos;
  uint32_t crc = crc32c(h + header_bytes, len, crc32c(h + 4, crc_offset - 4));
  return crc == get_le(h + crc_offset, 4);
}

// The first position in [from, to) holding the magic's first byte; `to` if none.
size_t next_candidate(std::string_view chunk, size_t from, size_t to) {
  if (from >= to) return to;
  const void* p = std::memchr(chunk.data() + from, magic_first_byte, to - from);
  return p ? static_cast<size_t>(static_cast<const char*>(p) - chunk.data()) : to;
}

// Where the scan goes on after the intact frame [start, end): at a frame that starts inside it
// and runs past its end, if there is one, else at `end`. Such a frame was written over this
// one's tail: a torn append whose missing bytes the next append happened to supply (its tail
// equals that record's first bytes, e.g. a payload ending in 'R'). Both are real records, and
// going on at `end` would lose the second. Frames wholly inside a payload are its content.
size_t overlapping_frame(std::string_view chunk, size_t start, size_t end, uint64_t max) {
  for (size_t q = next_candidate(chunk, start + 1, end); q < end;
       q = next_candidate(chunk, q + 1, end)) {
    int64_t len = length_at(chunk, q, max);
    if (len >= 0 && q + header_bytes + static_cast<size_t>(len) > end &&
        crc_ok(chunk, q, static_cast<uint64_t>(len)))
      return q;
  }
  return end;
}

}  // namespace

uint64_t max_payload(uint64_t chunk_size_bytes) {
  uint64_t quarter = chunk_size_bytes / 4;
  return quarter > header_bytes ? quarter - header_bytes : 0;
}

std::string frame(record_id id, std::string_view payload) {
  DFS_ASSERT(payload.size() <= UINT32_MAX, "a record payload must be shorter than 4 GiB");
  std::string out;
  out.reserve(header_bytes + payload.size());
  append_le(out, record_magic, 4);
  append_le(out, payload.size(), 4);
  append_le(out, id.client, 8);
  append_le(out, id.seq, 8);
  append_le(out, crc32c(payload, crc32c(out.data() + 4, crc_offset - 4)), 4);
  out.append(payload);
  return out;
}

void scan(std::string_view chunk, const std::function<void(record_id, std::string_view)>& on_record,
          uint64_t max_payload_bytes) {
  size_t pos = 0;
  while (pos < chunk.size()) {
    int64_t len = length_at(chunk, pos, max_payload_bytes);
    if (len < 0 || !crc_ok(chunk, pos, static_cast<uint64_t>(len))) {
      // Not a frame here: the next candidate starts with the magic's first byte. This also
      // skips zero padding (most of a padded chunk) at memchr speed.
      pos = next_candidate(chunk, pos + 1, chunk.size());
      continue;
    }
    const char* h = chunk.data() + pos;
    size_t end = pos + header_bytes + static_cast<size_t>(len);
    on_record(record_id{get_le(h + 8, 8), get_le(h + 16, 8)},
              chunk.substr(pos + header_bytes, static_cast<size_t>(len)));
    pos = overlapping_frame(chunk, pos, end, max_payload_bytes);
  }
}

}  // namespace dfs::records
