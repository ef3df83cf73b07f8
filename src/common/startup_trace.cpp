#include "common/startup_trace.hpp"

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace dfs {

void startup_mark(const char* name) {
  static const bool on = [] {
    const char* v = std::getenv("DFS_STARTUP_TRACE");
    return v != nullptr && std::strcmp(v, "1") == 0;
  }();
  if (!on) return;
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  auto us = static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
  std::fprintf(stderr, "startup %s %lld\n", name, us);
}

}  // namespace dfs
