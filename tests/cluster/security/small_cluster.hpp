#pragma once
// A master and one chunkserver (replication 1) as real processes, driven through the client
// CLI, for the local-file-safety tests. The test process runs with umask 022, the usual one,
// so that a file the node created without its own modes would show up as group/world readable.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"

namespace dfs::test {

class small_cluster {
 public:
  static constexpr int master_index = 0;
  static constexpr int chunkserver_index = 1;

  small_cluster() : old_umask_(::umask(022)) {
    c.set_common({"master.address=" + c.addr_of(master_index), "quorum.replication=1",
                  "quorum.write=1", "quorum.read=1", "chunkserver.heartbeat_interval_ms=200"});
  }
  ~small_cluster() { ::umask(old_umask_); }
  small_cluster(const small_cluster&) = delete;
  small_cluster& operator=(const small_cluster&) = delete;

  // Starts both nodes (extra --set values for each) and waits until the chunkserver is healthy.
  bool start(std::vector<std::string> master_sets = {},
             std::vector<std::string> chunkserver_sets = {}) {
    c.start("master", "master", master_index, std::move(master_sets));
    c.start("cs1", "chunkserver", chunkserver_index, std::move(chunkserver_sets));
    return wait_until([&] { return healthy(); }, std::chrono::seconds(20));
  }
  bool healthy() {
    auto r = c.admin(master_index, {"chunkservers"});
    return r.out.find(" healthy ") != std::string::npos;
  }
  bool running() { return c.proc("master").running() && c.proc("cs1").running(); }

  run_result cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {DFS_BIN_PATH,
                                     "--role",
                                     "client",
                                     "--set",
                                     "master.address=" + c.addr_of(master_index),
                                     "--set",
                                     "log.console=false",
                                     "--set",
                                     "client.timeout_ms=8000"};
    auto tls = c.tls_args("client");
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, c.dir());
  }
  // A path in the test's scratch dir (next to the nodes' data dirs).
  std::string local(const std::string& name) const { return c.dir() + "/" + name; }
  std::string data_dir(const std::string& node) const { return c.dir() + "/" + node; }

  dfs_cluster c;

 private:
  mode_t old_umask_;
};

inline void write_all(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Permission bits of `path` itself (a symlink is not followed); -1 if it does not exist.
inline int mode_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

inline int lines_in(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace dfs::test
