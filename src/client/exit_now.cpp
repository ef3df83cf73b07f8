#include "client/exit_now.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "common/logging.hpp"

namespace dfs {

void exit_now(int code) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  log::shutdown();
  std::_Exit(code);
}

}  // namespace dfs
