#include "client/local_chunk_read.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/big_buffer.hpp"
#include "common/crc32c.hpp"
#include "net/local_reads.hpp"

namespace dfs {

namespace {

// Pieces small enough to be checksummed while still in the CPU's cache.
constexpr uint64_t piece_bytes = 1 << 20;

// The chunk's bytes from `f` into `buf`: its checksum, or an error message.
bool read_file(const net::local_read_answer& f, const ns_chunk& c, std::string& buf,
               std::string& why) {
  uint64_t have = std::min(f.length, c.size_bytes);
  // Resizing a reused buffer down or to its size clears nothing; only fresh growth is zeroed.
  if (buf.size() != c.size_bytes) resize_big(buf, c.size_bytes);
  ::posix_fadvise(f.fd.get(), static_cast<off_t>(f.data_offset), static_cast<off_t>(have),
                  POSIX_FADV_SEQUENTIAL);
  uint32_t crc = 0;
  for (uint64_t pos = 0; pos < have;) {
    auto n = ::pread(f.fd.get(), buf.data() + pos, std::min(piece_bytes, have - pos),
                     static_cast<off_t>(f.data_offset + pos));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      why = n == 0 ? "chunk file ends early" : std::string("read: ") + std::strerror(errno);
      return false;
    }
    crc = crc32c(std::string_view(buf.data() + pos, static_cast<size_t>(n)), crc);
    pos += static_cast<uint64_t>(n);
  }
  // Bytes past a replica's end read as zeros, as over the network (the checksum counts them).
  std::fill(buf.data() + have, buf.data() + c.size_bytes, '\0');
  if (have < c.size_bytes)
    crc = crc32c(std::string_view(buf.data() + have, c.size_bytes - have), crc);
  if (crc != c.crc32c) {
    why = "checksum mismatch";
    return false;
  }
  return true;
}

}  // namespace

bool read_chunk_locally(const ns_chunk& c, std::vector<replica_addr>& order, uint32_t timeout_ms,
                        std::string& buf, std::string& errors) {
  if (c.may_change) return false;
  for (size_t k = 0; k < order.size(); ++k) {
    auto at = net::endpoint_of(order[k]);
    try {
      auto f = net::open_local_chunk(at, {c.handle, 0, c.size_bytes, c.token}, timeout_ms);
      if (!f) continue;  // not served on this host
      std::string why;
      if (read_file(*f, c, buf, why)) return true;
      errors += at.text() + ": local read: " + why + "; ";
      std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k),
                  order.begin() + static_cast<std::ptrdiff_t>(k) + 1);
      return false;
    } catch (const net::data_error& e) {
      errors += std::string(e.what()) + "; ";
    }
  }
  return false;
}

}  // namespace dfs
