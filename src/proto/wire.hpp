#pragma once
// Byte encoding of message structs for our own transports (UDP payloads of gossip and the
// fileservers' group, the request port's bodies): CAF 0.17's binary format, from the same
// inspect() definitions that CAF uses between nodes, written and read by proto/plain_wire.hpp
// rather than CAF's serializer classes. Same bytes (tests/unit/proto/plain_wire_test.cpp and
// the plain_wire fuzz harness compare the two codecs), at a fraction of the CPU: a 3-packet
// GCS bundle decoded in ~2.5 us against ~15 us through caf::binary_deserializer, which
// builds and destroys a caf::error per field. That is CPU on every datagram every fileserver
// receives (issue 14).
#include <string>
#include <string_view>

#include "proto/plain_wire.hpp"

namespace dfs::wire {

// "" when `x` cannot be written (a non-finite floating-point field).
template <class T>
std::string encode(const T& x) {
  return plain_wire::encode(x);
}

// False on malformed input or trailing bytes; `x` is then unspecified.
template <class T>
bool decode(std::string_view bytes, T& x) {
  return plain_wire::decode(bytes, x);
}

}  // namespace dfs::wire
