// lock_command.hpp has the rules.
#include "client/lock_command.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <memory>
#include <thread>

#include "client/file_lock.hpp"
#include "client/storage_error.hpp"
#include "common/escape.hpp"
#include "common/parse_decimal.hpp"

extern char** environ;

namespace dfs {

namespace {

const std::string usage = "usage: lock REMOTE --shared|--exclusive [--ttl S] [-- CMD ARGS...]";
constexpr auto poll_period = std::chrono::milliseconds(50);

volatile std::sig_atomic_t stop_signal = 0;
void on_stop_signal(int sig) {
  stop_signal = sig;
}

// SIGINT and SIGTERM end the hold (the lock is released); the handlers before are back after.
class stop_signals {
 public:
  stop_signals() {
    stop_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: poll() returns at once
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~stop_signals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

struct lock_args {
  std::string path;
  lock_mode mode = lock_mode::shared;
  uint64_t ttl_ms = 0;
  std::vector<std::string> command;
};

lock_args parse(const config& cfg, const std::vector<std::string>& args) {
  lock_args out;
  auto dashes = std::find(args.begin() + 1, args.end(), "--");
  if (dashes != args.end()) {
    out.command.assign(dashes + 1, args.end());
    if (out.command.empty()) throw storage_error("lock: no command after '--'; " + usage);
  }
  bool shared = false, exclusive = false;
  std::string ttl;
  std::vector<std::string> pos;
  for (auto it = args.begin() + 1; it != dashes; ++it) {
    if (*it == "--shared") {
      shared = true;
    } else if (*it == "--exclusive") {
      exclusive = true;
    } else if (*it == "--ttl") {
      if (++it == dashes) throw storage_error("lock: option --ttl needs a value");
      ttl = *it;
    } else if (it->size() > 1 && (*it)[0] == '-') {
      throw storage_error("lock: unknown option '" + escape_unprintable(*it) + "'; " + usage);
    } else {
      pos.push_back(*it);
    }
  }
  if (pos.size() != 1) throw storage_error(usage);
  if (shared == exclusive) throw storage_error("lock: give one mode, --shared or --exclusive");
  out.path = pos[0];
  out.mode = exclusive ? lock_mode::exclusive : lock_mode::shared;
  out.ttl_ms = cfg.lock.default_ttl_ms;
  if (!ttl.empty()) {
    uint64_t max_s = cfg.lock.max_ttl_ms / 1000;
    auto s = parse_decimal<uint64_t>(ttl);
    if (!s || *s == 0 || *s > max_s)
      throw storage_error("lock: --ttl '" + escape_unprintable(ttl) + "': expected seconds, 1.." +
                          std::to_string(max_s) + " (lock.max_ttl_ms)");
    out.ttl_ms = *s * 1000;
  }
  return out;
}

// The exit status of CMD as a shell gives it.
int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

int run_while_held(const held_lock& lock, const std::vector<std::string>& command) {
  std::vector<char*> argv;
  for (auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t child = 0;
  if (int e = posix_spawnp(&child, argv[0], nullptr, nullptr, argv.data(), environ); e != 0)
    throw storage_error("lock: cannot run '" + escape_unprintable(command[0]) +
                        "': " + std::strerror(e));
  int status = 0;
  bool told = false;
  for (;;) {
    auto r = ::waitpid(child, &status, WNOHANG);
    if (r == child) break;
    if (r < 0 && errno != EINTR) throw storage_error("lock: waitpid failed");
    if (stop_signal != 0 && !told) ::kill(child, SIGTERM), told = true;  // it ends, we release
    std::this_thread::sleep_for(poll_period);
  }
  auto code = exit_code_of(status);
  if (code == 0 && lock.lost()) {
    std::cerr << "error: the lock on " << escape_unprintable(lock.path())
              << " was lost while the command ran\n";
    return 1;
  }
  return code;
}

// Until stdin closes (EOF or hangup), SIGINT or SIGTERM, or the lock is lost.
int hold_until_stdin_closes(const held_lock& lock) {
  for (;;) {
    if (stop_signal != 0) return 0;
    if (lock.lost()) return 1;  // reported by the renewer
    pollfd p{STDIN_FILENO, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(poll_period.count()));
    if (n < 0) continue;  // a signal
    if (n == 0) continue;
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) return 0;
    char buf[4096];
    auto got = ::read(STDIN_FILENO, buf, sizeof(buf));
    if (got == 0) return 0;
  }
}

}  // namespace

int run_lock_command(storage_client& client, const std::vector<std::string>& args) {
  auto a = parse(client.cfg(), args);
  // One holder per process at the master: a second hold of the path would end with the first.
  if (session_lock(a.path))
    throw storage_error("lock: this session holds a lock on " + escape_unprintable(a.path) +
                        " already; unlock it first");
  auto lock = std::make_unique<held_lock>(client.system(), client.cfg(), a.path, a.mode, a.ttl_ms);
  std::cerr << "locked " << escape_unprintable(a.path) << " " << to_string(a.mode) << " (ttl "
            << a.ttl_ms / 1000 << " s)\n";
  if (!a.command.empty()) {
    stop_signals on;
    return run_while_held(*lock, a.command);
  }
  if (in_shell_session()) {
    keep_session_lock(std::move(lock));
    return 0;
  }
  stop_signals on;
  return hold_until_stdin_closes(*lock);
}

}  // namespace dfs
