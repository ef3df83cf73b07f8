#pragma once
// Group commit for directory entries: many threads rename files into one directory and each
// needs the rename to be durable before it answers. One fsync of the directory covers every
// rename completed before that fsync started, so concurrent callers share fsyncs instead of
// queueing one each (chunk files: three chunkservers on one disk spent most of a small put
// waiting for directory fsyncs in turn).
//
// A failed directory fsync is sticky: what reached the disk is unknown afterwards, so every
// later sync() reports the same error (the chunkserver then refuses writes).
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "storage/durable_file.hpp"

namespace dfs {

class dir_sync_group {
 public:
  explicit dir_sync_group(std::string dir) : dir_(std::move(dir)) {}
  // Returns once every entry change made in the directory before the call is durable.
  io_status sync();
  uint64_t fsyncs() const;   // directory fsyncs issued so far
  io_status status() const;  // ok, or the sticky error of a failed directory fsync
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t requested_ = 0;  // tickets handed out
  uint64_t synced_ = 0;     // every ticket <= synced_ is durable
  bool running_ = false;
  uint64_t fsyncs_ = 0;
  io_status status_;  // ok until a directory fsync fails, then that error for good
};

}  // namespace dfs
