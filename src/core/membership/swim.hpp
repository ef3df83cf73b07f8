#pragma once
// SWIM group membership with Lifeguard refinements (design.md §4), as a pure state machine.
//
// The owner (the failure_detector actor, or the simulator) feeds it packets and timer ticks and
// carries out the returned effects: packets to send and membership events to publish. It never
// reads a clock, opens a socket or uses a global RNG: the same inputs give the same outputs.
//
// State of a remote member, per node_id (host:port#start-time). `i` is the SWIM incarnation
// counter carried by the update, `inc` the counter we hold:
//
//                 suspect(i >= inc)                  timeout (Lifeguard: shrinks with each
//   +---------+   probe failed / gossip   +-----------+ confirmation) or dead(i >= inc) +------+
//   |  alive  |-------------------------->|  suspect  |------------------------------->| dead |
//   +---------+<--------------------------+-----------+                                +------+
//     |  ^  |         alive(i > inc): refuted                                             | |
//     |  |  +------------------------------ dead(i >= inc) ------------------------------>| |
//     |  +--------------- alive(i > inc): it was alive after all -> member_up ------------+ |
//     |                   (false positive, healed partition)                                |
//     +---- left (from alive or suspect, any i) ---> +--------+ <-------- left -------------+
//                                                    |  left  |  final for this node_id
//                                                    +--------+
//
//   dead and left entries are kept dead_retention_ms (stale gossip cannot resurrect them), then
//   forgotten. A node_id with a later start time at the same host:port replaces the old one at
//   once (old id -> member_down if it was alive or suspect). Dead news from a push-pull or join
//   state only makes a live member suspect (it gets the chance to refute).
//
// Self: a member that hears it is suspect or dead at counter i >= its own raises its counter to
// i + 1 and gossips `alive` (refutation); that is how a node wrongly declared dead comes back.
//
// Invariants: one entry per host:port; the self entry is never suspect/dead locally; every packet
// carries at most max_piggyback updates; an update about a node_id is applied only if it is newer
// by the precedence above (so duplicated and reordered packets are harmless).
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "common/node_id.hpp"
#include "core/membership/broadcast_queue.hpp"
#include "core/membership/membership_config.hpp"
#include "core/membership/messages.hpp"
#include "core/time.hpp"

namespace dfs::membership {

using core::duration;
using core::time_point;

struct outbound {
  endpoint to;
  packet pkt;
};

enum class event_kind : uint8_t {
  member_up = 1,       // new member, or a dead member that came back (refuted)
  member_suspect = 2,  // failed probes: may be down
  member_alive = 3,    // a suspicion was refuted
  member_down = 4,     // declared dead (or replaced by a restart with a later start time)
  member_left = 5,     // graceful leave
};

const char* to_string(event_kind k);

struct member_event {
  event_kind kind = event_kind::member_up;
  node_id id;
  uint64_t incarnation = 0;  // SWIM counter of the state that caused the event
};

struct effects {
  std::vector<outbound> send;
  std::vector<member_event> events;
};

struct member_info {
  node_id id;
  member_state state = member_state::alive;
  uint64_t incarnation = 0;  // SWIM refutation counter
  time_point last_heard;     // last packet received from it (or when we learnt of it)
  endpoint address;
  std::string meta;  // what the member announced about itself (roles)
};

// Monotonic counters for the console, logs and benchmarks.
struct swim_counters {
  uint64_t packets_sent = 0, packets_received = 0;
  uint64_t updates_sent = 0;  // piggybacked updates in sent packets
  uint64_t pings_sent = 0, acks_sent = 0, acks_received = 0;
  uint64_t ping_reqs_sent = 0, relays_served = 0;
  uint64_t gossip_sent = 0, push_pulls_sent = 0, join_attempts = 0;
  uint64_t suspects_raised = 0;  // our probes failed
  uint64_t deaths_declared = 0;  // our suspicion timer expired
  uint64_t refutations = 0;      // we raised our own counter
  uint64_t stale_updates = 0;    // about an older start time than we know
  uint64_t misdirected = 0;      // pings for another node_id (we were restarted)
  uint64_t dropped_table_full = 0;
};

class swim {
 public:
  // `self.incarnation` is the process start time in ms; `seed` drives every random choice.
  // `meta` is gossiped with our own entries (e.g. our roles).
  swim(node_id self, membership_config cfg, uint64_t seed, time_point now, std::string meta = {});

  // Join through `seeds` (introducers or any members), tried in order, then cycled, every
  // join_timeout_ms until one answers. Our own address is skipped; no other seed -> we are the
  // first member and are joined at once.
  [[nodiscard]] effects join(std::vector<endpoint> seeds, time_point now);

