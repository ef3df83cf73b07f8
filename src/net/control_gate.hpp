#pragma once
// The public control port of a node. CAF 0.17 has no limits of its own on accepted connections:
// a connection that never completes its TLS handshake never times out, one host can open as
// many as the fd limit allows, and a length header is believed before it is checked. So CAF
// listens on loopback only, and this gate, on the public address, accepts for it (SECURITY.md):
//   - at most `max_conns` connections, and `max_conns_per_address` per remote IP address;
//   - the client's bytes must be TLS records from the first byte (a plain peer is cut at once),
//     and the handshake must be finished within `handshake_timeout`; before that, at most
//     64 KiB, and CAF is not even connected (an idle connection costs CAF nothing);
//   - a connection with no bytes either way for `idle_timeout` is closed (CAF's heartbeats
//     keep live links busy).
// Bytes are relayed unchanged in both directions: TLS stays end to end between the peer and CAF.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace dfs::net {

class metrics;

struct gate_options {
  std::string host;            // public address to listen on
  uint16_t port = 0;           // public port
  uint16_t upstream_port = 0;  // CAF's listener on 127.0.0.1
  uint32_t idle_timeout_ms = 30000;
  uint32_t handshake_timeout_ms = 10000;
  uint32_t max_conns_per_address = 64;
  uint32_t max_conns = 2048;
  // dfs_port_bytes_total{port="control"}: bytes relayed each way (TLS records); may be null.
  std::shared_ptr<net::metrics> metrics;
};

class control_gate {
 public:
  // Listens at once; throws std::runtime_error (naming the address) when it cannot.
  explicit control_gate(gate_options opts);
  ~control_gate();
  control_gate(const control_gate&) = delete;
  control_gate& operator=(const control_gate&) = delete;

  // Closes the listener and every relayed connection; joins the thread.
  void stop();
  // The port it listens on (the one chosen when gate_options::port was 0).
  uint16_t port() const { return port_; }

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
  uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace dfs::net
