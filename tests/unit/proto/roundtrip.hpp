#pragma once
// Round trip of a message through CAF's binary serializer (the format of every message
// that crosses a node boundary and of our UDP payloads). Equality is the message's own
// field-wise operator==, not deep_to_string: that walks the same inspect() as the serializer,
// so a field missing from inspect() would be missing on both sides and pass. Callers set every
// field to a non-default value, so a dropped field comes back default and fails.
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
  EXPECT_TRUE(copy == original) << "differs after the round trip: "
                                << caf::deep_to_string(original);
  EXPECT_EQ(source.remaining(), 0u);
}

}  // namespace dfs::test
