// A new chunk written into a spare file is durable with the file's fsync alone: after a crash
// that left the file under its spare name, a removed chunk's name or its temporary name (the
// renames since its last directory sync lost), open() finds the chunk by its content. What
// fails its checks was never acknowledged and becomes a spare again (chunk_files.hpp).
#include <gtest/gtest.h>

#include <filesystem>

#include "common/process.hpp"
#include "common/temp_dir.hpp"
#include "storage/chunk_files.hpp"
#include "unit/storage/chunk_store_helpers.hpp"

using namespace dfs;
using dfs::chunkstore::chunk_handle;

namespace {

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  EXPECT_TRUE(list_dir(dir, names).ok());
  std::sort(names.begin(), names.end());
  return names;
}

// Chunk 2 stored into a spare of `files` (a fresh one when no chunk was removed before).
void store_into_spare(chunk_files& files, const std::string& data) {
  if (files.spare_count() == 0) {
    ASSERT_TRUE(files.spares().fill(1).ok());
  }
  bool into_spare = false;
  auto m = files.store(chunk_handle{2}, 7, data, chunkstore::chunk_file_version, &into_spare);
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(into_spare);
  files.install(*m);
}

}  // namespace

// The name a crash leaves the file under: each of the names the file had since its last
// directory sync.
class ChunkRecovery : public ::testing::TestWithParam<const char*> {};

TEST_P(ChunkRecovery, AChunkInASpareIsFoundByItsContentUnderTheNameACrashLeft) {
  test::temp_dir tmp;
  auto data = test::pattern(3 * chunkstore::block_size_bytes + 11, 4);
  std::string left = GetParam();
  {
    auto files = test::opened_files(tmp.path());
    ASSERT_TRUE(files.write(chunk_handle{1}, 1, "removed later").ok());
    ASSERT_TRUE(files.remove(chunk_handle{1}).ok());  // its file becomes spare 0
    store_into_spare(files, data);
  }
  auto chunks = tmp.path() + "/chunks/";
  std::string name = left == "spare"     ? "0.spare"
                     : left == "removed" ? "0000000000000001.chunk"
                                         : "0000000000000002.chunk.tmp";
  std::filesystem::rename(chunks + "0000000000000002.chunk", chunks + name);
  std::vector<std::string> warnings;
  auto files = test::opened_files(tmp.path(), &warnings);
  ASSERT_EQ(files.chunk_count(), 1u);
  ASSERT_NE(files.find(chunk_handle{2}), nullptr);
  EXPECT_EQ(files.find(chunk_handle{2})->chunk_version, 7u);
  EXPECT_EQ(files.read(chunk_handle{2}, 0, data.size()).value(), data);
  EXPECT_EQ(files.find(chunk_handle{1}), nullptr) << "the removed chunk stays removed";
  EXPECT_EQ(names_in(chunks), std::vector<std::string>{"0000000000000002.chunk"});
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("holds chunk 0000000000000002 version 7"), std::string::npos)
      << warnings[0];
  EXPECT_FALSE(std::filesystem::exists(tmp.path() + "/corrupt"));
}

INSTANTIATE_TEST_SUITE_P(Names, ChunkRecovery, ::testing::Values("spare", "removed", "tmp"));

