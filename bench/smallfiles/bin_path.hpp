#pragma once
// The dfsnode binary under test (--bin; default: the one this build made).
#include <string>

namespace bench {

inline std::string& dfsnode_path() {
  static std::string path = DFS_BUILT_BIN;
  return path;
}

}  // namespace bench
