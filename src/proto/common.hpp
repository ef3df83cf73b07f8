#pragma once
// inspect() for the id types of src/common, so they can travel in messages.
#include <caf/meta/type_name.hpp>

#include "common/node_id.hpp"

namespace dfs {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, endpoint& x) {
  return f(caf::meta::type_name("dfs::endpoint"), x.host, x.port);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_id& x) {
  return f(caf::meta::type_name("dfs::node_id"), x.host, x.port, x.incarnation);
}

}  // namespace dfs
