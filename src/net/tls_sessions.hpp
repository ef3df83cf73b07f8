#pragma once
// Resumable TLS sessions of a client, kept in files between processes (issue 17: a one-shot
// command's full handshake costs ~2.5 ms, a resumed one skips both sides' certificate
// signatures and checks). One file per (own certificate, server address): a session made with
// an admin certificate can never serve a `client` configuration, nor one server's another.
//
// A session file holds the session's secret: whoever can write one could make this client
// trust a server it never verified, whoever can read one could resume as this client. So the
// directory must be this user's alone (0700) and every file 0600, owned by this user, not a
// link; anything else is left unused, with one warning. Files are a cache: written without
// fsync, and an unreadable, expired or refused session only costs a full handshake.
#include <memory>
#include <string>

typedef struct ssl_session_st SSL_SESSION;

namespace dfs {
struct config;
}

namespace dfs::net {

struct ssl_session_free_fn {
  void operator()(SSL_SESSION* s) const;
};
using ssl_session_ptr = std::unique_ptr<SSL_SESSION, ssl_session_free_fn>;

class tls_session_store {
 public:
  // `dir` is created (0700) when missing, and checked. `identity` tells this client's
  // certificate apart (its PEM bytes): it keys the files together with the server.
  tls_session_store(std::string dir, const std::string& identity);

  // The kept session for this server ("HOST:PORT"), still within its lifetime; nullptr when
  // there is none or it cannot be used.
  ssl_session_ptr load(const std::string& server) const;
  // Keeps `s` for this server, replacing what was kept; false if it could not be written.
  bool save(const std::string& server, SSL_SESSION* s) const;
  // Why the directory cannot be used ("" when it can); then nothing is loaded or saved.
  const std::string& problem() const { return problem_; }

  std::string file_for(const std::string& server) const;

 private:
  std::string dir_, identity_key_, problem_;
};

// Where a client keeps its sessions (config client.tls_session_dir): the setting; when unset,
// $XDG_RUNTIME_DIR/dfsnode-tls-sessions (a per-user tmpfs of a login session) if that is set;
// "" (sessions not kept) for "off" or when neither exists.
std::string tls_session_dir(const config& cfg);

}  // namespace dfs::net
