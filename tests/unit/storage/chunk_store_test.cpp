// The chunk store's writes into committed chunks (issue 13): write_at, pad_to, the version,
// durability across reopen, and crashes between the data and the checksum update.
#include "storage/chunk_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/crc32c.hpp"
#include "common/temp_dir.hpp"
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

// The chunk reads back as `model`, whole and in pieces across block edges, with matching
// metadata (length, whole-chunk CRC32C).
void expect_chunk(chunk_store& s, chunk_handle h, const std::string& model, uint64_t version) {
  auto m = s.stat(h);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->length_bytes, model.size());
  EXPECT_EQ(m->chunk_version, version);
  EXPECT_EQ(m->crc32c, dfs::crc32c(model));
  auto all = s.read(h, 0, model.size());
  ASSERT_TRUE(all.ok()) << all.err().message;
  EXPECT_TRUE(*all == model);
  for (uint64_t off = 0; off + 30 < model.size(); off += block_size_bytes / 2) {
    auto piece = s.read(h, off > 10 ? off - 10 : 0, 30);
    ASSERT_TRUE(piece.ok()) << piece.err().message;
    EXPECT_EQ(*piece, model.substr(off > 10 ? off - 10 : 0, 30));
  }
}

void write_model(std::string& model, uint64_t off, const std::string& bytes) {
  if (model.size() < off + bytes.size()) model.resize(off + bytes.size());
  model.replace(off, bytes.size(), bytes);
}

}  // namespace

TEST(ChunkStoreWrites, OverlappingWritesPartialBlocks) {
  test::temp_dir tmp;
  auto s = opened(tmp.path());
  chunk_handle h{11};
  auto model = pattern(3 * block_size_bytes + 100);
  commit(*s, h, 1, model);
  struct w {
    uint64_t off;
    size_t len;
  };
  // Inside one block, across a block edge (partial at both ends), over three blocks, and one
  // overlapping the previous ones; the first converts the chunk to the in-place format.
  uint64_t version = 1;
  for (auto [off, len] :
       {w{10, 20}, w{block_size_bytes - 10, 20}, w{block_size_bytes - 5, block_size_bytes + 10},
        w{0, block_size_bytes}, w{2 * block_size_bytes + 1, 4}}) {
    auto bytes = pattern(len, static_cast<int>(off + 3));
    auto m = s->write_at(h, off, bytes, ++version);
    ASSERT_TRUE(m.ok()) << m.err().message;
    write_model(model, off, bytes);
    EXPECT_EQ(m->format, cs::chunk_file_version_mutable);
    expect_chunk(*s, h, model, version);
  }
  // The same version again is fine (several writes under one lease).
  ASSERT_TRUE(s->write_at(h, 7, "x", version).ok());
  write_model(model, 7, "x");
  expect_chunk(*s, h, model, version);
  // Reported as changed with the new version and length.
  std::vector<chunk_report> added;
  std::vector<uint64_t> removed;
  s->drain_changes(added, removed);
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].chunk_version, version);
  EXPECT_EQ(added[0].size_bytes, model.size());
}

TEST(ChunkStoreWrites, ExtendingWrites) {
  test::temp_dir tmp;
  auto s = opened(tmp.path());
  chunk_handle h{12};
  auto model = pattern(block_size_bytes + 7);
  commit(*s, h, 2, model);
  // Overlaps the end and grows into new blocks; then exactly at the end, twice, the second up to
  // a block boundary.
  ASSERT_TRUE(s->write_at(h, model.size() - 3, pattern(2 * block_size_bytes, 5), 2).ok());
  write_model(model, model.size() - 3, pattern(2 * block_size_bytes, 5));
  expect_chunk(*s, h, model, 2);
  ASSERT_TRUE(s->write_at(h, model.size(), "tail", 3).ok());
  write_model(model, model.size(), "tail");
  expect_chunk(*s, h, model, 3);
  auto end = model.size();
  model.resize(4 * block_size_bytes, 'z');
  ASSERT_TRUE(s->write_at(h, end, model.substr(end), 3).ok());
  expect_chunk(*s, h, model, 3);
  auto used = s->used_bytes();
  EXPECT_EQ(used, cs::mutable_header_bytes + model.size());
}

