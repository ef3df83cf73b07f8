#pragma once
// Names the calling thread (at most 15 characters, the kernel's limit; longer names are cut), so
// that `top -H`, `perf report --sort comm` and gdb tell a node's threads apart. Without it every
// thread a CAF node starts is named after the first one, "caf.multiplexer".
#include <pthread.h>

#include <string>
#include <thread>
#include <utility>

namespace dfs {

inline void name_this_thread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

// A thread named `name` that runs `f` (which may be move-only).
template <class F>
std::thread named_thread(std::string name, F f) {
  return std::thread([name = std::move(name), f = std::move(f)]() mutable {
    name_this_thread(name);
    f();
  });
}

}  // namespace dfs
