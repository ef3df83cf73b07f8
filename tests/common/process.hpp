#pragma once
// Real-process helpers for cluster and CLI tests: start dfsnode processes and stop exactly
// those (by PID, also when a test fails: the destructor kills what is still running), run a
// command and capture its output, wait on a condition with a deadline (never a bare sleep).
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/temp_dir.hpp"

namespace dfs::test {

// A process stopped with SIGSTOP (a stalled VM: its kernel still accepts connections, nothing
// answers) and continued by resume() or, at the latest, when the test leaves, also on failure.
class stopped_process {
 public:
  explicit stopped_process(pid_t pid) : pid_(pid), stopped_(::kill(pid, SIGSTOP) == 0) {}
  ~stopped_process() { resume(); }
  stopped_process(const stopped_process&) = delete;
  stopped_process& operator=(const stopped_process&) = delete;

  bool stopped() const { return stopped_; }
  void resume() {
    if (stopped_) ::kill(pid_, SIGCONT);
    stopped_ = false;
  }

 private:
  pid_t pid_;
  bool stopped_;
};

// A child process; killed (SIGKILL) and reaped on destruction unless already stopped.
class process {
 public:
  process(std::vector<std::string> argv, const std::string& log_path) { start(argv, log_path); }
  ~process() { kill_now(); }
  process(const process&) = delete;
  process& operator=(const process&) = delete;

  pid_t pid() const { return pid_; }
  bool running() {
    reap(false);
    return pid_ > 0;
  }
  void kill_now() { signal_and_wait(SIGKILL); }
  // Sends `sig` and waits for exit; returns the exit status (128+n if killed by signal n).
  int signal_and_wait(int sig) {
    if (pid_ <= 0) return status_;
    ::kill(pid_, sig);
    reap(true);
    return status_;
  }
  int status() const { return status_; }

 private:
  void start(const std::vector<std::string>& argv, const std::string& log_path) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      // A test that crashes (no destructor runs) must not leave its nodes behind: the node
      // dies with the test's thread. The check closes the race with a parent already gone.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      int devnull = ::open("/dev/null", O_RDONLY);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      if (devnull >= 0) ::dup2(devnull, 0);
      // An ignored signal stays ignored across exec: the node must set up its own dispositions
      // (this test process ignores SIGPIPE once it made a TLS context), as under systemd.
      ::signal(SIGPIPE, SIG_DFL);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  void reap(bool block) {
    if (pid_ <= 0) return;
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, block ? 0 : WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      pid_ = -1;
    }
  }

  pid_t pid_ = -1;
  int status_ = -1;
};

struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv to completion (stdin from `stdin_path`, default /dev/null) and captures stdout and
// stderr.
inline run_result run(const std::vector<std::string>& argv, const std::string& scratch_dir,
                      const std::string& stdin_path = "/dev/null") {
  static int counter = 0;
  auto base = scratch_dir + "/run" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  run_result r;
  {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
      int o = ::open((base + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int e = ::open((base + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int in = ::open(stdin_path.c_str(), O_RDONLY);
      ::dup2(o, 1);
      ::dup2(e, 2);
      ::dup2(in, 0);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    int st = 0;
    ::waitpid(pid, &st, 0);
    r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  std::remove((base + ".out").c_str());
  std::remove((base + ".err").c_str());
  return r;
}

// Polls `pred` until it holds or `timeout` passes; returns whether it held.
inline bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds poll = std::chrono::milliseconds(100)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

// True if TCP and UDP port `p` on 127.0.0.1 can both be bound right now.
inline bool port_free(uint16_t p) {
  for (int type : {SOCK_STREAM, SOCK_DGRAM}) {
    int fd = ::socket(AF_INET, type, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(p);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    ::close(fd);
    if (!ok) return false;
  }
  return true;
}

// First base port (from `start`, step 1000) whose `count` following ports are all free.
inline uint16_t free_port_block(uint16_t count, uint16_t start = 21000) {
  for (uint32_t base = start; base + count < 60000; base += 1000) {
    bool ok = true;
    for (uint16_t i = 0; i < count && ok; ++i) ok = port_free(static_cast<uint16_t>(base + i));
    if (ok) return static_cast<uint16_t>(base);
  }
  throw std::runtime_error("no free port block");
}

}  // namespace dfs::test
