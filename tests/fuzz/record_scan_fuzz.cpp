// The record scan (core/records/record_frame.hpp): chunk bytes that record append left, with
// padding, torn fragments of failed appends and whatever a faulty replica holds.
//
// The input is scanned as it is, then as a recipe that builds a chunk from intact frames (the
// fuzzer cannot forge CRCs), zero runs, fragments and raw bytes, so the scan also meets frames
// in every arrangement.
//
// Properties: the scan never crashes nor reads out of bounds; every record it reports
// re-frames to exactly the bytes it came from; records come in order of position, one starting
// inside another only if it runs past the other's end; every intact frame the recipe placed is
// reported, unless it lies wholly inside a reported record (raw bytes before it forged a frame
// around it: a CRC collision, which libFuzzer's compare tracing can forge but real chunks
// only get with odds of 2^-32 per candidate).
#include <string>
#include <string_view>
#include <vector>

#include "core/records/record_frame.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace dfs;

namespace {

struct span {
  size_t begin = 0, end = 0;  // byte range of a whole frame in the chunk
};

std::vector<span> checked_scan(std::string_view chunk, uint64_t max_payload_bytes) {
  std::vector<span> out;
  records::scan(
      chunk,
      [&](records::record_id id, std::string_view payload) {
        FUZZ_CHECK(payload.data() >= chunk.data() + records::header_bytes);
        FUZZ_CHECK(payload.data() + payload.size() <= chunk.data() + chunk.size());
        FUZZ_CHECK(payload.size() <= max_payload_bytes);
        size_t begin = static_cast<size_t>(payload.data() - chunk.data()) - records::header_bytes;
        size_t end = begin + records::header_bytes + payload.size();
        // In order; one may start inside the last only to run past its end (a torn frame
        // completed by what was written at its cut), never wholly inside it.
        FUZZ_CHECK(out.empty() || (out.back().begin < begin && out.back().end < end));
        FUZZ_CHECK(records::frame(id, payload) == chunk.substr(begin, end - begin));
        out.push_back({begin, end});
      },
      max_payload_bytes);
  return out;
}

// Recipe: per step one control byte (low 2 bits: what, the rest: a size) then its bytes.
std::string build(std::string_view in, std::vector<span>& intact) {
  std::string chunk;
  uint64_t seq = 0;
  while (!in.empty()) {
    uint8_t c = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    size_t n = std::min<size_t>(c >> 2, in.size());
    auto bytes = in.substr(0, n);
    in.remove_prefix(n);
    auto f = records::frame({c & 0x30u, ++seq}, bytes);
    switch (c & 3) {
      case 0:
        intact.push_back({chunk.size(), chunk.size() + f.size()});
        chunk += f;
        break;
      case 1:
        chunk.append(n * 4, '\0');
        break;
      case 2:
        chunk += f.substr(0, f.size() - 1 - n % f.size());  // a torn frame, never whole
        break;
      case 3:
        chunk += bytes;
        break;
    }
  }
  return chunk;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::as_view(data, size);
  checked_scan(in, UINT32_MAX);
  checked_scan(in, size % 64);
  std::vector<span> intact;
  auto chunk = build(in, intact);
  auto found = checked_scan(chunk, UINT32_MAX);
  for (auto& want : intact) {
    bool reported = false, inside = false;
    for (auto& f : found) {
      reported = reported || (f.begin == want.begin && f.end == want.end);
      inside = inside || (f.begin < want.begin && want.end <= f.end);
    }
    FUZZ_CHECK(reported || inside);
  }
  return 0;
}
