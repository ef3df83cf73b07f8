#pragma once
// A fileserver's status page shows the cluster's chunkservers, capacity bars, zones and repair
// like the master's own (issue 16 item 3): a thread asks the master for its section once per
// page refresh and publishes it to the node's board. While the master cannot be asked the
// section is withdrawn (the page then says so and links to the master's page) rather than shown
// stale.
#include <caf/actor_system.hpp>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "common/config.hpp"
#include "net/status_board.hpp"

namespace dfs {

class master_status_poller {
 public:
  master_status_poller(caf::actor_system& sys, const config& cfg,
                       std::shared_ptr<net::status_board> board);
  // Stops the thread: at most one request timeout (capped, see the .cpp) at shutdown.
  ~master_status_poller();
  master_status_poller(const master_status_poller&) = delete;
  master_status_poller& operator=(const master_status_poller&) = delete;

 private:
  void run();

  caf::actor_system& sys_;
  config cfg_;
  std::shared_ptr<net::status_board> board_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace dfs
