#pragma once
// Master + 3 chunkservers as real processes, for the tests of what shares chunks (snapshot,
// cp): the CLI, the master console's chunk handles of a version, and reads by version.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"

namespace dfs::test {

struct SharedChunks : ::testing::Test {
  static constexpr int master_index = 0;
  dfs_cluster c;
  std::string master_addr;

  // Settings of a test suite on top of the common ones.
  virtual std::vector<std::string> settings() const { return {}; }

  void SetUp() override {
    master_addr = c.addr_of(master_index);
    std::vector<std::string> s = {"master.address=" + master_addr,
                                  "chunkserver.heartbeat_interval_ms=300",
                                  "lease.duration_ms=3000"};
    for (auto& x : settings()) s.push_back(x);
    c.set_common(s);
    ASSERT_TRUE(c.start_master_and_chunkservers(master_index))
        << c.admin(master_index, {"chunkservers"}).out;
  }

  int healthy() { return c.healthy_chunkservers(master_index); }
  std::string local(const std::string& name) { return c.dir() + "/" + name; }

  run_result cli(const std::vector<std::string>& args, const std::string& cert = "client") {
    return run(
        c.client_argv({"master.address=" + master_addr, "client.timeout_ms=8000"}, args, cert),
        c.dir());
  }

  // The chunk handles of a version (the newest when `version` is empty), in file order
  // (console `chunks REMOTE [VERSION]`).
  std::vector<std::string> handles(const std::string& remote, const std::string& version = "") {
    std::vector<std::string> args = {"chunks", remote};
    if (!version.empty()) args.push_back(version);
    auto out = c.admin(master_index, args).out;
    std::vector<std::string> hs;
    std::regex re(R"(\n\s*\d+\s+([0-9a-f]{16}))");
    for (auto it = std::sregex_iterator(out.begin(), out.end(), re); it != std::sregex_iterator();
         ++it)
      hs.push_back((*it)[1]);
    return hs;
  }

  bool stored_on(int index, const std::string& handle) {
    return cli({"store", c.addr_of(index)}, "admin").out.find(handle) != std::string::npos;
  }

  // A version's bytes (the newest when `version` is empty).
  std::string get(const std::string& remote, const std::string& version = "") {
    auto path = local("got.v" + (version.empty() ? std::string("newest") : version));
    std::vector<std::string> args = {"get", remote, path};
    if (!version.empty()) args.insert(args.end(), {"--version", version});
    auto r = cli(args);
    EXPECT_EQ(r.exit_code, 0) << remote << ": " << r.out << r.err;
    return read_all(path);
  }
};

}  // namespace dfs::test
