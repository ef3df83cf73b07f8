#pragma once
// Process-wide receive-side fault injection for our UDP sockets (gossip and total-order
// multicast), for cluster tests and benchmarks on machines without netem/nftables: datagrams
// from blocked source ports are dropped (a partition, when every node of one side blocks the
// other side's ports), and a random share of all datagrams is dropped (packet loss). Inert unless
// armed, at run time, through a fileserver's `fault` console command.
#include <cstdint>
#include <set>
#include <string>

#include "common/node_id.hpp"

namespace dfs::net {

struct fault_settings {
  std::set<uint16_t> blocked_ports;  // source UDP ports whose datagrams are dropped
  uint32_t loss_percent = 0;         // 0..100, applied to every received datagram
};

// Thread-safe; called on the sockets' io threads.
bool fault_drop(const endpoint& from);
void set_faults(fault_settings s);
fault_settings faults();
uint64_t fault_dropped();  // datagrams dropped so far
std::string describe(const fault_settings& s);

}  // namespace dfs::net
