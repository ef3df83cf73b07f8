#include "core/oplog/frame.hpp"

#include <algorithm>

#include "common/crc32c.hpp"

namespace dfs::oplog {

namespace {

void put_le(char* p, uint64_t x, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<char>((x >> (8 * i)) & 0xff);
}

uint64_t get_le(const char* p, size_t n) {
  uint64_t x = 0;
  for (size_t i = 0; i < n; ++i) x |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return x;
}

uint32_t frame_crc(const char* header, std::string_view payload) {
  return dfs::crc32c(payload.data(), payload.size(), dfs::crc32c(header, 12));
}

// Why the frame at `p` (with `avail` bytes from it to the end) is unusable, or empty if it is
// fine. Sets `torn` when the problem is that the buffer ends too early.
std::string check_frame(const char* p, size_t avail, bool& torn) {
  torn = false;
  if (avail < frame_header_bytes) {
    torn = true;
    return "incomplete header (" + std::to_string(avail) + " bytes)";
  }
  if (get_le(p, 4) != frame_magic) return "bad magic";
  if (get_le(p + 4, 2) != format_version)
    return "unsupported format version " + std::to_string(get_le(p + 4, 2));
  auto type = get_le(p + 6, 2);
  if (type != 1 && type != 2) return "unknown frame type " + std::to_string(type);
  auto length = get_le(p + 8, 4);
  if (length > max_payload_bytes) return "length " + std::to_string(length) + " over the limit";
  if (frame_header_bytes + length > avail) {
    torn = true;
    return "incomplete frame (" + std::to_string(avail) + " of " +
           std::to_string(frame_header_bytes + length) + " bytes)";
  }
  auto stored = static_cast<uint32_t>(get_le(p + 12, 4));
  if (frame_crc(p, std::string_view(p + frame_header_bytes, length)) != stored)
    return "CRC mismatch";
  return {};
}

}  // namespace

void append_frame(std::vector<char>& out, frame_type type, std::string_view payload) {
  char h[frame_header_bytes];
  put_le(h, frame_magic, 4);
  put_le(h + 4, format_version, 2);
  put_le(h + 6, static_cast<uint16_t>(type), 2);
  put_le(h + 8, payload.size(), 4);
  put_le(h + 12, frame_crc(h, payload), 4);
  out.insert(out.end(), h, h + frame_header_bytes);
  out.insert(out.end(), payload.begin(), payload.end());
}

std::vector<char> encode_frame(frame_type type, std::string_view payload) {
  std::vector<char> out;
  out.reserve(frame_header_bytes + payload.size());
  append_frame(out, type, payload);
  return out;
}

scan_result scan(std::string_view bytes) {
  scan_result out;
  size_t pos = 0;
  while (pos < bytes.size()) {
    bool torn = false;
    auto why = check_frame(bytes.data() + pos, bytes.size() - pos, torn);
    if (!why.empty()) {
      // Preallocated or zero-filled space after a crash is a torn tail, not corruption.
      auto rest = bytes.substr(pos);
      bool zeros = std::all_of(rest.begin(), rest.end(), [](char c) { return c == 0; });
      out.tail = torn || zeros ? tail_state::torn : tail_state::corrupt;
      out.zero_tail = zeros;
      out.warning = std::string(out.tail == tail_state::torn ? "torn" : "corrupt") +
                    " frame at offset " + std::to_string(pos) + ": " +
                    (zeros ? "zero bytes" : why) + "; dropping " + std::to_string(rest.size()) +
                    " bytes after " + std::to_string(out.frames.size()) + " valid frames";
      break;
    }
    auto length = get_le(bytes.data() + pos + 8, 4);
    auto type = static_cast<frame_type>(get_le(bytes.data() + pos + 6, 2));
    out.frames.push_back({type, pos, std::string(bytes.data() + pos + frame_header_bytes, length)});
    pos += frame_header_bytes + length;
    out.valid_prefix_bytes = pos;
  }
  return out;
}

}  // namespace dfs::oplog
