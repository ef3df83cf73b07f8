#pragma once
// A network partition between processes that share one private network namespace (netns.hpp),
// made with nftables (fault-injection.md) and cgroup v2: each process to be cut off is started
// in a cgroup of its own (prefix()), and `socket cgroupv2` matches the packets of its sockets.
//
// Why cgroups: every node listens on 127.0.0.1 of the same loopback, so addresses cannot tell
// them apart, and ports only name the listening side (a node's outgoing connections have
// ephemeral ports that appear at any time). A socket inherits the cgroup of the process that
// made it (accepted ones that of their listener) whenever it is made, so one rule covers them
// all. Only a process's sockets made after it joined the cgroup are covered: the process joins
// before it execs (prefix()).
//
// Drops happen on the input hook only: an output-hook drop makes sendto/connect fail at once
// with EPERM, which a real partition does not; senders must only see silence (TCP retransmits).
// The output hook marks what the cut processes send (meta mark, per packet), and the input hook
// drops packets to their sockets and marked packets to anybody else. Traffic among the cut
// processes themselves passes (a node talks to itself over loopback: its control port's gate
// forwards to its CAF listener): marked packets to their own sockets, and connections they
// open to themselves (conntrack marks on the SYN, as it leaves and as it arrives: the
// handshake's last ACK reaches a request socket, which carries no cgroup). Marks only made on
// SYNs also keep connections of an earlier cut, marked then, from passing as internal ones.
// A second cgroup, `side`, holds processes on the cut processes' side of the partition (a
// client, the test's console probe): their connections to the cut processes' ports pass, and
// nothing else of theirs does.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/process.hpp"

