#pragma once
// The failure_detector actor: owns one SWIM member (src/core/membership) and the node's gossip
// UDP socket. Datagrams are authenticated and decoded on the socket's thread, then handed to
// the actor as packets; timers and packets drive the core, whose effects (packets, events)
// the actor carries out: it sends, logs every join/leave/suspect/failure/refutation, and
// publishes member events to local subscribers (master, fileserver group).
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/typed_event_based_actor.hpp>

#include "actors/membership/membership_observer.hpp"
#include "common/config.hpp"
#include "core/membership/swim.hpp"
#include "net/packet_codec.hpp"
#include "net/udp_endpoint.hpp"
#include "proto/interfaces.hpp"
#include "proto/membership.hpp"

namespace dfs {

using failure_detector_full =
    failure_detector_actor::extend<caf::reacts_to<dgram_atom, endpoint, membership::packet>,
                                   caf::reacts_to<tick_atom>,
                                   caf::replies_to<admin_atom, admin_request>::with<admin_reply>>;

// Shared with the socket thread: datagrams dropped before they reached the actor.
struct drop_counters {
  std::atomic<uint64_t> bad_frame{0}, bad_payload{0};
};

struct failure_detector_state {
  static inline const char* name = "failure_detector";
  std::unique_ptr<membership::swim> swim;
  std::shared_ptr<net::udp_endpoint> socket;
  std::unique_ptr<net::packet_codec> codec;
  std::shared_ptr<drop_counters> drops = std::make_shared<drop_counters>();
  std::vector<membership_listener> listeners;
  std::string roles;  // our own roles, comma separated (gossiped as member metadata)
  // Bandwidth baseline at the last reset.
  uint64_t base_bytes_sent = 0, base_bytes_received = 0, base_packets_sent = 0,
           base_packets_received = 0;
  core::time_point reset_at;
  bool ticking = false;
  bool joined = false;  // gossip started (at once, or at the join message when deferred)
  core::time_point spawned;
  std::unique_ptr<membership_observer> observer;  // metrics and status page
};

// `roles` are this node's roles; the socket binds cfg.node.host:cfg.node.port (UDP). `metrics`
// and `status` (either may be null) receive what membership_observer.hpp publishes.
// `defer_join`: gossip starts only at a join message, sent by the role that must be ready before
// the cluster sees this node (a fileserver's sequencer once it recovered its queue state).
failure_detector_full::behavior_type failure_detector_fn(
    failure_detector_full::stateful_pointer<failure_detector_state> self, config cfg, node_id id,
    std::vector<std::string> roles, std::shared_ptr<net::metrics> metrics,
    std::shared_ptr<net::status_board> status, bool defer_join);

// Maps config keys to the protocol's tunables.
membership::membership_config membership_config_from(const config& cfg);

}  // namespace dfs
