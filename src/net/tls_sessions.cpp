#include "net/tls_sessions.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "common/config.hpp"
#include "common/crypto.hpp"
#include "common/unique_fd.hpp"

namespace dfs::net {

namespace {

// A session is ~1-2 KiB (the server's certificate is in it); anything much larger is not one.
constexpr off_t max_session_bytes = 16 * 1024;

// Ours alone: owned by this user, no access for group or others.
bool private_to_us(const struct stat& st) {
  return st.st_uid == ::geteuid() && (st.st_mode & 077) == 0;
}

std::string dir_problem(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return "cannot create it: " + std::string(std::strerror(errno));
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return "not a directory";
  if (!private_to_us(st)) return "not this user's alone (it must be owned by this user, mode 0700)";
  return {};
}

}  // namespace

void ssl_session_free_fn::operator()(SSL_SESSION* s) const {
  SSL_SESSION_free(s);
}

tls_session_store::tls_session_store(std::string dir, const std::string& identity)
    : dir_(std::move(dir)),
      identity_key_(crypto::to_hex(crypto::as_view(crypto::hmac_sha256("tls session", identity)))) {
  problem_ = dir_problem(dir_);
}

std::string tls_session_store::file_for(const std::string& server) const {
  auto d = crypto::hmac_sha256(identity_key_, server);
  return dir_ + "/" + crypto::to_hex(crypto::as_view(d)).substr(0, 32) + ".session";
}

ssl_session_ptr tls_session_store::load(const std::string& server) const {
  if (!problem_.empty()) return nullptr;
  unique_fd fd{::open(file_for(server).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
  if (!fd) return nullptr;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || !private_to_us(st) ||
      st.st_size <= 0 || st.st_size > max_session_bytes)
    return nullptr;
  std::string der(static_cast<size_t>(st.st_size), '\0');
  if (::read(fd.get(), der.data(), der.size()) != static_cast<ssize_t>(der.size())) return nullptr;
  auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ssl_session_ptr s{d2i_SSL_SESSION(nullptr, &p, static_cast<long>(der.size()))};
  ERR_clear_error();
  if (!s || SSL_SESSION_get_protocol_version(s.get()) != TLS1_3_VERSION ||
      !SSL_SESSION_is_resumable(s.get()))
    return nullptr;
  // Past its lifetime the server refuses it anyway; offering it would only add bytes.
  if (SSL_SESSION_get_time(s.get()) + SSL_SESSION_get_timeout(s.get()) <= std::time(nullptr))
    return nullptr;
  return s;
}

bool tls_session_store::save(const std::string& server, SSL_SESSION* s) const {
  if (!problem_.empty() || !SSL_SESSION_is_resumable(s)) return false;
  int n = i2d_SSL_SESSION(s, nullptr);
  if (n <= 0 || n > max_session_bytes) return false;
  std::string der(static_cast<size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_SSL_SESSION(s, &p) != n) return false;
  // Written beside the file and renamed over it: a concurrent command reads the old session or
  // the new one, never half of one.
  auto target = file_for(server);
  auto tmp = target + ".tmp." + std::to_string(::getpid());
  unique_fd fd{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600)};
  if (!fd) return false;
  bool ok = ::write(fd.get(), der.data(), der.size()) == static_cast<ssize_t>(der.size());
  fd.reset();
  if (ok && ::rename(tmp.c_str(), target.c_str()) == 0) return true;
  ::unlink(tmp.c_str());
  return false;
}

std::string tls_session_dir(const config& cfg) {
  const auto& set = cfg.client.tls_session_dir;
  if (set == "off") return {};
  if (!set.empty()) return set;
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime == nullptr || runtime[0] != '/') return {};
  return std::string(runtime) + "/dfsnode-tls-sessions";
}

}  // namespace dfs::net
