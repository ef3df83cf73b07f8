#pragma once
// A program on a pseudo-terminal, as a user at a keyboard runs it: what line editing and tab
// completion do is only seen on a terminal. Keys go in with type(); wait_for() reads the
// terminal's output until a condition holds or a deadline passes (never a bare sleep). The
// child is killed (SIGKILL) and reaped on destruction if still running, by its PID.
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace dfs::test {

class pty_session {
 public:
  explicit pty_session(std::vector<std::string> argv, const std::string& cwd = ".") {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    pid_t parent = ::getpid();
    winsize size{};
    size.ws_row = 40;
    size.ws_col = 200;  // wide enough that the line editor never wraps what a test types
    pid_ = ::forkpty(&fd_, nullptr, nullptr, &size);
    if (pid_ < 0) throw std::runtime_error("forkpty failed");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      if (::chdir(cwd.c_str()) != 0) ::_exit(127);
      ::signal(SIGPIPE, SIG_DFL);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~pty_session() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  pty_session(const pty_session&) = delete;
  pty_session& operator=(const pty_session&) = delete;

  void type(const std::string& keys) {
    size_t done = 0;
    while (done < keys.size()) {
      auto n = ::write(fd_, keys.data() + done, keys.size() - done);
      if (n <= 0) throw std::runtime_error("write to the terminal failed");
      done += static_cast<size_t>(n);
    }
  }
  // Everything the program wrote to its terminal so far.
  const std::string& output() const { return out_; }
  // Reads until `done(output())` holds; false at the deadline or when the program has gone.
  bool wait_for(const std::function<bool(const std::string&)>& done,
                std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(out_)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[4096];
      auto n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return done(out_);
      out_.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
  bool wait_for_text(const std::string& text, std::chrono::milliseconds timeout, size_t from = 0) {
    return wait_for([&](const std::string& o) { return o.find(text, from) != std::string::npos; },
                    timeout);
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string out_;
};

}  // namespace dfs::test
