#pragma once
// What one round trip between two processes costs on this machine, measured the way the shell's
// operations make them: one byte over a pipe and back (the bench's driver and the shell) and 64
// bytes over a TCP connection on 127.0.0.1 and back (the shell and the master's request port),
// one at a time. An operation that asks the master cannot beat the sum, whatever the master and
// the shell do; on a VM whose idle vCPUs halt at once, each wake-up is most of it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <stdexcept>

#include "local_disk.hpp"

namespace bench {

namespace detail {

// Runs `echo` in a child process (killed if we die), `ping` here, and returns ping's
// microseconds per round trip; the child is always reaped.
inline double timed_against_child(size_t n, const std::function<void()>& echo,
                                  const std::function<void()>& ping) {
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() == parent) echo();
    ::_exit(0);
  }
  auto t0 = clk::now();
  for (size_t i = 0; i < n; ++i) ping();
  double us = secs_since(t0) * 1e6 / double(n);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return us;
}

inline bool exact(ssize_t got, size_t want) {
  return got == static_cast<ssize_t>(want);
}

}  // namespace detail

// Microseconds per round trip of one byte through two pipes.
inline double pipe_round_trip_us(size_t n = 5000) {
  int there[2], back[2];
  if (::pipe(there) != 0 || ::pipe(back) != 0) throw std::runtime_error("pipe failed");
  char c = 'p';
  double us = detail::timed_against_child(
      n,
      [&] {
        while (::read(there[0], &c, 1) == 1 && ::write(back[1], &c, 1) == 1) {
        }
      },
      [&] {
        if (!detail::exact(::write(there[1], &c, 1), 1) ||
            !detail::exact(::read(back[0], &c, 1), 1))
          throw std::runtime_error("pipe round trip failed");
      });
  for (int fd : {there[0], there[1], back[0], back[1]}) ::close(fd);
  return us;
}

// Microseconds per round trip of 64 bytes over TCP on 127.0.0.1 (Nagle off, as the request
// port's connections).
inline double tcp_round_trip_us(size_t n = 5000) {
  int one = 1;
  int ls = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (ls < 0 || ::bind(ls, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      ::listen(ls, 1) != 0 || ::getsockname(ls, reinterpret_cast<sockaddr*>(&sa), &len) != 0)
    throw std::runtime_error("cannot listen on 127.0.0.1");
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || ::connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    throw std::runtime_error("cannot connect to 127.0.0.1");
  ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int peer = ::accept(ls, nullptr, nullptr);  // queued by the connect above
  if (peer < 0) throw std::runtime_error("accept failed");
  ::setsockopt(peer, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char buf[64] = {};
  auto full = [&](int fd, bool reading) {
    for (size_t done = 0; done < sizeof buf;) {
      ssize_t k = reading ? ::read(fd, buf + done, sizeof buf - done)
                          : ::write(fd, buf + done, sizeof buf - done);
      if (k <= 0) return false;
      done += static_cast<size_t>(k);
    }
    return true;
  };
  double us = detail::timed_against_child(
      n,
      [&] {
        while (full(peer, true) && full(peer, false)) {
        }
      },
      [&] {
        if (!full(s, false) || !full(s, true)) throw std::runtime_error("tcp round trip failed");
      });
  for (int fd : {ls, s, peer}) ::close(fd);
  return us;
}

}  // namespace bench
