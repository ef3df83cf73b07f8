#pragma once
// The control port (CAF) as a storage client's way to the master for what the master's
// request port cannot carry: an answer over a frame (a huge listing or layout), a node without
// a request port, client.request_port = false, or a server acting for another caller (act_as).
// Behind an interface so that storage_client.cpp holds no CAF code: the CLI's one-shot
// commands run in the lean `dfsnode` binary, which does not load CAF (its ~17,000 symbol
// relocations were most of a command's start, issue 17) and asks a helper process for this
// path (client/proxy_master_fallback.hpp).
#include <chrono>
#include <string>
#include <string_view>

#include "common/node_id.hpp"
#include "proto/request_wire.hpp"

namespace dfs {

class master_fallback {
 public:
  struct result {
    enum kind {
      answered,         // body: the reply struct (proto/wire.hpp)
      refused,          // the master refused the request (authorization, not the leader)
      failed,           // no answer in time, a lost connection: may be asked again
      connect_refused,  // the login was refused (a certificate the master does not accept)
      connect_failed,   // no connection by the deadline
    } kind = failed;
    std::string text;  // why, unless answered
    std::string body;
  };
  virtual ~master_fallback() = default;
  // One request (method and the request struct's bytes, as for the request port) to `master`,
  // connecting and logging in first by `connect_by` unless connected; the answer within
  // `timeout`.
  virtual result call(const endpoint& master, proto::request_method method, std::string_view body,
                      std::chrono::steady_clock::time_point connect_by,
                      std::chrono::milliseconds timeout) = 0;
  // The next call connects again (the master may have restarted).
  virtual void reconnect() = 0;
};

}  // namespace dfs
