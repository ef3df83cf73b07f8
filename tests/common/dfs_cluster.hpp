#pragma once
// A small set of real dfsnode processes on loopback for cluster tests: each node gets its own
// port block and data dir under one temp dir; nodes are started, killed and restarted by
// name; the admin console is the probe (what an operator sees is what the test checks).
// Like `scripts/cluster up`, it makes the cluster's credentials (SECURITY.md): a CA in
// DIR/pki, a server certificate per node name, `client` and `admin` certificates, and the
// servers' shared secret in DIR/cluster.key.
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/certificates.hpp"
#include "common/config.hpp"
#include "common/process.hpp"

namespace dfs::test {

class dfs_cluster {
 public:
  explicit dfs_cluster(uint16_t nodes_max = 16)
      : dir_("dfs-cluster-"), base_(free_port_block(static_cast<uint16_t>(nodes_max * 10))) {
    pki::create_ca(pki_dir());
    issue("client", principal_kind::client);
    issue("admin", principal_kind::admin);
    std::ofstream(key_file()) << "test-cluster-secret-" << base_;
    ::chmod(key_file().c_str(), 0600);
  }

  std::string pki_dir() const { return dir() + "/pki"; }
  std::string key_file() const { return dir() + "/cluster.key"; }

  // A certificate `name` of `kind` (once; later calls keep the first).
  void issue(const std::string& name, principal_kind kind) {
    struct stat st;
    if (::stat((pki_dir() + "/" + name + ".crt").c_str(), &st) != 0)
      pki::issue_certificate(pki_dir(), name, kind, {"127.0.0.1"});
  }
  // `--set` arguments that make a process use certificate `name`; a client keeps its TLS
  // sessions in this cluster's directory (never the user's own).
  std::vector<std::string> tls_args(const std::string& name) const {
    return {"--set", "tls.ca=" + pki_dir() + "/ca.crt",
            "--set", "tls.cert=" + pki_dir() + "/" + name + ".crt",
            "--set", "tls.key=" + pki_dir() + "/" + name + ".key",
            "--set", "client.tls_session_dir=" + tls_session_dir()};
  }
  std::string tls_session_dir() const { return dir() + "/tls-sessions"; }
  // A config for an in-process client (actor system, queue_client) with certificate `name`.
  dfs::config config_for(const std::string& name) const {
    dfs::config cfg;
    cfg.tls.ca = pki_dir() + "/ca.crt";
    cfg.tls.cert = pki_dir() + "/" + name + ".crt";
    cfg.tls.key = pki_dir() + "/" + name + ".key";
    return cfg;
  }

  uint16_t port_of(int index) const { return static_cast<uint16_t>(base_ + index * 10); }
  std::string addr_of(int index) const { return "127.0.0.1:" + std::to_string(port_of(index)); }
  const std::string& dir() const { return dir_.path(); }

  // Starts node `name` with `role` on the port block `index`; extra `--set` overrides.
  void start(const std::string& name, const std::string& role, int index,
             std::vector<std::string> sets = {}) {
    std::vector<std::string> argv = prefix_;
    argv.insert(argv.end(), {DFS_BIN_PATH, "--role", role, "--set",
                             "node.port=" + std::to_string(port_of(index)), "--set",
                             "node.data_dir=" + dir() + "/" + name, "--set", "log.console=false"});
    issue(name, principal_kind::server);
    auto tls = tls_args(name);
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), {"--set", "cluster.key_file=" + key_file()});
    for (auto& s : defaults_) argv.insert(argv.end(), {"--set", s});
    for (auto& s : common_sets_) argv.insert(argv.end(), {"--set", s});
    for (auto& s : sets) argv.insert(argv.end(), {"--set", s});
    procs_[name] = std::make_unique<process>(argv, dir() + "/" + name + ".out");
  }
  void set_common(std::vector<std::string> sets) { common_sets_ = std::move(sets); }
  // Benchmarks: the configuration a user gets, without the tests' defaults (defaults_).
  void use_shipped_defaults() { defaults_.clear(); }
  // Runs every node and console through this command (e.g. `ip netns exec NS`), which must
  // exec the node in its own process, so that its PID is the node's.
  void set_prefix(std::vector<std::string> prefix) { prefix_ = std::move(prefix); }
  const std::vector<std::string>& prefix() const { return prefix_; }
  void add_common(const std::vector<std::string>& sets) {
    common_sets_.insert(common_sets_.end(), sets.begin(), sets.end());
  }

  // The storage tests' cluster: "master" on port block `master_index`, chunkservers "cs1".."csN"
  // on blocks 1..N (set_common first: master.address and the like), then waits until the master
  // lists all N healthy. False if they are not within `timeout`.
  bool start_master_and_chunkservers(int master_index, int chunkservers = 3,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    start("master", "master", master_index);
    for (int i = 1; i <= chunkservers; ++i) start("cs" + std::to_string(i), "chunkserver", i);
    return wait_until([&] { return healthy_chunkservers(master_index) == chunkservers; }, timeout);
  }

  // How many chunkservers the master console at `index` lists as healthy.
  int healthy_chunkservers(int index) {
    auto r = admin(index, {"chunkservers"});
    int n = 0;
    for (size_t p = 0; (p = r.out.find(" healthy ", p)) != std::string::npos; ++p) ++n;
    return n;
  }
  // A command-line client of this cluster (certificate `cert`, no console log), with `sets` as
  // --set overrides, then `args`.
  std::vector<std::string> client_argv(const std::vector<std::string>& sets,
                                       const std::vector<std::string>& args,
                                       const std::string& cert = "client") const {
    std::vector<std::string> argv = {DFS_BIN_PATH, "--role", "client", "--set",
                                     "log.console=false"};
    for (auto& s : sets) argv.insert(argv.end(), {"--set", s});
    auto tls = tls_args(cert);
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  process& proc(const std::string& name) { return *procs_.at(name); }
  // SIGKILLs every process started; the directory stays until the cluster is destroyed.
  void stop_all() { procs_.clear(); }
  void kill9(const std::string& name) { procs_.at(name)->kill_now(); }

  // The admin console's answer to `args` on the node at `index`, with certificate `cert`.
  run_result admin(int index, std::vector<std::string> args, const std::string& cert = "admin") {
    std::vector<std::string> argv = prefix_;
    argv.insert(argv.end(), {DFS_BIN_PATH, "--role", "admin", "--set", "log.console=false", "--set",
                             "client.timeout_ms=2000"});
    auto tls = tls_args(cert);
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), {"--connect", addr_of(index)});
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, dir());
  }

 private:
  temp_dir dir_;
  uint16_t base_;
  // Before every test's own settings (which may override them): the masters store no file
  // inline, so that the tests of chunk paths (repair, leases, replicas, reads that fail over)
  // keep testing chunks with their small files; clients learn it from the master's refusal and
  // put as chunks, which tests that path too. tests/cluster/storage/inline_test.cpp turns it on.
  std::vector<std::string> defaults_ = {"master.inline_max_bytes=0"};
  std::vector<std::string> common_sets_;
  std::vector<std::string> prefix_;
  std::map<std::string, std::unique_ptr<process>> procs_;
};

}  // namespace dfs::test
