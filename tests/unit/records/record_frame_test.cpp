// Record framing and the chunk scan: what a reader finds among padding, fragments, garbage.
#include "core/records/record_frame.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "common/little_endian.hpp"

using namespace dfs::records;

namespace {

struct found {
  record_id id;
  std::string payload;
  bool operator==(const found& o) const { return id == o.id && payload == o.payload; }
};

std::vector<found> scan_all(std::string_view chunk, uint64_t max = UINT32_MAX) {
  std::vector<found> out;
  scan(
      chunk,
      [&](record_id id, std::string_view p) {
        out.push_back({id, std::string(p)});
      },
      max);
  return out;
}

TEST(RecordFrame, HeaderLayout) {
  auto f = frame({0x1122334455667788, 9}, "abc");
  ASSERT_EQ(f.size(), header_bytes + 3);
  EXPECT_EQ(f.substr(0, 4), "REC1");
  EXPECT_EQ(dfs::get_le(f.data() + 4, 4), 3u);
  EXPECT_EQ(dfs::get_le(f.data() + 8, 8), 0x1122334455667788u);
  EXPECT_EQ(dfs::get_le(f.data() + 16, 8), 9u);
  EXPECT_EQ(f.substr(header_bytes), "abc");
}

TEST(RecordFrame, RoundTrip) {
  std::string chunk = frame({1, 1}, "alpha") + frame({1, 2}, "") + frame({2, 7}, "gamma");
  auto got = scan_all(chunk);
  std::vector<found> want{{{1, 1}, "alpha"}, {{1, 2}, ""}, {{2, 7}, "gamma"}};
  EXPECT_EQ(got, want);
}

TEST(RecordFrame, PaddingSkipped) {
  std::string chunk = std::string(100, '\0') + frame({1, 1}, "a") + std::string(5000, '\0') +
                      frame({1, 2}, "b") + std::string(64, '\0');
  std::vector<found> want{{{1, 1}, "a"}, {{1, 2}, "b"}};
  EXPECT_EQ(scan_all(chunk), want);
  EXPECT_TRUE(scan_all(std::string(1 << 16, '\0')).empty());
  EXPECT_TRUE(scan_all("").empty());
}

TEST(RecordFrame, TruncatedFrameSkippedAndNextFound) {
  auto torn = frame({1, 1}, std::string(200, 'x'));
  for (size_t cut : {size_t{1}, size_t{4}, size_t{27}, size_t{28}, size_t{100}, torn.size() - 1}) {
    std::string chunk = torn.substr(0, cut) + frame({1, 2}, "next");
    std::vector<found> want{{{1, 2}, "next"}};
    EXPECT_EQ(scan_all(chunk), want) << "cut at " << cut;
    // A fragment at the very end of a chunk (a failed append's tail) yields nothing.
    EXPECT_EQ(scan_all(frame({1, 0}, "first") + torn.substr(0, cut)).size(), 1u);
  }
}

TEST(RecordFrame, FlippedByteSkippedAndNextFound) {
  auto good = frame({3, 4}, "payload bytes");
  for (size_t i = 0; i < good.size(); ++i) {
    auto bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    auto got = scan_all(bad + frame({3, 5}, "after"));
    std::vector<found> want{{{3, 5}, "after"}};
    EXPECT_EQ(got, want) << "flipped byte " << i;
  }
}

TEST(RecordFrame, OverwrittenRecordTailSkipped) {
  // A new primary's append lands over an old primary's failed one: the old tail stays after.
  auto old_frame = frame({9, 1}, std::string(300, 'o'));
  auto fresh = frame({9, 2}, "new");
  std::string chunk = fresh + old_frame.substr(fresh.size()) + frame({9, 3}, "later");
  std::vector<found> want{{{9, 2}, "new"}, {{9, 3}, "later"}};
  EXPECT_EQ(scan_all(chunk), want);
}

TEST(RecordFrame, MaxPayload) {
  constexpr uint64_t chunk_size = 1 << 16;
  EXPECT_EQ(max_payload(chunk_size), chunk_size / 4 - header_bytes);
  EXPECT_EQ(max_payload(0), 0u);
  EXPECT_EQ(max_payload(100), 0u);
  std::string big(max_payload(chunk_size), 'm');
  big.front() = 'R';  // payload bytes that look like a magic are not looked at
  std::string chunk = frame({1, 1}, big);
  EXPECT_EQ(chunk.size(), chunk_size / 4);
  chunk.resize(chunk_size, '\0');
  auto got = scan_all(chunk, max_payload(chunk_size));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, big);
  // One byte over the limit is not a record the primary would have taken.
  auto over = frame({1, 2}, std::string(max_payload(chunk_size) + 1, 'm'));
  EXPECT_TRUE(scan_all(over, max_payload(chunk_size)).empty());
  EXPECT_EQ(scan_all(over).size(), 1u);
}

