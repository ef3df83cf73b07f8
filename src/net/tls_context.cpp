#include "net/tls_context.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <tuple>

#include "common/private_key.hpp"
#include "common/unique_fd.hpp"
#include "net/openssl_subset.hpp"

namespace dfs::net {

namespace ssl = boost::asio::ssl;

namespace {

std::string openssl_reason() {
  auto e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "connection closed or timed out";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// The whole of a small PEM file; throws naming the setting and the file.
std::string read_pem(const char* what, const std::string& file) {
  auto fail = [&](const std::string& why) {
    throw std::runtime_error(std::string("TLS: cannot load ") + what + " '" + file + "': " + why);
  };
  unique_fd fd{::open(file.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!fd) fail(std::strerror(errno));
  std::string out;
  char buf[4096];
  for (;;) {
    auto n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(std::strerror(errno));
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (1u << 20)) fail("larger than 1 MiB, not a PEM file");
  }
  return out;
}

// The server a client SSL connects to, for the new-session callback.
void free_server_name(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<std::string*>(ptr);
}
int server_name_index() {
  static int i = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_server_name);
  return i;
}
// The tls_context of an SSL_CTX (not SSL_CTX_set_app_data: Asio's context owns that slot).
int context_index() {
  static int i = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return i;
}

// A client that keeps sessions asks for a ticket with this (empty) ClientHello extension; no
// other client gets one. A ticket arrives as a record after the handshake: on a pooled or
// multiplexed connection it would be unread bytes that the pool's liveness check takes for a
// closed connection and a reader woken by poll() blocks on. The number is from TLS's private
// use range (0xFF00-0xFFFF; 0xFF01 is taken).
constexpr unsigned int ticket_request_ext = 0xFFD5;
constexpr unsigned int ticket_request_context = SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_ONLY;

int empty_extension(SSL*, unsigned int, unsigned int, const unsigned char** out, size_t* outlen,
                    X509*, size_t, int*, void*) {
  *out = nullptr;
  *outlen = 0;
  return 1;
}
int no_extension(SSL*, unsigned int, unsigned int, const unsigned char**, size_t*, X509*, size_t,
                 int*, void*) {
  return 0;  // the server answers nothing
}
int on_ticket_request(SSL* ssl, unsigned int, unsigned int, const unsigned char*, size_t, X509*,
                      size_t, int*, void*) {
  SSL_set_num_tickets(ssl, 1);
  return 1;
}

// A client received a ticket: keep it, unless this connection resumed a kept session (that
// one stays valid for its lifetime, and rewriting it would cost every command a file write).
int on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* ctx = static_cast<tls_context*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), context_index()));
  auto* server = static_cast<std::string*>(SSL_get_ex_data(ssl, server_name_index()));
  if (ctx && ctx->sessions() && server && !SSL_session_reused(ssl))
    ctx->sessions()->save(*server, session);
  return 0;  // not taken: OpenSSL frees it
}

// OpenSSL fills a certificate's cache of decoded extensions the first time it checks one, and
// two threads doing that at once race (openssl/openssl#32609): ThreadSanitizer saw it between a
// client's parallel chunk pushes, each verifying its chunkserver against the same CA. Filling it
// while the context is loaded, before any connection shares the certificate, leaves no race.
void fill_extension_cache(X509* cert) {
  if (cert) X509_check_purpose(cert, -1, 0);
}

}  // namespace

