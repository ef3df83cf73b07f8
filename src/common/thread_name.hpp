#pragma once
// Names the calling thread (at most 15 characters, the kernel's limit; longer names are cut), so
// that `top -H`, `perf report --sort comm` and gdb tell a node's threads apart. Without it every
// thread a CAF node starts is named after the first one, "caf.multiplexer".
#include <pthread.h>

#include <string>

namespace dfs {

inline void name_this_thread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace dfs