TEST(RecordFrame, NestedFrameInPayloadNotReported) {
  auto inner = frame({5, 1}, "inner");
  std::vector<found> want{{{5, 2}, inner}};
  EXPECT_EQ(scan_all(frame({5, 2}, inner)), want);
}

// Property: random bytes never make a record (each candidate needs magic and CRC to match).
TEST(RecordFrame, RandomGarbageYieldsNothing) {
  std::mt19937_64 rng(20261123);
  for (int round = 0; round < 2000; ++round) {
    std::string buf(rng() % 4096, '\0');
    for (auto& c : buf) c = static_cast<char>(rng());
    // Plant magics with plausible lengths, so the CRC check is what refuses them.
    for (int k = 0; k < 8 && buf.size() >= header_bytes; ++k) {
      size_t at = rng() % (buf.size() - header_bytes + 1);
      dfs::put_le(&buf[at], record_magic, 4);
      dfs::put_le(&buf[at + 4], rng() % (buf.size() - at - header_bytes + 1), 4);
    }
    EXPECT_TRUE(scan_all(buf).empty()) << "round " << round;
  }
}

TEST(RecordFrame, TornFrameCompletedByTheNextAppendLosesNothing) {
  // A torn append (its last byte missing, a payload ending in 'R') with the next append
  // written at the cut: the next frame's magic supplies the missing 'R', so the torn frame
  // reads back whole (it is that record's own content) and the next one must be found too.
  auto torn = frame({1, 1}, "ends in R");
  std::string chunk = torn.substr(0, torn.size() - 1) + frame({2, 1}, "acknowledged");
  std::vector<found> want{{{1, 1}, "ends in R"}, {{2, 1}, "acknowledged"}};
  EXPECT_EQ(scan_all(chunk), want);
  // Two bytes missing, supplied by "RE": the same.
  auto torn2 = frame({1, 2}, "ends in RE");
  chunk = torn2.substr(0, torn2.size() - 2) + frame({2, 2}, "acknowledged");
  want = {{{1, 2}, "ends in RE"}, {{2, 2}, "acknowledged"}};
  EXPECT_EQ(scan_all(chunk), want);
}

// Property: a chunk made of intact frames, zero padding, torn fragments (prefixes, flipped
// bytes) and garbage yields the intact frames, in order; anything else it yields is a torn
// append's own whole content (its missing bytes supplied by what follows, as above), never
// a mangled payload.
TEST(RecordFrame, RandomMixturesYieldExactlyTheIntactFrames) {
  std::mt19937_64 rng(13);
  uint64_t seq = 0;
  int completed_torn = 0;
  for (int round = 0; round < 1000; ++round) {
    std::string chunk;
    std::vector<found> want;
    std::map<uint64_t, found> torn;  // by seq
    int pieces = static_cast<int>(rng() % 20);
    for (int k = 0; k < pieces; ++k) {
      std::string payload(rng() % 300, '\0');
      for (auto& c : payload) c = static_cast<char>(rng() % 4 == 0 ? 'R' : rng());
      record_id id{rng() % 3, ++seq};
      auto f = frame(id, payload);
      switch (rng() % 5) {
        case 0:
        case 1:
          chunk += f;
          want.push_back({id, payload});
          break;
        case 2:
          chunk += std::string(rng() % 200, '\0');
          break;
        case 3:
          chunk += f.substr(0, rng() % f.size());
          torn[id.seq] = {id, payload};
          break;
        case 4: {
          size_t at = rng() % f.size();
          f[at] = static_cast<char>(f[at] ^ (1 + rng() % 255));
          chunk += f;
          break;
        }
      }
    }
    std::vector<found> intact;
    for (auto& r : scan_all(chunk)) {
      if (auto t = torn.find(r.id.seq); t != torn.end()) {
        EXPECT_EQ(r, t->second) << "round " << round;
        ++completed_torn;
        continue;
      }
      intact.push_back(r);
    }
    EXPECT_EQ(intact, want) << "round " << round;
  }
  EXPECT_LT(completed_torn, 20);  // rare: it takes a torn tail equal to the next bytes
}

}  // namespace
