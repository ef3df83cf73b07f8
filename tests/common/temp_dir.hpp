#pragma once
// A fresh directory under $TMPDIR (default /tmp), removed with everything in it when the test
// ends.
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace dfs::test {

class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix = "dfs-test-") {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr && *base != 0 ? base : "/tmp") + "/" + prefix + "XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  // DFS_KEEP_TEST_DIRS=1 keeps it, to look at a failed test's files.
  ~temp_dir() {
    if (std::getenv("DFS_KEEP_TEST_DIRS") == nullptr)
      std::system(("rm -rf '" + path_ + "'").c_str());
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace dfs::test
