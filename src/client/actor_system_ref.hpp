#pragma once
// The actor system a client object uses: one already running (servers, the gateway, tests), or
// the CLI's, started on first use. A one-shot command the request ports serve then never starts
// CAF at all: its start (modules, scheduler threads, the middleman) was ~5 ms of a ~45 ms CLI
// call (issue 17). Only the CAF fallback, the consoles and queue commands ask for it.
#include <memory>
#include <mutex>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "common/config.hpp"

namespace dfs {

// Started by the first get(), from any thread; stopped when destroyed.
class lazy_actor_system {
 public:
  explicit lazy_actor_system(config cfg) : cfg_(std::move(cfg)) {}
  lazy_actor_system(const lazy_actor_system&) = delete;
  lazy_actor_system& operator=(const lazy_actor_system&) = delete;

  caf::actor_system& get();

 private:
  config cfg_;
  std::once_flag once_;
  std::unique_ptr<caf::actor_system_config> caf_cfg_;
  std::unique_ptr<caf::actor_system> sys_;  // declared after its config: destroyed before it
};

class actor_system_ref {
 public:
  // Implicit: whoever has a running system passes it as before.
  actor_system_ref(caf::actor_system& running) : running_(&running) {}  // NOLINT
  explicit actor_system_ref(std::shared_ptr<lazy_actor_system> lazy) : lazy_(std::move(lazy)) {}

  caf::actor_system& get() const { return running_ ? *running_ : lazy_->get(); }

 private:
  caf::actor_system* running_ = nullptr;
  std::shared_ptr<lazy_actor_system> lazy_;
};

}  // namespace dfs
