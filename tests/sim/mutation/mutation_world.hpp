#pragma once
// Mutation-order simulation (issue 13 items 2-3): one primary and two secondaries run
// mutation_primary / mutation_secondary over a lossy, duplicating, reordering sim_network,
// each with a simulated disk (applies complete in order after a random delay, durable
// together with (version, serial)). Clients push data to every replica, then write
// overlapping regions of one chunk and append records to others, retrying on every error and
// timeout with the same request number. A second "stale" primary still believes it holds the
// previous lease version (a deposed primary with a bad clock or delayed messages) and some
// clients start out talking to it. One secondary crashes (losing its pushed data, held
// mutations and unfinished disk writes) and restarts from its durable chunks. With
// `handover`, the primary's lease ends mid-run and the first secondary takes the next version.
//
// Checked at every disk apply: replicas apply each chunk's mutations in serial order with no
// gap, each exactly as the primary ordered that serial; the stale primary's mutations are
// never applied by a replica; the primary never orders a request again after the client was
// told it completed; a client told ok finds its mutation durable on every replica. At the end
// (every client done, nothing in flight): every replica of every chunk is byte-identical and equals
// the primary's mutations replayed in serial order, and every acknowledged record is intact at the
// offset returned, on every replica.
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "core/chunkserver/mutation_primary.hpp"
#include "core/chunkserver/mutation_secondary.hpp"
#include "sim/common/sim_network.hpp"

namespace dfs::sim::mutation {

using std::chrono::milliseconds;

struct world_options {
  uint32_t clients = 4;
  uint32_t ops_per_client = 8;
  uint32_t stale_clients = 2;   // start out asking the stale primary
  uint64_t chunk_size = 1024;   // records up to a quarter
  uint32_t append_chunks = 40;  // handles 2..: clients move on after retry_next_chunk
  double loss = 0.08;
  double duplicate = 0.08;
  milliseconds max_delay{8};
  double long_delay_chance = 0.0;  // held up to long_delay: old messages arrive after a handover
  milliseconds long_delay{150};
  milliseconds max_disk_delay{4};
  bool crash_secondary = true;
  // The primary's lease runs out at a random time; after `handover_gap` (the master's margin)
  // the first secondary gets the lease with the next version: in-flight mutations fail,
  // clients retry at the new primary, the replicas adopt the new version from its mutations.
  bool handover = false;
  milliseconds handover_gap{30};
  // With `handover`: instead, the primary itself takes the next version at that time while its
  // lease runs (the master superseding a lease whose secondary is gone, lease_table::supersede).
  bool same_primary = false;
  milliseconds run_limit{60000};
};

struct coverage {
  uint64_t runs = 0, applied = 0, acked_writes = 0, acked_appends = 0, next_chunk = 0,
           stale_refused = 0, data_missing = 0, crashes = 0, held = 0, resend_requests = 0,
           joined_or_cached = 0, duplicates = 0, handovers = 0, adopted = 0;
};

class world {
 public:
  world(uint64_t seed, world_options opts);
  void run();
  const std::string& failure() const { return failure_; }
  const coverage& covered() const { return cov_; }

 private:
  using addr = uint32_t;  // 1: primary, 2-3: secondaries, 4: stale primary, 10..: clients
  struct push_msg {
    uint64_t id = 0;
    std::string bytes;
  };
  using msg = std::variant<push_msg, chunkserver::client_request, chunkserver::client_reply,
                           chunkserver::mutation, chunkserver::mutation_ack,
                           chunkserver::resend_request, chunkserver::mutation_gone>;

  struct chunk_disk {
    std::string bytes;
    uint64_t version = 0;
    uint64_t applied = 0;  // last serial of `version` applied (what a restart loads)
  };
  struct disk_job {
    chunkserver::mutation m;
    bool as_primary = false;
    core::time_point done_at{};
    uint64_t store_version = 0;  // != 0: store this chunk version instead (an adoption)
  };
  struct server {
    addr id = 0;
    bool up = true;
    chunkserver::primary_leases leases;
    chunkserver::mutation_primary primary;
    chunkserver::mutation_secondary secondary;
    std::map<uint64_t, chunk_disk> disk;
    std::map<uint64_t, std::string> pending;  // pushed data (volatile)
    std::vector<disk_job> jobs;               // FIFO
  };
  struct client {
    addr id = 0;
    addr target = 1;  // the primary it asks
    uint32_t done_ops = 0;
    uint64_t request_number = 0;
    uint64_t append_handle = 2;
    bool busy = false;
    chunkserver::client_request req;
    std::string bytes;
    core::time_point retry_at{};
  };

  static endpoint ep(addr a) { return endpoint{"n" + std::to_string(a), 1}; }
  static addr of(const endpoint& e) { return static_cast<addr>(std::stoul(e.host.substr(1))); }
  server& srv(addr a) { return servers_.at(a); }
  void fail(const std::string& why);
  void send(addr from, addr to, msg m) { net_.send(from, to, std::move(m), now_); }

  void handover();
  void queue_job(server& s, disk_job j);
  void deliver(addr from, addr to, const msg& m);
  void on_server_msg(server& s, addr from, const msg& m);
  void carry(server& s, const chunkserver::primary_effects& fx);
  void carry(server& s, const chunkserver::secondary_effects& fx);
  void run_disks();
  void apply(server& s, const disk_job& j);
  void check_apply(const server& s, const chunkserver::mutation& m);
  void on_reply(client& c, addr from, const chunkserver::client_reply& r);
  void next_op(client& c);
  void attempt(client& c);
  void crash_or_restart();
  bool quiet() const;
  void check_durable_everywhere(const client& c);
  void final_checks();
  void check_records();

  uint64_t seed_;
  world_options opts_;
  std::mt19937_64 rng_;
  sim_network<addr, msg> net_;
  core::time_point now_{};
  std::map<addr, server> servers_;
  std::vector<client> clients_;
  std::string failure_;
  coverage cov_;

  using mkey = std::tuple<uint64_t, uint64_t, uint64_t>;  // handle, version, serial
  // What the primaries ordered, and data id -> request.
  std::map<mkey, chunkserver::mutation> ordered_;
  std::map<uint64_t, std::string> data_;  // every data id's bytes (the clients' truth)
  std::map<uint64_t, chunkserver::request_key> data_owner_;
  std::map<uint64_t, std::vector<mkey>> serials_of_data_;
  std::map<chunkserver::request_key, addr> acknowledged_;  // -> the primary that said so
  // (server, handle, version) -> last serial applied; (server, handle) -> highest version.
  std::map<std::tuple<addr, uint64_t, uint64_t>, uint64_t> last_applied_;
  std::map<std::pair<addr, uint64_t>, uint64_t> max_version_;
  addr primary_ = 1;  // what the master would answer (0: nobody until the new grant)
  core::time_point handover_at_{};
  bool handed_over_ = false, granted_ = false;
  struct record {
    uint64_t handle, offset;
    std::string bytes;
  };
  std::vector<record> records_;
  core::time_point crash_at_{}, restart_at_{};
  addr crash_victim_ = 3;
  bool crashed_ = false, restarted_ = false;
};

}  // namespace dfs::sim::mutation
