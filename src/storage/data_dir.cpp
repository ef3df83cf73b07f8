#include "storage/data_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/file_modes.hpp"

namespace dfs {

namespace {

std::string octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// chmod 0700 if `path` is a directory (not a symlink to one) that others may enter.
io_status tighten(const std::string& path, std::vector<std::string>& tightened) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return io_status{errno, "lstat " + path + ": " + std::strerror(errno)};
  if (!S_ISDIR(st.st_mode) || (st.st_mode & 0077) == 0) return {};
  if (::chmod(path.c_str(), node_dir_mode) != 0)
    return io_status{errno, "chmod 0700 " + path + ": " + std::strerror(errno)};
  tightened.push_back(path + " (was " + octal(st.st_mode) + ")");
  return {};
}

}  // namespace

io_status secure_data_dir(const std::string& data_dir, std::vector<std::string>& tightened) {
  if (auto st = make_dirs(data_dir); !st) return st;
  if (auto st = tighten(data_dir, tightened); !st) return st;
  DIR* d = ::opendir(data_dir.c_str());
  if (d == nullptr) return io_status{errno, "opendir " + data_dir + ": " + std::strerror(errno)};
  io_status result;
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    auto st = tighten(data_dir + "/" + name, tightened);
    if (!st && result) result = st;
  }
  ::closedir(d);
  return result;
}

io_status lock_data_dir(const std::string& data_dir, int& fd) {
  auto path = data_dir + "/lock";
  fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_status{errno, "open " + path + ": " + std::strerror(errno)};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char pid[32] = {};
    auto n = ::pread(fd, pid, sizeof(pid) - 1, 0);
    std::string holder = n > 0 ? std::string(pid, static_cast<size_t>(n)) : std::string();
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    ::close(fd);
    fd = -1;
    if (err == EWOULDBLOCK)
      return io_status{err, "in use by another dfsnode" +
                                (holder.empty() ? std::string() : " (PID " + holder + ")") +
                                ": one process per data directory"};
    return io_status{err, "flock " + path + ": " + std::strerror(err)};
  }
  auto pid = std::to_string(::getpid()) + "\n";
  // Best effort: the PID only helps the message above.
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
  return {};
}

}  // namespace dfs
