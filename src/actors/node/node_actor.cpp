#include "actors/node/node_actor.hpp"

#include <caf/all.hpp>

namespace dfs {

namespace {

const char* not_a_master_text = "this node does not run the master role";

caf::error not_a_master() {
  return caf::make_error(caf::sec::runtime_error, not_a_master_text);
}

ns_reply ns_not_a_master() {
  return {ns_status::unavailable, not_a_master_text, {}, {}, {}};
}

// A namespace request of any kind, forwarded to the master role if this node runs it.
template <class Request>
caf::result<ns_reply> to_master(node_actor::pointer self, const master_actor& master,
                                const Request& r) {
  if (!master) return ns_not_a_master();
  return self->delegate(master, storage_atom::value, r);
}

}  // namespace

node_actor::behavior_type node_fn(node_actor::pointer self, admin_actor admin, master_actor master,
                                  ftqueue_actor ftqueue) {
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
      [=](storage_atom, const ns_request& r) { return to_master(self, master, r); },
      [=](storage_atom, const versions_request& r) { return to_master(self, master, r); },
      [=](storage_atom, const layout_request& r) { return to_master(self, master, r); },
      [=](put_atom, const put_request& r) -> caf::result<put_plan> {
        if (!master) return put_plan{ns_status::unavailable, not_a_master_text, 0, 0, {}};
        return self->delegate(master, put_atom::value, r);
      },
      [=](commit_atom, const put_commit& r) -> caf::result<ns_reply> {
        if (!master) return ns_not_a_master();
        return self->delegate(master, commit_atom::value, r);
      },
  };
}

}  // namespace dfs
