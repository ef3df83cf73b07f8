#pragma once
// The login exchange of the control plane (core/security/login_challenge.hpp): a client or
// admin asks a node for a challenge, signs it with its certificate's key and gets back a token
// that every later request carries (SECURITY.md).
#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

namespace dfs {

struct login_proof {
  std::string challenge;  // as handed out by the node
  std::string cert_pem;   // the caller's certificate, checked against the cluster CA
  std::string signature;  // over login_signing_input(challenge), by the certificate's key

  friend bool operator==(const login_proof& a, const login_proof& b) {
    return a.challenge == b.challenge && a.cert_pem == b.cert_pem && a.signature == b.signature;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, login_proof& x) {
  return f(caf::meta::type_name("dfs::login_proof"), x.challenge, x.cert_pem, x.signature);
}

struct login_result {
  std::string token;
  uint8_t kind = 0;    // principal_kind of the certificate
  uint32_t ttl_s = 0;  // the token is good for this long from now

  friend bool operator==(const login_result& a, const login_result& b) {
    return a.token == b.token && a.kind == b.kind && a.ttl_s == b.ttl_s;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, login_result& x) {
  return f(caf::meta::type_name("dfs::login_result"), x.token, x.kind, x.ttl_s);
}

}  // namespace dfs
