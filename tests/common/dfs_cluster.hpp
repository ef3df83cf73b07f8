#pragma once
// A small set of real dfsnode processes on loopback for cluster tests: each node gets its own
// port block and data dir under one temp dir; nodes are started, killed and restarted by
// name; the admin console is the probe (what an operator sees is what the test checks).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/process.hpp"

namespace dfs::test {

class dfs_cluster {
 public:
  explicit dfs_cluster(uint16_t nodes_max = 16)
      : dir_("dfs-cluster-"), base_(free_port_block(static_cast<uint16_t>(nodes_max * 10))) {}

  uint16_t port_of(int index) const { return static_cast<uint16_t>(base_ + index * 10); }
  std::string addr_of(int index) const { return "127.0.0.1:" + std::to_string(port_of(index)); }
  const std::string& dir() const { return dir_.path(); }

  // Starts node `name` with `role` on the port block `index`; extra `--set` overrides.
  void start(const std::string& name, const std::string& role, int index,
             std::vector<std::string> sets = {}) {
    std::vector<std::string> argv = {DFS_BIN_PATH,
                                     "--role",
                                     role,
                                     "--set",
                                     "node.port=" + std::to_string(port_of(index)),
                                     "--set",
                                     "node.data_dir=" + dir() + "/" + name,
                                     "--set",
                                     "log.console=false"};
    for (auto& s : common_sets_) argv.insert(argv.end(), {"--set", s});
    for (auto& s : sets) argv.insert(argv.end(), {"--set", s});
    procs_[name] = std::make_unique<process>(argv, dir() + "/" + name + ".out");
  }
  void set_common(std::vector<std::string> sets) { common_sets_ = std::move(sets); }

  process& proc(const std::string& name) { return *procs_.at(name); }
  void kill9(const std::string& name) { procs_.at(name)->kill_now(); }

  // The admin console's answer to `args` on the node at `index`.
  run_result admin(int index, std::vector<std::string> args) {
    std::vector<std::string> argv = {DFS_BIN_PATH,
                                     "--role",
                                     "admin",
                                     "--set",
                                     "log.console=false",
                                     "--set",
                                     "client.timeout_ms=2000",
                                     "--connect",
                                     addr_of(index)};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, dir());
  }

 private:
  temp_dir dir_;
  uint16_t base_;
  std::vector<std::string> common_sets_;
  std::map<std::string, std::unique_ptr<process>> procs_;
};

}  // namespace dfs::test
