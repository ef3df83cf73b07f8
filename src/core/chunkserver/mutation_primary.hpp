#pragma once
// mutation_primary: the primary's side of chunk mutations (GFS §3.1, §3.3). While it holds
// the lease on a chunk by its own clock (primary_leases), it gives every client write or
// record append the next serial number of that chunk, applies it locally, sends it to every
// secondary and answers the client once every replica made it durable. Pure: time, the lease
// view, the local chunk length and whether the pushed data is here are passed in; the owner
// carries out the effects (disk applies in order, messages, replies).
//
// Per chunk (one lease version; a new version starts again at serial 1):
//
//   request ──lease? data here? fits?──▶ serial s: apply locally + send to secondaries
//     │ no: not_primary / lease_expired / data_missing / too_large / busy      │
//     ▼                                                            every replica durable
//   reply now                                          ▼                        │ (acks)
//                 in flight ──reply_timeout──▶ client told `timeout`; still resent
//                     │  resent every resend_interval to replicas that did not ack
//                     ├── all acked ──▶ answer remembered (completed_requests), client told
//                     └── lease over / stale / local disk failed ──▶ dropped, client told
//
// Retries: a request whose (client id, request number) is in flight joins it (no new serial,
// the unacknowledged secondaries get it again now); one that completed gets the remembered
// answer. So the primary never orders an acknowledged request twice. Record append: offset =
// the chunk's end as the primary knows it (the local length or what it ordered past it); a
// record that does not fit pads the chunk to chunk_size_bytes on every replica and the client
// is told retry_next_chunk; records over a quarter of a chunk are refused.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/chunkserver/completed_requests.hpp"
#include "core/chunkserver/mutation_messages.hpp"
#include "core/chunkserver/primary_lease.hpp"
#include "core/time.hpp"

namespace dfs::chunkserver {

struct primary_options {
  uint64_t chunk_size_bytes = uint64_t{64} << 20;
  core::duration reply_timeout = std::chrono::seconds(5);  // a client waits at most this
  core::duration resend_interval = std::chrono::milliseconds(500);
  size_t max_in_flight_per_chunk = 64;  // more: busy
  size_t max_remembered = 4096;         // completed answers kept for retries
};

struct mutation_to {
  endpoint to;
  mutation m;
};
struct gone_to {
  endpoint to;
  mutation_gone gone;
};

struct primary_effects {
  std::vector<disk_apply> apply;  // local chunk, in this order; report with on_applied()
  std::vector<mutation_to> send;  // to secondaries
  std::vector<gone_to> gone;      // to secondaries asking for what is no longer held
  std::vector<client_reply> replies;
  // Stop acting as primary of these chunks (leases().drop): a secondary knows a newer
  // version, or the local replica failed.
  std::vector<uint64_t> drop_leases;
  std::vector<uint64_t> mutated;  // chunks ordered a mutation: leases().note_mutation()
  std::vector<std::string> events;
};

class mutation_primary {
 public:
  explicit mutation_primary(primary_options opts = {}) : opts_(opts), done_(opts.max_remembered) {}

  // `data_ready`: the pushed data `r.data` is complete in the local pending table.
  // `chunk_length_bytes`: the local chunk's durable length.
  [[nodiscard]] primary_effects on_request(const client_request& r, bool data_ready,
                                           uint64_t chunk_length_bytes,
                                           const primary_leases& leases, core::time_point now);
  // Acks and local applies answer a client `ok` only while the lease of its version runs at
  // `now` by `leases`: every replica then had the mutation before the lease ended or was given
  // up (revoked), so a copy the master starts after that holds it. Otherwise the chunk's
  // mutations are abandoned as on_tick does for a lease that ran out.
  [[nodiscard]] primary_effects on_ack(const endpoint& from, const mutation_ack& a,
                                       const primary_leases& leases, core::time_point now);
  [[nodiscard]] primary_effects on_resend_request(const endpoint& from, const resend_request& r,
                                                  const primary_leases& leases,
                                                  core::time_point now);
  // The local disk finished (or failed) a disk_apply of ours.
  [[nodiscard]] primary_effects on_applied(const mutation& m, apply_result result,
                                           const primary_leases& leases, core::time_point now);
  // Timeouts, resends, leases that ran out. Call about every resend_interval / 2.
  [[nodiscard]] primary_effects on_tick(const primary_leases& leases, core::time_point now);

  size_t in_flight(uint64_t handle) const;
  // The end of the chunk as ordered so far (record appends go there); nullopt: not ordering.
  std::optional<uint64_t> end_bytes(uint64_t handle) const;
  const primary_options& options() const { return opts_; }

 private:
  struct replica_progress {
    endpoint to;
    bool acked = false;
    bool given_up = false;  // the replica refused it for good (out of sync)
    core::time_point last_sent{};
  };
  struct in_flight_mutation {
    mutation m;
    request_key key;
    mutation_status success = mutation_status::ok;  // or retry_next_chunk (a pad)
    bool local_done = false;
    std::vector<replica_progress> replicas;
    std::optional<core::time_point> reply_by;  // the client waits for an answer until then
  };
  struct chunk_order {
    uint64_t chunk_version = 0;
    uint64_t next_serial = 1;
    uint64_t end_bytes = 0;
    std::map<uint64_t, in_flight_mutation> in_flight;  // by serial
  };

  primary_effects handle_request(chunk_order& c, const client_request& r, bool data_ready,
                                 uint64_t chunk_length_bytes, core::time_point now,
                                 primary_effects fx);
  // Assigns the next serial to `m` and starts it (local apply, sends).
  void order(chunk_order& c, mutation m, const client_request& r, mutation_status success,
             core::time_point now, primary_effects& fx);
  void reply(const in_flight_mutation& f, mutation_status s, primary_effects& fx) const;
  void finish_if_done(chunk_order& c, uint64_t serial, primary_effects& fx);
  // Drops every mutation of the chunk, telling waiting clients `why`.
  void abandon(uint64_t handle, mutation_status why, const std::string& event, primary_effects& fx);
  // The lease this chunk orders under no longer runs at `now`: its mutations abandoned (true).
  bool abandon_if_over(uint64_t handle, const primary_leases& leases, core::time_point now,
                       primary_effects& fx);
  void resend(in_flight_mutation& f, core::time_point now, bool all_unacked,
              primary_effects& fx) const;
  client_reply answer(const client_request& r, mutation_status s, uint64_t offset = 0) const;

  primary_options opts_;
  std::map<uint64_t, chunk_order> chunks_;
  std::map<request_key, std::pair<uint64_t, uint64_t>> by_request_;  // -> (handle, serial)
  completed_requests done_;
};

}  // namespace dfs::chunkserver
