#pragma once
// Round trip of a message through CAF's binary serializer (the format of every message
// that crosses a node boundary and of our UDP payloads). Equality is checked on
// deep_to_string, which walks the same inspect() definitions.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/deep_to_string.hpp>

namespace dfs::test {

template <class T>
void expect_roundtrip(T original) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  ASSERT_FALSE(sink(original)) << "serialize " << caf::deep_to_string(original);
  T copy{};
  caf::binary_deserializer source{nullptr, buf};
  ASSERT_FALSE(source(copy)) << "deserialize " << caf::deep_to_string(original);
  EXPECT_EQ(caf::deep_to_string(copy), caf::deep_to_string(original));
  EXPECT_EQ(source.remaining(), 0u);
}

}  // namespace dfs::test
