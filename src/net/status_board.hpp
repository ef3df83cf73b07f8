#pragma once
// The node's status board (issue 16 item 3): the latest status sections, each published by the
// actor that owns its state (membership, master, fileserver sequencer) on its own tick, and
// read by the HTTP port's workers to render GET /, /status/fragment and /status.json. Like the
// metrics' gauges, the page is at most one publish old; no HTTP worker ever waits on an actor.
#include <mutex>

#include "core/status/status_model.hpp"
#include "net/http_exchange.hpp"

namespace dfs::net {

class status_board {
 public:
  explicit status_board(status::node_section node) { snap_.node = std::move(node); }
  status_board(const status_board&) = delete;
  status_board& operator=(const status_board&) = delete;

  void publish(status::membership_section s);
  void publish(status::master_section s);
  void publish(status::gcs_section s);
  // The master's section is no longer known (a fileserver lost its master).
  void withdraw_master();

  // A copy of every section as last published.
  status::snapshot snapshot() const;

 private:
  mutable std::mutex mu_;
  status::snapshot snap_;
};

// How often the page's script asks for a fresh body.
inline constexpr uint32_t status_refresh_ms = 1000;

// If the request is for the status page (/, /status/fragment, /status.json): answers it (GET or
// HEAD; 405 otherwise) and returns true.
bool serve_status(const status_board& board, http_exchange& ex);

}  // namespace dfs::net
