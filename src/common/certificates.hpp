#pragma once
// The cluster's certificates (SECURITY.md), written and read with OpenSSL's library:
//   - a CA: DIR/ca.key (0600) and DIR/ca.crt;
//   - per node, client or admin: DIR/NAME.key (0600) and DIR/NAME.crt, signed by the CA, with
//     the principal kind in the subject (O=dfsnode, OU=<kind>, CN=NAME) and the matching
//     extended key usage (server: serverAuth + clientAuth, since nodes also connect to each
//     other; client and admin: clientAuth only, so that they can never serve TLS as a node).
// Keys are ECDSA P-256: small, and cheap to sign and verify for every connection.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/principal.hpp"

namespace dfs::pki {

struct pki_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct identity {
  principal_kind kind = principal_kind::client;
  std::string name;  // the certificate's common name
};

// Creates DIR (0700) with ca.key and ca.crt; refuses to overwrite an existing CA. Throws pki_error.
void create_ca(const std::string& dir, int days = 3650);

// Issues DIR/NAME.key + DIR/NAME.crt signed by DIR's CA. `hosts` become subject alternative
// names (IP addresses or DNS names). Refuses to overwrite. Throws pki_error.
void issue_certificate(const std::string& dir, const std::string& name, principal_kind kind,
                       const std::vector<std::string>& hosts, int days = 825);

// Checks a PEM certificate against the CA certificate in the PEM file `ca_path` (signature,
// validity period, client-auth usage) and returns its identity. Throws pki_error with the reason.
identity verify_certificate(const std::string& ca_path, const std::string& cert_pem);

// The identity in a PEM certificate, without checking who signed it (for a process's own).
identity read_identity(const std::string& cert_pem);

// Whole-file read (for PEM files); throws pki_error naming the file.
std::string read_file(const std::string& path);

// A signature over `data` with the PEM private key in `key_path` (throws pki_error), and its
// check against the public key of a PEM certificate.
std::string sign(const std::string& key_path, const std::string& data);
bool verify_signature(const std::string& cert_pem, const std::string& data,
                      const std::string& signature);

}  // namespace dfs::pki
