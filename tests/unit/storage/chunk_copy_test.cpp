// chunk_store::copy_local (copy-on-write on the chunkserver's disk): the same bytes, length and
// checksums under the new handle, durable (survives a reopen), reported as added; an existing
// target is refused; a corrupt source block is detected and the source set aside.
#include <gtest/gtest.h>

#include "common/crc32c.hpp"
#include "common/temp_dir.hpp"
#include "storage/chunk_store.hpp"
#include "unit/storage/chunk_store_helpers.hpp"

using namespace dfs;
using dfs::chunkstore::block_size_bytes;
using dfs::chunkstore::chunk_handle;
using dfs::chunkstore::errc;
namespace cs = dfs::chunkstore;
using dfs::test::commit;
using dfs::test::opened;
using dfs::test::pattern;

namespace {

void flip_byte(const std::string& dir, const cs::chunk_meta& m, uint64_t data_offset) {
  std::string b;
  auto path = dir + "/chunks/" + m.handle.to_string() + ".chunk";
  ASSERT_TRUE(read_range(path, m.header_bytes() + data_offset, 1, b).ok());
  b[0] ^= 0x01;
  ASSERT_TRUE(write_range_durable(path, m.header_bytes() + data_offset, b).ok());
}

}  // namespace

TEST(ChunkCopy, SameBytesAndChecksumsUnderTheNewHandleDurable) {
  test::temp_dir tmp;
  auto data = pattern(2 * block_size_bytes + 333);
  chunk_handle from{5}, to{9};
  {
    auto s = opened(tmp.path());
    commit(*s, from, 3, data);
    std::vector<chunk_report> added;
    std::vector<uint64_t> removed;
    s->drain_changes(added, removed);
    auto m = s->copy_local(from, to, 3);
    ASSERT_TRUE(m.ok()) << m.err().message;
    auto src = *s->stat(from);
    EXPECT_EQ(m->handle, to);
    EXPECT_EQ(m->chunk_version, 3u);
    EXPECT_EQ(m->length_bytes, src.length_bytes);
    EXPECT_EQ(m->crc32c, src.crc32c);
    EXPECT_EQ(m->crc32c, crc32c(data));
    EXPECT_EQ(m->block_crcs, src.block_crcs);
    // Reported like a new chunk with the next heartbeat; the source is untouched.
    added.clear();
    s->drain_changes(added, removed);
    ASSERT_EQ(added.size(), 1u);
    EXPECT_EQ(added[0], (chunk_report{9, 3, data.size()}));
    EXPECT_TRUE(removed.empty());
  }
  // After a restart (the copy was fsynced with its directory) both read the same bytes.
  auto s = opened(tmp.path());
  for (auto h : {from, to}) {
    auto r = s->read(h, 0, data.size());
    ASSERT_TRUE(r.ok()) << r.err().message;
    EXPECT_TRUE(*r == data);
  }
}

TEST(ChunkCopy, AChunkThatTookWritesCopiesItsCurrentBytes) {
  test::temp_dir tmp;
  auto s = opened(tmp.path());
  auto data = pattern(block_size_bytes + 10);
  commit(*s, chunk_handle{1}, 1, data);
  ASSERT_TRUE(s->write_at(chunk_handle{1}, 4, "written", 2).ok());
  data.replace(4, 7, "written");
  auto m = s->copy_local(chunk_handle{1}, chunk_handle{2}, 2);
  ASSERT_TRUE(m.ok()) << m.err().message;
  EXPECT_EQ(m->crc32c, crc32c(data));
  EXPECT_TRUE(*s->read(chunk_handle{2}, 0, data.size()) == data);
  // The copy is a chunk of its own: a write to it leaves the source alone.
  ASSERT_TRUE(s->write_at(chunk_handle{2}, 0, "copy", 3).ok());
  EXPECT_TRUE(*s->read(chunk_handle{1}, 0, data.size()) == data);
}

TEST(ChunkCopy, RefusesAnExistingTargetAMissingSourceAndAnOlderVersion) {
  test::temp_dir tmp;
  auto s = opened(tmp.path());
  commit(*s, chunk_handle{1}, 2, pattern(100, 1));
  commit(*s, chunk_handle{2}, 1, pattern(100, 2));
  auto exists = s->copy_local(chunk_handle{1}, chunk_handle{2}, 2);
  ASSERT_FALSE(exists.ok());
  EXPECT_EQ(exists.err().code, errc::exists);
  EXPECT_TRUE(*s->read(chunk_handle{2}, 0, 100) == pattern(100, 2));  // never overwritten
  auto missing = s->copy_local(chunk_handle{7}, chunk_handle{8}, 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.err().code, errc::not_found);
  auto older = s->copy_local(chunk_handle{1}, chunk_handle{8}, 1);
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.err().code, errc::invalid_argument);
  auto self = s->copy_local(chunk_handle{1}, chunk_handle{1}, 2);
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.err().code, errc::invalid_argument);
  EXPECT_FALSE(s->stat(chunk_handle{8}).has_value());
}

TEST(ChunkCopy, ACorruptSourceBlockIsDetectedAndNeverCopied) {
  test::temp_dir tmp;
  auto s = opened(tmp.path());
  chunk_handle from{3}, to{4};
  commit(*s, from, 1, pattern(3 * block_size_bytes));
  flip_byte(tmp.path(), *s->stat(from), 2 * block_size_bytes + 5);
  auto r = s->copy_local(from, to, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, errc::corrupt);
  EXPECT_NE(r.err().message.find("corrupt block 2"), std::string::npos) << r.err().message;
  EXPECT_FALSE(s->stat(to).has_value());
  // The bad replica is set aside (reported removed), as a read would.
  EXPECT_FALSE(s->stat(from).has_value());
  EXPECT_EQ(s->corrupt_replicas(), 1u);
}
