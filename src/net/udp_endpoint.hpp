#pragma once
// A UDP socket served by its own Asio thread. Received datagrams go to a callback on that
// thread (the owner forwards them into an actor mailbox with caf::anon_send); sends go out on
// the calling thread (any thread), through the io thread only when the send buffer is full.
// Counts bytes and packets both ways for `bandwidth`.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/node_id.hpp"

namespace dfs::net {

struct traffic_counters {
  std::atomic<uint64_t> bytes_sent{0}, packets_sent{0}, bytes_received{0}, packets_received{0};
  std::atomic<uint64_t> send_errors{0};
};

class udp_endpoint {
 public:
  using receive_fn = std::function<void(const endpoint& from, std::string datagram)>;
  using batch_end_fn = std::function<void()>;

  udp_endpoint();
  ~udp_endpoint();
  udp_endpoint(const udp_endpoint&) = delete;
  udp_endpoint& operator=(const udp_endpoint&) = delete;

  // Binds host:port; returns an error text on failure ("" on success).
  std::string bind(const std::string& host, uint16_t port);
  // Starts the io thread; `on_receive` runs on it for every datagram. Datagrams that wait
  // together in the socket are read one after the other, then `on_batch_end` (if any) runs:
  // an owner that answers datagrams may send its answers to them together.
  void start(receive_fn on_receive, batch_end_fn on_batch_end = nullptr);
  // Thread-safe; the datagram is dropped (and counted) if the address cannot be resolved or
  // the socket is closed.
  void send_to(const endpoint& to, std::string datagram);
  // Stops the io thread and drops the callback (breaking any reference cycle to an actor).
  void stop();

  const traffic_counters& counters() const { return counters_; }

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  traffic_counters counters_;
};

}  // namespace dfs::net
