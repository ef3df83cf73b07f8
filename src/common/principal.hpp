#pragma once
// Who a peer is, as far as authorization goes: the kind in its certificate (SECURITY.md).
// server: cluster nodes (registration, heartbeats, chunk traffic); client: file and queue
// operations, read-only console; admin: all of a client's rights plus console commands that
// change state.
#include <cstdint>
#include <optional>
#include <string>

namespace dfs {

enum class principal_kind : uint8_t { server = 1, client = 2, admin = 3 };

inline const char* to_string(principal_kind k) {
  switch (k) {
    case principal_kind::server:
      return "server";
    case principal_kind::client:
      return "client";
    case principal_kind::admin:
      return "admin";
  }
  return "?";
}

inline std::optional<principal_kind> parse_principal_kind(const std::string& s) {
  if (s == "server") return principal_kind::server;
  if (s == "client") return principal_kind::client;
  if (s == "admin") return principal_kind::admin;
  return std::nullopt;
}

}  // namespace dfs
