#pragma once
// `Range: bytes=...` of a GET (RFC 9110 §14): one range per request. A header we do not
// understand, or several ranges, is ignored (the whole file, 200), as the RFC allows; a
// well-formed range that starts past the end is unsatisfiable (416).
#include <cstdint>
#include <string_view>

namespace dfs::gateway {

enum class range_outcome { whole, partial, unsatisfiable };

struct byte_range {
  range_outcome outcome = range_outcome::whole;
  uint64_t first = 0;   // partial: first byte
  uint64_t length = 0;  // partial: bytes from `first` (> 0)
};

byte_range parse_range(std::string_view header, uint64_t size);

}  // namespace dfs::gateway
