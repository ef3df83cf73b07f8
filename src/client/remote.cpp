#include "client/remote.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

namespace dfs {

caf::expected<node_actor> connect_node(caf::actor_system& sys, const endpoint& addr) {
  auto h = sys.middleman().remote_actor<node_actor>(addr.host, addr.port);
  if (!h)
    return caf::make_error(caf::sec::cannot_connect_to_node,
                           "cannot connect to " + addr.to_string() + ": " + sys.render(h.error()));
  return h;
}

admin_reply admin_call(caf::actor_system& sys, const node_actor& node, const admin_request& req,
                       std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys};
  admin_reply out{1, "no reply"};
  self->request(node, timeout, admin_atom::value, req)
      .receive([&](const admin_reply& r) { out = r; },
               [&](caf::error& e) {
                 out = {1, e == caf::sec::request_timeout ? "request timed out" : sys.render(e)};
               });
  return out;
}

}  // namespace dfs
