#pragma once
// The local disk measured the way the shell is: the same operations on a local directory, one
// at a time, from one process (plain syscalls, as `cp`/`stat`/`cat`/`rm` would make them), and
// the disk's own bounds for our durable operations: fdatasync of a small append (what the
// master's journal pays per commit) and a create made durable (what a chunkserver pays per
// chunk file).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

namespace bench {

using clk = std::chrono::steady_clock;

inline double secs_since(clk::time_point t0) {
  return std::chrono::duration<double>(clk::now() - t0).count();
}

// Drops the page cache (root only); false when it could not (the caller notes it).
inline bool drop_caches() {
  ::sync();
  std::ofstream f("/proc/sys/vm/drop_caches");
  if (!f) return false;
  f << "3\n";
  f.flush();
  return static_cast<bool>(f);
}

// Operations per second of `op(i)` for i in [0, n), one at a time.
inline double rate(size_t n, const std::function<void(size_t)>& op) {
  auto t0 = clk::now();
  for (size_t i = 0; i < n; ++i) op(i);
  return double(n) / secs_since(t0);
}

inline void write_file(const std::string& path, const std::string& data, bool durable) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size()))
    throw std::runtime_error("cannot write " + path);
  if (durable) ::fsync(fd);
  ::close(fd);
}

inline void read_file(const std::string& path, std::string& buf) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  while (::read(fd, buf.data(), buf.size()) > 0) {
  }
  ::close(fd);
}

// fdatasync()s per second of `n` appends of `bytes` to one file, into space allocated ahead as
// the master's journal appends (storage/durable_file.hpp), so that a sync writes no new size.
inline double fdatasync_rate(const std::string& path, size_t n, size_t bytes) {
  std::string data(bytes, 'j');
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  (void)::fallocate(fd, 0, 0, static_cast<off_t>(n * bytes));  // else plain extending writes
  auto r = rate(n, [&](size_t i) {
    (void)!::pwrite(fd, data.data(), data.size(), static_cast<off_t>(i * bytes));
    ::fdatasync(fd);
  });
  ::close(fd);
  ::unlink(path.c_str());
  return r;
}

// Cold sequential read of `path` with 1 MiB reads, MiB/s (caches dropped first).
inline double cold_read_mib_s(const std::string& path) {
  drop_caches();
  struct stat sb {};
  ::stat(path.c_str(), &sb);
  std::string buf(1 << 20, '\0');
  auto t0 = clk::now();
  read_file(path, buf);
  return double(sb.st_size) / 1048576.0 / secs_since(t0);
}

}  // namespace bench
