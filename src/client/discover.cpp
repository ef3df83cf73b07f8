#include "client/discover.hpp"

#include <algorithm>
#include <iostream>
#include <stdexcept>

#include "common/text_table.hpp"
#include "net/discovery.hpp"

namespace dfs {

namespace {

using discovery::discovery_role;

std::chrono::milliseconds window_of(const config& cfg) {
  return std::chrono::milliseconds(std::min(discovery_window_ms, cfg.client.timeout_ms));
}

std::string nobody(const config& cfg) {
  return "no server answered discovery on " + cfg.cluster.multicast_group + " within " +
         std::to_string(window_of(cfg).count()) +
         " ms (same cluster.discovery_key as the servers? a multicast route?)";
}

// The probe and its answers; an error line instead if discovery cannot run.
discovery::finder probe(const config& cfg, discovery_need need, std::string& err) {
  if (cfg.cluster.discovery_key.empty()) {
    err = "cluster.discovery_key is not set: discovery packets are signed with it";
    return discovery::finder{0, {}};
  }
  std::function<bool(const discovery::finder&)> enough;  // empty: the whole window
  if (need == discovery_need::master)
    enough = [](const discovery::finder& f) {
      return f.first_with(discovery_role::master).has_value();
    };
  try {
    return net::discover(cfg.cluster.multicast_group,
                         discovery::packet_key(cfg.cluster.discovery_key), window_of(cfg), enough);
  } catch (const std::exception& e) {
    err = e.what();
    return discovery::finder{0, {}};
  }
}

std::string address(const discovery::answer& a) {
  return a.host + ":" + std::to_string(a.port);
}

}  // namespace

std::string discover_servers(config& cfg, discovery_need need) {
  std::string err;
  auto f = probe(cfg, need, err);
  if (!err.empty()) return err;
  if (f.found().empty()) return nobody(cfg);
  if (auto m = f.first_with(discovery_role::master)) cfg.master.address = address(*m);
  // Replicated masters (issue 15): every master that answered becomes a candidate
  // (config::master_endpoints() reads cluster.masters first, so a configured list must not
  // shadow what was discovered). A storage command stops listening at the first master's
  // answer, so it usually knows one master, possibly a standby: the client then learns the
  // active one from the standby's not_leader hint (master_finder_for: hint_policy::learn).
  std::vector<std::string> masters;
  for (auto& a : f.found())
    if (a.has(discovery_role::master)) masters.push_back(address(a));
  if (!masters.empty()) cfg.cluster.masters = masters;
  std::vector<std::string> fileservers;
  for (auto& a : f.found())
    if (a.has(discovery_role::fileserver)) fileservers.push_back(address(a));
  if (!fileservers.empty()) cfg.client.fileservers = fileservers;
  return {};
}

int cmd_discover(const config& cfg) {
  std::string err;
  auto f = probe(cfg, discovery_need::all, err);
  if (err.empty() && f.found().empty()) err = nobody(cfg);
  if (!err.empty()) {
    std::cerr << "error: " << err << "\n";
    return 1;
  }
  text_table t({"ADDRESS", "ROLES"});
  for (auto& a : f.found()) t.add({address(a), discovery::role_names(a.roles)});
  std::cout << t.render();
  return 0;
}

}  // namespace dfs
