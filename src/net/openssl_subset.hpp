#pragma once
// OpenSSL 3.0 for a one-shot CLI command (the lean front, src/main.cpp): the default provider
// behind a filter that offers only what this client uses — TLS 1.3 with the three suites of
// tls_context, X25519 and P-256 key shares, P-256 ECDSA certificates, HMAC-SHA256, HKDF.
//
// Why: OpenSSL 3.0 builds a method object, with every name and alias, for each algorithm of an
// operation the first time anything of that operation is fetched; SSL_CTX_new fetches ciphers,
// digests, MACs, KDFs, key managers and a DRBG, so it built every cipher and digest the default
// provider has (SSL_CTX_new 1.7-2.0 ms here, most of issue 17's CLI start). Through the filter:
// 1.1-1.2 ms. The random generator is a HASH-DRBG over SHA-256 (SP 800-90A, like the default
// CTR-DRBG) in both library contexts, because a DRBG fetches its primitive from the unfiltered
// context inside the filter: all digests cost less to build there than all ciphers.
//
// A process that would use anything else fails that fetch (an error naming the algorithm), so
// only the lean front does this. Providers that an OpenSSL configuration activates (read only
// when OPENSSL_CONF names it: init_openssl_for_cli) stay active beside the filter, and a FIPS
// set-up's default properties still select its provider.
namespace dfs::net {

// Installs the filter in the default library context. Call once, right after OPENSSL_init_ssl
// and before any other use of OpenSSL. False if it could not be loaded.
bool use_openssl_subset();

}  // namespace dfs::net
