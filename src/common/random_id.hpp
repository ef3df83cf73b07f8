#pragma once
// Random 64-bit ids chosen by this process alone (data ids of pushes, the client id, jitter
// seeds): never 0, which the protocols read as "none". One generator per thread, seeded by the OS.
#include <cstdint>
#include <random>

namespace dfs {

inline uint64_t random_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t v = 0;
  while (v == 0) v = rng();
  return v;
}

}  // namespace dfs
