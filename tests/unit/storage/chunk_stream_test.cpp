// chunk_store::begin_stream / finish_stream (storage/chunk_stream.hpp): a chunk written piece
// by piece is the chunk a push of the same bytes makes (format, checksums, bytes), durable
// across a reopen and reported as added; a stream that ends early, overflows, is abandoned or
// finds the chunk already here leaves nothing behind and never touches an existing replica.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/crc32c.hpp"
#include "common/process.hpp"
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

// Names of the files in the store's chunk directory.
// Every file of the chunks directory but the (empty) spares a chunk store keeps stocked.
std::vector<std::string> chunk_files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (auto& e : std::filesystem::directory_iterator(dir + "/chunks"))
    if (!spare_files::is_spare_name(e.path().filename().string()))
      names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void stream_in(chunk_store& s, chunk_handle h, uint64_t version, const std::string& data,
               size_t piece) {
  auto st = s.begin_stream(h, version, data.size());
  ASSERT_TRUE(st.ok()) << st.err().message;
  for (size_t pos = 0; pos < data.size(); pos += piece)
    ASSERT_TRUE(st->append(std::string_view(data).substr(pos, piece)).ok());
  auto m = s.finish_stream(*st);
  ASSERT_TRUE(m.ok()) << m.err().message;
}

}  // namespace

TEST(ChunkStream, AStreamedChunkIsThePushedChunkDurableAndReported) {
  // Below and above the size where pushes switch to the in-place format (chunk_meta.hpp).
  for (size_t size : {size_t{5 * block_size_bytes + 17}, size_t{(3u << 20) + 4097}}) {
    SCOPED_TRACE(size);
    test::temp_dir pushed_dir, streamed_dir;
    auto data = pattern(size, 7);
    chunk_handle h{42};
    {
      auto p = opened(pushed_dir.path());
      commit(*p, h, 4, data);
      auto s = opened(streamed_dir.path());
      std::vector<chunk_report> added;
      std::vector<uint64_t> removed;
      s->drain_changes(added, removed);
      stream_in(*s, h, 4, data, 1000003);  // pieces that cross block edges
      s->drain_changes(added, removed);
      ASSERT_EQ(added.size(), 1u);
      EXPECT_EQ(added[0], (chunk_report{42, 4, data.size()}));
    }
    auto p = opened(pushed_dir.path());
    auto s = opened(streamed_dir.path());  // reopened: the chunk was durable
    auto pm = p->stat(h), sm = s->stat(h);
    ASSERT_TRUE(sm.has_value());
    EXPECT_EQ(sm->format, pm->format);
    EXPECT_EQ(sm->format, cs::pushed_format(size));
    EXPECT_EQ(sm->crc32c, crc32c(data));
    EXPECT_EQ(sm->block_crcs, pm->block_crcs);
    EXPECT_EQ(sm->chunk_version, 4u);
    auto r = s->read(h, 0, size);
    ASSERT_TRUE(r.ok()) << r.err().message;
    EXPECT_TRUE(*r == data);
    // Byte for byte the same file as the push made.
    std::string a, b;
    ASSERT_TRUE(read_file(pushed_dir.path() + "/chunks/" + h.to_string() + ".chunk", a).ok());
    ASSERT_TRUE(read_file(streamed_dir.path() + "/chunks/" + h.to_string() + ".chunk", b).ok());
    EXPECT_TRUE(a == b);
    EXPECT_EQ(chunk_files_in(streamed_dir.path()),
              std::vector<std::string>{h.to_string() + ".chunk"});
  }
}

