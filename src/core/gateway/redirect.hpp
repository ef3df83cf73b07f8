#pragma once
// Redirects of file reads to where the bytes live (issue 16 item 2, `gateway.redirect`): a
// GET answered with 307 to the gateway on the host that holds the most chunks of the file, so
// the bytes leave that host once instead of crossing to this gateway first. This gateway
// serves the request itself when its own host holds as many chunks as any other, or when no
// gateway runs on a better host. The new target names the version found here, so both
// gateways serve the same bytes (and ETag) even if a put lands in between.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dfs::gateway {

struct gateway_addr {
  std::string host;
  uint16_t http_port = 0;
};

// `chunk_hosts[i]`: hosts of chunk i's replicas. `target`: the request target as received.
// The Location for a 307, or nullopt to serve here.
std::optional<std::string> redirect_location(
    std::string_view self_host, const std::vector<std::vector<std::string>>& chunk_hosts,
    const std::vector<gateway_addr>& gateways, std::string_view scheme, std::string_view target,
    uint64_t version);

}  // namespace dfs::gateway
