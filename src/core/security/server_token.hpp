#pragma once
// A server's own login token (auth_token.hpp), for the requests it sends to other nodes: minted
// from its name and the token key, and minted again once half its lifetime has passed, so that
// a token in flight never expires on the way and an HMAC is not computed per request. Held by
// one actor (no locking). The node actor's gatekeeper, a master talking to the other masters
// and a chunkserver's master link each keep one; the request port keeps one per connection for
// its caller, of the kind the caller's verified certificate says.
#include <cstdint>
#include <string>

#include "common/principal.hpp"

namespace dfs::security {

class server_token {
 public:
  server_token() = default;
  server_token(std::string subject, std::string key, uint64_t ttl_s,
               principal_kind kind = principal_kind::server)
      : subject_(std::move(subject)), key_(std::move(key)), ttl_s_(ttl_s), kind_(kind) {}

  // The token at unix time `now_s` (a new one from half its life on).
  const std::string& at(uint64_t now_s);

 private:
  std::string subject_, key_;
  uint64_t ttl_s_ = 600;
  principal_kind kind_ = principal_kind::server;
  std::string token_;
  uint64_t renew_at_s_ = 0;
};

}  // namespace dfs::security
