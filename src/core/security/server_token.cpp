#include "core/security/server_token.hpp"

#include "core/security/auth_token.hpp"

namespace dfs::security {

const std::string& server_token::at(uint64_t now_s) {
  if (token_.empty() || now_s >= renew_at_s_) {
    token_ = sign_auth_token({kind_, subject_, now_s + ttl_s_}, key_);
    renew_at_s_ = now_s + ttl_s_ / 2;
  }
  return token_;
}

}  // namespace dfs::security
