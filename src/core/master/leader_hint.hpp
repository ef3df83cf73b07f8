#pragma once
// How a standby master says "not me, ask the active one" (issue 15). Requests to a standby get
// errc::not_leader with one error line that names the active master when the standby knows it;
// chunkserver registrations and heartbeats get the same line as their CAF error. Clients and
// chunkservers read the hint back to go straight to the active master, else they try the other
// configured masters (config::master_endpoints()).
#include <optional>
#include <string>
#include <string_view>

#include "common/node_id.hpp"

namespace dfs::master {

// "not the active master (active: HOST:PORT)" or "not the active master (active: unknown)".
std::string not_leader_message(const std::optional<endpoint>& active);

// Whether `text` (an error line, or a rendered CAF error that contains one) says not_leader.
bool is_not_leader(std::string_view text);

// The active master named in such a line, if any.
std::optional<endpoint> leader_hint(std::string_view text);

}  // namespace dfs::master
