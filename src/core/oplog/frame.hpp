#pragma once
// Framing of the master's operation log and checkpoints: a fixed header, then opaque payload
// bytes (records serialised by src/proto/master_log). Pure: works on byte buffers, no files.
//
//   offset  size  field
//   0       4     magic 0x4C534644 ("DFSL" in file order), little-endian
//   4       2     format version (1)
//   6       2     frame type (1 = log record, 2 = checkpoint)
//   8       4     payload length in bytes (<= max_payload_bytes)
//   12      4     CRC32C over bytes 0..11 of the header, then the payload
//   16      ...   payload
//
// The CRC covers the header too, so a flipped length is caught instead of being followed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dfs::oplog {

inline constexpr uint32_t frame_magic = 0x4C534644;
inline constexpr uint16_t format_version = 1;
inline constexpr size_t frame_header_bytes = 16;
inline constexpr uint32_t max_payload_bytes = 1u << 30;  // a checkpoint of a large namespace

enum class frame_type : uint16_t {
  record = 1,
  checkpoint = 2,
};

struct frame_header {
  uint32_t magic = frame_magic;
  uint16_t version = format_version;
  uint16_t type = 0;
  uint32_t length = 0;
  uint32_t crc32c = 0;
};
static_assert(sizeof(frame_header) == frame_header_bytes, "frame header must be 16 bytes");

// Appends one frame (header + payload) to `out`.
void append_frame(std::vector<char>& out, frame_type type, std::string_view payload);
std::vector<char> encode_frame(frame_type type, std::string_view payload);

struct frame {
  frame_type type = frame_type::record;
  uint64_t offset = 0;  // of the header in the scanned buffer
  std::string payload;
};

// Why a scan stopped before the end of the buffer.
enum class tail_state : uint8_t {
  clean = 0,    // every byte belongs to a valid frame
  torn = 1,     // the last frame is incomplete (crash during a write) or the rest is zeros
  corrupt = 2,  // a frame fails its magic, version, type, length or CRC check
};

struct scan_result {
  std::vector<frame> frames;
  uint64_t valid_prefix_bytes = 0;  // truncate the file here to drop the bad tail
  tail_state tail = tail_state::clean;
  // The dropped tail is zeros only: space preallocated (storage/durable_file.hpp) or extended
  // but never written, so it hides no frame.
  bool zero_tail = false;
  std::string warning;  // empty when clean; else what was found where and how much is dropped
};

// Reads frames from the start of `bytes` until the end or the first bad frame. Nothing after a
// bad frame is trusted: its length may be wrong, so frame boundaries after it are unknown.
scan_result scan(std::string_view bytes);

}  // namespace dfs::oplog
