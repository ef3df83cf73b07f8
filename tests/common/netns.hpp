#pragma once
// A network namespace of the test's own (fault-injection.md): loopback up with multicast on and
// a multicast route on it; deleted when the object goes. Nodes run inside through `prefix()`
// (`ip netns exec NAME` execs them: their PIDs stay theirs).
#include <unistd.h>

#include <string>
#include <vector>

#include "common/process.hpp"

namespace dfs::test {

class netns {
 public:
  explicit netns(const std::string& tag) : name_("dfs-" + tag + "-" + std::to_string(::getpid())) {
    for (auto& argv : std::vector<std::vector<std::string>>{
             {"/usr/sbin/ip", "netns", "add", name_},
             {"/usr/sbin/ip", "-n", name_, "link", "set", "lo", "up", "multicast", "on"},
             {"/usr/sbin/ip", "-n", name_, "route", "add", "224.0.0.0/4", "dev", "lo"}}) {
      auto r = run(argv, "/tmp");
      if (r.exit_code != 0) {
        error_ = argv[1] + " " + argv[2] + ": " + r.err;
        return;
      }
      created_ = true;
    }
  }
  ~netns() {
    if (created_) (void)run({"/usr/sbin/ip", "netns", "delete", name_}, "/tmp");
  }
  netns(const netns&) = delete;
  netns& operator=(const netns&) = delete;

  // Empty if the namespace is ready; else why not (e.g. not root).
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  std::vector<std::string> prefix() const { return {"/usr/sbin/ip", "netns", "exec", name_}; }

 private:
  std::string name_;
  std::string error_;
  bool created_ = false;
};

}  // namespace dfs::test
