#pragma once
// Small POSIX file helpers for state that must survive a crash (master op log and checkpoints,
// chunk files). Errors are values naming the file and the failed call, never exceptions.
//
// Durability rules used here: data is durable after fsync/fdatasync of the file; a new or
// renamed directory entry is durable after fsync of the directory.
//
// Everything created here is the node's alone (common/file_modes.hpp): directories 0700, files
// 0600; no file is opened through a symlink (O_NOFOLLOW).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dfs {

struct io_status {
  int code = 0;  // errno of the failed call, 0 on success; EILSEQ for "short file"
  std::string message;

  bool ok() const { return code == 0; }
  explicit operator bool() const { return ok(); }
};

// Whole-file helpers.
io_status read_file(const std::string& path, std::string& out);
io_status read_range(const std::string& path, uint64_t offset, size_t length, std::string& out);
// read_range into `out`, which has room for `length` bytes (a reused buffer: no allocation).
io_status read_range_to(const std::string& path, uint64_t offset, size_t length, char* out);
// Writes `path.tmp`, fsyncs it, renames it over `path`, fsyncs the directory: afterwards `path`
// holds either the old or the new content, never a mix, even across a power cut.
io_status write_file_atomic(const std::string& path, std::string_view data);
// The first half of write_file_atomic: `path.tmp`, fsync, rename. The new entry is durable only
// after the directory is fsynced (callers batch that: dir_sync_group.hpp).
io_status write_and_rename(const std::string& path, std::string_view data);
// The temporary file write_and_rename writes first: `path` + ".tmp". An existing one is
// truncated and reused (chunk_files hands it a spare file: spare_files.hpp).
std::string tmp_path_of(const std::string& path);
// Whether a directory entry is such a temporary file: a leftover of an interrupted write.
bool is_tmp_name(const std::string& name);
// dir/prefix and `n` in 20 zero-padded digits: names that sort as their numbers do (logs and
// checkpoints by generation or sequence number).
std::string numbered_path(const std::string& dir, const char* prefix, uint64_t n);
// The error of stored bytes that do not read back as what was written (EILSEQ).
io_status corrupt_data(const std::string& what);
// The same with the file's content given in two parts (a header and the data after it), written
// with one gathering write rather than first copied into one buffer.
io_status write_and_rename(const std::string& path, std::string_view head, std::string_view data);
io_status fsync_dir(const std::string& dir);
// Writes `data` at `offset` of the existing file `path` (pwrite; may extend it), then
// fdatasync: durable, file size included, when it returns. Not atomic: a crash may leave any
// mix of old and new sectors (callers detect that: chunk_files.hpp).
io_status write_range_durable(const std::string& path, uint64_t offset, std::string_view data);
// All of `data` at `offset` of the open file `fd` (pwrite until done; `path` names it in errors).
io_status pwrite_all(int fd, std::string_view data, uint64_t offset, const std::string& path);
io_status remove_file(const std::string& path);  // missing file is fine
// A new empty file (O_EXCL: an existing one is an error), mode 0600; its name is not durable
// before its directory is synced.
io_status create_empty_file(const std::string& path);
io_status rename_file(const std::string& from, const std::string& to);
io_status truncate_file(const std::string& path, uint64_t size_bytes);
io_status make_dirs(const std::string& path);  // mkdir -p, new directories 0700
// Marks `dir` a top directory for ext4's Orlov allocator (chattr +T): a directory created in it
// then goes to a lightly used block group of its own rather than next to `dir`. For the chunks
// directory: a group holding thousands of inodes freed in the last minutes (a cluster just
// deleted beside it) makes every file created there slow on ext4 without a journal
// (spare_files.hpp). Fails (ENOTTY, EOPNOTSUPP, ...) where the file system has no such flag.
io_status mark_top_dir(const std::string& dir);
// Names (not paths) of the regular files in `dir`, sorted.
io_status list_dir(const std::string& dir, std::vector<std::string>& names);
io_status file_size(const std::string& path, uint64_t& size_bytes);
io_status disk_space(const std::string& dir, uint64_t& free_bytes, uint64_t& total_bytes);

// What a chunkserver offers: {capacity, free} of the file system holding `dir` (its chunk
// directory). With a budget (`capacity_bytes` > 0, chunkserver.capacity_bytes) the capacity is
// the budget and free is what the chunks (`used_bytes`) leave of it, never more than the disk
// has. If the file system cannot be asked: the budget, less what is used.
std::pair<uint64_t, uint64_t> offered_space(const std::string& dir, uint64_t capacity_bytes,
                                            uint64_t used_bytes);
std::string parent_dir(const std::string& path);

// An append-only file: several appends, then one sync() makes them all durable (group commit).
//
// The file grows by `preallocate_bytes` at a time (fallocate) ahead of the appends, which then
// overwrite allocated blocks: an fdatasync after an append that extended the file also commits
// the new size and blocks to the file system's journal, one after an overwrite does not. On
// this machine's ext4, 100-byte appends each followed by fdatasync: 3,100/s extending the file
// against 4,000-4,300/s into preallocated space (etcd preallocates its WAL for the same reason).
// fallocate leaves the blocks *unwritten*, though: the first write into each one changes the
// extent tree, and that fdatasync writes the inode too (a synchronous write before the flush).
// So zeros are written `zero_ahead_bytes` at a time ahead of the appends, within the allocated
// space: one such change per 64 KiB instead of one per appended page. 4,300-byte appends, each
// fdatasynced (a master's create with its data inline): 251-254 -> 178-184 us; 200-byte ones
// unchanged (166-168 -> 163-164 us); 1 MiB at a time made one sync in 256 take 5 ms.
// A crash leaves the unused rest as zeros after the last frame, which readers take for the end
// of the log (oplog::scan: a torn tail of zeros); close() cuts it off.
class append_file {
 public:
  append_file() = default;
  ~append_file();
  append_file(const append_file&) = delete;
  append_file& operator=(const append_file&) = delete;
  append_file(append_file&& other) noexcept;
  append_file& operator=(append_file&& other) noexcept;

  static constexpr uint64_t preallocate_bytes = 1 << 20;
  static constexpr uint64_t zero_ahead_bytes = 64 << 10;

  // Opens (creating if needed) for appending; size() starts at the current file size, so a
  // caller recovering a log cuts off a torn or zero tail first.
  io_status open(const std::string& path);
  io_status append(std::string_view data);  // on failure the file is cut back to its old size
  io_status sync();                         // fdatasync
  // Cuts the file to `size_bytes` (ftruncate; durable after the next sync()).
  io_status truncate(uint64_t size_bytes);
  void close();

  bool is_open() const { return fd_ >= 0; }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  // Writes zeros from zeroed_ until `end` is covered, in zero_ahead_bytes steps, never past
  // allocated_ (a file system that cannot preallocate gets plain extending appends).
  void zero_ahead(uint64_t end);

  int fd_ = -1;
  uint64_t size_ = 0;       // the appended bytes: where the next append goes
  uint64_t allocated_ = 0;  // the file's size, preallocated space included
  uint64_t zeroed_ = 0;     // below this, every block has been written (data or zeros)
  std::string path_;
};

}  // namespace dfs
