#pragma once
// Plain TCP from a test, for what a legitimate client never does: a connection from an address
// of its own choosing that then says nothing or sends garbage, and the server's memory meanwhile.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>

#include "common/proc_stats.hpp"
#include "common/test_files.hpp"

namespace dfs::test {

// A TCP connection to 127.0.0.1:`port` from `source` (a loopback address of its own, so that a
// per-address cap on the attacker does not count against the test's client on 127.0.0.1).
// -1 if it cannot connect.
inline int connect_from(const char* source, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in src{};
  src.sin_family = AF_INET;
  inet_pton(AF_INET, source, &src.sin_addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True if the peer closes `fd` within `deadline` (read returns 0 or an error).
inline bool closed_by_peer(int fd, std::chrono::milliseconds deadline) {
  timeval tv{static_cast<time_t>(deadline.count() / 1000),
             static_cast<suseconds_t>((deadline.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[256];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
  }
}

// Resident memory of process `pid` in KiB; -1 if it cannot be read (the process is gone).
inline long rss_kib(pid_t pid) {
  auto text = read_all("/proc/" + std::to_string(pid) + "/status");
  if (text.empty()) return -1;
  return static_cast<long>(parse_proc_status(text).rss_bytes / 1024);
}

}  // namespace dfs::test
