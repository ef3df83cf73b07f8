#pragma once
// TLS of the data port (SECURITY.md): mutual authentication with the cluster's certificates.
// The context is Boost.Asio's ssl::context (certificate, key, CA, peer verification); the
// session runs OpenSSL directly on the blocking descriptor frame_conn already uses, so the
// socket deadlines (SO_RCVTIMEO / SO_SNDTIMEO) bound TLS reads, writes and handshakes too —
// Asio's blocking operations would wait through them.
//
// The server side accepts only peers with a certificate of the cluster CA (any kind: clients
// push and read, chunkservers forward, admins list); the client side accepts only `server`
// certificates, so a client certificate can never pose as a chunkserver. TLS 1.3 only.
//
// A client that keeps sessions (keep_sessions: the CLI, whose every command is a new process)
// asks servers for a session ticket and resumes with it later, skipping the certificate
// signatures and checks of both sides (net/tls_sessions.hpp). No other client is sent one: a
// ticket is a record after the handshake, unread bytes on an idle pooled or multiplexed
// connection.
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "common/principal.hpp"
#include "net/tls_sessions.hpp"

typedef struct ssl_st SSL;
typedef struct x509_store_ctx_st X509_STORE_CTX;

namespace dfs::net {

struct tls_files {
  std::string ca, cert, key;  // PEM files (config [tls])
};

enum class tls_side { server, client };

// When a client context parses its CA, certificate and key (~1 ms under OpenSSL 3.0, plus a
// signature check of its own certificate at start): at once, or only when a handshake needs
// them. A resumed session (keep_sessions) needs none of them, so a one-shot command that
// resumes never parses a PEM file. The files are still read at once (an unreadable one fails
// there); a file that does not parse fails the first full handshake, naming it. Servers
// always load at once.
enum class tls_load { eager, on_demand };

// A client's own TLS files turned out unusable when first needed (tls_load::on_demand): no
// other server and no retry can help, so callers report it at once.
struct tls_setup_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A handshake in which we refused the peer's certificate (another CA's, expired, the wrong
// kind): a matter of credentials, which no retry on the same peer changes.
struct tls_peer_refused : std::runtime_error {
  explicit tls_peer_refused(const std::string& why)
      : std::runtime_error("TLS handshake failed: " + why), reason(why) {}
  std::string reason;  // OpenSSL's, e.g. "certificate has expired"
};

// Sets SIGPIPE to ignored, once per process (every tls_context does; main() too, for CAF's
// OpenSSL links): a write to a closed TLS peer must fail that connection, not end the process.
void ignore_sigpipe();

// OpenSSL's set-up for a one-shot CLI command (the lean front, src/main.cpp), as the process's
// first use of OpenSSL: without its legacy name tables of every cipher and digest (what
// EVP_get_cipherbyname searches, and every library context copies; ~0.6 ms under OpenSSL 3.0)
// but the SHA digests that certificates are signed with, and with only the algorithms the
// client uses (net/openssl_subset.hpp; ~0.8 ms), and without the system's openssl.cnf unless
// OPENSSL_CONF names a file. False if either failed: OpenSSL then works as it does by default.
bool init_openssl_for_cli();

class tls_context {
 public:
  // Throws std::runtime_error naming the file or setting that failed.
  tls_context(const tls_files& files, tls_side side, tls_load load = tls_load::eager);
  // The process's context for these files and side while anyone holds one: a CLI command's
  // data pool, request link and start-up check share one instead of loading the same files
  // three times (OpenSSL 3.0: ~1 ms each, issue 17). Thread-safe; throws as the constructor.
  // `load` applies when this call makes the context.
  static std::shared_ptr<tls_context> shared(const tls_files& files, tls_side side,
                                             tls_load load = tls_load::eager);
  tls_side side() const { return side_; }
  boost::asio::ssl::context& asio() { return ctx_; }
  // Why the context's own certificate does not verify against its CA file as a client-auth
  // certificate (signature, validity period, usage); "" when it does.
  std::string own_certificate_problem();
  bool loads_on_demand() const { return on_demand_ != nullptr; }
  // After a full handshake of an on-demand context, the start-up check it skipped, once: ""
  // or the check's message naming the file (a server refusing our certificate under TLS 1.3
  // only says so on our first read, as a closed connection).
  std::string on_demand_check();
  // A file that failed to load on demand ("" when none did), as the constructor would say it.
  std::string load_problem() const;
  // Client side: keeps sessions in `dir` to resume later connections, of this process or the
  // next, to the same servers. Returns why the directory cannot be used ("" when it can; then
  // nothing is kept). Call before the first connection. Not for a context whose connections
  // are multiplexed (net/mux_conn.hpp): a ticket arriving on an idle one would block its reader.
  std::string keep_sessions(const std::string& dir);
  const tls_session_store* sessions() const { return sessions_.get(); }

