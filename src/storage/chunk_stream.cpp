#include "storage/chunk_stream.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/file_modes.hpp"
#include "common/limits.hpp"
#include "common/random_id.hpp"
#include "storage/durable_file.hpp"

namespace dfs {

namespace cs = chunkstore;

namespace {

cs::error sys_err(const std::string& what, const std::string& path, int err = errno) {
  return cs::make_error(cs::errc::io_error, what + " " + path + ": " + std::strerror(err));
}

cs::error io_err(const io_status& st) {
  return cs::make_error(cs::errc::io_error, st.message);
}

}  // namespace

cs::result<chunk_stream> chunk_stream::create(std::string path, cs::chunk_handle handle,
                                              uint64_t version, uint64_t length,
                                              spare_files* spares) {
  if (length > limits::max_chunk_size_bytes)
    return cs::make_error(cs::errc::invalid_argument,
                          "chunk " + handle.to_string() + " longer than the chunk size limit");
  // A name of its own: a push of the same chunk may be writing `<chunk>.tmp` meanwhile.
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".%016llx.tmp",
                static_cast<unsigned long long>(random_id()));
  auto tmp = path + suffix;
  // A spare is empty already; a new file must not be an existing one (O_EXCL).
  int how = spares != nullptr && spares->take(tmp) ? O_TRUNC : O_CREAT | O_EXCL;
  int fd = ::open(tmp.c_str(), O_WRONLY | how | O_NOFOLLOW | O_CLOEXEC, node_file_mode);
  if (fd < 0) return sys_err("open", tmp);
  return chunk_stream(std::move(path), std::move(tmp), fd, handle, version, length);
}

chunk_stream::chunk_stream(std::string path, std::string tmp, int fd, cs::chunk_handle handle,
                           uint64_t version, uint64_t length)
    : path_(std::move(path)),
      tmp_(std::move(tmp)),
      fd_(fd),
      handle_(handle),
      version_(version),
      expected_(length),
      data_offset_(cs::pushed_format(length) == cs::chunk_file_version_mutable
                       ? cs::mutable_header_bytes
                       : cs::header_bytes_for(length)) {}

chunk_stream::chunk_stream(chunk_stream&& other) noexcept
    : path_(std::move(other.path_)),
      tmp_(std::move(other.tmp_)),
      fd_(other.fd_),
      handle_(other.handle_),
      version_(other.version_),
      expected_(other.expected_),
      data_offset_(other.data_offset_),
      sums_(std::move(other.sums_)) {
  other.fd_ = -1;
  other.tmp_.clear();
}

chunk_stream::~chunk_stream() {
  abandon();
}

void chunk_stream::abandon() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) remove_file(tmp_);
  tmp_.clear();
}

cs::result<void> chunk_stream::append(std::string_view bytes) {
  if (fd_ < 0) return cs::make_error(cs::errc::invalid_argument, "chunk stream already finished");
  if (bytes.size() > expected_ - sums_.length())
    return cs::make_error(cs::errc::invalid_argument, "chunk " + handle_.to_string() +
                                                          " longer than the announced " +
                                                          std::to_string(expected_) + " bytes");
  if (auto st = pwrite_all(fd_, bytes, data_offset_ + sums_.length(), tmp_); !st) return io_err(st);
  sums_.add(bytes);
  return {};
}

cs::result<cs::chunk_meta> chunk_stream::finish() {
  if (fd_ < 0) return cs::make_error(cs::errc::invalid_argument, "chunk stream already finished");
  if (sums_.length() != expected_) {
    abandon();
    return cs::make_error(cs::errc::invalid_argument,
                          "chunk " + handle_.to_string() + " ended at " +
                              std::to_string(sums_.length()) + " of the announced " +
                              std::to_string(expected_) + " bytes");
  }
  cs::chunk_meta m;
  m.handle = handle_;
  m.chunk_version = version_;
  m.length_bytes = sums_.length();
  m.crc32c = sums_.whole_crc();
  m.block_crcs = sums_.block_crcs();
  m.format = cs::pushed_format(expected_);
  auto fail = [this](cs::error e) {
    abandon();
    return e;
  };
  if (auto st = pwrite_all(fd_, cs::encode_header(m), 0, tmp_); !st) return fail(io_err(st));
  if (::fdatasync(fd_) != 0) return fail(sys_err("fdatasync", tmp_));
  if (::close(fd_) != 0) {
    fd_ = -1;
    return fail(sys_err("close", tmp_));
  }
  fd_ = -1;
  if (auto st = rename_file(tmp_, path_); !st) return fail(io_err(st));
  tmp_.clear();
  return m;
}

}  // namespace dfs
