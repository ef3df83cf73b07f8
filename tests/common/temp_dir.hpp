#pragma once
// A fresh directory under /tmp, removed with everything in it when the test ends.
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace dfs::test {

class temp_dir {
 public:
  temp_dir() {
    char tmpl[] = "/tmp/dfs-test-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace dfs::test
