#pragma once
// An environment variable set (or, with nullptr, unset) for one scope, then restored to what it
// was: the processes a test starts meanwhile inherit it (TMPDIR for a client's temporary files).
#include <cstdlib>
#include <optional>
#include <string>

namespace dfs::test {

class scoped_env {
 public:
  scoped_env(std::string name, const char* value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    set(value);
  }
  ~scoped_env() { set(old_ ? old_->c_str() : nullptr); }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

 private:
  void set(const char* value) {
    if (value)
      ::setenv(name_.c_str(), value, 1);
    else
      ::unsetenv(name_.c_str());
  }
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace dfs::test
