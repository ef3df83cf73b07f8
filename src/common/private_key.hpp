#pragma once
// A PEM private key parsed into an EVP_PKEY, for every process's TLS context and login
// signature. OpenSSL 3.0's generic reader (PEM_read_bio_PrivateKey) runs its decoder
// framework: ~0.5 ms per key on these VMs, a tenth of a CLI command's budget (issue 17). The
// cluster's own keys (common/certificates.hpp: unencrypted PKCS#8, EC on a named curve) are
// decoded straight from their DER instead (~0.05 ms); any other key takes the generic path.
#include <memory>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace dfs::pki {

struct pkey_free {
  void operator()(EVP_PKEY* k) const;
};
using private_key = std::unique_ptr<EVP_PKEY, pkey_free>;

// Null when `pem` holds no private key OpenSSL can read (the error queue is cleared).
private_key parse_private_key(std::string_view pem);

}  // namespace dfs::pki
