#include "client/master_finder_for.hpp"

namespace dfs {

master::master_finder master_finder_for(const config& cfg) {
  return master::master_finder(cfg.master_endpoints(), cfg.cluster.discovery == "multicast"
                                                           ? master::hint_policy::learn
                                                           : master::hint_policy::configured_only);
}

}  // namespace dfs
