// Chunk files on disk: durable writes, verified reads, damage detection.
#include "storage/chunk_files.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/temp_dir.hpp"
#include "unit/storage/chunk_store_helpers.hpp"

using namespace dfs;
using dfs::chunkstore::block_size_bytes;
using dfs::chunkstore::chunk_handle;
using dfs::chunkstore::errc;

namespace {

std::string pattern(size_t n, int seed = 1) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 2654435761u + seed) >> 7);
  return s;
}

void flip_byte(const std::string& path, uint64_t offset) {
  std::string bytes;
  ASSERT_TRUE(read_file(path, bytes).ok());
  bytes[offset] ^= 0x01;
  ASSERT_TRUE(write_file_atomic(path, bytes).ok());
}

}  // namespace

TEST(ChunkFiles, WriteReadListRemove) {
  test::temp_dir tmp;
  auto files = test::opened_files(tmp.path());
  auto data = pattern(3 * block_size_bytes + 123);
  auto meta = files.write(chunk_handle{42}, 3, data);
  ASSERT_TRUE(meta.ok()) << meta.err().message;
  EXPECT_EQ(meta->block_crcs.size(), 4u);
  ASSERT_TRUE(files.write(chunk_handle{7}, 1, "").ok());
  auto all = files.read(chunk_handle{42}, 0, data.size());
  ASSERT_TRUE(all.ok()) << all.err().message;
  EXPECT_EQ(*all, data);
  auto mid = files.read(chunk_handle{42}, block_size_bytes - 10, 20);
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(*mid, data.substr(block_size_bytes - 10, 20));
  EXPECT_EQ(files.read(chunk_handle{7}, 0, 0).value(), "");
  EXPECT_EQ(files.read(chunk_handle{42}, data.size(), 1).err().code, errc::out_of_range);
  EXPECT_EQ(files.read(chunk_handle{99}, 0, 1).err().code, errc::not_found);
  auto list = files.list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].handle, chunk_handle{7});
  EXPECT_EQ(list[1].chunk_version, 3u);
  EXPECT_EQ(list[1].length_bytes, data.size());
  EXPECT_EQ(files.used_bytes(), meta->header_bytes() + data.size() + 48);
  uint64_t free_bytes = 0;
  EXPECT_TRUE(files.free_bytes(free_bytes).ok());
  EXPECT_GT(free_bytes, 0u);
  ASSERT_TRUE(files.remove(chunk_handle{7}).ok());
  EXPECT_EQ(files.remove(chunk_handle{7}).err().code, errc::not_found);
  EXPECT_EQ(files.chunk_count(), 1u);
}

TEST(ChunkFiles, SurvivesReopenAndReplaces) {
  test::temp_dir tmp;
  auto data = pattern(100000, 2);
  {
    auto files = test::opened_files(tmp.path());
    ASSERT_TRUE(files.write(chunk_handle{1}, 1, pattern(10)).ok());
    ASSERT_TRUE(files.write(chunk_handle{1}, 2, data).ok());  // new chunk version replaces
  }
  ASSERT_TRUE(write_file_atomic(tmp.path() + "/chunks/0000000000000009.chunk.tmp", "x").ok());
  std::vector<std::string> warnings;
  auto files = test::opened_files(tmp.path(), &warnings);
  EXPECT_TRUE(warnings.empty());
  ASSERT_EQ(files.chunk_count(), 1u);
  EXPECT_EQ(files.find(chunk_handle{1})->chunk_version, 2u);
  EXPECT_EQ(files.read(chunk_handle{1}, 0, data.size()).value(), data);
  std::vector<std::string> names;
  ASSERT_TRUE(list_dir(tmp.path() + "/chunks", names).ok());
  EXPECT_EQ(names, std::vector<std::string>{"0000000000000001.chunk"});  // tmp leftover gone
}

TEST(ChunkFiles, FlippedDataByteIsDetectedWithItsBlock) {
  test::temp_dir tmp;
  auto files = test::opened_files(tmp.path());
  auto data = pattern(4 * block_size_bytes);
  auto meta = files.write(chunk_handle{5}, 1, data);
  ASSERT_TRUE(meta.ok());
  flip_byte(files.path_of(chunk_handle{5}), meta->header_bytes() + 2 * block_size_bytes + 9);
  auto bad = files.read(chunk_handle{5}, 2 * block_size_bytes, 100);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.err().code, errc::corrupt);
  EXPECT_NE(bad.err().message.find("corrupt block 2"), std::string::npos) << bad.err().message;
  EXPECT_NE(bad.err().message.find("0000000000000005"), std::string::npos);
  // Reads that do not touch block 2 still work; a whole-chunk verify does not.
  EXPECT_EQ(files.read(chunk_handle{5}, 0, 2 * block_size_bytes).value(),
            data.substr(0, 2 * block_size_bytes));
  EXPECT_TRUE(files.read(chunk_handle{5}, 3 * block_size_bytes, 10).ok());
  EXPECT_EQ(files.verify(chunk_handle{5}).err().code, errc::corrupt);
}

