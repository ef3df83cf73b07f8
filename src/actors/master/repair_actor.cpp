#include "actors/master/repair_actor.hpp"

#include <caf/all.hpp>

namespace dfs {

repair_actor::behavior_type repair_fn(repair_self self, master::repair_options opts) {
  self->state.service = master::repair_service(opts);
  return {
      [=](repair_atom, const master::repair_update& u) {
        return self->state.service.on_update(u, core::clock::now());
      },
  };
}

}  // namespace dfs
