#include "roles/master_status_poller.hpp"

#include <algorithm>
#include <chrono>

#include "client/storage_client.hpp"
#include "common/logging.hpp"

namespace dfs {

master_status_poller::master_status_poller(caf::actor_system& sys, const config& cfg,
                                           std::shared_ptr<net::status_board> board)
    : sys_(sys), cfg_(cfg), board_(std::move(board)) {
  // A page refresh is once a second: a longer wait helps no one and delays shutdown.
  cfg_.client.timeout_ms = std::min<uint32_t>(cfg_.client.timeout_ms, 2000);
  thread_ = std::thread([this] { run(); });
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
      auto s = client->master_status();
      s.from = cfg_.master.address;
      board_->publish(std::move(s));
      if (!reachable) log->info("master_status_reachable master={}", cfg_.master.address);
      reachable = true;
    } catch (const std::exception& e) {
      board_->withdraw_master();
      client.reset();  // a fresh connection and login next time
      if (reachable)
        log->warn("master_status_unreachable master={} error=\"{}\"", cfg_.master.address,
                  e.what());
      reachable = false;
    }
    lk.lock();
    wake_.wait_for(lk, std::chrono::milliseconds(net::status_refresh_ms), [this] { return stop_; });
  }
}

}  // namespace dfs