namespace dfs::test {

class cgroup_partition {
 public:
  // `ns`: the name of the network namespace the processes run in (netns::name()).
  cgroup_partition(std::string ns, const std::string& tag)
      : ns_(std::move(ns)), tag_("dfs-" + tag + "-" + std::to_string(::getpid())) {
    struct stat st;
    // Pure cgroup v2 at /sys/fs/cgroup, or the hybrid layout's /sys/fs/cgroup/unified. nft
    // names a cgroup by its path under /sys/fs/cgroup; `level 1` is a cgroup made at the root.
    if (::stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0)
      rel_ = "";
    else if (::stat("/sys/fs/cgroup/unified/cgroup.controllers", &st) == 0)
      rel_ = "unified/";
    else
      error_ = "no cgroup v2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified";
    if (error_.empty() && ::access("/usr/sbin/nft", X_OK) != 0)
      error_ = "/usr/sbin/nft is missing (scripts/install-deps installs nftables)";
    if (error_.empty() && ::access("/usr/bin/nsenter", X_OK) != 0) error_ = "nsenter is missing";
  }
  ~cgroup_partition() {
    heal();
    // The processes are gone by now (the owner declares this object before its processes);
    // a cgroup emptied by an exit may take a moment to be removable.
    for (auto& g : made_)
      for (int i = 0; i < 50 && ::rmdir(dir(g).c_str()) != 0 && errno == EBUSY; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  cgroup_partition(const cgroup_partition&) = delete;
  cgroup_partition& operator=(const cgroup_partition&) = delete;

  // Empty if partitions can be made; else why not.
  const std::string& error() const { return error_; }

  // A command prefix that puts the process into cgroup `group` (made on first use) and then
  // execs the rest of the command line: the process keeps its PID.
  std::vector<std::string> prefix(const std::string& group) {
    if (made_.insert(group).second) ::mkdir(dir(group).c_str(), 0755);
    return {"/bin/sh", "-c", "echo $$ > '" + dir(group) + "/cgroup.procs' && exec \"$@\"", "sh"};
  }

  // Cuts the processes of cgroup `group` off from every other process of the namespace, both
  // ways, except the connections that processes of cgroup `side` open to TCP ports
  // [side_lo, side_hi] (the cut processes' ports). False (and error()) if nft failed.
  bool cut(const std::string& group, const std::string& side, uint16_t side_lo, uint16_t side_hi) {
    prefix(group), prefix(side);  // the cgroups must exist for nft to name them
    auto cg = [&](const std::string& g) {
      return "socket cgroupv2 level 1 \"" + rel_ + name(g) + "\"";
    };
    std::string ports = std::to_string(side_lo) + "-" + std::to_string(side_hi);
    const std::string to_cut = cg(group), from_side = cg(side);
    const std::string syn = " tcp flags & (syn | ack) == syn";
    std::string rules = "table inet " + table_ + " {\n";
    auto chain = [&](const std::string& name, const std::string& hook,
                     const std::vector<std::string>& lines) {
      rules +=
          "  chain " + name + " {\n    type filter hook " + hook + " priority 0; policy accept;\n";
      for (auto& l : lines) rules += "    " + l + "\n";
      rules += "  }\n";
    };
    // Out: mark a side process's connection to the cut ports, its other packets, a cut
    // process's SYNs (packet and connection) and its other packets. In: pass side connections
    // and the cut processes' own ones (recognized by their SYN), drop the rest of what
    // concerns the cut processes.
    chain("out", "output",
          {"ct mark " + side_conn + " accept",
           from_side + " tcp dport " + ports + " ct mark set " + side_conn + " accept",
           from_side + " meta mark set " + side_other + " accept",
           to_cut + syn + " meta mark set " + cut_packet + " ct mark set " + cut_conn + " accept",
           to_cut + " meta mark set " + cut_packet + " accept"});
    chain("in", "input",
          {"ct mark " + side_conn + " accept", "ct mark " + internal_conn + " accept",
           "meta mark " + side_other + " counter drop",
           to_cut + " ct mark " + cut_conn + syn + " ct mark set " + internal_conn + " accept",
           to_cut + " meta mark " + cut_packet + " accept", to_cut + " counter drop",
           "meta mark " + cut_packet + " counter drop", "ct mark " + cut_conn + " counter drop"});
    rules += "}\n";
    auto file = "/tmp/" + tag_ + ".nft";
    std::ofstream(file) << rules;
    auto r = nft({"-f", file});
    std::remove(file.c_str());
    if (r.exit_code != 0) {
      error_ = "nft -f: " + r.err + rules;
      return false;
    }
    active_ = true;
    return true;
  }
  // Removes the rules (the connections' marks stay, but nothing matches them any more).
  void heal() {
    if (active_) (void)nft({"delete", "table", "inet", table_});
    active_ = false;
  }
  // The rules with their counters (for a failure's message).
  std::string listing() { return nft({"list", "table", "inet", table_}).out; }
  // Packets dropped so far (both drop rules' counters), 0 when healed.
  uint64_t dropped() {
    auto r = nft({"list", "table", "inet", table_});
    uint64_t n = 0;
    for (size_t p = 0; (p = r.out.find("packets ", p)) != std::string::npos;) {
      p += 8;
      n += std::stoull(r.out.substr(p, r.out.find(' ', p) - p));
    }
    return n;
  }

 private:
  // Connection marks: a side process's connection to the cut processes; one a cut process
  // opened; one a cut process opened to itself. Packet marks: sent by a cut process; sent by a
  // side process elsewhere than to the cut processes.
  static inline const std::string side_conn = "0x7";
  static inline const std::string cut_conn = "0x42";
  static inline const std::string internal_conn = "0x44";
  static inline const std::string cut_packet = "0x42";
  static inline const std::string side_other = "0x43";

  std::string name(const std::string& group) const { return tag_ + "-" + group; }
  std::string dir(const std::string& group) const { return "/sys/fs/cgroup/" + rel_ + name(group); }
  // nft inside the namespace. Not through `ip netns exec`: that mounts a sysfs of its own
  // without the cgroup mounts, where nft could not find the cgroup's path.
  run_result nft(std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/nsenter", "--net=/run/netns/" + ns_,
                                     "/usr/sbin/nft"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, "/tmp");
  }

  std::string ns_;
  std::string tag_;
  std::string table_ = "dfs_partition";
  std::string rel_;
  std::string error_;
  std::set<std::string> made_;
  bool active_ = false;
};

}  // namespace dfs::test
