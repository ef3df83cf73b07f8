#include "common/certificates.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/private_key.hpp"

namespace dfs::pki {

namespace {

template <class T, void (*F)(T*)>
struct deleter {
  void operator()(T* p) const { F(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;
using store_ptr = std::unique_ptr<X509_STORE, deleter<X509_STORE, X509_STORE_free>>;
using store_ctx_ptr = std::unique_ptr<X509_STORE_CTX, deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

std::string ssl_error() {
  std::string out;
  while (auto e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

[[noreturn]] void fail(const std::string& what) {
  throw pki_error(what);
}

void check(int ok, const std::string& what) {
  if (ok != 1) fail(what + ": " + ssl_error());
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// Writes `text` to a new file with `mode`; never follows or replaces an existing path.
void write_new_file(const std::string& path, const std::string& text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) fail("cannot create '" + path + "': " + std::strerror(errno));
  size_t off = 0;
  while (off < text.size()) {
    auto n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      fail("cannot write '" + path + "': " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) fail("cannot write '" + path + "'");
  ::chmod(path.c_str(), mode);  // whatever the umask
}

pkey_ptr new_key() {
  pkey_ptr key{EVP_EC_gen("P-256")};
  if (!key) fail("cannot generate a P-256 key: " + ssl_error());
  return key;
}

std::string pem_of_key(EVP_PKEY* key) {
  bio_ptr b{BIO_new(BIO_s_mem())};
  check(PEM_write_bio_PrivateKey(b.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "cannot encode the key");
  char* data = nullptr;
  auto n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string pem_of_cert(X509* cert) {
  bio_ptr b{BIO_new(BIO_s_mem())};
  check(PEM_write_bio_X509(b.get(), cert), "cannot encode the certificate");
  char* data = nullptr;
  auto n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

x509_ptr parse_cert(const std::string& pem) {
  bio_ptr b{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  x509_ptr cert{PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr)};
  if (!cert) fail("not a PEM certificate");
  return cert;
}

pkey_ptr load_key(const std::string& path) {
  pkey_ptr key{parse_private_key(read_file(path)).release()};
  if (!key) fail("'" + path + "' is not a PEM private key");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) fail("cannot make certificate extension '" + value + "': " + ssl_error());
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

x509_ptr new_cert(EVP_PKEY* key, const std::string& ou, const std::string& cn, int days) {
  x509_ptr cert{X509_new()};
  X509_set_version(cert.get(), 2);
  // A random 127-bit serial, as CAs do, so that two certificates never share one.
  auto serial = BN_new();
  BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
  BN_free(serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300);  // tolerate small clock skew
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * days);
  X509_set_pubkey(cert.get(), key);
  auto name = X509_get_subject_name(cert.get());
  auto add = [&](const char* field, const std::string& v) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1, 0);
  };
  add("O", "dfsnode");
  add("OU", ou);
  add("CN", cn);
  return cert;
}

std::string subject_field(X509* cert, int nid) {
  auto name = X509_get_subject_name(cert);
  int i = X509_NAME_get_index_by_NID(name, nid, -1);
  if (i < 0) return {};
  auto data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

identity identity_of(X509* cert) {
  auto kind = parse_principal_kind(subject_field(cert, NID_organizationalUnitName));
  if (!kind || subject_field(cert, NID_organizationName) != "dfsnode")
    fail("the certificate carries no dfsnode kind (OU=server|client|admin)");
  return {*kind, subject_field(cert, NID_commonName)};
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  return name != "ca" && name.front() != '.';
}

}  // namespace

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read '" + path + "': " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void create_ca(const std::string& dir, int days) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    fail("cannot create '" + dir + "': " + std::strerror(errno));
  if (exists(dir + "/ca.key") || exists(dir + "/ca.crt"))
    fail("'" + dir + "' already holds a CA; remove it first to start over");
  auto key = new_key();
  auto cert = new_cert(key.get(), "ca", "dfsnode cluster CA", days);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  add_ext(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_ext(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("cannot sign: " + ssl_error());
  write_new_file(dir + "/ca.key", pem_of_key(key.get()), 0600);
  write_new_file(dir + "/ca.crt", pem_of_cert(cert.get()), 0644);
}

void issue_certificate(const std::string& dir, const std::string& name, principal_kind kind,
                       const std::vector<std::string>& hosts, int days) {
  if (!valid_name(name))
    fail("bad name '" + name + "': use 1-64 letters, digits, '-', '_' or '.' (not 'ca')");
  auto ca_key = load_key(dir + "/ca.key");
  auto ca_cert = parse_cert(read_file(dir + "/ca.crt"));
  auto key_path = dir + "/" + name + ".key", cert_path = dir + "/" + name + ".crt";
  if (exists(key_path) || exists(cert_path))
    fail("'" + name + "' already has a certificate in '" + dir + "'");
  auto key = new_key();
  auto cert = new_cert(key.get(), to_string(kind), name, days);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  add_ext(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature,keyAgreement");
  add_ext(cert.get(), ca_cert.get(), NID_ext_key_usage,
          kind == principal_kind::server ? "serverAuth,clientAuth" : "clientAuth");
  add_ext(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always");
  std::string san;
  for (auto& h : hosts) {
    unsigned char buf[16];
    bool ip = inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
    san += (san.empty() ? "" : ",") + std::string(ip ? "IP:" : "DNS:") + h;
  }
  if (!san.empty()) add_ext(cert.get(), ca_cert.get(), NID_subject_alt_name, san);
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0) fail("cannot sign: " + ssl_error());
  write_new_file(key_path, pem_of_key(key.get()), 0600);
  write_new_file(cert_path, pem_of_cert(cert.get()), 0644);
}

identity read_identity(const std::string& cert_pem) {
  auto cert = parse_cert(cert_pem);
  return identity_of(cert.get());
}

identity verify_certificate(const std::string& ca_path, const std::string& cert_pem) {
  auto ca = parse_cert(read_file(ca_path));
  auto cert = parse_cert(cert_pem);
  store_ptr store{X509_STORE_new()};
  X509_STORE_add_cert(store.get(), ca.get());
  store_ctx_ptr ctx{X509_STORE_CTX_new()};
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
  if (X509_verify_cert(ctx.get()) != 1)
    fail(std::string("certificate rejected: ") +
         X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  return identity_of(cert.get());
}

std::string sign(const std::string& key_path, const std::string& data) {
  auto key = load_key(key_path);
  md_ctx_ptr md{EVP_MD_CTX_new()};
  check(EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key.get()),
        "cannot sign with '" + key_path + "'");
  size_t len = 0;
  check(EVP_DigestSign(md.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()),
        "cannot sign");
  std::string sig(len, '\0');
  check(EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()),
        "cannot sign");
  sig.resize(len);
  return sig;
}

bool verify_signature(const std::string& cert_pem, const std::string& data,
                      const std::string& signature) {
  try {
    auto cert = parse_cert(cert_pem);
    EVP_PKEY* pub = X509_get0_pubkey(cert.get());
    if (!pub) return false;
    md_ctx_ptr md{EVP_MD_CTX_new()};
    if (EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, pub) != 1) return false;
    return EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                            data.size()) == 1;
  } catch (const pki_error&) {
    return false;
  }
}

}  // namespace dfs::pki
