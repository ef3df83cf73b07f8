#pragma once
// The local file a `get` writes: never through a symlink, never onto a device, FIFO or
// directory, never half-written.
//
// The bytes go to a new temp file next to the target, TARGET.dfs-part-<16 random hex digits>
// (TARGET's name cut short if that would be longer than NAME_MAX), created with
// O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600: a name nobody can predict, a file nobody else can read
// while it fills, and no symlink or existing file followed (a fixed name like TARGET.dfs-part could
// be planted as a symlink to a victim file, which the download would then truncate and overwrite).
// commit() fsyncs it, gives it its final mode and renames it over the target, after checking with
// lstat right before that the target is still absent or a regular file. Any failure, and
// destruction without commit(), removes the temp file.
//
//   download_file out{local};                  // throws if local is a symlink, dir, FIFO, ...
//   ... out.write_at(offset, bytes) ...        // any order, from one thread at a time
//   out.commit();                              // LOCAL now holds the whole download
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "client/storage_error.hpp"

namespace dfs {

class download_file {
 public:
  // Throws storage_error if `target` exists and is not a regular file, or the temp file
  // cannot be created.
  explicit download_file(std::string target);
  ~download_file();
  download_file(const download_file&) = delete;
  download_file& operator=(const download_file&) = delete;

  void write_at(uint64_t offset, std::string_view bytes);
  // Makes the target hold the written bytes, durably. Throws storage_error (temp file removed)
  // if the target has meanwhile become something other than a regular file.
  void commit();

  const std::string& temp_path() const { return temp_; }
  // The mode the target gets: that of the regular file it replaces (its owner chose it), else
  // 0666 minus the umask, as for any file the user creates.
  mode_t final_mode() const { return final_mode_; }

 private:
  void discard();

  std::string target_;
  std::string temp_;
  int fd_ = -1;
  mode_t final_mode_ = 0;
  bool committed_ = false;
};

// "a symbolic link", "a directory", "a FIFO", ... for an lstat mode that is not a regular file.
std::string file_kind(mode_t mode);

}  // namespace dfs