void ignore_sigpipe() {
  // OpenSSL writes through a socket BIO, i.e. write(2) without MSG_NOSIGNAL: a peer that closes
  // while we write (a refused push, a client that gives up) would kill the whole process with
  // SIGPIPE. Ignored, the write fails with EPIPE and that one connection ends with an error.
  static std::once_flag once;
  std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

tls_context::tls_context(const tls_files& files, tls_side side, tls_load load)
    : side_(side),
      ctx_(side == tls_side::server ? ssl::context::tls_server : ssl::context::tls_client) {
  ignore_sigpipe();
  auto ca_pem = read_pem("tls.ca", files.ca);
  cert_pem_ = read_pem("tls.cert", files.cert);
  auto key_pem = read_pem("tls.key", files.key);
  auto* native = ctx_.native_handle();
  if (load == tls_load::eager || side == tls_side::server) {
    load_ca(files, ca_pem);
    load_own(files, key_pem);
  } else {
    on_demand_ = std::make_unique<on_demand>();
    on_demand_->files = files;
    on_demand_->ca_pem = std::move(ca_pem);
    on_demand_->key_pem = std::move(key_pem);
    SSL_CTX_set_cert_verify_callback(native, verify_on_demand, this);
    SSL_CTX_set_cert_cb(native, own_certificate_on_demand, this);
  }
  SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION);
  // AES-128-GCM first: with AES-NI the cheapest of the TLS 1.3 suites for bulk chunk bytes.
  SSL_CTX_set_ciphersuites(native,
                           "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                           "TLS_CHACHA20_POLY1305_SHA256");
  ctx_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  // The peer's certificate must carry the extended key usage of its side of the connection.
  SSL_CTX_set_purpose(native,
                      side == tls_side::server ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER);
  if (side == tls_side::server) {
    // A session ticket only to a client that asks (ticket_request_ext: the CLI, which keeps
    // sessions), stateless: nothing cached here. Resumption needs a session id context
    // whenever peers are verified; the ticket carries the client's verified certificate, so
    // its kind and name hold on a resumed connection.
    SSL_CTX_set_num_tickets(native, 0);
    SSL_CTX_add_custom_ext(native, ticket_request_ext, ticket_request_context, no_extension,
                           nullptr, nullptr, on_ticket_request, nullptr);
    SSL_CTX_set_timeout(native, 2 * 3600);  // a ticket's lifetime (SECURITY.md)
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
    static const unsigned char sid_ctx[] = "dfsnode";
    SSL_CTX_set_session_id_context(native, sid_ctx, sizeof sid_ctx - 1);
  }
  SSL_CTX_set_mode(native, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Read-ahead into a buffer of several records: one read(2) per ~8 records of a chunk's
  // bytes instead of two per record (its 5-byte header, then its body).
  SSL_CTX_set_read_ahead(native, 1);
  SSL_CTX_set_default_read_buffer_len(native, tls_read_buffer_bytes);
}

void tls_context::load_ca(const tls_files& files, const std::string& pem) {
  boost::system::error_code ec;
  ctx_.add_certificate_authority(boost::asio::buffer(pem), ec);
  if (ec) throw std::runtime_error("TLS: cannot load tls.ca '" + files.ca + "': " + ec.message());
  auto* objects = X509_STORE_get0_objects(SSL_CTX_get_cert_store(ctx_.native_handle()));
  for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i)
    fill_extension_cache(X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i)));
}

void tls_context::load_own(const tls_files& files, const std::string& key_pem) {
  boost::system::error_code ec;
  ctx_.use_certificate_chain(boost::asio::buffer(cert_pem_), ec);
  if (ec)
    throw std::runtime_error("TLS: cannot load tls.cert '" + files.cert + "': " + ec.message());
  auto* native = ctx_.native_handle();
  auto key = pki::parse_private_key(key_pem);
  if (!key)
    throw std::runtime_error("TLS: cannot load tls.key '" + files.key + "': not a PEM private key");
  // OpenSSL checks the key against the certificate as it takes it.
  if (SSL_CTX_use_PrivateKey(native, key.get()) != 1 || SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    throw std::runtime_error("TLS: tls.key '" + files.key + "' does not match tls.cert '" +
                             files.cert + "'");
  }
  fill_extension_cache(SSL_CTX_get0_certificate(native));
}

bool tls_context::load_on_demand(std::once_flag& once, bool own) {
  auto& d = *on_demand_;
  std::call_once(once, [&] {
    try {
      own ? load_own(d.files, d.key_pem) : load_ca(d.files, d.ca_pem);
      (own ? d.own_loaded : d.ca_loaded) = true;
    } catch (const std::exception& e) {
      std::lock_guard lk(d.mu);
      if (d.problem.empty()) d.problem = e.what();
    }
  });
  return own ? d.own_loaded : d.ca_loaded;
}

