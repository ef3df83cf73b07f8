#pragma once
// Every tunable of the SWIM protocol, units in names. Defaults are tuned in simulation
// (tests/sim/membership) for a LAN: a crash is declared dead by one member within 2 s and by all
// within 3 s at 32 members, with no false deaths at 10 % packet loss.
//
// Why a 150 ms period: the wait until somebody first probes a crashed member is geometric (each
// period ~37 % chance that nobody does), and that tail, plus one period, plus the minimum
// suspicion timeout must fit in 2 s. At 200 ms about 1 % of simulated crashes took longer.
#include <cstdint>
#include <string>

namespace dfs::membership {

struct membership_config {
  // Probing: one ping per period to the next member of a shuffled round robin.
  uint32_t protocol_period_ms = 150;
  uint32_t probe_timeout_ms = 60;  // no ack by then -> ping-req via helpers + a second ping
  uint32_t indirect_probes = 3;    // k helpers per failed direct probe

  // Suspicion (Lifeguard): timeout starts at max and shrinks towards min as independent
  // confirmations arrive. min = max(suspicion_min_ms, suspicion_mult * log10(N) * period).
  double suspicion_mult = 2.5;
  uint32_t suspicion_min_ms = 500;
  uint32_t suspicion_max_ms = 3000;
  uint32_t suspicion_confirmations = 2;  // confirmations that bring the timeout down to min

  // Dissemination: piggybacked on every packet, plus a gossip timer so news spreads in
  // ~log_fanout(N) gossip rounds. Each update is sent retransmit_mult * ceil(log10(N + 1)) times.
  uint32_t gossip_interval_ms = 200;
  uint32_t gossip_fanout = 3;
  uint32_t gossip_to_dead_ms = 30000;  // dead members still get gossip this long, so a live node
                                       // wrongly declared dead (partition) learns it and refutes
  uint32_t retransmit_mult = 6;
  uint32_t max_piggyback = 16;  // updates per packet (bounds the packet size, see messages.hpp)

  // Anti-entropy and recovery.
  uint32_t push_pull_interval_ms = 10000;  // full state exchange with a random live member
  uint32_t reconnect_interval_ms = 3000;   // push-pull with a random dead member or absent seed
  uint32_t join_timeout_ms = 500;          // then try the next seed (cycling)
  uint32_t dead_retention_ms = 60000;      // dead/left members are remembered, then forgotten

  // Limits.
  uint32_t max_members = 512;         // state packets stay under 64 KB (messages.hpp)
  uint32_t max_pending_relays = 256;  // ping-reqs being served for other members at once

  // Empty when valid, otherwise "<key>: <reason>" for the first bad key.
  std::string validate() const;
};

}  // namespace dfs::membership
