#pragma once
// chunk_stream: a new chunk written to disk piece by piece as it arrives (a repair copy read
// from another replica's data port), instead of gathered whole in memory and written at the
// end. No 64 MiB buffer per copy and no copies of it: on these VMs the page faults of fresh
// buffers and the memmoves into them were most of a copy's CPU (perf, issue 12), and the disk
// writes now overlap the network reads.
//
// The file has the format a push of the same length gets (pushed_format, chunk_meta.hpp). The
// length is known in advance, and so is the header's size: every piece goes straight to its
// final offset, and the header, with the checksums computed on the way (checksum_builder), is
// written last. Crash safety is write_and_rename's:
// everything goes to a temporary file `<chunk>.<random>.tmp` (chunk_files::open deletes such
// leftovers), which finish() fsyncs and renames over the chunk's name; the caller fsyncs the
// directory before the chunk counts (chunk_store::finish_stream). A stream destroyed without
// finish() deletes its temporary file.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/chunkstore/block_checksums.hpp"
#include "core/chunkstore/chunk_meta.hpp"
#include "core/chunkstore/error.hpp"
#include "storage/spare_files.hpp"

namespace dfs {

class chunk_stream {
 public:
  // Creates the temporary file for chunk `handle` at `version`, `length` bytes long, to become
  // `path` at finish(). The file is one of `spares` when it has one (spare_files.hpp). Errors:
  // invalid_argument past the chunk size limit, io_error.
  static chunkstore::result<chunk_stream> create(std::string path, chunkstore::chunk_handle handle,
                                                 uint64_t version, uint64_t length,
                                                 spare_files* spares = nullptr);
  ~chunk_stream();
  chunk_stream(chunk_stream&& other) noexcept;
  chunk_stream& operator=(chunk_stream&&) = delete;
  chunk_stream(const chunk_stream&) = delete;
  chunk_stream& operator=(const chunk_stream&) = delete;

  // The next bytes of the chunk. Errors: invalid_argument past the announced length, io_error.
  chunkstore::result<void> append(std::string_view bytes);
  // Header, fdatasync, rename over the chunk's path (durable once its directory is fsynced).
  // The stream is spent afterwards, whatever the outcome. Errors: invalid_argument when fewer
  // bytes than announced came, io_error.
  chunkstore::result<chunkstore::chunk_meta> finish();
  // Closes and deletes the temporary file (also what destroying an unfinished stream does).
  void abandon();

  chunkstore::chunk_handle handle() const { return handle_; }
  uint32_t crc32c() const { return sums_.whole_crc(); }  // of the bytes so far

 private:
  chunk_stream(std::string path, std::string tmp, int fd, chunkstore::chunk_handle handle,
               uint64_t version, uint64_t length);

  std::string path_, tmp_;
  int fd_ = -1;
  chunkstore::chunk_handle handle_;
  uint64_t version_ = 0;
  uint64_t expected_ = 0;     // bytes announced at create()
  uint64_t data_offset_ = 0;  // the header's size in pushed_format(expected_)
  chunkstore::checksum_builder sums_;
};

}  // namespace dfs
