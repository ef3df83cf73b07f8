#pragma once
// Errors as values for the chunk store (bad requests from the network, corrupt data on disk).
#include <cstdint>
#include <string>
#include <utility>
#include "common/result.hpp"

namespace dfs::chunkstore {

enum class errc : uint8_t {
  ok = 0,
  not_found = 1,         // no such chunk or pending data id
  corrupt = 2,           // a block fails its CRC, a header does not parse: go to another replica
  out_of_range = 3,      // read past the end of the chunk
  invalid_argument = 4,  // sizes over limits, duplicate ids, bytes beyond the declared size
  io_error = 5,          // the local disk failed
  busy = 6,              // pending-data limits reached; retry later
  forbidden = 7,         // no valid capability token, or a certificate of the wrong kind
  exists = 8,            // a push to a chunk already committed here (never overwritten)
};

using error = basic_error<errc>;

inline error make_error(errc code, std::string message) {
  return error{code, std::move(message)};
}

template <class T>
using result = basic_result<T, error>;

}  // namespace dfs::chunkstore
