#pragma once
// One frame connection shared by many threads, with many requests in flight (tagged_request /
// tagged_reply frames, data_frame.hpp), answered in any order. A connection per caller costs
// the server a thread, a TLS record and a wake-up per request; here one I/O thread per
// connection writes every request queued since it last woke in one TLS flush and reads every
// answer that arrived in one go, so under load each side wakes once for many requests (issue
// 14: the request/response cost bounded FTQueue at 32 clients, not the replication).
//
// Only the I/O thread touches the TLS session (OpenSSL sessions are not thread-safe); callers
// hand it requests through a queue and an eventfd, and wait for their answer on a future.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "net/data_frame.hpp"

namespace dfs::net {

class mux_conn {
 public:
  struct result {
    enum kind { answered, timeout, broken } kind = broken;
    std::string error;  // why, unless answered
    reply_msg reply;
  };

  // Takes over a connected frame_conn (its timeout bounds a partial frame's read or write).
  explicit mux_conn(frame_conn conn);
  // Stops the I/O thread; calls still waiting get `broken`.
  ~mux_conn();
  mux_conn(const mux_conn&) = delete;
  mux_conn& operator=(const mux_conn&) = delete;

  // Sends a request frame's payload (proto::encode_request) and waits for its answer, at most
  // `timeout`. After `timeout` or `broken` the request may still have reached the server.
  result call(std::string_view request_payload, std::chrono::milliseconds timeout);

  // The connection failed or closed: every later call gets `broken` at once.
  bool broken() const { return broken_; }
  // Requests written so far, and the I/O thread's wake-ups that wrote or read any (for tests
  // and the benchmark: requests per wake-up is what multiplexing buys).
  uint64_t requests_sent() const { return sent_; }
  uint64_t io_rounds() const { return rounds_; }

 private:
  using clock = std::chrono::steady_clock;
  struct waiter {
    uint64_t tag = 0;
    std::string payload;
    clock::time_point deadline;
    std::promise<result> answer;
  };

  void run();
  void fail_all(const std::string& why);

  frame_conn conn_;
  int wake_fd_ = -1;  // eventfd: requests queued, or stop
  std::mutex mu_;
  std::deque<waiter> queued_;           // handed over by callers, not yet written
  std::map<uint64_t, waiter> pending_;  // written, not answered (I/O thread only)
  uint64_t next_tag_ = 1;               // under mu_
  bool stopping_ = false;               // under mu_
  std::atomic<bool> broken_{false};
  std::atomic<uint64_t> sent_{0}, rounds_{0};
  std::thread io_;
};

}  // namespace dfs::net
