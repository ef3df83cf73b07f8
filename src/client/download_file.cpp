#include "client/download_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

namespace dfs {

namespace {

// Attempts at an unused temp name; with 64 random bits, more than one means someone is
// creating names on purpose.
constexpr int max_temp_name_attempts = 8;

std::string sys_error(const std::string& what, const std::string& path, int err = errno) {
  return what + " '" + path + "': " + std::strerror(err);
}

std::string random_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[20];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

// TARGET.dfs-part-<hex>, with TARGET's last component cut short (never inside a UTF-8
// character) when the whole would pass NAME_MAX: a target named with 250 bytes is valid, and
// its temp file must be too.
std::string temp_name_for(const std::string& target) {
  constexpr size_t name_max = 255;  // NAME_MAX on every Linux file system we run on
  auto suffix = ".dfs-part-" + random_suffix();
  auto slash = target.find_last_of('/');
  size_t base = slash == std::string::npos ? 0 : slash + 1;
  size_t keep = target.size() - base;
  if (keep + suffix.size() > name_max) {
    keep = name_max - suffix.size();
    while (keep > 0 && (static_cast<unsigned char>(target[base + keep]) & 0xC0) == 0x80) --keep;
  }
  return target.substr(0, base + keep) + suffix;
}

std::string parent_of(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  return pos == 0 ? "/" : path.substr(0, pos);
}

// Refuses anything but a regular file or nothing at `path`; returns its mode (0 if absent).
mode_t check_target(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return 0;
    throw storage_error(sys_error("cannot stat", path));
  }
  if (!S_ISREG(st.st_mode))
    throw storage_error("'" + path + "' is " + file_kind(st.st_mode) +
                        ": get writes only to a new or a regular file ('-' for stdout)");
  return st.st_mode;
}

mode_t current_umask() {
  // umask() can only be read by setting it; nothing in the client creates files concurrently.
  mode_t mask = ::umask(0077);
  ::umask(mask);
  return mask;
}

}  // namespace

std::string file_kind(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISREG(mode)) return "a regular file";
  return "not a regular file";
}

download_file::download_file(std::string target) : target_(std::move(target)) {
  auto existing = check_target(target_);
  // Permission bits only: a set-uid bit must not carry over to content it was never set for.
  final_mode_ = existing != 0 ? (existing & 0777) : (0666 & ~current_umask());
  for (int i = 0; i < max_temp_name_attempts && fd_ < 0; ++i) {
    temp_ = temp_name_for(target_);
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd_ < 0 && errno != EEXIST) throw storage_error(sys_error("cannot create", temp_));
  }
  if (fd_ < 0) throw storage_error(sys_error("cannot create a temp file next to", target_));
}

download_file::~download_file() {
  if (!committed_) discard();
}

void download_file::discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
}

void download_file::write_at(uint64_t offset, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    auto n =
        ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw storage_error(sys_error("cannot write", temp_));
    done += static_cast<size_t>(n);
  }
}

void download_file::commit() {
  try {
    if (::fsync(fd_) != 0) throw storage_error(sys_error("cannot write", temp_));
    if (::fchmod(fd_, final_mode_) != 0) throw storage_error(sys_error("cannot chmod", temp_));
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw storage_error(sys_error("cannot write", temp_));
    // The download took a while: whatever appeared at the target meanwhile is checked again.
    // rename() never follows a symlink at the target, so what is left of this race can only
    // replace a link itself, never write through it.
    check_target(target_);
    if (::rename(temp_.c_str(), target_.c_str()) != 0)
      throw storage_error(sys_error("cannot rename to", target_));
  } catch (...) {
    discard();
    throw;
  }
  committed_ = true;
  // Best effort: the file is complete and in place; a lost directory entry after a power cut
  // shows as a missing download, not as a corrupt one.
  int dir = ::open(parent_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace dfs
