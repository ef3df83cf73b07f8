#include "storage/durable_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/big_buffer.hpp"
#include "common/file_modes.hpp"
#include "common/unique_fd.hpp"

namespace dfs {

namespace {

io_status fail(const std::string& what, const std::string& path, int err = errno) {
  return io_status{err, what + " " + path + ": " + std::strerror(err)};
}

io_status write_all(int fd, std::string_view data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write", path);
    done += static_cast<size_t>(n);
  }
  return {};
}

// `head` then `data`, gathered (writev) while both have bytes left.
io_status write_all(int fd, std::string_view head, std::string_view data, const std::string& path) {
  while (!head.empty()) {
    iovec iov[2] = {{const_cast<char*>(head.data()), head.size()},
                    {const_cast<char*>(data.data()), data.size()}};
    auto n = ::writev(fd, iov, data.empty() ? 1 : 2);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write", path);
    auto k = static_cast<size_t>(n);
    auto from_head = std::min(k, head.size());
    head.remove_prefix(from_head);
    data.remove_prefix(k - from_head);
  }
  return write_all(fd, data, path);
}

}  // namespace

std::string parent_dir(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

io_status read_file(const std::string& path, std::string& out) {
  uint64_t size = 0;
  if (auto st = file_size(path, size); !st) return st;
  return read_range(path, 0, size, out);
}

io_status read_range(const std::string& path, uint64_t offset, size_t length, std::string& out) {
  resize_big(out, length);
  return read_range_to(path, offset, length, out.data());
}

io_status read_range_to(const std::string& path, uint64_t offset, size_t length, char* out) {
  unique_fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!fd) return fail("open", path);
  size_t done = 0;
  while (done < length) {
    auto n = ::pread(fd.get(), out + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("read", path);
    if (n == 0) return io_status{EILSEQ, "read " + path + ": file shorter than expected"};
    done += static_cast<size_t>(n);
  }
  return {};
}

io_status write_file_atomic(const std::string& path, std::string_view data) {
  if (auto st = write_and_rename(path, data); !st) return st;
  return fsync_dir(parent_dir(path));
}

io_status write_and_rename(const std::string& path, std::string_view data) {
  return write_and_rename(path, {}, data);
}

std::string tmp_path_of(const std::string& path) {
  return path + ".tmp";
}

bool is_tmp_name(const std::string& name) {
  return name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0;
}

std::string numbered_path(const std::string& dir, const char* prefix, uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020llu", static_cast<unsigned long long>(n));
  return dir + "/" + prefix + buf;
}

io_status corrupt_data(const std::string& what) {
  return io_status{EILSEQ, what};
}

io_status write_and_rename(const std::string& path, std::string_view head, std::string_view data) {
  auto tmp = tmp_path_of(path);
  {
    unique_fd fd{
        ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, node_file_mode)};
    if (!fd) return fail("open", tmp);
    if (auto st = write_all(fd.get(), head, data, tmp); !st) return st;
    if (::fsync(fd.get()) != 0) return fail("fsync", tmp);
  }
  return rename_file(tmp, path);
}

io_status fsync_dir(const std::string& dir) {
  unique_fd fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (!fd) return fail("open directory", dir);
  if (::fsync(fd.get()) != 0) return fail("fsync directory", dir);
  return {};
}

io_status write_range_durable(const std::string& path, uint64_t offset, std::string_view data) {
  unique_fd fd{::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC)};
  if (!fd) return fail("open", path);
  if (auto st = pwrite_all(fd.get(), data, offset, path); !st) return st;
  if (::fdatasync(fd.get()) != 0) return fail("fdatasync", path);
  return {};
}

io_status pwrite_all(int fd, std::string_view data, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    auto n =
        ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("pwrite", path);
    done += static_cast<size_t>(n);
  }
  return {};
}

io_status create_empty_file(const std::string& path) {
  unique_fd fd{
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, node_file_mode)};
  if (!fd) return fail("create", path);
  return {};
}

io_status remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail("unlink", path);
  return {};
}

io_status rename_file(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return fail("rename to " + to + ":", from);
  return {};
}

io_status truncate_file(const std::string& path, uint64_t size_bytes) {
  if (::truncate(path.c_str(), static_cast<off_t>(size_bytes)) != 0) return fail("truncate", path);
  return {};
}

io_status mark_top_dir(const std::string& dir) {
  unique_fd fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
  if (!fd) return fail("open", dir);
  int flags = 0;
  if (::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags) != 0) return fail("get flags of", dir);
  if ((flags & FS_TOPDIR_FL) != 0) return {};
  flags |= FS_TOPDIR_FL;
  if (::ioctl(fd.get(), FS_IOC_SETFLAGS, &flags) != 0)
    return fail("set top-directory flag of", dir);
  return {};
}

io_status make_dirs(const std::string& path) {
  if (path.empty()) return {};
  for (size_t pos = 1; pos != std::string::npos;) {
    pos = path.find('/', pos + 1);
    auto prefix = path.substr(0, pos);
    if (::mkdir(prefix.c_str(), node_dir_mode) != 0 && errno != EEXIST)
      return fail("mkdir", prefix);
  }
  return {};
}

