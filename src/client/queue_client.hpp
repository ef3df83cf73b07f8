#pragma once
// Blocking client of the replicated queue service (FTQueue) for the command-line client, the
// cluster tests and the benchmark. Each call gets a new request number; if the fileserver it
// talks to dies, times out or is in a minority partition, the SAME request (client id, request
// number) goes to the next fileserver, so an operation is applied at most once whatever the
// retries. Every call ends within `give_up_after` whatever the fileservers do (refuse, never
// answer, accept TCP and stall); its error names each fileserver tried and why it failed.
// With no primary in reach a call fails at once, unless an attempt may have reached a
// fileserver (sent, then no answer): only the group can say whether it applied that request (a
// pop may have taken an item), so the call keeps asking until the deadline and then says the
// outcome is unknown.
// Not thread-safe: one queue_client per thread.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "client/remote.hpp"
#include "client/request_link.hpp"
#include "common/config.hpp"
#include "common/node_id.hpp"
#include "core/ftqueue/queue_state.hpp"
#include "proto/interfaces.hpp"

namespace dfs {

struct queue_client_options {
  std::chrono::milliseconds attempt_timeout{5000};  // one request to one fileserver
  std::chrono::milliseconds give_up_after{30000};   // all attempts of one call, connects included
  uint64_t client_id = 0;                           // 0: random
  token_source act_as;  // a server acting for its caller (remote.hpp); empty: log in
  // A request link shared with other clients in this process (multiplexed: one connection per
  // fileserver for all of them, request_link.hpp); null: this client's own.
  std::shared_ptr<request_link> link;
};

class queue_client {
 public:
  struct outcome {
    queue_status status = queue_status::ok;  // retry here means: gave up, outcome unknown
    int64_t value = 0;
    std::string error;
    bool ok() const { return status == queue_status::ok; }
  };

  // `cfg` gives the certificate to log in with (tls.*); the actor system must come from it.
  queue_client(caf::actor_system& sys, const config& cfg, std::vector<endpoint> fileservers,
               queue_client_options opts = {});

  outcome call(ftqueue::op_code code, int64_t arg, int64_t item = 0);
  // The last call once more with the same request number, after it gave up (status refused or
  // retry): the group applies it at most once and answers with the first result if it was.
  outcome call_again();
  // The last call gave up without knowing whether the group applied it (status retry), and
  // nothing was called since: call_again() can still learn its outcome.
  bool in_doubt() const { return in_doubt_; }
  ftqueue::op_code last_code() const { return static_cast<ftqueue::op_code>(last_request_.code); }

  uint64_t client_id() const { return client_id_; }
  uint64_t failovers() const { return failovers_; }  // switches to another fileserver

 private:
  using clock = std::chrono::steady_clock;
  // `in_doubt`: an earlier run of this request may have reached the group (call_again after
  // "outcome unknown"): then no refusal of this run says it was not applied.
  outcome run(const queue_request& req, bool in_doubt);
  // How an attempt that got no answer from the group failed.
  enum class transport { none, unsent, in_doubt };
  outcome attempt(const queue_request& req, clock::time_point deadline, transport& failure);
  void next_server();

  caf::actor_system& sys_;
  config cfg_;
  std::vector<endpoint> servers_;
  std::vector<remote_node> conns_;
  // The fileservers' request ports (request_link.hpp), CAF where they cannot serve; null with
  // act_as or client.request_port = false.
  std::shared_ptr<request_link> requests_;
  queue_client_options opts_;
  uint64_t client_id_;
  uint64_t next_request_ = 1;
  queue_request last_request_;
  bool in_doubt_ = false;
  size_t current_ = 0;
  uint64_t failovers_ = 0;
};

// Random 64-bit client id (never 0).
uint64_t random_client_id();

}  // namespace dfs
