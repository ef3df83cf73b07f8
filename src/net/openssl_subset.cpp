#include "net/openssl_subset.hpp"

#include <openssl/core_dispatch.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include <mutex>
#include <string_view>
#include <vector>

namespace dfs::net {

namespace {

// First names of the algorithms the client uses, as the default provider spells them. SHA1:
// OpenSSL fingerprints every certificate it caches with it. EC also names the decoders of a
// certificate's public key.
// clang-format off
constexpr std::string_view kept[] = {
    "SHA2-256", "SHA2-384", "SHA2-512", "SHA1",         // digests
    "AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305",  // the TLS 1.3 suites
    "HMAC", "HKDF", "TLS13-KDF",                        // MAC, key derivation
    "HASH-DRBG", "SEED-SRC",                            // random numbers
    "EC", "X25519", "ECDH", "ECDSA"};                   // keys, key exchange, signatures
// clang-format on

// An algorithm's names are "first:alias:alias".
bool is_kept(const char* names) {
  std::string_view all{names};
  std::string_view first = all.substr(0, all.find(':'));
  for (auto k : kept)
    if (k == first) return true;
  return false;
}

struct subset {
  OSSL_LIB_CTX* inner = nullptr;  // holds the real default provider
  OSSL_PROVIDER* deflt = nullptr;
  OSSL_PROVIDER* filter = nullptr;  // our reference: it stays loaded for the process's life
  std::mutex mu;
  // Per operation id, the kept entries of the default provider's table (null-terminated). Built
  // once and never freed: OpenSSL keeps pointers into it for the life of the process.
  std::vector<std::vector<OSSL_ALGORITHM>> tables;
};

subset& the_subset() {
  static subset* s = new subset;  // never destroyed: providers outlive static destructors
  return *s;
}

const OSSL_ALGORITHM* query_operation(void*, int op, int* no_cache) {
  auto& s = the_subset();
  *no_cache = 0;
  if (op <= 0) return nullptr;
  std::lock_guard lk(s.mu);
  if (s.tables.size() <= static_cast<size_t>(op)) s.tables.resize(op + 1);
  auto& t = s.tables[op];
  if (t.empty()) {
    int inner_no_cache = 0;
    for (auto* a = OSSL_PROVIDER_query_operation(s.deflt, op, &inner_no_cache);
         a && a->algorithm_names; ++a)
      if (is_kept(a->algorithm_names)) t.push_back(*a);
    t.push_back(OSSL_ALGORITHM{nullptr, nullptr, nullptr, nullptr});
  }
  return t.data();
}

// TLS-GROUP and TLS-SIGALG lists: the default provider's (a group whose key manager is filtered
// out is skipped by libssl when it cannot fetch it).
int get_capabilities(void*, const char* capability, OSSL_CALLBACK* cb, void* arg) {
  return OSSL_PROVIDER_get_capabilities(the_subset().deflt, capability, cb, arg);
}

const OSSL_DISPATCH dispatch[] = {
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, reinterpret_cast<void (*)()>(query_operation)},
    {OSSL_FUNC_PROVIDER_GET_CAPABILITIES, reinterpret_cast<void (*)()>(get_capabilities)},
    {0, nullptr}};

bool use_hash_drbg(OSSL_LIB_CTX* ctx) {
  return RAND_set_DRBG_type(ctx, "HASH-DRBG", nullptr, nullptr, "SHA256") == 1;
}

int provider_init(const OSSL_CORE_HANDLE*, const OSSL_DISPATCH*, const OSSL_DISPATCH** out,
                  void** provctx) {
  auto& s = the_subset();
  s.inner = OSSL_LIB_CTX_new();
  // The default provider's own random numbers (key generation) come from this context's
  // DRBG: the same kind, so that its primitive, too, is a digest.
  if (!s.inner || !use_hash_drbg(s.inner)) return 0;
  s.deflt = OSSL_PROVIDER_load(s.inner, "default");
  if (!s.deflt) return 0;
  // The implementations are the default provider's: they expect its context.
  *provctx = OSSL_PROVIDER_get0_provider_ctx(s.deflt);
  *out = dispatch;
  return 1;
}

}  // namespace

bool use_openssl_subset() {
  // Set first: once the subset is loaded, the default CTR-DRBG is not there to fall back on.
  if (!use_hash_drbg(nullptr)) return false;
  if (OSSL_PROVIDER_add_builtin(nullptr, "dfs-client-subset", provider_init) != 1) return false;
  // Loaded explicitly, it keeps OpenSSL from activating the whole default provider as its
  // fallback in this library context.
  the_subset().filter = OSSL_PROVIDER_load(nullptr, "dfs-client-subset");
  return the_subset().filter != nullptr;
}

}  // namespace dfs::net
