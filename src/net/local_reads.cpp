#include "net/local_reads.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "common/logging.hpp"
#include "common/thread_name.hpp"
#include "core/chunkstore/error.hpp"
#include "net/socket_deadlines.hpp"

namespace dfs::net {

namespace {

constexpr size_t max_answer_bytes = 4 + 4 + max_reply_message_bytes + 8 + 8;

// The abstract address of `name` (leading NUL, no terminator: the length says where it ends).
socklen_t address_of(const std::string& name, sockaddr_un& a) {
  std::memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path + 1, name.data(), name.size());
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
}

bool same_user(int fd) {
  ucred c{};
  socklen_t len = sizeof c;
  return ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &len) == 0 && c.uid == ::geteuid();
}

// One packet, with `fd` attached when it is open.
bool send_packet(int sock, const std::string& bytes, int fd) {
  iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    auto* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  ssize_t n;
  do n = ::sendmsg(sock, &m, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(bytes.size());
}

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

std::string local_read_name(const std::string& self) {
  std::string name = "dfsnode/local-read/" + self;
  return name.size() + 1 <= sizeof(sockaddr_un::sun_path) ? name : std::string{};
}

std::string encode(const local_read_answer& a) {
  wire_writer w;
  w.u32(a.status)
      .str(a.message.substr(0, max_reply_message_bytes))
      .u64(a.data_offset)
      .u64(a.length);
  return w.take();
}

bool decode(std::string_view in, local_read_answer& out) {
  wire_reader r(in);
  out.status = r.u32();
  out.message = r.str(max_reply_message_bytes);
  out.data_offset = r.u64();
  out.length = r.u64();
  return r.done();
}

std::string encode_local_request(const read_msg& m) {
  wire_writer w;
  w.u32(local_read_magic);
  return w.take() + encode(m);
}

bool decode_local_request(std::string_view in, read_msg& out) {
  wire_reader r(in.substr(0, 4));
  if (r.u32() != local_read_magic || !r.done()) return false;
  return decode(in.substr(4), out);
}

local_read_server::local_read_server(std::string self, uint32_t timeout_ms, handler h)
    : name_(local_read_name(self)), timeout_ms_(timeout_ms), handler_(std::move(h)) {}

local_read_server::~local_read_server() {
  stop();
}

void local_read_server::start() {
  if (name_.empty()) throw std::runtime_error("local reads: endpoint name too long");
  listener_.reset(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!listener_) throw std::runtime_error(errno_text("local reads: socket"));
  sockaddr_un a;
  auto len = address_of(name_, a);
  if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), len) != 0)
    throw std::runtime_error(errno_text(("local reads: bind @" + name_).c_str()));
  if (::listen(listener_.get(), 64) != 0)
    throw std::runtime_error(errno_text("local reads: listen"));
  thread_ = std::thread([this] { loop(); });
}

void local_read_server::stop() {
  if (stopping_.exchange(true) || !thread_.joinable()) return;
  // Wakes the accept() (Linux: it returns EINVAL on a shut-down listener).
  ::shutdown(listener_.get(), SHUT_RDWR);
  thread_.join();
  listener_.reset();
}

void local_read_server::loop() {
  name_this_thread("local-reads");
  while (!stopping_) {
    unique_fd c(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!c) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (stopping_) return;
      if (errno == EMFILE || errno == ENFILE) {  // out of descriptors: let some close
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      log::get("data")->error("local_reads_stopped error=\"{}\"", errno_text("accept"));
      return;
    }
    serve(c.get());
  }
}

void local_read_server::serve(int fd) {
  set_io_timeouts(fd, timeout_ms_);
  // The request is read first even when it will be refused: closing a Unix socket with unread
  // data resets the connection, and the peer would lose the answer.
  char in[max_local_request_bytes + 1];
  ssize_t n;
  do n = ::recv(fd, in, sizeof in, MSG_TRUNC);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return;  // gone, or silent past the timeout
  local_read_answer a;
  read_msg rq;
  if (!same_user(fd))
    a = {uint32_t(chunkstore::errc::forbidden),
         "local reads are served to the chunkserver's own user only",
         {},
         0,
         0};
  else if (static_cast<size_t>(n) > max_local_request_bytes ||
           !decode_local_request(std::string_view(in, static_cast<size_t>(n)), rq))
    a = {uint32_t(chunkstore::errc::invalid_argument), "malformed local read request", {}, 0, 0};
  else
    a = handler_(rq);
  if (a.status != 0) {
    auto k = ++refused_;
    if (k <= 10 || k % 1000 == 0)
      log::get("data")->warn("local_read_refused count={} reason=\"{}\"", k, a.message);
    a.fd.reset();
  } else {
    ++served_;
  }
  send_packet(fd, encode(a), a.fd.get());
}

std::optional<local_read_answer> open_local_chunk(const data_endpoint& at, const read_msg& rq,
                                                  uint32_t timeout_ms) {
  auto name = local_read_name(at.text());
  if (name.empty()) return std::nullopt;
  unique_fd s(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!s) return std::nullopt;
  sockaddr_un a;
  auto len = address_of(name, a);
  if (::connect(s.get(), reinterpret_cast<sockaddr*>(&a), len) != 0) return std::nullopt;
  if (!same_user(s.get())) return std::nullopt;  // not our chunkserver: never trust its answer
  set_io_timeouts(s.get(), timeout_ms);
  auto fail = [&](const std::string& why) {
    return data_error(0, at.text() + ": local read: " + why);
  };
  if (!send_packet(s.get(), encode_local_request(rq), -1)) throw fail(errno_text("send"));
  char in[max_answer_bytes + 1];
  iovec iov{in, sizeof in};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  ssize_t n;
  do n = ::recvmsg(s.get(), &m, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) throw fail(errno_text("receive"));
  local_read_answer out;
  for (auto* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len == CMSG_LEN(sizeof(int))) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      out.fd.reset(fd);
    }
  unique_fd received = std::move(out.fd);
  if ((m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
      !decode(std::string_view(in, static_cast<size_t>(n)), out))
    throw fail("malformed answer");
  if (out.status != 0) throw data_error(out.status, out.message);
  struct stat sb {};
  if (!received || ::fstat(received.get(), &sb) != 0 || !S_ISREG(sb.st_mode))
    throw fail("the answer carries no chunk file");
  out.fd = std::move(received);
  return out;
}

}  // namespace dfs::net