int tls_context::verify_on_demand(X509_STORE_CTX* store_ctx, void* arg) {
  auto* self = static_cast<tls_context*>(arg);
  if (!self->load_on_demand(self->on_demand_->ca_once, false)) {
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_UNSPECIFIED);
    return 0;
  }
  return X509_verify_cert(store_ctx);
}

int tls_context::own_certificate_on_demand(SSL* ssl, void* arg) {
  auto* self = static_cast<tls_context*>(arg);
  if (!self->load_on_demand(self->on_demand_->own_once, true)) return 0;
  // This connection was made before the context held them: give it the context's.
  auto* native = self->ctx_.native_handle();
  return SSL_use_certificate(ssl, SSL_CTX_get0_certificate(native)) == 1 &&
                 SSL_use_PrivateKey(ssl, SSL_CTX_get0_privatekey(native)) == 1
             ? 1
             : 0;
}

std::string tls_context::load_problem() const {
  if (!on_demand_) return {};
  std::lock_guard lk(on_demand_->mu);
  return on_demand_->problem;
}

std::string tls_context::on_demand_check() {
  if (!on_demand_) return {};
  auto& d = *on_demand_;
  std::call_once(d.check_once, [&] {
    auto own = own_certificate_problem();
    if (auto problem = load_problem(); !problem.empty())
      d.check = problem;
    else if (!own.empty())
      d.check = "tls.cert '" + d.files.cert + "': " + own;
  });
  return d.check;
}

std::string tls_context::keep_sessions(const std::string& dir) {
  if (side_ != tls_side::client || dir.empty()) return {};
  auto store = std::make_unique<tls_session_store>(dir, cert_pem_);
  if (!store->problem().empty()) return store->problem();
  sessions_ = std::move(store);
  auto* native = ctx_.native_handle();
  SSL_CTX_set_ex_data(native, context_index(), this);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(native, on_new_session);
  SSL_CTX_add_custom_ext(native, ticket_request_ext, ticket_request_context, empty_extension,
                         nullptr, nullptr, nullptr, nullptr);
  return {};
}

bool init_openssl_for_cli() {
  uint64_t opts = OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS;
  // The system's openssl.cnf only when asked for by name: this client sets its protocol, suites
  // and providers itself, and parsing the file was ~0.2 ms of every command (SECURITY.md).
  if (!std::getenv("OPENSSL_CONF")) opts |= OPENSSL_INIT_NO_LOAD_CONFIG;
  if (OPENSSL_init_ssl(opts, nullptr) != 1) return false;
  // The legacy table still needs the digests of the certificates' signatures: the security
  // level's check finds a signature's digest there ("ca md too weak" without them).
  for (const EVP_MD* md : {EVP_sha256(), EVP_sha384(), EVP_sha512(), EVP_sha1()})
    if (EVP_add_digest(md) != 1) return false;
  return use_openssl_subset();
}

std::shared_ptr<tls_context> tls_context::shared(const tls_files& files, tls_side side,
                                                 tls_load load) {
  static std::mutex mu;
  static std::map<std::tuple<std::string, std::string, std::string, tls_side>,
                  std::weak_ptr<tls_context>>
      live;
  std::lock_guard lk(mu);
  auto& slot = live[{files.ca, files.cert, files.key, side}];
  auto ctx = slot.lock();
  if (!ctx) slot = ctx = std::make_shared<tls_context>(files, side, load);
  return ctx;
}

std::string tls_context::own_certificate_problem() {
  if (on_demand_ &&
      (!load_on_demand(on_demand_->ca_once, false) || !load_on_demand(on_demand_->own_once, true)))
    return load_problem();
  auto* native = ctx_.native_handle();
  X509* cert = SSL_CTX_get0_certificate(native);
  if (!cert) return "no certificate loaded";
  std::unique_ptr<X509_STORE_CTX, void (*)(X509_STORE_CTX*)> v{X509_STORE_CTX_new(),
                                                               X509_STORE_CTX_free};
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(native, &chain);
  if (!v || X509_STORE_CTX_init(v.get(), SSL_CTX_get_cert_store(native), cert, chain) != 1)
    return "cannot check it: " + openssl_reason();
  X509_STORE_CTX_set_purpose(v.get(), X509_PURPOSE_SSL_CLIENT);
  if (X509_verify_cert(v.get()) == 1) return {};
  ERR_clear_error();
  return std::string("certificate rejected: ") +
         X509_verify_cert_error_string(X509_STORE_CTX_get_error(v.get()));
}

