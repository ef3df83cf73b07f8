// EC_KEY is deprecated in OpenSSL 3 in favour of the provider decoders whose start-up cost is
// the point of this file; it stays available through 3.x, and the generic path below covers
// any key this shortcut does not.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "common/private_key.hpp"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>

namespace dfs::pki {

void pkey_free::operator()(EVP_PKEY* k) const {
  EVP_PKEY_free(k);
}

namespace {

struct bio_free {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct p8_free {
  void operator()(PKCS8_PRIV_KEY_INFO* p) const { PKCS8_PRIV_KEY_INFO_free(p); }
};
struct ec_free {
  void operator()(EC_KEY* k) const { EC_KEY_free(k); }
};

// An unencrypted PKCS#8 EC key on a named curve, decoded without the decoder framework;
// null for anything else.
private_key parse_pkcs8_ec(const unsigned char* der, long len) {
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, p8_free> p8{d2i_PKCS8_PRIV_KEY_INFO(nullptr, &der, len)};
  if (!p8) return nullptr;
  const ASN1_OBJECT* key_type = nullptr;
  const unsigned char* inner = nullptr;
  int inner_len = 0;
  const X509_ALGOR* alg = nullptr;
  if (PKCS8_pkey_get0(&key_type, &inner, &inner_len, &alg, p8.get()) != 1 ||
      OBJ_obj2nid(key_type) != NID_X9_62_id_ecPublicKey)
    return nullptr;
  int param_type = 0;
  const void* param = nullptr;
  X509_ALGOR_get0(nullptr, &param_type, &param, alg);
  if (param_type != V_ASN1_OBJECT) return nullptr;  // explicit curve parameters: generic path
  std::unique_ptr<EC_KEY, ec_free> ec{
      EC_KEY_new_by_curve_name(OBJ_obj2nid(static_cast<const ASN1_OBJECT*>(param)))};
  EC_KEY* raw = ec.get();
  if (!raw || !d2i_ECPrivateKey(&raw, &inner, inner_len) || !EC_KEY_get0_public_key(raw))
    return nullptr;
  private_key key{EVP_PKEY_new()};
  if (!key || EVP_PKEY_assign_EC_KEY(key.get(), ec.get()) != 1) return nullptr;
  ec.release();  // owned by the key now
  return key;
}

}  // namespace

private_key parse_private_key(std::string_view pem) {
  std::unique_ptr<BIO, bio_free> b{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* der = nullptr;
  long len = 0;
  private_key key;
  if (b && PEM_read_bio(b.get(), &name, &header, &der, &len) == 1) {
    if (std::strcmp(name, PEM_STRING_PKCS8INF) == 0 && header[0] == '\0')
      key = parse_pkcs8_ec(der, len);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
  }
  if (!key) {
    b.reset(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (b) key.reset(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
  }
  ERR_clear_error();
  return key;
}

}  // namespace dfs::pki
