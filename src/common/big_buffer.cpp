#include "common/big_buffer.hpp"

#include <sys/mman.h>

#include <cstdint>

namespace dfs {

namespace {

constexpr uintptr_t huge_page_bytes = uintptr_t{2} << 20;
// Below this a buffer has at most a few huge pages: not worth a system call.
constexpr size_t min_big_bytes = size_t{4} << 20;

}  // namespace

void reserve_big(std::string& s, size_t bytes) {
  if (bytes <= s.capacity()) return;
  s.reserve(bytes);
  if (bytes - s.size() < min_big_bytes) return;
  // Only whole huge pages inside the untouched part: madvise needs a page-aligned start, and
  // the huge pages that straddle its ends are left as they are.
  auto first = reinterpret_cast<uintptr_t>(s.data() + s.size());
  auto end = reinterpret_cast<uintptr_t>(s.data()) + bytes;
  first = (first + huge_page_bytes - 1) & ~(huge_page_bytes - 1);
  end &= ~(huge_page_bytes - 1);
  if (end > first) ::madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
}

}  // namespace dfs
