#pragma once
// chunkserver::master_link: the chunkserver's side of its link to the master, as a pure state
// machine. It decides when to connect, register (with a full chunk report) and heartbeat (with
// an incremental one), which replies still count, and what the master's replies ask for. The
// actor (src/actors/chunkserver/master_link.cpp) connects, builds reports from the chunk store,
// sends, and deletes chunks as told; the storage simulation (tests/sim/storage) drives the same
// class.
//
//   connecting ──connected──▶ registering ──ack──▶ registered ──tick──▶ heartbeat
//       ▲                          │                    │ refused        │ (reply or failure)
//       └───── down / error ───────┴────────────────────┴────────────────┘
//
// Every (re)connect and every re-registration starts a new generation; replies and ticks of an
// older generation are ignored, so a slow reply from before a master restart cannot undo what
// the new registration set up. A failed heartbeat keeps the link (the next one carries the
// report again); a lost connection or a failed registration drops it.
//
// Replicated masters (issue 15): master() is the candidate of config::master_endpoints() to
// connect to (master::master_finder). A failed connect, a lost link, a failed registration and
// a heartbeat refused with not_leader move to the next candidate, the active master a standby
// named first; with several masters, max_heartbeat_failures failed heartbeats in a row do too.
// The new master gets a registration with a full report, as after a master restart. Fencing:
// the link keeps the highest master_term it has seen; an ack or heartbeat reply of a lower term
// comes from a deposed master and is never acted on (no deletes, copies, leases, versions): it
// is logged (stale_master_reply_ignored) and treated as a failure. With one master, master()
// never changes and its term (0) is never stale: the link behaves as before.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/node_id.hpp"
#include "core/chunkserver/primary_lease.hpp"
#include "core/master/master_finder.hpp"
#include "core/master/messages.hpp"
#include "core/time.hpp"

namespace dfs::chunkserver {

enum class link_state : uint8_t { connecting, registering, registered };
const char* to_string(link_state s);

struct link_options {
  core::duration retry_delay = std::chrono::milliseconds(500);
  core::duration heartbeat_interval = std::chrono::seconds(1);
  // Several masters: heartbeats failing this many times in a row (a hung or isolated master)
  // make the link look for the active master elsewhere. One master: the link is kept.
  uint32_t max_heartbeat_failures = 3;
};

enum class link_level : uint8_t { info, warn };

struct link_event {
  link_level level = link_level::info;
  std::string text;
  endpoint master;  // the master it is about (master() when it happened)
};

struct link_effects {
  std::optional<core::duration> connect_after;  // try to connect after this delay
  bool drop_master = false;                     // forget (and stop watching) the master handle
  std::optional<uint64_t> send_registration;    // generation: send a full report now
  // Send a heartbeat (generation, sequence number) with the changes since the last one.
  std::optional<std::pair<uint64_t, uint64_t>> send_heartbeat;
  // Call on_tick(generation) after the delay.
  std::optional<std::pair<uint64_t, core::duration>> tick_after;
  std::vector<uint64_t> delete_chunks;        // as the master said
  std::vector<copy_instruction> copy_chunks;  // repair copies to make (results go up with
                                              // the next heartbeats)
  // New chunk versions to store (lease grants here and elsewhere). A grant whose chunk is not
  // here (or cannot take the version) must be dropped: leases().drop(handle).
  std::vector<version_update> set_versions;
  std::vector<lease_grant> granted;  // leases this server took as primary (new ones)
  // Copy-on-write orders: copy a chunk held here to a new handle on this disk
  // (chunk_store::copy_local); the copy is reported as added with a heartbeat (on_report_ready).
  std::vector<local_copy> local_copies;
  std::vector<link_event> events;
};

class master_link {
 public:
  // `masters`: config::master_endpoints(), never empty (default: one unnamed master, for the
  // simulation and tests that do not care where it is).
  explicit master_link(link_options opts, std::vector<endpoint> masters = {endpoint{}})
      : opts_(opts), masters_(std::move(masters)) {}

  [[nodiscard]] link_effects start();
  [[nodiscard]] link_effects on_connected();
  [[nodiscard]] link_effects on_connect_failed(const std::string& why);
  [[nodiscard]] link_effects on_registered(uint64_t generation, const registration_ack& ack);
  [[nodiscard]] link_effects on_register_failed(uint64_t generation, const std::string& why);
  [[nodiscard]] link_effects on_tick(uint64_t generation);
  // Something the master should hear now (a repair copy finished): an extra heartbeat, so the
  // master counts the replica and hands out the next copy without waiting for the tick.
  [[nodiscard]] link_effects on_report_ready();
  // `sent_at`: when the heartbeat this answers was sent (own clock): leases granted or renewed
  // in the reply count from then (primary_lease.hpp).
  [[nodiscard]] link_effects on_heartbeat_reply(uint64_t generation, const heartbeat_reply& r,
                                                core::time_point sent_at = {},
                                                core::time_point now = {});
  [[nodiscard]] link_effects on_heartbeat_failed(uint64_t generation, const std::string& why);
  [[nodiscard]] link_effects on_master_down(const std::string& why);

  link_state state() const { return state_; }
  // The master to connect to (and that replies come from while connected).
  const endpoint& master() const { return masters_.current(); }
  // The highest master_term of an accepted ack or heartbeat reply (0: one master).
  uint64_t highest_term() const { return highest_term_; }
  uint64_t generation() const { return generation_; }
  // The leases this server holds as primary (by its own clock); heartbeats carry their claims.
  primary_leases& leases() { return leases_; }
  const primary_leases& leases() const { return leases_; }

 private:
  void lose(const std::string& why, link_effects& fx);
  // lose(), then move to the next candidate (`hint` first).
  void fail_over(const std::string& why, const std::optional<endpoint>& hint, link_effects& fx);
  // Whether a reply of `term` is from a deposed master; if so, logs and fails over.
  bool stale(uint64_t term, link_effects& fx);
  void register_now(link_effects& fx);
  void event(link_level level, std::string text, link_effects& fx) const;

  link_options opts_;
  link_state state_ = link_state::connecting;
  uint64_t generation_ = 0;
  uint64_t heartbeat_seq_ = 0;
  uint32_t connect_failures_ = 0;    // in a row: only the first of an outage is logged
  uint32_t heartbeat_failures_ = 0;  // in a row
  master::master_finder masters_;
  uint64_t highest_term_ = 0;  // fencing: replies of a lower term are ignored
  primary_leases leases_;
};

}  // namespace dfs::chunkserver
