#pragma once
// CAF's own binary serializer and deserializer (CAF 0.17), the reference that proto/wire.hpp's
// codec (proto/plain_wire.hpp) must match byte for byte: nodes also exchange these structs as
// CAF messages, and an older peer may still encode them with CAF.
#include <string>
#include <string_view>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

namespace dfs::test::caf_wire {

template <class T>
std::string encode(const T& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  if (sink(const_cast<T&>(x))) return {};  // inspect() takes a mutable reference
  return std::string(buf.begin(), buf.end());
}

// False on malformed input or trailing bytes.
template <class T>
bool decode(std::string_view bytes, T& x) {
  caf::binary_deserializer source{nullptr, bytes.data(), bytes.size()};
  if (source(x)) return false;
  return source.remaining() == 0;
}

}  // namespace dfs::test::caf_wire