TEST(ChunkStoreWrites, RefusesBadWritesWithOneError) {
  test::temp_dir tmp;
  auto s = opened(tmp.path());
  chunk_handle h{13};
  auto model = pattern(1000);
  commit(*s, h, 5, model);
  auto hole = s->write_at(h, 1001, "x", 5);
  EXPECT_EQ(hole.err().code, errc::out_of_range);
  EXPECT_NE(hole.err().message.find("hole"), std::string::npos) << hole.err().message;
  EXPECT_EQ(s->write_at(h, 0, "", 5).err().code, errc::invalid_argument);
  EXPECT_EQ(s->write_at(chunk_handle{99}, 0, "x", 5).err().code, errc::not_found);
  EXPECT_EQ(s->write_at(h, 0, "x", 4).err().code, errc::invalid_argument);  // stale version
  std::string too_large(limits::max_chunk_size_bytes - 999, 'a');
  auto big = s->write_at(h, 1000, too_large, 5);
  EXPECT_EQ(big.err().code, errc::invalid_argument);
  EXPECT_NE(big.err().message.find("size limit"), std::string::npos) << big.err().message;
  EXPECT_EQ(s->pad_to(h, 999, 5).err().code, errc::invalid_argument);
  EXPECT_EQ(s->pad_to(chunk_handle{99}, 5, 5).err().code, errc::not_found);
  EXPECT_EQ(s->pad_to(h, limits::max_chunk_size_bytes + 1, 5).err().code, errc::invalid_argument);
  expect_chunk(*s, h, model, 5);  // nothing changed, still the pushed format
  EXPECT_EQ(s->stat(h)->format, cs::chunk_file_version);
  EXPECT_EQ(s->corrupt_replicas(), 0u);
}

// Large pushed chunks are stored in place-writable form at once, and a version bump (a lease)
// converts a small one: neither a lease nor the first write rewrites a large chunk again.
TEST(ChunkStoreWrites, LargePushesAndVersionBumpsStoreTheInPlaceFormat) {
  test::temp_dir tmp;
  auto s = opened(tmp.path());
  auto large = pattern(cs::in_place_from_bytes);
  commit(*s, chunk_handle{20}, 1, large);
  EXPECT_EQ(s->stat(chunk_handle{20})->format, cs::chunk_file_version_mutable);
  expect_chunk(*s, chunk_handle{20}, large, 1);
  auto small = pattern(cs::in_place_from_bytes - 1);
  commit(*s, chunk_handle{21}, 1, small);
  EXPECT_EQ(s->stat(chunk_handle{21})->format, cs::chunk_file_version);
  ASSERT_TRUE(s->set_version(chunk_handle{21}, 2).ok());
  EXPECT_EQ(s->stat(chunk_handle{21})->format, cs::chunk_file_version_mutable);
  expect_chunk(*s, chunk_handle{21}, small, 2);
  ASSERT_TRUE(s->write_at(chunk_handle{20}, 5, "in place", 1).ok());
  write_model(large, 5, "in place");
  auto reopened = opened(tmp.path());
  expect_chunk(*reopened, chunk_handle{20}, large, 1);
  expect_chunk(*reopened, chunk_handle{21}, small, 2);
}

TEST(ChunkStoreWrites, PadToAndVersion) {
  test::temp_dir tmp;
  auto s = opened(tmp.path());
  chunk_handle h{14};
  auto model = pattern(block_size_bytes - 3);
  commit(*s, h, 1, model);
  auto m = s->pad_to(h, 2 * block_size_bytes + 5, 2);
  ASSERT_TRUE(m.ok()) << m.err().message;
  model.resize(2 * block_size_bytes + 5, '\0');
  expect_chunk(*s, h, model, 2);
  // Padding to the end itself only sets the version (header in place).
  ASSERT_TRUE(s->pad_to(h, model.size(), 3).ok());
  expect_chunk(*s, h, model, 3);
  EXPECT_EQ(s->pad_to(h, model.size(), 2).err().code, errc::invalid_argument);
  // A lease's version bump on an in-place chunk rewrites its header only.
  ASSERT_TRUE(s->set_version(h, 7).ok());
  expect_chunk(*s, h, model, 7);
  ASSERT_TRUE(s->write_at(h, model.size(), "after padding", 7).ok());
  write_model(model, model.size(), "after padding");
  expect_chunk(*s, h, model, 7);
  auto reopened = opened(tmp.path());
  expect_chunk(*reopened, h, model, 7);
}

