#pragma once
// The ports of a node, all derived from its control port P (design.md §3): control TCP and
// gossip UDP P, data TCP P+1, multicast UDP P+2, HTTP P+3, requests TCP P+4 (a client's
// metadata and queue requests without CAF; proto/request_wire.hpp). The one place that knows
// the offsets.
#include <cstdint>

namespace dfs {

inline constexpr uint16_t data_port_of(uint16_t control_port) {
  return static_cast<uint16_t>(control_port + 1);
}
inline constexpr uint16_t multicast_port_of(uint16_t control_port) {
  return static_cast<uint16_t>(control_port + 2);
}
inline constexpr uint16_t http_port_of(uint16_t control_port) {
  return static_cast<uint16_t>(control_port + 3);
}
inline constexpr uint16_t request_port_of(uint16_t control_port) {
  return static_cast<uint16_t>(control_port + 4);
}

}  // namespace dfs
