#include "client/proxy_master_fallback.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "client/control_proxy_wire.hpp"
#include "net/tls_context.hpp"

extern char** environ;

namespace dfs {

namespace {

uint32_t ms_until(std::chrono::steady_clock::time_point t) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(t - std::chrono::steady_clock::now());
  return static_cast<uint32_t>(std::clamp<int64_t>(left.count(), 1, UINT32_MAX));
}

}  // namespace

proxy_master_fallback::proxy_master_fallback(std::vector<std::string> command)
    : command_(std::move(command)) {}

proxy_master_fallback::~proxy_master_fallback() {
  stop();
}

std::string proxy_master_fallback::start() {
  if (pid_ > 0) return {};
  net::ignore_sigpipe();  // a helper that died must fail the write, not end this process
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
  if (::pipe2(out, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(in[0]);
    ::close(in[1]);
    return std::string("pipe: ") + std::strerror(e);
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  std::vector<char*> argv;
  for (auto& a : command_) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[0]);
  ::close(out[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    return "cannot start '" + command_[0] + "': " + std::strerror(rc);
  }
  pid_ = pid;
  to_ = in[1];
  from_ = out[0];
  return {};
}

void proxy_master_fallback::stop() {
  if (pid_ <= 0) return;
  ::close(to_);
  ::close(from_);
  ::kill(pid_, SIGKILL);  // its own child: this PID is still ours until reaped
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  to_ = from_ = -1;
}

master_fallback::result proxy_master_fallback::call(
    const endpoint& master, proto::request_method method, std::string_view body,
    std::chrono::steady_clock::time_point connect_by, std::chrono::milliseconds timeout) {
  if (auto why = start(); !why.empty()) return {result::connect_failed, why, {}};
  proxy_wire::request req;
  req.method = method;
  req.connect_ms = ms_until(connect_by);
  req.timeout_ms = static_cast<uint32_t>(std::clamp<int64_t>(timeout.count(), 1, UINT32_MAX));
  req.master = master.to_string();
  req.body = std::string(body);
  // The helper keeps both times itself; this bound only catches one that hangs or died.
  auto give_up =
      std::max(connect_by, std::chrono::steady_clock::now()) + timeout + std::chrono::seconds(2);
  std::string reply;
  bool ok = proxy_wire::write_frame(to_, proxy_wire::encode(req));
  if (ok) {
    pollfd p{from_, POLLIN, 0};
    int n;
    while ((n = ::poll(&p, 1, static_cast<int>(ms_until(give_up)))) < 0 && errno == EINTR) {
    }
    ok = n == 1 && proxy_wire::read_frame(from_, reply);
  }
  auto r = ok ? proxy_wire::decode_result(reply) : std::nullopt;
  if (!r) {
    stop();
    return {result::failed, "the control-port helper '" + command_[0] + "' did not answer", {}};
  }
  return *r;
}

}  // namespace dfs