TEST(ChunkStoreWrites, ReopenReadsNewBytes) {
  test::temp_dir tmp;
  chunk_handle h{15};
  auto model = pattern(5 * block_size_bytes + 321);
  {
    auto s = opened(tmp.path());
    commit(*s, h, 1, model);
    commit(*s, chunk_handle{16}, 1, "untouched");
    for (int i = 0; i < 20; ++i) {
      uint64_t off = (static_cast<uint64_t>(i) * 48611) % model.size();
      auto bytes = pattern(1 + (i * 7919) % (block_size_bytes + 17), i);
      ASSERT_TRUE(s->write_at(h, off, bytes, 2 + i / 5).ok());
      write_model(model, off, bytes);
    }
  }
  std::vector<std::string> warnings;
  auto s = opened(tmp.path(), &warnings);
  EXPECT_TRUE(warnings.empty());
  expect_chunk(*s, h, model, 5);
  expect_chunk(*s, chunk_handle{16}, "untouched", 1);
  auto report = s->full_report();
  ASSERT_EQ(report.size(), 2u);
  EXPECT_EQ(report[0].size_bytes, model.size());
  EXPECT_EQ(report[0].chunk_version, 5u);
}

// A crash after the data reached the disk but before the checksums did: the touched block no
// longer matches its checksum, the read says corrupt and the replica is set aside.
TEST(ChunkStoreWrites, TornWriteIsCorruptNeverValid) {
  test::temp_dir tmp;
  chunk_handle h{17};
  auto model = pattern(3 * block_size_bytes);
  {
    auto s = opened(tmp.path());
    commit(*s, h, 1, model);
    ASSERT_TRUE(s->write_at(h, 0, "first", 2).ok());  // in-place format from here on
    write_model(model, 0, "first");
  }
  {
    chunk_files files{tmp.path()};
    std::vector<std::string> w;
    ASSERT_TRUE(files.open(w).ok());
    auto p = files.prepare_write(*files.find(h), block_size_bytes + 100, "torn bytes", 3);
    ASSERT_TRUE(p.ok()) << p.err().message;
    ASSERT_TRUE(files.write_data(*p).ok());  // crash: the header is never written
  }
  auto s = opened(tmp.path());
  ASSERT_TRUE(s->stat(h).has_value());
  EXPECT_EQ(s->stat(h)->chunk_version, 2u);
  // Blocks the write did not touch still read back (old bytes, valid checksums)...
  EXPECT_EQ(s->read(h, 0, 5).value(), "first");
  // ...the touched one never does.
  auto r = s->read(h, block_size_bytes + 100, 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, errc::corrupt);
  EXPECT_NE(r.err().message.find("corrupt block 1"), std::string::npos) << r.err().message;
  EXPECT_EQ(s->corrupt_replicas(), 1u);
  EXPECT_FALSE(s->stat(h).has_value());  // set aside: reported removed, repaired elsewhere
  EXPECT_EQ(s->read(h, 0, 5).err().code, errc::not_found);
  uint64_t size = 0;
  EXPECT_TRUE(file_size(tmp.path() + "/corrupt/" + h.to_string() + ".chunk", size).ok());
}

