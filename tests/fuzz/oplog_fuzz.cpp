// The master's op log and checkpoints (core/oplog/frame.hpp, proto/master_log.hpp,
// master_state::replay): bytes read back from disk after a crash, a bad disk or a bad copy.
// This is what journal::recover does with a checkpoint file and its log segments, minus files.
//
// The input is scanned as it is, then with every frame's header fixed up (magic, version,
// length within the input, CRC), so the fuzzer reaches the record decoders and replay.
//
// Properties: the scan keeps exactly the frames of a valid prefix and they re-encode to it; a
// record or snapshot that decodes re-encodes to a fixed point; replay returns a state or an
// error, never aborts; a replayed state's checkpoint loads again to the same state.
#include <string>
#include <string_view>
#include <vector>

#include "common/crc32c.hpp"
#include "common/little_endian.hpp"
#include "core/master/master_state.hpp"
#include "core/oplog/frame.hpp"
#include "fuzz/fuzz_check.hpp"
#include "proto/master_log.hpp"

using namespace dfs;

namespace {

const core::time_point now{std::chrono::hours(1000)};

std::string fix_frames(std::string in) {
  size_t pos = 0;
  while (in.size() - pos >= oplog::frame_header_bytes) {
    char* h = in.data() + pos;
    size_t room = in.size() - pos - oplog::frame_header_bytes;
    put_le(h, oplog::frame_magic, 4);
    put_le(h + 4, oplog::format_version, 2);
    put_le(h + 6, (h[6] & 1) ? 2 : 1, 2);
    auto len = get_le(h + 8, 4) % (room + 1);
    put_le(h + 8, len, 4);
    put_le(h + 12, crc32c(h + oplog::frame_header_bytes, len, crc32c(h, 12)), 4);
    pos += oplog::frame_header_bytes + len;
  }
  return in;
}

void check_scan(std::string_view in, const oplog::scan_result& s) {
  FUZZ_CHECK(s.valid_prefix_bytes <= in.size());
  FUZZ_CHECK((s.tail == oplog::tail_state::clean) == (s.valid_prefix_bytes == in.size()));
  FUZZ_CHECK(s.warning.empty() == (s.tail == oplog::tail_state::clean));
  std::vector<char> again;
  for (auto& f : s.frames) oplog::append_frame(again, f.type, f.payload);
  FUZZ_CHECK(std::string_view(again.data(), again.size()) == in.substr(0, s.valid_prefix_bytes));
}

void check_state(const master::master_state& st) {
  auto reloaded = master::master_state::from_snapshot(st.snapshot(), st.options(), now);
  if (!reloaded)
    std::fprintf(stderr, "checkpoint does not load: %s\n", reloaded.err().message.c_str());
  FUZZ_CHECK(reloaded.ok());
  FUZZ_CHECK(reloaded->canonical_dump() == st.canonical_dump());
}

void recover(std::string_view in) {
  auto s = oplog::scan(in);
  check_scan(in, s);
  master::master_snapshot checkpoint;
  std::vector<master::log_record> records;
  for (auto& f : s.frames) {
    if (f.type == oplog::frame_type::checkpoint) {
      auto snap = proto::decode_snapshot(f.payload);
      if (!snap) continue;
      auto bytes = proto::encode_snapshot(*snap);
      auto again = proto::decode_snapshot(bytes);
      FUZZ_CHECK(again.ok() && proto::encode_snapshot(*again) == bytes);
      checkpoint = std::move(*snap);
      records.clear();  // a checkpoint holds every record before it
      continue;
    }
    auto rec = proto::decode_record(f.payload);
    if (!rec) continue;
    auto bytes = proto::encode_record(*rec);
    auto again = proto::decode_record(bytes);
    FUZZ_CHECK(again.ok() && proto::encode_record(*again) == bytes);
    records.push_back(std::move(*rec));
  }
  master::master_options opts;
  opts.max_versions = 3;
  opts.max_chunks_per_put = 4096;  // the bound is what counts; a million handles is just slow
  auto st = master::master_state::replay(checkpoint, records, opts, now);
  if (st) check_state(*st);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::as_view(data, size);
  recover(in);
  recover(fix_frames(std::string(in)));
  return 0;
}
