#pragma once
// master_fallback over CAF (client/master_fallback.hpp): the node actor of the master, logged
// in with the process's certificate or with an act_as token, one blocking request at a time.
#include <memory>

#include "client/master_fallback.hpp"
#include "client/remote.hpp"
#include "common/config.hpp"

namespace dfs {

class actor_system_ref;

std::unique_ptr<master_fallback> make_caf_master_fallback(const actor_system_ref& sys,
                                                          const config& cfg,
                                                          const token_source& act_as);

}  // namespace dfs
