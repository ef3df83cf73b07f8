#pragma once
// Membership as seen by local subscribers (master repair, fileserver group, console), and
// inspect() for the SWIM wire structs of src/core/membership.
//
// A local actor that wants membership events implements `membership_listener` and sends
// `subscribe_atom` with its handle to the node's failure_detector; the reply is the current
// list of live members (as member_up events), then every change arrives as a member_event_msg.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "core/membership/messages.hpp"
#include "proto/atoms.hpp"
#include "proto/common.hpp"

namespace dfs {

enum class member_event_kind : uint8_t { up = 1, suspect = 2, alive = 3, down = 4, left = 5 };

struct member_event_msg {
  member_event_kind kind = member_event_kind::up;
  node_id id;
  uint64_t incarnation = 0;        // SWIM refutation counter
  std::vector<std::string> roles;  // the member's roles (e.g. {"fileserver"})

  friend bool operator==(const member_event_msg& a, const member_event_msg& b) {
    return a.kind == b.kind && a.id == b.id && a.incarnation == b.incarnation && a.roles == b.roles;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_event_msg& x) {
  return f(caf::meta::type_name("dfs::member_event_msg"), x.kind, x.id, x.incarnation, x.roles);
}

using membership_listener = caf::typed_actor<caf::reacts_to<member_event_atom, member_event_msg>>;

// join: the node's roles are ready to be seen by the cluster; only a failure detector spawned
// with its join deferred waits for it (roles/server.cpp), others ignore it.
using failure_detector_actor = caf::typed_actor<
    caf::replies_to<subscribe_atom, membership_listener>::with<std::vector<member_event_msg>>,
    caf::reacts_to<join_atom>>;

}  // namespace dfs

namespace dfs::membership {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_update& x) {
  return f(caf::meta::type_name("dfs::membership::member_update"), x.id, x.state, x.incarnation,
           x.origin, x.meta);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, packet& x) {
  return f(caf::meta::type_name("dfs::membership::packet"), x.kind, x.sender, x.sender_incarnation,
           x.sender_meta, x.seq, x.target, x.updates, x.state);
}

}  // namespace dfs::membership