TEST(ChunkRecoveryFailures, AnUnfinishedWriteIsNoChunkAndItsFileIsASpareAgain) {
  test::temp_dir tmp;
  auto data = test::pattern(2 * chunkstore::block_size_bytes, 5);
  std::string image;
  {
    auto files = test::opened_files(tmp.path());
    ASSERT_TRUE(files.write(chunk_handle{2}, 1, data).ok());
    ASSERT_TRUE(read_file(files.path_of(chunk_handle{2}), image).ok());
    ASSERT_TRUE(files.remove(chunk_handle{2}).ok());
  }
  auto chunks = tmp.path() + "/chunks/";
  // The header written, the data not all: a block fails its CRC.
  auto torn = image;
  torn[torn.size() - 10] ^= 0x40;
  ASSERT_TRUE(write_file_atomic(chunks + "0.spare", torn).ok());
  // Cut short: the size does not match the header.
  ASSERT_TRUE(write_file_atomic(chunks + "0000000000000003.chunk.tmp", image.substr(0, 5000)).ok());
  // Garbage in another spare.
  ASSERT_TRUE(write_file_atomic(chunks + "9.spare", "not a chunk").ok());
  std::vector<std::string> warnings;
  auto files = test::opened_files(tmp.path(), &warnings);
  EXPECT_EQ(files.chunk_count(), 0u);
  EXPECT_TRUE(warnings.empty()) << warnings[0];
  EXPECT_EQ(files.spare_count(), 2u);
  EXPECT_EQ(names_in(chunks), (std::vector<std::string>{"0.spare", "9.spare"}));
  for (auto n : {"0.spare", "9.spare"}) EXPECT_EQ(std::filesystem::file_size(chunks + n), 0u);
}

TEST(ChunkRecoveryFailures, ACopyNoNewerThanTheChunkUnderItsOwnNameIsDropped) {
  test::temp_dir tmp;
  auto mine = test::pattern(1000, 6), older = test::pattern(2000, 7);
  std::string copy;
  {
    auto files = test::opened_files(tmp.path());
    ASSERT_TRUE(files.write(chunk_handle{2}, 3, older).ok());
    ASSERT_TRUE(read_file(files.path_of(chunk_handle{2}), copy).ok());
    ASSERT_TRUE(files.write(chunk_handle{2}, 5, mine).ok());  // replaces it
  }
  auto chunks = tmp.path() + "/chunks/";
  ASSERT_TRUE(write_file_atomic(chunks + "4.spare", copy).ok());
  ASSERT_TRUE(write_file_atomic(chunks + "0000000000000006.chunk", copy).ok());
  std::vector<std::string> warnings;
  auto files = test::opened_files(tmp.path(), &warnings);
  ASSERT_EQ(files.chunk_count(), 1u);
  EXPECT_EQ(files.find(chunk_handle{2})->chunk_version, 5u);
  EXPECT_EQ(files.read(chunk_handle{2}, 0, mine.size()).value(), mine);
  EXPECT_EQ(files.spare_count(), 1u) << "the copy in a spare was emptied";
  // The copy under a third chunk's name is set aside, as a file named after another chunk was.
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("version 3, not newer"), std::string::npos) << warnings[0];
  EXPECT_EQ(names_in(tmp.path() + "/corrupt"), std::vector<std::string>{"0000000000000006.chunk"});
}

// A chunk removed, then stored again at a newer version into a spare: a crash may leave the
// old file under the chunk's name and the new one under the spare's. The newer one is kept.
TEST(ChunkRecoveryFailures, ANewerVersionFoundElsewhereReplacesAnOlderOneUnderItsName) {
  test::temp_dir tmp;
  auto old_bytes = test::pattern(3000, 8), new_bytes = test::pattern(4000, 9);
  std::string old_image, new_image;
  {
    auto files = test::opened_files(tmp.path());
    ASSERT_TRUE(files.write(chunk_handle{2}, 1, old_bytes).ok());
    ASSERT_TRUE(read_file(files.path_of(chunk_handle{2}), old_image).ok());
    ASSERT_TRUE(files.write(chunk_handle{2}, 2, new_bytes).ok());
    ASSERT_TRUE(read_file(files.path_of(chunk_handle{2}), new_image).ok());
  }
  auto chunks = tmp.path() + "/chunks/";
  ASSERT_TRUE(write_file_atomic(chunks + "0000000000000002.chunk", old_image).ok());
  ASSERT_TRUE(write_file_atomic(chunks + "3.spare", new_image).ok());
  std::vector<std::string> warnings;
  auto files = test::opened_files(tmp.path(), &warnings);
  ASSERT_EQ(files.chunk_count(), 1u);
  EXPECT_EQ(files.find(chunk_handle{2})->chunk_version, 2u);
  EXPECT_EQ(files.read(chunk_handle{2}, 0, new_bytes.size()).value(), new_bytes);
  EXPECT_EQ(files.used_bytes(), new_image.size());
  EXPECT_EQ(names_in(chunks), std::vector<std::string>{"0000000000000002.chunk"});
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("version 1 replaced by version 2"), std::string::npos) << warnings[0];
  // Reopened as is: nothing left to recover.
  warnings.clear();
  auto again = test::opened_files(tmp.path(), &warnings);
  EXPECT_EQ(again.find(chunk_handle{2})->chunk_version, 2u);
  EXPECT_TRUE(warnings.empty());
}

