#pragma once
// The actor system a client object uses: one already running (servers, the gateway, tests), or
// the CLI's, started on first use. A one-shot command the request ports serve then never starts
// CAF at all: its start (modules, scheduler threads, the middleman) was ~5 ms of a ~45 ms CLI
// call (issue 17). Only the CAF fallback, the consoles and queue commands ask for it. The lean
// CLI binary has none at all (the default-constructed ref).
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "client/master_fallback.hpp"
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

class actor_system_ref;
using token_source = std::function<std::string()>;

// Defined in caf_master_fallback.cpp; named here only by the constructors that carry CAF, so
// a binary that never calls them (the lean CLI) links none of it.
std::unique_ptr<master_fallback> make_caf_master_fallback(const actor_system_ref& sys,
                                                          const config& cfg,
                                                          const token_source& act_as);

class actor_system_ref {
 public:
  using fallback_maker = std::function<std::unique_ptr<master_fallback>(
      const actor_system_ref&, const config&, const token_source&)>;

  // No CAF in this process (the lean CLI, src/main.cpp): the request ports, and `fallback` (a
  // helper process, client/proxy_master_fallback.hpp) for what they cannot carry.
  explicit actor_system_ref(fallback_maker fallback) : make_fallback_(std::move(fallback)) {}
  // Implicit: whoever has a running system passes it as before.
  actor_system_ref(caf::actor_system& running)  // NOLINT
      : running_(&running), make_fallback_(&make_caf_master_fallback) {}
  explicit actor_system_ref(std::shared_ptr<lazy_actor_system> lazy)
      : lazy_(std::move(lazy)), make_fallback_(&make_caf_master_fallback) {}

  // Only with a system (a running or a lazy one).
  caf::actor_system& get() const { return running_ ? *running_ : lazy_->get(); }
  // The control port's way to the master (client/master_fallback.hpp).
  std::unique_ptr<master_fallback> master_fallback_for(const config& cfg,
                                                       const token_source& act_as) const {
    return make_fallback_ ? make_fallback_(*this, cfg, act_as) : nullptr;
  }

 private:
  caf::actor_system* running_ = nullptr;
  std::shared_ptr<lazy_actor_system> lazy_;
  fallback_maker make_fallback_;
};

}  // namespace dfs
