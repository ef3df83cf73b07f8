#pragma once
// The sequencer actor: one per fileserver. It owns the node's end of the total-order multicast
// (gcs::member) and the FTQueue replica the group applies delivered operations to, the
// multicast UDP socket (node.port + 2) and the client side of the queue service: a request is
// multicast and answered once the protocol acknowledges it (delivered locally and held by a
// majority of the view). Views follow SWIM membership: the live members whose roles include
// "fileserver".
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/gcs/gcs_observer.hpp"
#include "common/config.hpp"
#include "core/ftqueue/replica.hpp"
#include "core/gcs/member.hpp"
#include "net/gcs_transport.hpp"
#include "net/packet_codec.hpp"
#include "net/udp_endpoint.hpp"
#include "proto/ftqueue.hpp"
#include "proto/interfaces.hpp"
#include "proto/membership.hpp"
#include "storage/gcs_disk.hpp"

namespace dfs {

using sequencer_actor =
    ftqueue_actor::extend<caf::reacts_to<member_event_atom, member_event_msg>,
                          caf::reacts_to<gcs_dgram_atom, node_id, std::vector<gcs::packet>>,
                          caf::reacts_to<gcs_synced_atom, uint64_t, uint64_t>,
                          caf::reacts_to<gcs_flush_atom>, caf::reacts_to<tick_atom>>;

class sequencer_inline;

struct sequencer_state {
  static inline const char* name = "sequencer";
  ~sequencer_state();  // detaches from `fast` (sequencer_inline.cpp)
  node_id self;
  caf::actor_addr actor;  // this actor (weak): the sender of answers given on another thread
  // Datagrams handled on the socket's thread between messages (sequencer_inline.hpp); null
  // when spawned without sequencer_impl.
  std::shared_ptr<sequencer_inline> fast;
  std::unique_ptr<ftqueue::replica> app;
  std::unique_ptr<gcs::member> member;
  // gcs.durability = disk: the member's image and log (gcs_disk.hpp); null in memory mode.
  std::unique_ptr<gcs_disk> disk;
  // gcs.spare_sync_us: how long the log's appends wait while the member's disk is spare.
  std::chrono::microseconds spare_wait{0};
  std::shared_ptr<net::packet_codec> codec;
  std::shared_ptr<gcs_net::receiver> rx;
  std::shared_ptr<gcs_net::fragment_store> fragments;  // big packets in transfer (gcs_transport)
  std::shared_ptr<net::udp_endpoint> socket;
  core::milliseconds tick_interval{5};
  // Clients waiting for their operation, by (client id, request number).
  std::map<std::pair<uint64_t, uint64_t>, std::vector<caf::typed_response_promise<queue_reply>>>
      waiting;
  std::map<endpoint, node_id> fileservers;  // live fileservers according to membership
  uint64_t datagrams_sent = 0, packets_sent = 0, packets_too_large = 0;
  // Packets the member produced since the last flush, per peer. The flush is a message to
  // ourselves, so it runs after everything already in the mailbox: under load the packets of
  // many client operations and datagrams leave together, one datagram per peer.
  std::map<node_id, std::vector<gcs::packet>> outbox;
  bool flush_scheduled = false;
  // Deliveries per second, measured over the last rate window.
  core::time_point rate_at{};
  uint64_t rate_base = 0;
  double deliveries_per_s = 0;
  std::unique_ptr<gcs_observer> observer;  // metrics and status page
};

using sequencer_self = sequencer_actor::stateful_pointer<sequencer_state>;

// Maps the [gcs] config keys to the protocol's tunables. `bootstrap` is decided by the caller
// in memory mode; with a disk it is "no image on disk" (sequencer_fn).
gcs::gcs_config gcs_config_from(const config& cfg);

// `membership` may be null (no failure detector on this node): the group then stays a
// singleton view, which is never primary unless gcs.expected_group_size is 1. `metrics` and
// `status` (either may be null) receive what gcs_observer.hpp publishes.
// Spawned as sequencer_impl (sequencer_impl.hpp) so that datagrams may be handled on the
// socket's thread.
sequencer_actor::behavior_type sequencer_fn(sequencer_self self, config cfg, node_id id,
                                            gcs::gcs_config gcfg, failure_detector_actor membership,
                                            std::shared_ptr<net::metrics> metrics,
                                            std::shared_ptr<net::status_board> status);

// Console commands (console.cpp): view, queues, gcs-stats, fault.
admin_reply sequencer_console(const sequencer_state& st, const admin_request& req);

}  // namespace dfs
