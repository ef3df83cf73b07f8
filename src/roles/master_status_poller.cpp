#include "roles/master_status_poller.hpp"

#include <algorithm>
#include <chrono>

#include "client/storage_client.hpp"
#include "common/logging.hpp"
#include "common/thread_name.hpp"

namespace dfs {

master_status_poller::master_status_poller(caf::actor_system& sys, const config& cfg,
                                           std::shared_ptr<net::status_board> board)
    : sys_(sys), cfg_(cfg), board_(std::move(board)) {
  // A page refresh is once a second: a longer wait helps no one and delays shutdown.
  cfg_.client.timeout_ms = std::min<uint32_t>(cfg_.client.timeout_ms, 2000);
  thread_ = named_thread("status-poller", [this] { run(); });
}

master_status_poller::~master_status_poller() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void master_status_poller::run() {
  auto log = log::get("main");
  std::unique_ptr<storage_client> client;
  bool reachable = true;  // log transitions only, not every refresh
  std::unique_lock lk(mu_);
  while (!stop_) {
    lk.unlock();
    try {
      if (!client) client = std::make_unique<storage_client>(sys_, cfg_);
      // With several masters (cluster.masters) the client finds the active one; its section
      // names the master that answered.
      auto s = client->master_status();
      s.from = client->master_address();
      auto from = s.from;
      board_->publish(std::move(s));
      if (!reachable) log->info("master_status_reachable master={}", from);
      reachable = true;
    } catch (const std::exception& e) {
      board_->withdraw_master();
      auto master = client ? client->master_address() : cfg_.master.address;
      // One master: a fresh connection and login next time. Several: the client reconnects
      // by itself and keeps its place among them (the next poll starts at the next master).
      if (cfg_.master_endpoints().size() == 1) client.reset();
      if (reachable)
        log->warn("master_status_unreachable master={} error=\"{}\"", master, e.what());
      reachable = false;
    }
    lk.lock();
    wake_.wait_for(lk, std::chrono::milliseconds(net::status_refresh_ms), [this] { return stop_; });
  }
}

}  // namespace dfs
