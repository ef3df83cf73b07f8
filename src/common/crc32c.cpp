#include "common/crc32c.hpp"

#include <isa-l/crc.h>

namespace dfs {

uint32_t crc32c(const void* data, size_t size, uint32_t prev) {
  // ISA-L's crc32_iscsi takes and returns the raw register; the standard CRC32C pre- and
  // post-inverts, which makes chaining work by passing the previous (final) value.
  return ~crc32_iscsi(static_cast<unsigned char*>(const_cast<void*>(data)), static_cast<int>(size),
                      ~prev);
}

}  // namespace dfs