TEST(SpareFill, CreatesEmptySparesUpToTheTargetAndSyncsTheirDirectoryOnce) {
  test::temp_dir tmp;
  spare_files spares(tmp.path(), 10);
  int syncs = 0;
  auto sync = [&] {
    ++syncs;
    return fsync_dir(tmp.path());
  };
  ASSERT_TRUE(spares.fill(4, sync).ok());
  EXPECT_EQ(spares.size(), 4u);
  EXPECT_EQ(syncs, 1);
  EXPECT_EQ(names_in(tmp.path()),
            (std::vector<std::string>{"0.spare", "1.spare", "2.spare", "3.spare"}));
  ASSERT_TRUE(spares.fill(3, sync).ok());
  EXPECT_EQ(syncs, 1) << "enough already: nothing to do";
  ASSERT_TRUE(spares.fill(50, sync).ok());
  EXPECT_EQ(spares.size(), 10u) << "never beyond the pool's capacity";
  // A failed directory sync: the batch is deleted, not handed out.
  spare_files more(tmp.path() + "/more", 10);
  ASSERT_TRUE(make_dirs(more.dir()).ok());
  auto st = more.fill(3, [] { return io_status{EIO, "fsync directory: I/O error"}; });
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(more.size(), 0u);
  EXPECT_TRUE(names_in(more.dir()).empty());
}

// A chunk store keeps spares stocked from open() on, and new chunks then go into them with no
// directory sync of their own.
TEST(SpareFill, AChunkStoresNewChunksGoIntoStockedSparesWithoutDirectorySyncs) {
  test::temp_dir tmp;
  auto store = test::opened(tmp.path());
  ASSERT_TRUE(test::wait_until([&] { return store->spare_count() >= chunk_store::spares_low; },
                               std::chrono::seconds(20), std::chrono::milliseconds(5)));
  auto syncs = store->dir_syncs();
  for (uint64_t h = 1; h <= 20; ++h) test::commit(*store, chunk_handle{h}, 1, test::pattern(100));
  // The filler may have synced the directory for a batch of new spares meanwhile (at most one
  // per batch); the 20 chunks needed none.
  EXPECT_LE(store->dir_syncs() - syncs, 1u);
  store.reset();
  auto again = test::opened(tmp.path());
  for (uint64_t h = 1; h <= 20; ++h)
    EXPECT_EQ(again->read(chunk_handle{h}, 0, 100).value(), test::pattern(100)) << h;
}

// A chunk that takes writes in place, found under another name with an extension a crash
// interrupted (its data written, its header not): the extension is cut off, as for a chunk
// under its own name, and the acknowledged bytes are kept.
TEST(ChunkRecoveryFailures, AnUnfinishedExtensionIsCutOffUnderAnotherNameToo) {
  test::temp_dir tmp;
  chunk_handle h{18};
  auto model = test::pattern(chunkstore::block_size_bytes + 10);
  {
    auto s = test::opened(tmp.path());
    test::commit(*s, h, 1, model);
    ASSERT_TRUE(s->pad_to(h, model.size(), 2).ok());
    ASSERT_TRUE(s->write_at(h, 0, "x", 2).ok());  // now in the in-place format
    model[0] = 'x';
  }
  auto chunks = tmp.path() + "/chunks/";
  {
    chunk_files files{tmp.path()};
    std::vector<std::string> w;
    ASSERT_TRUE(files.open(w).ok());
    auto p = files.prepare_write(*files.find(h), model.size(),
                                 test::pattern(chunkstore::block_size_bytes, 9), 3);
    ASSERT_TRUE(p.ok()) << p.err().message;
    ASSERT_TRUE(files.write_data(*p).ok());
  }
  std::filesystem::rename(chunks + h.to_string() + ".chunk", chunks + "100000.spare");
  std::vector<std::string> warnings;
  auto files = test::opened_files(tmp.path(), &warnings);
  ASSERT_NE(files.find(h), nullptr);
  EXPECT_EQ(files.find(h)->chunk_version, 2u);
  EXPECT_EQ(files.read(h, 0, model.size()).value(), model);
  EXPECT_EQ(std::filesystem::file_size(chunks + h.to_string() + ".chunk"),
            chunkstore::mutable_header_bytes + model.size());
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("unfinished write"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("holds chunk " + h.to_string()), std::string::npos) << warnings[1];
}

