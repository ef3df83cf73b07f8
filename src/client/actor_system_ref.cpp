#include "client/actor_system_ref.hpp"

#include "common/startup_trace.hpp"
#include "proto/system_setup.hpp"

namespace dfs {

caf::actor_system& lazy_actor_system::get() {
  std::call_once(once_, [this] {
    caf_cfg_ = std::make_unique<caf::actor_system_config>();
    configure_actor_system(*caf_cfg_, cfg_);
    sys_ = std::make_unique<caf::actor_system>(*caf_cfg_);
    startup_mark("actor_system_up");
  });
  return *sys_;
}

}  // namespace dfs
