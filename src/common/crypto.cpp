#include "common/crypto.hpp"

#include <mutex>
#include <stdexcept>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace dfs::crypto {

digest hmac_sha256(std::string_view key, std::string_view data) {
  digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

struct hmac_sha256_key::impl {
  std::string key;  // for the one-shot fallback, should OpenSSL refuse a context
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* keyed = nullptr;  // initialised with the key; the pool's contexts copy it
  std::mutex mu;
  std::vector<EVP_MAC_CTX*> spare;

  EVP_MAC_CTX* take() {
    std::lock_guard<std::mutex> lock(mu);
    if (!spare.empty()) {
      auto* c = spare.back();
      spare.pop_back();
      return c;
    }
    return keyed ? EVP_MAC_CTX_dup(keyed) : nullptr;
  }
  void give_back(EVP_MAC_CTX* c) {
    constexpr size_t max_spare = 8;  // about the threads that sign at once
    std::lock_guard<std::mutex> lock(mu);
    if (spare.size() < max_spare) {
      spare.push_back(c);
      return;
    }
    EVP_MAC_CTX_free(c);
  }
};

hmac_sha256_key::hmac_sha256_key(std::string_view key) : impl_(std::make_unique<impl>()) {
  impl_->key = std::string(key);
  impl_->mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  if (!impl_->mac) return;
  impl_->keyed = EVP_MAC_CTX_new(impl_->mac);
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                         OSSL_PARAM_construct_end()};
  if (impl_->keyed && EVP_MAC_init(impl_->keyed, reinterpret_cast<const unsigned char*>(key.data()),
                                   key.size(), params) != 1) {
    EVP_MAC_CTX_free(impl_->keyed);
    impl_->keyed = nullptr;
  }
}

hmac_sha256_key::~hmac_sha256_key() {
  for (auto* c : impl_->spare) EVP_MAC_CTX_free(c);
  EVP_MAC_CTX_free(impl_->keyed);
  EVP_MAC_free(impl_->mac);
}

digest hmac_sha256_key::sign(std::string_view data) const {
  auto* c = impl_->take();
  digest out{};
  size_t len = 0;
  // A null key restarts the context under the key it already has.
  bool ok =
      c && EVP_MAC_init(c, nullptr, 0, nullptr) == 1 &&
      EVP_MAC_update(c, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
      EVP_MAC_final(c, out.data(), &len, out.size()) == 1 && len == out.size();
  if (c) impl_->give_back(c);
  return ok ? out : hmac_sha256(impl_->key, data);
}

std::string derive_key(std::string_view secret, std::string_view label) {
  return std::string(as_view(hmac_sha256(secret, "dfsnode key: " + std::string(label))));
}

bool equal_ct(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("the OpenSSL random generator failed");
  return out;
}

std::string to_hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool from_hex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

}  // namespace dfs::crypto
