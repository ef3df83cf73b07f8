#pragma once
// Emptied files kept in a directory for reuse, so that a chunkserver's deletes and creates do not
// free and allocate inodes.
//
// Why: ext4 without a journal (this project's test VMs; also a common choice for chunkserver
// disks) will not hand out an inode freed in the last 60 s, or 360 s while its inode table block
// is dirty, and finds a free one by testing every such inode of the block group in turn. With
// thousands of recent deletes in the group, a create cost ~700-900 us of kernel CPU (perf:
// find_inode_bit → recently_deleted) against ~100 us in a group without them. A deleted chunk's
// file is renamed to "<n>.spare" and emptied instead; the next new chunk file is that file,
// renamed to its temporary name. RocksDB recycles its log files for the same kind of reason.
//
// Crash safety: a spare holds no acknowledged bytes until a chunk is written into it, and a
// delete was never durable before its directory was synced either. A chunk written into a
// spare is found by its content at open, under whichever name a crash left it (chunk_files.hpp).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/durable_file.hpp"

namespace dfs {

class spare_files {
 public:
  // `capacity` spares at most; a file retired beyond that is deleted.
  spare_files(std::string dir, size_t capacity) : dir_(std::move(dir)), capacity_(capacity) {}
  // A move is not thread-safe: only before the files are shared (a store returned by value).
  spare_files(spare_files&& other) noexcept
      : dir_(std::move(other.dir_)),
        capacity_(other.capacity_),
        ids_(std::move(other.ids_)),
        next_id_(other.next_id_),
        reused_(other.reused_) {}

  static bool is_spare_name(const std::string& name);  // "<decimal>.spare"

  // Takes over the spares named in `names` (files of dir(), found at start). Beyond capacity
  // they are deleted.
  void adopt(const std::vector<std::string>& names);
  // Makes the file at `path` (in dir()) a spare: renamed, then emptied. When the pool is full or
  // either step fails it is deleted instead, as before spares existed.
  io_status retire(const std::string& path);
  // Renames a spare to `path` (which then exists, empty). False when there is none or the
  // rename failed: the caller creates the file as usual.
  bool take(const std::string& path);
  // Creates empty spares until there are `target`, then syncs the directory once before they
  // join the pool: every spare handed out is durably linked under some name (a retired one
  // under its old name or its spare name), which lets a chunk written into one skip the
  // directory sync of a new name (chunk_files.hpp). Failed creates end the batch; a failed
  // directory sync deletes it.
  // `sync_dir` syncs dir() (default: fsync_dir; a chunk store passes its dir_sync_group).
  io_status fill(size_t target, const std::function<io_status()>& sync_dir = {});

  size_t size() const;
  uint64_t reused() const;  // files taken so far
  const std::string& dir() const { return dir_; }

 private:
  std::string path_of(uint64_t id) const;

  std::string dir_;
  size_t capacity_;
  mutable std::mutex mu_;
  std::vector<uint64_t> ids_;
  size_t retiring_ = 0;  // renames in flight, counted against capacity
  uint64_t next_id_ = 0;
  uint64_t reused_ = 0;
};

}  // namespace dfs
