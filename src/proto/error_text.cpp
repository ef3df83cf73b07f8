#include "proto/error_text.hpp"

#include <caf/message.hpp>

namespace dfs {

std::string error_text(caf::actor_system& sys, const caf::error& e) {
  if (e.context().size() == 1 && e.context().match_element<std::string>(0))
    return e.context().get_as<std::string>(0);
  return sys.render(e);
}

}  // namespace dfs
