#include "actors/node/gatekeeper.hpp"

#include "common/certificates.hpp"
#include "common/crypto.hpp"
#include "common/logging.hpp"
#include "core/security/auth_token.hpp"
#include "core/security/login_challenge.hpp"

namespace dfs {

namespace sec = security;

uint64_t unix_now_s() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

gatekeeper::gatekeeper(gate_settings s)
    : s_(std::move(s)),
      token_key_(sec::auth_token_key(s_.cluster_key)),
      challenge_key_(sec::challenge_key(s_.cluster_key)),
      own_token_(s_.node_name, token_key_, s_.token_ttl_s) {}

void gatekeeper::log_refusal(const std::string& line) {
  // A flood of bad requests must not become a flood of log lines.
  constexpr uint32_t lines_per_second = 5;
  auto now = unix_now_s();
  if (now != log_second_) {
    if (suppressed_ > 0)
      log::get("auth")->warn("refused {} more requests in the last second", suppressed_);
    log_second_ = now;
    logged_this_second_ = 0;
    suppressed_ = 0;
  }
  if (logged_this_second_++ < lines_per_second)
    log::get("auth")->warn("{}", line);
  else
    ++suppressed_;
}

std::optional<principal_kind> gatekeeper::check(const std::string& token,
                                                std::optional<principal_kind> need,
                                                const char* what, std::string& why) {
  auto claims = sec::verify_auth_token(token, token_key_, unix_now_s());
  if (!claims) {
    why = "permission denied: " + claims.err().message;
    log_refusal(std::string("refused ") + what + ": " + claims.err().message);
    return std::nullopt;
  }
  if (need && !sec::kind_allows(claims->kind, *need)) {
    why = std::string("permission denied: ") + what + " needs a " + to_string(*need) +
          " certificate, '" + claims->subject + "' has a " + to_string(claims->kind) + " one";
    log_refusal(std::string("refused ") + what + " from " + to_string(claims->kind) + " '" +
                claims->subject + "'");
    return std::nullopt;
  }
  return claims->kind;
}

std::string gatekeeper::challenge() {
  return sec::make_challenge(challenge_key_, unix_now_s(), crypto::random_bytes(16));
}

std::optional<login_result> gatekeeper::login(const login_proof& p, std::string& why) {
  auto refuse = [&](const std::string& reason) -> std::optional<login_result> {
    why = "login refused: " + reason;
    log_refusal(why);
    return std::nullopt;
  };
  if (p.cert_pem.size() > 16384 || p.signature.size() > 1024)
    return refuse("oversized credentials");
  auto now = unix_now_s();
  if (!sec::check_challenge(challenge_key_, p.challenge, now))
    return refuse("unknown or expired challenge");
  pki::identity id;
  try {
    id = pki::verify_certificate(s_.ca_path, p.cert_pem);
  } catch (const pki::pki_error& e) {
    return refuse(e.what());
  }
  if (!pki::verify_signature(p.cert_pem, sec::login_signing_input(p.challenge), p.signature))
    return refuse("the signature does not match the certificate of '" + id.name + "'");
  login_result r;
  r.token = sec::sign_auth_token({id.kind, id.name, now + s_.token_ttl_s}, token_key_);
  r.kind = static_cast<uint8_t>(id.kind);
  r.ttl_s = s_.token_ttl_s;
  log::get("auth")->info("login {} '{}'", to_string(id.kind), id.name);
  return r;
}

const std::string& gatekeeper::server_token() {
  return own_token_.at(unix_now_s());
}

}  // namespace dfs
