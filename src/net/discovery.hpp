#pragma once
// Sockets of LAN discovery (core/discovery/finder.hpp holds the logic): a server's responder,
// joined to cluster.multicast_group on its own Asio thread, answers probes to their sender; a
// client's blocking `discover` sends probes to the group and collects the answers.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/discovery/finder.hpp"

namespace dfs::net {

class discovery_responder {
 public:
  // Joins `group` (IPv4 multicast HOST:PORT) and answers probes signed with `key` (a
  // discovery::packet_key) with `self`. Throws std::runtime_error (one line) if it cannot.
  discovery_responder(const std::string& group, std::string key, discovery::answer self);
  ~discovery_responder();
  discovery_responder(const discovery_responder&) = delete;
  discovery_responder& operator=(const discovery_responder&) = delete;

  uint64_t answered() const;
  uint64_t dropped() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Probes `group` (three times, spread over the window, in case one is lost) and collects
// answers for `window`, or until `enough(found)` says so. Throws std::runtime_error (one line)
// if the socket cannot be set up.
discovery::finder discover(const std::string& group, const std::string& key,
                           std::chrono::milliseconds window,
                           const std::function<bool(const discovery::finder&)>& enough = {});

}  // namespace dfs::net