io_status list_dir(const std::string& dir, std::vector<std::string>& names) {
  names.clear();
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return fail("opendir", dir);
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::stat((dir + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode)) names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return {};
}

io_status file_size(const std::string& path, uint64_t& size_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail("stat", path);
  size_bytes = static_cast<uint64_t>(st.st_size);
  return {};
}

io_status disk_space(const std::string& dir, uint64_t& free_bytes, uint64_t& total_bytes) {
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) != 0) return fail("statvfs", dir);
  free_bytes = uint64_t{vfs.f_bavail} * vfs.f_frsize;
  total_bytes = uint64_t{vfs.f_blocks} * vfs.f_frsize;
  return {};
}

// -- append_file ----------------------------------------------------------------------------------

append_file::~append_file() {
  close();
}

append_file::append_file(append_file&& other) noexcept
    : fd_(other.fd_),
      size_(other.size_),
      allocated_(other.allocated_),
      zeroed_(other.zeroed_),
      path_(std::move(other.path_)) {
  other.fd_ = -1;
}

append_file& append_file::operator=(append_file&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    size_ = other.size_;
    allocated_ = other.allocated_;
    zeroed_ = other.zeroed_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

io_status append_file::open(const std::string& path) {
  close();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, node_file_mode);
  if (fd < 0) return fail("open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto err = fail("fstat", path);
    ::close(fd);
    return err;
  }
  fd_ = fd;
  size_ = allocated_ = zeroed_ = static_cast<uint64_t>(st.st_size);
  path_ = path;
  return {};
}

io_status append_file::append(std::string_view data) {
  if (fd_ < 0) return io_status{EBADF, "append to closed file " + path_};
  if (size_ + data.size() > allocated_) {
    // Room for this append and the next preallocate_bytes. A file system that cannot
    // preallocate (EOPNOTSUPP) or has no room for it gets plain extending writes: the write
    // below then reports ENOSPC only when the data itself does not fit.
    uint64_t room = std::max<uint64_t>(data.size(), preallocate_bytes);
    if (::fallocate(fd_, 0, static_cast<off_t>(size_), static_cast<off_t>(room)) == 0)
      allocated_ = size_ + room;
  }
  // A large append converts its own blocks in one go; zeros under it would be written twice.
  if (data.size() < zero_ahead_bytes) zero_ahead(size_ + data.size());
  auto st = pwrite_all(fd_, data, size_, path_);
  if (!st) {
    // Cut a partial write off so that the file keeps ending on a frame boundary.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) st.message += " (truncate failed too)";
    allocated_ = zeroed_ = size_;
    return st;
  }
  size_ += data.size();
  allocated_ = std::max(allocated_, size_);
  zeroed_ = std::max(zeroed_, size_);
  return {};
}

void append_file::zero_ahead(uint64_t end) {
  static const char zeros[zero_ahead_bytes] = {};
  while (zeroed_ < end && zeroed_ < allocated_) {
    auto n = std::min<uint64_t>(zero_ahead_bytes, allocated_ - zeroed_);
    // Only a saving: where it fails, the append writes into unwritten blocks as before.
    if (!pwrite_all(fd_, std::string_view(zeros, n), zeroed_, path_)) return;
    zeroed_ += n;
  }
}

io_status append_file::sync() {
  if (fd_ < 0) return io_status{EBADF, "sync of closed file " + path_};
  if (::fdatasync(fd_) != 0) return fail("fdatasync", path_);
  return {};
}

io_status append_file::truncate(uint64_t size_bytes) {
  if (fd_ < 0) return io_status{EBADF, "truncate of closed file " + path_};
  if (::ftruncate(fd_, static_cast<off_t>(size_bytes)) != 0) return fail("ftruncate", path_);
  size_ = allocated_ = zeroed_ = size_bytes;
  return {};
}

void append_file::close() {
  if (fd_ < 0) return;
  // The preallocated rest goes, durably: a log closed for the next one (journal segments) must
  // end on its last frame before anything is appended to the next, or a power cut could leave
  // zeros that recovery takes for damage ahead of the next one's acknowledged records. Once per
  // closed log, not per append.
  if (allocated_ > size_ && ::ftruncate(fd_, static_cast<off_t>(size_)) == 0)
    (void)::fdatasync(fd_);
  ::close(fd_);
  fd_ = -1;
}

std::pair<uint64_t, uint64_t> offered_space(const std::string& dir, uint64_t capacity_bytes,
                                            uint64_t used_bytes) {
  uint64_t left = capacity_bytes > used_bytes ? capacity_bytes - used_bytes : 0;
  uint64_t free = left, cap = capacity_bytes;
  if (!disk_space(dir, free, cap)) return {capacity_bytes, left};
  if (capacity_bytes > 0) {
    cap = capacity_bytes;
    free = std::min(free, left);
  }
  return {cap, free};
}

}  // namespace dfs
