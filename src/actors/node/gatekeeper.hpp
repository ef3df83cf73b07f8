#pragma once
// What a node's front door knows about credentials (SECURITY.md): it checks the auth token of
// every request against the kind the request needs, runs the login exchange for clients and
// admins (challenge, certificate against the cluster CA, signature), and mints this node's own
// server token for replies to other servers. No actor state: node_actor owns one.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/principal.hpp"
#include "core/security/server_token.hpp"
#include "proto/auth.hpp"

namespace dfs {

struct gate_settings {
  std::string cluster_key;  // the servers' shared secret
  std::string ca_path;      // PEM of the cluster CA
  std::string node_name;    // subject of this node's server tokens
  uint32_t token_ttl_s = 3600;
};

class gatekeeper {
 public:
  explicit gatekeeper(gate_settings s);

  // The caller's kind if `token` is valid now and allows what needs `need` (nullopt: any kind);
  // otherwise nullopt and `why` says why in one line (also logged, a few lines per second).
  std::optional<principal_kind> check(const std::string& token, std::optional<principal_kind> need,
                                      const char* what, std::string& why);

  std::string challenge();
  // A token for the certificate in `proof`, or nullopt with `why`.
  std::optional<login_result> login(const login_proof& proof, std::string& why);

  // This node's server token (minted again when half its life is gone).
  const std::string& server_token();

 private:
  void log_refusal(const std::string& line);

  gate_settings s_;
  std::string token_key_, challenge_key_;
  security::server_token own_token_;
  uint64_t log_second_ = 0;
  uint32_t logged_this_second_ = 0, suppressed_ = 0;
};

// Unix seconds now (token expiries are wall-clock times shared by all nodes).
uint64_t unix_now_s();

}  // namespace dfs
