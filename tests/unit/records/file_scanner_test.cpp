// Cutting a file's byte stream back into its chunks, scanning each, dedup over the file.
#include "core/records/file_scanner.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

using namespace dfs::records;

namespace {

constexpr uint64_t chunk_size = 1024;  // records up to 228 payload bytes

// A file of appended records as the primaries leave it: each chunk filled with frames until the
// next does not fit, then zero padding to its end.
struct appended_file {
  std::string bytes;
  std::vector<std::string> payloads;  // distinct records, in file order

  void append(record_id id, const std::string& payload, bool count = true) {
    auto f = frame(id, payload);
    uint64_t room = chunk_size - bytes.size() % chunk_size;
    if (f.size() > room) bytes.append(room, '\0');
    bytes += f;
    if (count) payloads.push_back(payload);
  }
};

// Feeds `file` in random pieces, as a reader might get it; the payloads delivered.
std::vector<std::string> read_in_pieces(const std::string& file, std::vector<uint64_t> lengths,
                                        std::mt19937_64& rng) {
  std::vector<std::string> got;
  file_scanner s(std::move(lengths), max_payload(chunk_size),
                 [&](record_id, std::string_view p) { got.emplace_back(p); });
  uint64_t at = 0;
  while (at < file.size()) {
    uint64_t n = std::min<uint64_t>(file.size() - at, rng() % (2 * chunk_size) + 1);
    s.feed(at, std::string_view(file).substr(at, n));
    at += n;
  }
  EXPECT_TRUE(s.complete());
  return got;
}

TEST(FileScanner, UniformChunks) {
  EXPECT_EQ(uniform_chunks(0, 10), std::vector<uint64_t>{});
  EXPECT_EQ(uniform_chunks(10, 10), std::vector<uint64_t>{10});
  EXPECT_EQ(uniform_chunks(25, 10), (std::vector<uint64_t>{10, 10, 5}));
}

TEST(FileScanner, RecordsAcrossChunksInAnyPieces) {
  std::mt19937_64 rng(7);
  appended_file f;
  for (uint64_t s = 1; s <= 100; ++s)
    f.append({1, s}, std::string(rng() % max_payload(chunk_size), static_cast<char>('a' + s % 26)));
  for (int round = 0; round < 50; ++round)
    EXPECT_EQ(read_in_pieces(f.bytes, uniform_chunks(f.bytes.size(), chunk_size), rng), f.payloads);
}

TEST(FileScanner, DuplicatesInOtherChunksDeliveredOnce) {
  std::mt19937_64 rng(8);
  appended_file f;
  f.append({1, 1}, "one");
  f.append({1, 2}, std::string(40, 'x'));
  f.append({1, 2}, std::string(40, 'x'), false);  // a retry that landed twice
  for (uint64_t s = 3; s < 40; ++s) f.append({1, s}, std::string(50, 'y'));
  f.append({1, 1}, "one", false);  // a late duplicate, chunks later
  file_scanner s(uniform_chunks(f.bytes.size(), chunk_size), max_payload(chunk_size),
                 [](record_id, std::string_view) {});
  s.feed(0, f.bytes);
  EXPECT_TRUE(s.complete());
  EXPECT_EQ(s.records(), f.payloads.size());
  EXPECT_EQ(s.duplicates(), 2u);
  EXPECT_EQ(read_in_pieces(f.bytes, uniform_chunks(f.bytes.size(), chunk_size), rng), f.payloads);
}

// A chunk is scanned on its own: bytes at the end of one chunk and the start of the next never
// make a record together.
TEST(FileScanner, NoRecordAcrossABoundary) {
  auto rec = frame({4, 1}, std::string(100, 'z'));
  std::string file(chunk_size - 50, '\0');
  file += rec;  // straddles the boundary at chunk_size: not a record
  file.resize(2 * chunk_size, '\0');
  std::mt19937_64 rng(9);
  EXPECT_TRUE(read_in_pieces(file, uniform_chunks(file.size(), chunk_size), rng).empty());
  // With the boundary elsewhere (a layout's own chunk sizes) the same bytes are one record.
  EXPECT_EQ(read_in_pieces(file, {chunk_size - 60, chunk_size + 60}, rng).size(), 1u);
}

TEST(FileScanner, ShortFeedIsIncompleteAndEmptyChunksAreSkipped) {
  file_scanner s({0, 10, 0}, 100, [](record_id, std::string_view) {});
  EXPECT_FALSE(s.complete());
  s.feed(0, std::string(9, '\0'));
  EXPECT_FALSE(s.complete());
  s.feed(9, std::string(1, '\0'));
  EXPECT_TRUE(s.complete());
  file_scanner none({}, 100, [](record_id, std::string_view) {});
  EXPECT_TRUE(none.complete());
}

}  // namespace
