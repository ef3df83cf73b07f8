#pragma once
// proto/wire.hpp's codec (proto/plain_wire.hpp) against CAF's own serializer: both give the
// same bytes, each reads the other's back to the same bytes, and every cut and a trailing byte
// are refused. Callers fill every field with non-default values, long strings (multi-byte
// lengths), negative numbers and nested sequences.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/caf_wire.hpp"
#include "proto/wire.hpp"

namespace dfs::test {

template <class T>
void expect_same_bytes(const T& x) {
  auto caf_bytes = caf_wire::encode(x);
  auto plain_bytes = wire::encode(x);
  ASSERT_EQ(plain_bytes, caf_bytes);
  T from_caf{};
  ASSERT_TRUE(wire::decode(caf_bytes, from_caf));
  EXPECT_EQ(caf_wire::encode(from_caf), caf_bytes);
  T from_plain{};
  ASSERT_TRUE(caf_wire::decode(plain_bytes, from_plain));
  EXPECT_EQ(wire::encode(from_plain), caf_bytes);
  for (size_t n = 0; n < caf_bytes.size(); ++n) {
    T cut{};
    EXPECT_FALSE(wire::decode(std::string_view(caf_bytes).substr(0, n), cut)) << n;
  }
  T longer{};
  EXPECT_FALSE(wire::decode(caf_bytes + "x", longer));
}

}  // namespace dfs::test