TEST(ChunkStream, ShortLongOrAbandonedStreamsLeaveNothing) {
  test::temp_dir tmp;
  auto s = opened(tmp.path());
  auto data = pattern(3 * block_size_bytes);
  chunk_handle h{7};
  {
    auto st = s->begin_stream(h, 1, data.size());
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE(st->append(std::string_view(data).substr(0, 100)).ok());
    auto m = s->finish_stream(*st);
    ASSERT_FALSE(m.ok()) << "a chunk shorter than announced was stored";
    EXPECT_EQ(m.err().code, errc::invalid_argument);
    EXPECT_NE(m.err().message.find("ended at 100 of the announced"), std::string::npos)
        << m.err().message;
  }
  {
    auto st = s->begin_stream(h, 1, data.size());
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE(st->append(data).ok());
    auto more = st->append("x");
    ASSERT_FALSE(more.ok()) << "a byte past the announced length was taken";
    EXPECT_EQ(more.err().code, errc::invalid_argument);
  }
  {
    auto st = s->begin_stream(h, 1, data.size());
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE(st->append(std::string_view(data).substr(0, block_size_bytes)).ok());
    // Abandoned (the source failed mid-copy): destroyed without finish.
  }
  EXPECT_FALSE(s->stat(h).has_value());
  EXPECT_TRUE(chunk_files_in(tmp.path()).empty()) << "a temporary file was left behind";
  auto big = s->begin_stream(h, 1, (64ull << 20) + 1);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.err().code, errc::invalid_argument);
}

TEST(ChunkStream, AChunkThatArrivedMeanwhileIsNeverOverwritten) {
  test::temp_dir tmp;
  auto s = opened(tmp.path());
  auto mine = pattern(2 * block_size_bytes, 1), theirs = pattern(2 * block_size_bytes, 2);
  chunk_handle h{9};
  auto st = s->begin_stream(h, 1, mine.size());
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(st->append(mine).ok());
  commit(*s, h, 1, theirs);  // a push of the same chunk finished first
  auto m = s->finish_stream(*st);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.err().code, errc::exists);
  auto r = s->read(h, 0, theirs.size());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r == theirs);
  EXPECT_EQ(chunk_files_in(tmp.path()), std::vector<std::string>{h.to_string() + ".chunk"});
  auto again = s->begin_stream(h, 1, mine.size());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.err().code, errc::exists);
}

TEST(ChunkStream, ATemporaryFileLeftByACrashIsDeletedAtOpen) {
  test::temp_dir tmp;
  chunk_handle h{11};
  auto data = pattern(block_size_bytes);
  {
    auto s = opened(tmp.path());
    auto st = s->begin_stream(h, 1, data.size());
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE(st->append(data).ok());
    // A crash before finish: the process dies with the stream open (no destructor runs).
    std::filesystem::copy(tmp.path() + "/chunks", tmp.path() + "/crashed");
  }
  std::filesystem::remove_all(tmp.path() + "/chunks");
  std::filesystem::rename(tmp.path() + "/crashed", tmp.path() + "/chunks");
  ASSERT_EQ(chunk_files_in(tmp.path()).size(), 1u);
  auto s = opened(tmp.path());
  EXPECT_FALSE(s->stat(h).has_value());
  EXPECT_TRUE(chunk_files_in(tmp.path()).empty());
}

TEST(ChunkStream, AStreamedChunkReusesARemovedChunksFile) {
  test::temp_dir dir;
  auto s = opened(dir.path());
  // The store's first batch of spares made: the removed file is then the newest spare, the
  // first taken.
  ASSERT_TRUE(test::wait_until([&] { return s->spare_count() >= chunk_store::spares_low; },
                               std::chrono::seconds(20), std::chrono::milliseconds(5)));
  auto data = pattern(3 * block_size_bytes + 9, 3);
  commit(*s, chunk_handle{1}, 1, data);
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() + "/chunks/0000000000000001.chunk").c_str(), &st), 0);
  s->remove(chunk_handle{1});
  EXPECT_TRUE(chunk_files_in(dir.path()).empty());
  stream_in(*s, chunk_handle{2}, 1, data, 70000);
  EXPECT_EQ(chunk_files_in(dir.path()), std::vector<std::string>{"0000000000000002.chunk"});
  struct stat st2 {};
  ASSERT_EQ(::stat((dir.path() + "/chunks/0000000000000002.chunk").c_str(), &st2), 0);
  EXPECT_EQ(st2.st_ino, st.st_ino);
  EXPECT_EQ(s->read(chunk_handle{2}, 0, data.size()).value(), data);
}
