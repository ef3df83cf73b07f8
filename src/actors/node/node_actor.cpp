#include "actors/node/node_actor.hpp"

#include <caf/all.hpp>

namespace dfs {

namespace {

caf::error not_a_master() {
  return caf::make_error(caf::sec::runtime_error, "this node does not run the master role");
}

}  // namespace

node_actor::behavior_type node_fn(node_actor::pointer self, admin_actor admin,
                                  master_actor master, ftqueue_actor ftqueue) {
  return {
      [=](admin_atom, const admin_request& req) -> caf::result<admin_reply> {
        return self->delegate(admin, admin_atom::value, req);
      },
      [=](queue_atom, const queue_request& r) -> caf::result<queue_reply> {
        if (!ftqueue)
          return caf::make_error(caf::sec::runtime_error,
                                 "this node does not run the fileserver role");
        return self->delegate(ftqueue, queue_atom::value, r);
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