// A crash during an extension before its header: the bytes past the durable length were never
// acknowledged; open() cuts them off and the chunk reads back as before.
TEST(ChunkStoreWrites, TornExtensionIsCutOff) {
  test::temp_dir tmp;
  chunk_handle h{18};
  auto model = pattern(block_size_bytes + 10);
  {
    auto s = opened(tmp.path());
    commit(*s, h, 1, model);
    ASSERT_TRUE(s->pad_to(h, model.size(), 2).ok());  // the version only
    ASSERT_TRUE(s->write_at(h, 0, "x", 2).ok());
    write_model(model, 0, "x");
  }
  {
    chunk_files files{tmp.path()};
    std::vector<std::string> w;
    ASSERT_TRUE(files.open(w).ok());
    auto p = files.prepare_write(*files.find(h), model.size(), pattern(block_size_bytes, 9), 3);
    ASSERT_TRUE(p.ok()) << p.err().message;
    ASSERT_TRUE(files.write_data(*p).ok());
  }
  std::vector<std::string> warnings;
  auto s = opened(tmp.path(), &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("unfinished write"), std::string::npos) << warnings[0];
  expect_chunk(*s, h, model, 2);
  EXPECT_EQ(s->used_bytes(), cs::mutable_header_bytes + model.size());
  ASSERT_TRUE(s->write_at(h, model.size(), "retried", 3).ok());
  write_model(model, model.size(), "retried");
  expect_chunk(*s, h, model, 3);
}

// A header torn by a crash (new version and length, old rest) fails its own CRC: the file is
// set aside at open, never trusted.
TEST(ChunkStoreWrites, TornHeaderIsSetAside) {
  test::temp_dir tmp;
  chunk_handle h{19};
  auto model = pattern(2 * block_size_bytes);
  {
    auto s = opened(tmp.path());
    commit(*s, h, 1, model);
    ASSERT_TRUE(s->write_at(h, 0, "y", 2).ok());
  }
  {
    chunk_files files{tmp.path()};
    std::vector<std::string> w;
    ASSERT_TRUE(files.open(w).ok());
    auto p = files.prepare_write(*files.find(h), 5, "zz", 3);
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(files.write_data(*p).ok());
    auto header = cs::encode_header(p->meta);
    ASSERT_TRUE(write_range_durable(files.path_of(h), 0, header.substr(0, 40)).ok());
  }
  std::vector<std::string> warnings;
  auto s = opened(tmp.path(), &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("header CRC"), std::string::npos) << warnings[0];
  EXPECT_FALSE(s->stat(h).has_value());
}

// Read-modify-write never re-signs a damaged block: the write fails and the replica is set
// aside; reads keep verifying blocks after writes.
TEST(ChunkStoreWrites, CorruptBlockIsNeverResigned) {
  test::temp_dir tmp;
  chunk_handle h{20}, g{21};
  auto model = pattern(3 * block_size_bytes);
  auto s = opened(tmp.path());
  commit(*s, h, 1, model);
  commit(*s, g, 1, model);
  ASSERT_TRUE(s->write_at(h, 0, "a", 1).ok());
  ASSERT_TRUE(s->write_at(g, 0, "a", 1).ok());
  auto flip = [&](chunk_handle c, uint64_t data_offset) {
    std::string b;
    auto path = tmp.path() + "/chunks/" + c.to_string() + ".chunk";
    ASSERT_TRUE(read_range(path, cs::mutable_header_bytes + data_offset, 1, b).ok());
    b[0] ^= 0x01;
    ASSERT_TRUE(write_range_durable(path, cs::mutable_header_bytes + data_offset, b).ok());
  };
  flip(h, block_size_bytes + 7);
  auto w = s->write_at(h, block_size_bytes + 100, "partial", 2);  // same block, other bytes
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.err().code, errc::corrupt);
  EXPECT_NE(w.err().message.find("corrupt block 1"), std::string::npos) << w.err().message;
  EXPECT_FALSE(s->stat(h).has_value());
  EXPECT_EQ(s->corrupt_replicas(), 1u);
  flip(g, 2 * block_size_bytes + 1);  // a block written earlier by nobody: still checked
  EXPECT_EQ(s->read(g, 2 * block_size_bytes, 5).err().code, errc::corrupt);
  EXPECT_EQ(s->corrupt_replicas(), 2u);
}