// Two renames lost at once: a removed chunk's file that took a new chunk is back under the
// removed chunk's name, while that chunk, stored again since, is back under a spare name. Each
// is adopted under its own name, whichever the directory lists first: the one under the other
// one's name is moved before that name is taken.
TEST(ChunkRecoveryFailures, AFileUnderTheNameAnotherIsAdoptedToIsMovedFirst) {
  // Names are listed sorted: "0.spare" comes before the chunk names, "9.spare" after them.
  for (auto [h_first, spare] : {std::pair{true, "0.spare"}, std::pair{false, "0.spare"},
                                std::pair{true, "9.spare"}, std::pair{false, "9.spare"}}) {
    test::temp_dir tmp;
    auto h_data = test::pattern(5000, 1), k_data = test::pattern(7000, 2);
    chunk_handle h{h_first ? 3u : 4u}, k{h_first ? 4u : 3u};
    auto chunks = tmp.path() + "/chunks/";
    {
      auto files = test::opened_files(tmp.path());
      ASSERT_TRUE(files.write(k, 1, k_data).ok());
      ASSERT_TRUE(files.write(h, 1, h_data).ok());
    }
    // On disk after the crash: <h>.chunk holds k, the spare holds h.
    std::filesystem::rename(chunks + h.to_string() + ".chunk", chunks + spare);
    std::filesystem::rename(chunks + k.to_string() + ".chunk", chunks + h.to_string() + ".chunk");
    std::vector<std::string> warnings;
    auto files = test::opened_files(tmp.path(), &warnings);
    ASSERT_EQ(files.chunk_count(), 2u) << h_first << spare;
    EXPECT_EQ(files.read(h, 0, h_data.size()).value(), h_data) << h_first << spare;
    EXPECT_EQ(files.read(k, 0, k_data.size()).value(), k_data) << h_first << spare;
    EXPECT_EQ(names_in(chunks),
              (std::vector<std::string>{"0000000000000003.chunk", "0000000000000004.chunk"}));
    EXPECT_EQ(warnings.size(), 2u);
    // And again: nothing left to recover.
    warnings.clear();
    auto again = test::opened_files(tmp.path(), &warnings);
    EXPECT_EQ(again.chunk_count(), 2u);
    EXPECT_TRUE(warnings.empty());
  }
}

// A crash during that recovery leaves "<handle>.chunk.found" files: the next open finishes it.
TEST(ChunkRecoveryFailures, AFoundFileLeftByACrashedRecoveryIsAdopted) {
  test::temp_dir tmp;
  auto data = test::pattern(3000, 3);
  auto chunks = tmp.path() + "/chunks/";
  {
    auto files = test::opened_files(tmp.path());
    ASSERT_TRUE(files.write(chunk_handle{5}, 2, data).ok());
  }
  std::filesystem::rename(chunks + "0000000000000005.chunk",
                          chunks + "0000000000000005.chunk.found");
  auto files = test::opened_files(tmp.path());
  EXPECT_EQ(files.read(chunk_handle{5}, 0, data.size()).value(), data);
  EXPECT_EQ(names_in(chunks), std::vector<std::string>{"0000000000000005.chunk"});
}
