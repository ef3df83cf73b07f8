#pragma once
// Which master answered a client last, kept between processes (with several masters). A
// one-shot command asks cluster.masters in their order; with the first of them down in a way
// that leaves its port silent (a stalled or powered-off VM: no "connection refused"), every
// command waited out its first attempt (2 election timeouts) before asking the next. The memo
// lets the next process start with the master that answered. It lives beside the TLS sessions
// (client.tls_session_dir, a directory only this user can use), one file per set of masters;
// a hint only: it can only reorder the configured masters, and any problem just means asking
// in the configured order.
#include <optional>
#include <string>

#include "common/config.hpp"
#include "common/node_id.hpp"

namespace dfs {

class active_master_memo {
 public:
  // Off (every call does nothing) with one master, or without a usable session directory.
  explicit active_master_memo(const config& cfg);

  std::optional<endpoint> recall() const;
  // `m` answered as the active master: kept for the next process unless already kept.
  void remember(const endpoint& m);

 private:
  std::string path_;  // empty: off
  std::optional<endpoint> kept_;
};

}  // namespace dfs
