#pragma once
// What one round trip between two processes costs on this machine, one at a time: one byte over
// a pipe and back (the smallfiles bench's driver and the shell), 64 bytes over a TCP connection
// on 127.0.0.1 and back (a client and a request port), 64 bytes over UDP on 127.0.0.1 and back
// (fileservers' group datagrams). An operation that crosses these cannot beat their sum,
// whatever the processes do; on a VM whose idle vCPUs halt at once, each wake-up is most of it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <stdexcept>

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
  auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; ++i) ping();
  double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
      double(n);
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

// Microseconds per round trip of a 64-byte datagram between two UDP sockets on 127.0.0.1.
inline double udp_round_trip_us(size_t n = 5000) {
  int a = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int b = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{}, sb{};
  sa.sin_family = sb.sin_family = AF_INET;
  sa.sin_addr.s_addr = sb.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t la = sizeof sa, lb = sizeof sb;
  if (a < 0 || b < 0 || ::bind(a, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      ::bind(b, reinterpret_cast<sockaddr*>(&sb), sizeof sb) != 0 ||
      ::getsockname(a, reinterpret_cast<sockaddr*>(&sa), &la) != 0 ||
      ::getsockname(b, reinterpret_cast<sockaddr*>(&sb), &lb) != 0 ||
      ::connect(a, reinterpret_cast<sockaddr*>(&sb), sizeof sb) != 0 ||
      ::connect(b, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    throw std::runtime_error("cannot set up UDP on 127.0.0.1");
  char buf[64] = {};
  double us = detail::timed_against_child(
      n,
      [&] {
        while (::recv(b, buf, sizeof buf, 0) > 0 && ::send(b, buf, sizeof buf, 0) > 0) {
        }
      },
      [&] {
        if (!detail::exact(::send(a, buf, sizeof buf, 0), sizeof buf) ||
            !detail::exact(::recv(a, buf, sizeof buf, 0), sizeof buf))
          throw std::runtime_error("udp round trip failed");
      });
  ::close(a);
  ::close(b);
  return us;
}

}  // namespace bench