void ssl_free_fn::operator()(SSL* s) const {
  SSL_free(s);
}

ssl_ptr tls_handshake(tls_context& ctx, int fd, const std::string& server) {
  ERR_clear_error();
  ssl_ptr s(SSL_new(ctx.asio().native_handle()));
  if (!s) throw std::runtime_error("TLS: " + openssl_reason());
  if (ctx.side() == tls_side::client && ctx.sessions() && !server.empty()) {
    // A refused session (the server restarted: new ticket keys) falls back to a full handshake.
    if (auto kept = ctx.sessions()->load(server)) SSL_set_session(s.get(), kept.get());
    SSL_set_ex_data(s.get(), server_name_index(), new std::string(server));
  }
  // Reads straight from the socket BIO (read-ahead fills the context's large read buffer);
  // writes through a buffer BIO on top of it, so that the 16 KiB records of one frame leave
  // in a few large writes instead of one write(2) each (see tls_write_buffer_bytes).
  BIO* sock = BIO_new_socket(fd, BIO_NOCLOSE);
  BIO* buf = BIO_new(BIO_f_buffer());
  if (!sock || !buf || BIO_set_write_buffer_size(buf, tls_write_buffer_bytes) != 1) {
    BIO_free(sock);
    BIO_free(buf);
    throw std::runtime_error("TLS: " + openssl_reason());
  }
  // Two owners of the socket BIO: the SSL as its read BIO, and the buffer BIO's chain.
  BIO_up_ref(sock);
  BIO_push(buf, sock);
  SSL_set_bio(s.get(), sock, buf);
  int r = ctx.side() == tls_side::server ? SSL_accept(s.get()) : SSL_connect(s.get());
  if (r != 1) {
    auto why = openssl_reason();
    bool refused = SSL_get_verify_result(s.get()) != X509_V_OK;
    if (refused) why = X509_verify_cert_error_string(SSL_get_verify_result(s.get()));
    // Files loaded only now (tls_load::on_demand): what the start-up check would have said.
    if (auto check = ctx.on_demand_check(); !check.empty())
      throw tls_setup_error("TLS handshake failed: " + check);
    if (refused) throw tls_peer_refused(why);
    throw std::runtime_error("TLS handshake failed: " + why);
  }
  if (ctx.side() == tls_side::client && ctx.loads_on_demand() && !tls_resumed(s.get()))
    if (auto check = ctx.on_demand_check(); !check.empty())
      throw tls_setup_error("TLS handshake failed: " + check);
  return s;
}

bool tls_resumed(SSL* ssl) {
  return SSL_session_reused(ssl) == 1;
}

bool tls_flush(SSL* ssl) {
  BIO* w = SSL_get_wbio(ssl);
  for (;;) {
    if (BIO_flush(w) == 1) return true;
    bool interrupted = BIO_should_retry(w) && errno == EINTR;
    ERR_clear_error();
    if (!interrupted) return false;
  }
}

bool tls_has_unread(SSL* ssl) {
  return SSL_has_pending(ssl) == 1;
}

std::optional<principal_kind> tls_peer_kind(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!cert) return std::nullopt;
  char ou[64] = {};
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_organizationalUnitName, ou,
                                    sizeof ou);
  if (n <= 0) return std::nullopt;
  return parse_principal_kind(std::string(ou, static_cast<size_t>(n)));
}

std::string tls_peer_name(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!cert) return {};
  char cn[256] = {};
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  return n > 0 ? std::string(cn, static_cast<size_t>(n)) : std::string();
}

}  // namespace dfs::net