  // Graceful leave: announce `left` and stop probing. Keep feeding ticks and packets until
  // leave_done() (the announcement was retransmitted enough) or a deadline, then stop.
  [[nodiscard]] effects leave(time_point now);

  [[nodiscard]] effects on_packet(const endpoint& from, const packet& p, time_point now);
  [[nodiscard]] effects on_tick(time_point now);

  // Earliest time at which on_tick has work. Calling on_tick more often is harmless.
  time_point next_tick() const;

  const node_id& self() const { return self_; }
  uint64_t incarnation() const { return incarnation_; }
  bool joined() const { return joined_; }
  bool leaving() const { return leaving_; }
  bool leave_done() const;

  // Self first, then every remembered member (alive, suspect, dead, left) by address.
  std::vector<member_info> members() const;
  // Members believed alive or suspect, self included.
  size_t live_count() const;
  const swim_counters& counters() const { return counters_; }
  const membership_config& config() const { return cfg_; }

  // Current suspicion timeout for a suspicion with `confirmations` independent confirmations.
  duration suspicion_timeout(size_t confirmations) const;

 private:
  struct member {
    node_id id;
    member_state state = member_state::alive;
    uint64_t incarnation = 0;
    time_point last_heard;
    time_point state_since;
    std::string meta;
    std::vector<node_id> suspectors;    // distinct origins of the current suspicion
    bool probed_since_suspect = false;  // we probe each suspect once, early (confirm or refute)
  };
  struct probe {
    bool active = false, acked = false, indirect_sent = false;
    endpoint addr;
    node_id target;
    uint64_t seq = 0;
    time_point sent_at;
  };
  struct relay {  // a ping we send on behalf of another member's ping_req
    endpoint requester;
    uint64_t requester_seq = 0;
    time_point expires;
  };

  // swim.cpp: timers, probing, dissemination.
  void send_join(effects& fx, time_point now);
  void finish_probe(effects& fx, time_point now);
  void start_probe(effects& fx, time_point now);
  member* next_probe_target();
  void send_indirect(effects& fx, time_point now);
  void expire_suspicions(effects& fx, time_point now);
  void gossip(effects& fx, time_point now);
  void push_pull(effects& fx, time_point now);
  void reap(time_point now);
  void reconnect(effects& fx, time_point now);
  void fill(packet& p, const endpoint& to);
  void emit(effects& fx, const endpoint& to, packet p, bool piggyback = true);
  packet make(packet_kind kind) const;
  std::vector<member_update> full_state() const;
  enum class pick_mode { alive_only, gossip_targets };
  std::vector<member*> pick(size_t n, const endpoint& exclude, pick_mode mode, time_point now);
  void add_to_probe_order(const endpoint& addr);
  uint32_t retransmit_limit() const;
  duration timeout_for(size_t confirmations, size_t live) const;

  // swim_update.cpp: receiving packets and applying gossip.
  void learn_sender(const packet& p, effects& fx, time_point now);
  void handle_ack(const endpoint& from, const packet& p, effects& fx, time_point now);
  void handle_ping_req(const endpoint& from, const packet& p, effects& fx, time_point now);
  void merge_state(const packet& p, effects& fx, time_point now);
  void apply(const member_update& u, effects& fx, time_point now);
  void apply_about_self(const member_update& u);
  void add_member(const member_update& u, effects& fx, time_point now);
  void on_alive(member& m, const member_update& u, effects& fx, time_point now);
  void on_suspect(member& m, const member_update& u, effects& fx, time_point now);
  void on_dead_or_left(member& m, const member_update& u, effects& fx, time_point now);
  void refute(uint64_t at_least);
  member_update update_of(const member& m) const;

  member_update self_update(member_state s) const {
    return member_update{self_, s, incarnation_, {}, meta_};
  }

  node_id self_;
  std::string meta_;
  membership_config cfg_;
  std::mt19937_64 rng_;
  uint64_t incarnation_ = 0;  // our SWIM counter
  bool joined_ = false;
  bool leaving_ = false;

  std::map<endpoint, member> members_;  // by address: at most one node_id per host:port
  broadcast_queue queue_;
  std::vector<endpoint> probe_order_;  // shuffled round robin
  size_t probe_index_ = 0;
  probe probe_;
  uint64_t next_seq_ = 1;
  std::map<uint64_t, relay> relays_;  // by our ping seq

  std::vector<endpoint> seeds_;
  size_t join_index_ = 0;
  time_point join_deadline_;
  time_point started_at_;
  time_point next_probe_at_, next_gossip_at_, next_push_pull_at_, next_reconnect_at_;

  swim_counters counters_;
};

}  // namespace dfs::membership
