#include "actors/node/node_actor.hpp"

#include <caf/all.hpp>

namespace dfs {

namespace {

caf::error not_a_master() {
  return caf::make_error(caf::sec::runtime_error, "this node does not run the master role");
}

}  // namespace

node_actor::behavior_type node_fn(node_actor::pointer self, admin_actor admin,
                                  master_actor master) {
  return {
      [=](admin_atom, const admin_request& req) -> caf::result<admin_reply> {
        return self->delegate(admin, admin_atom::value, req);
      },
      [=](register_atom, const chunkserver_registration& r) -> caf::result<registration_ack> {
        if (!master) return not_a_master();
        return self->delegate(master, register_atom::value, r);
      },
      [=](heartbeat_atom, const chunkserver_heartbeat& hb) -> caf::result<heartbeat_reply> {
        if (!master) return not_a_master();
        return self->delegate(master, heartbeat_atom::value, hb);
      },
  };
}

}  // namespace dfs