// Reads racing writes of the same chunk see one whole version of the range they read (every
// block checked against one metadata snapshot), and a race is never taken for corruption.
TEST(ChunkStoreWrites, ReadsRacingWritesSeeWholeVersions) {
  test::temp_dir tmp;
  chunk_handle h{22};
  auto s = opened(tmp.path());
  auto a = pattern(2 * block_size_bytes, 1), b = pattern(2 * block_size_bytes, 2);
  commit(*s, h, 1, a);
  ASSERT_TRUE(s->write_at(h, 0, a, 1).ok());
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(s->write_at(h, 0, i % 2 ? a : b, 1).ok());
    done = true;
  });
  int reads = 0;
  while (!done || reads == 0) {
    auto r = s->read(h, block_size_bytes / 2, block_size_bytes);
    ASSERT_TRUE(r.ok()) << r.err().message;
    EXPECT_TRUE(*r == a.substr(block_size_bytes / 2, block_size_bytes) ||
                *r == b.substr(block_size_bytes / 2, block_size_bytes));
    ++reads;
  }
  writer.join();
  EXPECT_EQ(s->corrupt_replicas(), 0u);
  EXPECT_TRUE(s->stat(h).has_value());
}

// Mutation data (issue 13): a push held for a write or append, not a chunk of its own.
// A client whose push chain broke after a replica committed pushes to that replica again: the
// same bytes are counted as stored (nothing written); any other push to the handle is refused
// and the replica keeps its bytes.
TEST(ChunkStorePushes, ARepeatOfTheCommittedBytesSucceedsAndAnythingElseIsRefused) {
  test::temp_dir tmp;
  auto s = opened(tmp.path());
  chunk_handle h{21};
  auto model = pattern(2 * block_size_bytes + 5);
  commit(*s, h, 3, model);
  uint64_t id = 100;
  auto push = [&](uint64_t version, const std::string& bytes) -> cs::result<cs::chunk_meta> {
    cs::data_id d{++id};
    if (auto b = s->begin(d, h, version, bytes.size()); !b) return b.err();
    if (auto a = s->append(d, bytes); !a) return a.err();
    return s->finalize(d);
  };
  auto again = push(3, model);
  ASSERT_TRUE(again.ok()) << again.err().message;
  EXPECT_EQ(again->crc32c, dfs::crc32c(model));
  auto other = model;
  other[7] ^= 1;  // same length and version, other bytes: refused at finalize
  auto r = push(3, other);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, errc::exists);
  r = push(4, model);  // another version: refused at begin
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, errc::exists);
  r = push(3, model + "x");  // another length
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, errc::exists);
  expect_chunk(*s, h, model, 3);
  auto reopened = opened(tmp.path());
  expect_chunk(*reopened, h, model, 3);
}

TEST(ChunkStoreHeld, HeldDataIsKeptReplacedDroppedAndExpires) {
  test::temp_dir tmp;
  auto s = opened(tmp.path());
  chunk_handle h{7};
  commit(*s, h, 1, pattern(100));
  cs::data_id id{500};
  // Only for a chunk stored here.
  EXPECT_EQ(s->begin_held(id, chunk_handle{8}, 1, 10).err().code, errc::not_found);
  ASSERT_TRUE(s->begin_held(id, h, 2, 5));
  ASSERT_TRUE(s->append(id, "abc"));
  EXPECT_FALSE(s->hold(id)) << "incomplete";
  ASSERT_TRUE(s->begin_held(id, h, 2, 5)) << "a retried push replaces the unfinished one";
  ASSERT_TRUE(s->append(id, "hello"));
  ASSERT_TRUE(s->hold(id));
  ASSERT_NE(s->held(id), nullptr);
  EXPECT_EQ(*s->held(id), "hello");
  EXPECT_EQ(s->stat(h)->length_bytes, 100u) << "the chunk is untouched";
  ASSERT_TRUE(s->begin_held(id, h, 2, 3));  // pushed again after being held: replaced
  ASSERT_TRUE(s->append(id, "xyz"));
  ASSERT_TRUE(s->hold(id));
  EXPECT_EQ(*s->held(id), "xyz");
  s->drop_held(id);
  EXPECT_EQ(s->held(id), nullptr);
  cs::data_id old{501};
  ASSERT_TRUE(s->begin_held(old, h, 2, 1));
  ASSERT_TRUE(s->append(old, "q"));
  ASSERT_TRUE(s->hold(old));
  EXPECT_EQ(s->expire(core::clock::now()), 0u);
  EXPECT_EQ(s->expire(core::clock::now() + std::chrono::hours(1)), 1u);
  EXPECT_EQ(s->held(old), nullptr);
}