TEST(ChunkFiles, TruncatedFileIsCorruptNotServed) {
  test::temp_dir tmp;
  auto files = test::opened_files(tmp.path());
  auto data = pattern(2 * block_size_bytes);
  auto meta = files.write(chunk_handle{6}, 1, data);
  ASSERT_TRUE(meta.ok());
  ASSERT_TRUE(truncate_file(files.path_of(chunk_handle{6}), meta->header_bytes() + 100).ok());
  EXPECT_EQ(files.read(chunk_handle{6}, block_size_bytes, 10).err().code, errc::corrupt);
  // On restart the short file is set aside with a warning.
  std::vector<std::string> warnings;
  auto again = test::opened_files(tmp.path(), &warnings);
  EXPECT_EQ(again.chunk_count(), 0u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("does not match"), std::string::npos) << warnings[0];
}

TEST(ChunkFiles, DamagedHeaderIsMovedAside) {
  test::temp_dir tmp;
  {
    auto files = test::opened_files(tmp.path());
    ASSERT_TRUE(files.write(chunk_handle{8}, 1, pattern(1000)).ok());
    ASSERT_TRUE(files.write(chunk_handle{9}, 1, pattern(1000)).ok());
    flip_byte(files.path_of(chunk_handle{8}), 20);  // chunk version field
  }
  std::vector<std::string> warnings;
  auto files = test::opened_files(tmp.path(), &warnings);
  ASSERT_EQ(files.chunk_count(), 1u);
  EXPECT_NE(files.find(chunk_handle{9}), nullptr);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("CRC mismatch"), std::string::npos) << warnings[0];
  std::vector<std::string> names;
  ASSERT_TRUE(list_dir(tmp.path() + "/corrupt", names).ok());
  EXPECT_EQ(names, std::vector<std::string>{"0000000000000008.chunk"});
}

TEST(ChunkFiles, ARemovedChunksFileBecomesTheNextNewChunksFile) {
  test::temp_dir tmp;
  auto data = pattern(2 * block_size_bytes + 5);
  struct stat st {};
  {
    auto files = test::opened_files(tmp.path());
    ASSERT_TRUE(files.write(chunk_handle{1}, 1, data).ok());
    ASSERT_EQ(::stat(files.path_of(chunk_handle{1}).c_str(), &st), 0);
    ASSERT_TRUE(files.remove(chunk_handle{1}).ok());
    EXPECT_EQ(files.spares().size(), 1u);
    ASSERT_TRUE(files.write(chunk_handle{2}, 1, "second").ok());
    EXPECT_EQ(files.spares().size(), 0u);
    EXPECT_EQ(files.spares().reused(), 1u);
    struct stat st2 {};
    ASSERT_EQ(::stat(files.path_of(chunk_handle{2}).c_str(), &st2), 0);
    EXPECT_EQ(st2.st_ino, st.st_ino) << "no inode freed and allocated";
    EXPECT_EQ(files.read(chunk_handle{2}, 0, 6).value(), "second");
    EXPECT_EQ(files.read(chunk_handle{1}, 0, 1).err().code, errc::not_found);
    ASSERT_TRUE(files.remove(chunk_handle{2}).ok());
    EXPECT_EQ(files.used_bytes(), 0u);
  }
  // After a restart the spare is still there, quietly: no warning, no chunk, reused.
  std::vector<std::string> warnings;
  auto files = test::opened_files(tmp.path(), &warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(files.chunk_count(), 0u);
  EXPECT_EQ(files.spares().size(), 1u);
  ASSERT_TRUE(files.write(chunk_handle{3}, 1, data).ok());
  EXPECT_EQ(files.read(chunk_handle{3}, 0, data.size()).value(), data);
  EXPECT_EQ(files.spares().size(), 0u);
}

TEST(ChunkFiles, TheChunksDirectoryIsPlacedAsATopDirectorysChild) {
  test::temp_dir tmp;
  // Only where the file system has the flag (ext4 has; tmpfs has not).
  auto probe = tmp.path() + "/probe";
  ASSERT_TRUE(make_dirs(probe).ok());
  if (!mark_top_dir(probe)) GTEST_SKIP() << "no top-directory flag on this file system";
  auto data_dir = tmp.path() + "/node";
  test::opened_files(data_dir);
  int fd = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  int flags = 0;
  ASSERT_EQ(::ioctl(fd, FS_IOC_GETFLAGS, &flags), 0);
  ::close(fd);
  EXPECT_NE(flags & FS_TOPDIR_FL, 0);
}
