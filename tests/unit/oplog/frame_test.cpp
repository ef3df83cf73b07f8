#include "core/oplog/frame.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace dfs::oplog;

namespace {

std::string three_frames() {
  std::vector<char> buf;
  append_frame(buf, frame_type::record, "alpha");
  append_frame(buf, frame_type::record, "");
  append_frame(buf, frame_type::checkpoint, std::string(1000, 'c'));
  return std::string(buf.begin(), buf.end());
}

}  // namespace

TEST(Frame, HeaderLayout) {
  auto f = encode_frame(frame_type::record, "xy");
  ASSERT_EQ(f.size(), frame_header_bytes + 2);
  EXPECT_EQ(std::string(f.data(), 4), "DFSL");
  EXPECT_EQ(f[4], 1);  // version, little-endian
  EXPECT_EQ(f[6], 1);  // type record
  EXPECT_EQ(f[8], 2);  // length
  EXPECT_EQ(std::string(f.data() + 16, 2), "xy");
}

TEST(Frame, ScanClean) {
  auto bytes = three_frames();
  auto r = scan(bytes);
  EXPECT_EQ(r.tail, tail_state::clean);
  EXPECT_TRUE(r.warning.empty());
  EXPECT_EQ(r.valid_prefix_bytes, bytes.size());
  ASSERT_EQ(r.frames.size(), 3u);
  EXPECT_EQ(r.frames[0].payload, "alpha");
  EXPECT_EQ(r.frames[1].payload, "");
  EXPECT_EQ(r.frames[2].type, frame_type::checkpoint);
  EXPECT_EQ(r.frames[2].payload.size(), 1000u);
  EXPECT_EQ(r.frames[1].offset, frame_header_bytes + 5);
}

TEST(Frame, EmptyIsClean) {
  auto r = scan("");
  EXPECT_EQ(r.tail, tail_state::clean);
  EXPECT_TRUE(r.frames.empty());
}

TEST(Frame, TornTailAtEveryCut) {
  auto bytes = three_frames();
  auto second_end = 2 * frame_header_bytes + 5;
  for (size_t cut = second_end + 1; cut < bytes.size(); ++cut) {
    auto r = scan(std::string_view(bytes).substr(0, cut));
    ASSERT_EQ(r.tail, tail_state::torn) << cut;
    EXPECT_EQ(r.frames.size(), 2u);
    EXPECT_EQ(r.valid_prefix_bytes, second_end);
    EXPECT_NE(r.warning.find("torn"), std::string::npos) << r.warning;
  }
}

TEST(Frame, ZeroFilledTailIsTorn) {
  auto bytes = three_frames() + std::string(4096, '\0');
  auto r = scan(bytes);
  EXPECT_EQ(r.tail, tail_state::torn);
  EXPECT_EQ(r.frames.size(), 3u);
  EXPECT_TRUE(r.zero_tail);
  EXPECT_EQ(r.valid_prefix_bytes, three_frames().size());
  // A torn frame before the zeros is no zero tail: it was written, if only in part.
  auto part = three_frames();
  part.resize(part.size() - 2);
  EXPECT_FALSE(scan(part + std::string(4096, '\0')).zero_tail);
  EXPECT_FALSE(scan(part).zero_tail);
}

TEST(Frame, EveryFlippedByteIsCaught) {
  auto bytes = three_frames();
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto bad = bytes;
    bad[i] ^= 0x20;
    auto r = scan(bad);
    ASSERT_NE(r.tail, tail_state::clean) << "byte " << i;
    // Nothing at or after the damaged frame is returned.
    for (const auto& f : r.frames) EXPECT_LE(f.offset + frame_header_bytes + f.payload.size(), i);
    EXPECT_LE(r.valid_prefix_bytes, i);
  }
}

TEST(Frame, CorruptMiddleStopsThere) {
  auto bytes = three_frames();
  bytes[frame_header_bytes + 2] ^= 1;  // payload of the first frame
  auto r = scan(bytes);
  EXPECT_EQ(r.tail, tail_state::corrupt);
  EXPECT_TRUE(r.frames.empty());
  EXPECT_EQ(r.valid_prefix_bytes, 0u);
  EXPECT_NE(r.warning.find("CRC mismatch"), std::string::npos) << r.warning;
  EXPECT_NE(r.warning.find("offset 0"), std::string::npos) << r.warning;
}

TEST(Frame, OversizeLengthIsCorrupt) {
  auto f = encode_frame(frame_type::record, "x");
  f[11] = 0x7f;  // length ~2 GiB
  auto r = scan(std::string(f.begin(), f.end()));
  EXPECT_EQ(r.tail, tail_state::corrupt);
  EXPECT_NE(r.warning.find("over the limit"), std::string::npos) << r.warning;
}
