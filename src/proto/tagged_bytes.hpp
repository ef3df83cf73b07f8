#pragma once
// A tag byte followed by the CAF binary serialisation of `x`: the on-disk encoding of the
// master's log records and snapshots (master_log) and of the GCS image and log (gcs_log).
// The serializers need neither an actor system nor a scheduler for plain data: a null
// execution unit is enough (CAF only uses it for actor handles, which we never persist).
#include <caf/binary_serializer.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace dfs::proto {

template <class T>
std::string encode_tagged(uint8_t tag, const T& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{static_cast<caf::execution_unit*>(nullptr), buf};
  auto copy = tag;
  auto err = sink(copy, const_cast<T&>(x));
  (void)err;  // writing to a vector cannot fail
  return std::string(buf.begin(), buf.end());
}

}  // namespace dfs::proto
