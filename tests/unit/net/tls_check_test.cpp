// The start-up check of a process's [tls] files (net/tls_check.hpp), the per-process shared
// client context it loads, and the private-key reader behind every context
// (common/private_key.hpp): one clear line for each bad setting, and keys that sign.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <string>

#include "common/certificates.hpp"
#include "common/private_key.hpp"
#include "common/temp_dir.hpp"
#include "net/tls_check.hpp"

using namespace dfs;

namespace {

struct TlsCheck : ::testing::Test {
  test::temp_dir tmp;
  std::string ca = tmp.path() + "/ca", other = tmp.path() + "/other";

  void SetUp() override {
    pki::create_ca(ca);
    pki::create_ca(other);
    pki::issue_certificate(ca, "alice", principal_kind::client, {});
    pki::issue_certificate(ca, "bob", principal_kind::client, {});
    pki::issue_certificate(other, "mallory", principal_kind::client, {});
  }

  config with(const std::string& ca_dir, const std::string& cert, const std::string& key) {
    config c;
    c.tls.ca = ca_dir + "/ca.crt";
    c.tls.cert = cert;
    c.tls.key = key;
    return c;
  }
  std::string crt(const std::string& dir, const std::string& n) { return dir + "/" + n + ".crt"; }
  std::string key(const std::string& dir, const std::string& n) { return dir + "/" + n + ".key"; }
};

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST_F(TlsCheck, TheClustersOwnFilesPassAndTheContextIsShared) {
  std::shared_ptr<net::tls_context> kept;
  EXPECT_EQ(net::check_tls_files(with(ca, crt(ca, "alice"), key(ca, "alice")), &kept), "");
  ASSERT_TRUE(kept);
  // While held, everyone asking for the same files gets the same context: loaded once.
  auto again = net::tls_context::shared({ca + "/ca.crt", crt(ca, "alice"), key(ca, "alice")},
                                        net::tls_side::client);
  EXPECT_EQ(again.get(), kept.get());
  // Other files or the other side: another context.
  auto bob = net::tls_context::shared({ca + "/ca.crt", crt(ca, "bob"), key(ca, "bob")},
                                      net::tls_side::client);
  EXPECT_NE(bob.get(), kept.get());
  auto server = net::tls_context::shared({ca + "/ca.crt", crt(ca, "alice"), key(ca, "alice")},
                                         net::tls_side::server);
  EXPECT_NE(server.get(), kept.get());
  // Released by all, the files are read again next time (a renewed certificate is seen).
  std::weak_ptr<net::tls_context> old = kept;
  kept.reset();
  again.reset();
  EXPECT_TRUE(old.expired());
}

TEST_F(TlsCheck, EachBadSettingGetsOneLineNamingIt) {
  EXPECT_NE(net::check_tls_files(with(ca, "", key(ca, "alice"))).find("must be set"),
            std::string::npos);
  // Signed by another CA: rejected before any connection is tried.
  auto why = net::check_tls_files(with(ca, crt(other, "mallory"), key(other, "mallory")));
  EXPECT_EQ(why.rfind("tls.cert '" + crt(other, "mallory") + "': certificate rejected: ", 0), 0u)
      << why;
  why = net::check_tls_files(with(ca, crt(ca, "alice"), tmp.path() + "/missing.key"));
  EXPECT_EQ(why,
            "TLS: cannot load tls.key '" + tmp.path() + "/missing.key': No such file or directory");
  why = net::check_tls_files(with(ca, crt(ca, "alice"), key(ca, "bob")));
  EXPECT_EQ(why, "TLS: tls.key '" + key(ca, "bob") + "' does not match tls.cert '" +
                     crt(ca, "alice") + "'");
  write(tmp.path() + "/garbage.key",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  why = net::check_tls_files(with(ca, crt(ca, "alice"), tmp.path() + "/garbage.key"));
  EXPECT_NE(why.find("tls.key '" + tmp.path() + "/garbage.key': not a PEM private key"),
            std::string::npos)
      << why;
  why = net::check_tls_files(with(ca, tmp.path(), key(ca, "alice")));  // a directory
  EXPECT_EQ(why.rfind("TLS: cannot load tls.cert '" + tmp.path() + "': ", 0), 0u) << why;
  write(tmp.path() + "/empty.crt", "");
  why = net::check_tls_files(with(ca, tmp.path() + "/empty.crt", key(ca, "alice")));
  EXPECT_EQ(why.rfind("TLS: cannot load tls.cert '" + tmp.path() + "/empty.crt': ", 0), 0u) << why;
}

// Signs with `key` and checks the signature with the public key of `cert_pem`.
bool signs(EVP_PKEY* key, const std::string& cert_pem) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  std::string data = "challenge";
  size_t len = 0;
  bool ok = EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                           data.size()) == 1;
  std::string sig(len, '\0');
  ok = ok && EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len,
                            reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(md);
  sig.resize(len);
  return ok && pki::verify_signature(cert_pem, data, sig);
}

// A memory BIO's bytes; frees it.
std::string contents(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(b);
  return out;
}

TEST_F(TlsCheck, TheClustersKeysAndOtherKeysBothParse) {
  // The shortcut (PKCS#8, EC on a named curve): the key signs for its certificate only.
  auto alice = pki::parse_private_key(pki::read_file(key(ca, "alice")));
  ASSERT_TRUE(alice);
  EXPECT_TRUE(signs(alice.get(), pki::read_file(crt(ca, "alice"))));
  EXPECT_FALSE(signs(alice.get(), pki::read_file(crt(ca, "bob"))));
  // Any other key takes OpenSSL's generic reader: a traditional "EC PRIVATE KEY" file and an
  // RSA key, as an operator might bring their own.
  EVP_PKEY* rsa = EVP_RSA_gen(2048);
  ASSERT_TRUE(rsa);
  BIO* b = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey(b, rsa, nullptr, nullptr, 0, nullptr, nullptr), 1);
  std::string rsa_pem = contents(b);
  auto parsed = pki::parse_private_key(rsa_pem);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(EVP_PKEY_eq(parsed.get(), rsa), 1);
  EVP_PKEY_free(rsa);
  b = BIO_new(BIO_s_mem());
  ASSERT_EQ(
      PEM_write_bio_PrivateKey_traditional(b, alice.get(), nullptr, nullptr, 0, nullptr, nullptr),
      1);
  std::string traditional = contents(b);
  ASSERT_NE(traditional.find("BEGIN EC PRIVATE KEY"), std::string::npos);
  auto again = pki::parse_private_key(traditional);
  ASSERT_TRUE(again);
  EXPECT_EQ(EVP_PKEY_eq(again.get(), alice.get()), 1);
  // Not a key: null, nothing thrown.
  EXPECT_FALSE(pki::parse_private_key(""));
  EXPECT_FALSE(
      pki::parse_private_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
  EXPECT_FALSE(pki::parse_private_key(pki::read_file(crt(ca, "alice"))));
}

}  // namespace
