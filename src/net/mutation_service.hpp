#pragma once
// mutation_service: a chunkserver's side of writes at an offset and record appends (issue 13,
// GFS §3.1 and §3.3) around the pure mutation_primary and mutation_secondary
// (src/core/chunkserver, where the ordering rules and their simulation live). This file only
// moves their decisions into the world:
//
//   data-port thread ── submit (client) / on_* (peer frames) ──▶ cores, under one mutex
//        ▲ waits for its reply                                        │ effects
//        │                                   ┌────────────────────────┼──────────────────┐
//        └──── replies ◀── cores ◀── results ┤ disk workers (one per  │ senders (one per │
//                                            │ chunk stripe: a chunk's│ peer: frames in  │
//                                            │ applies stay in order) │ order, batched)  │
//                                            └────────────────────────┴──────────────────┘
//   tick thread: resends, timeouts, leases that ran out, gaps.
//
// The data was pushed before (chunk_store::hold) and is named by its data id. Leases come
// from the master_link actor through a lease_board; a mutation acknowledged `ok` asks it for
// an extension (one that keeps failing lets the lease run out, so the master can grant a new
// one without a replica that stopped answering). Peer frames carry the lease's capability,
// checked by data_service before they get here.
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/chunkserver/mutation_primary.hpp"
#include "core/chunkserver/mutation_secondary.hpp"
#include "net/conn_pool.hpp"
#include "net/lease_board.hpp"
#include "net/mutation_wire.hpp"
#include "storage/chunk_store.hpp"

namespace dfs {

struct mutation_service_options {
  std::string self;  // "host:data_port": how the other replicas and capabilities name us
  net::pool_options pool;
  chunkserver::primary_options primary;
  chunkserver::secondary_options secondary;
  size_t disk_workers = 4;
  std::chrono::milliseconds tick{100};
  // fault.crash_after_log on a chunkserver (tests only): "append" or "write" makes the process
  // _exit as a primary once such a mutation is durable on every replica, before answering.
  std::string crash_before_reply;
};

struct mutation_service_stats {
  uint64_t requests = 0;  // client writes and appends taken
  uint64_t ok = 0;        // answered ok
  uint64_t applied = 0;   // local disk applies done (primary and secondary)
  uint64_t send_failures = 0;
};

class mutation_service {
 public:
  mutation_service(std::shared_ptr<chunk_store> store, std::shared_ptr<net::lease_board> board,
                   mutation_service_options opts);
  ~mutation_service();
  mutation_service(const mutation_service&) = delete;
  mutation_service& operator=(const mutation_service&) = delete;

  // A client's write or append (its capability checked): blocks until the primary's answer,
  // at most the primary's reply timeout and a little.
  chunkserver::client_reply submit(const chunkserver::client_request& r, const std::string& token);
  void on_mutation(const net::peer_mutation& m);
  void on_ack(const net::peer_ack& a);
  void on_resend_request(const net::peer_resend& r);
  void on_gone(const net::peer_gone& g);

  mutation_service_stats stats() const;

 private:
  struct waiter {
    std::optional<chunkserver::client_reply> reply;
  };
  enum class role { primary, secondary };
  struct disk_job {
    role by = role::primary;
    chunkserver::mutation m;
    std::optional<version_update> set_version;  // instead of m
  };
  struct worker {
    std::deque<disk_job> jobs;
    std::thread thread;
  };
  struct outgoing {
    net::data_type type;
    std::string body;
  };
  struct sender {
    endpoint to;
    std::deque<outgoing> queue;
    std::thread thread;
  };

  void dispatch(chunkserver::primary_effects fx);
  void dispatch(chunkserver::secondary_effects fx);
  void send(const endpoint& to, net::data_type type, std::string body);
  const std::string& token_of(uint64_t handle) const;
  void ensure_loaded(uint64_t handle);
  // opts_.crash_before_reply: _exit before `reply` reaches the client of `r`.
  void maybe_crash_before_reply(const chunkserver::client_request& r,
                                const chunkserver::client_reply& reply) const;
  chunkserver::apply_result apply(const chunkserver::mutation& m);
  void disk_loop(size_t index);
  void send_loop(sender* s);
  void tick_loop();

  std::shared_ptr<chunk_store> store_;
  std::shared_ptr<net::lease_board> board_;
  mutation_service_options opts_;
  endpoint self_;
  net::conn_pool pool_;

  mutable std::mutex mu_;
  std::condition_variable replied_;  // waiters of client requests
  std::condition_variable work_;     // disk workers, senders, the ticker (and stop)
  bool stopping_ = false;
  chunkserver::mutation_primary primary_;
  chunkserver::mutation_secondary secondary_;
  std::map<std::pair<uint64_t, uint64_t>, std::vector<std::shared_ptr<waiter>>> waiters_;
  std::map<uint64_t, std::string> tokens_;  // handle -> the lease capability last seen
  std::vector<std::unique_ptr<worker>> workers_;
  std::map<endpoint, std::unique_ptr<sender>> senders_;
  std::thread ticker_;
  mutation_service_stats stats_;
};

}  // namespace dfs