 private:
  struct on_demand {
    tls_files files;
    std::string ca_pem, key_pem;
    std::once_flag ca_once, own_once, check_once;
    bool ca_loaded = false, own_loaded = false;
    mutable std::mutex mu;
    std::string problem;  // the first failure
    std::string check;    // on_demand_check's answer
  };
  // The constructor's steps; throw std::runtime_error naming the file.
  void load_ca(const tls_files& files, const std::string& pem);
  void load_own(const tls_files& files, const std::string& key_pem);
  // One step, once, on demand; false if it failed (load_problem says why).
  bool load_on_demand(std::once_flag& once, bool own);
  // OpenSSL's callbacks: verifying the server's certificate needs the CA; the server asking
  // for ours needs the certificate and key.
  static int verify_on_demand(X509_STORE_CTX* store_ctx, void* arg);
  static int own_certificate_on_demand(SSL* ssl, void* arg);

  tls_side side_;
  boost::asio::ssl::context ctx_;
  std::string cert_pem_;  // what tells this client's sessions apart from another identity's
  std::unique_ptr<tls_session_store> sessions_;
  std::unique_ptr<on_demand> on_demand_;  // with tls_load::on_demand
};

// Bulk bytes cross a data connection in 16 KiB TLS records. Syscalls cost several
// microseconds on these VMs, so a session reads ahead into this much buffer and collects its
// records in this much before a write(2): a 1 GiB get took 133,000 read(2)s and 66,000
// write(2)s without (issue 11: the TLS share of a put or get). Allocated per connection,
// touched only as far as used.
constexpr int tls_read_buffer_bytes = 128 * 1024;
constexpr long tls_write_buffer_bytes = 128 * 1024;

struct ssl_free_fn {
  void operator()(SSL* s) const;
};
using ssl_ptr = std::unique_ptr<SSL, ssl_free_fn>;

// The handshake on a connected blocking socket, within the socket's current deadlines. Throws
// std::runtime_error with OpenSSL's reason (e.g. "certificate verify failed"); tls_peer_refused
// when that reason is our verdict on the peer's certificate. Writes on the
// session are buffered: tls_flush sends them. `server` ("HOST:PORT", client side) names the
// peer whose kept session to offer and under which to keep the new one.
ssl_ptr tls_handshake(tls_context& ctx, int fd, const std::string& server = {});
// Whether the session was resumed from a kept one (no certificates exchanged).
bool tls_resumed(SSL* ssl);

// Sends what the session's writes left in its write buffer; false when the socket fails or
// its send deadline passes.
bool tls_flush(SSL* ssl);
// Bytes received and not yet read by the caller, decrypted or not (read-ahead included).
bool tls_has_unread(SSL* ssl);

// The kind (OU) of the verified peer certificate; nullopt without one.
std::optional<principal_kind> tls_peer_kind(SSL* ssl);
// The common name (CN) of the verified peer certificate; "" without one.
std::string tls_peer_name(SSL* ssl);

}  // namespace dfs::net
