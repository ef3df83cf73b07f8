#pragma once
// Byte encoding of message structs for our own transports (UDP payloads), with CAF's binary
// serializer and the same inspect() definitions that CAF uses between nodes.
#include <string>
#include <string_view>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

namespace dfs::wire {

template <class T>
std::string encode(const T& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  auto err = sink(const_cast<T&>(x));  // inspect() takes a mutable reference
  if (err) return {};
  return std::string(buf.begin(), buf.end());
}

// False on malformed input or trailing bytes; `x` is then unspecified.
template <class T>
bool decode(std::string_view bytes, T& x) {
  caf::binary_deserializer source{nullptr, bytes.data(), bytes.size()};
  if (source(x)) return false;
  return source.remaining() == 0;
}

}  // namespace dfs::wire
