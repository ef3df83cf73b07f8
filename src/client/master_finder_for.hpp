#pragma once
// Which masters a tool asks, from its config. Apart from remote.hpp (CAF connections) so that
// the lean CLI front (src/main.cpp), which uses it, links none of those.
#include "common/config.hpp"
#include "core/master/master_finder.hpp"

namespace dfs {

// The masters a tool may ask (config::master_endpoints()), first the first. Masters found by LAN
// discovery may be only those that answered first: a standby's hint to another is followed
// (learnt) there; a configured list is followed as written.
master::master_finder master_finder_for(const config& cfg);

}  // namespace dfs
