// The replicated log's records (proto/replog.hpp, storage/replog_disk.hpp): bytes read back from
// a master's replog directory after a crash, a bad disk or a bad copy, once their oplog frame's
// CRC passed.
//
// Properties: decoding never aborts nor allocates beyond the input; a decoded entry has a known
// kind; what decodes re-encodes to a fixed point (the first byte picks entry, hard state or
// snapshot meta).
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "proto/replog.hpp"

using namespace dfs;

namespace {

template <class Decode, class Encode>
void fixed_point(std::string_view body, Decode decode, Encode encode) {
  auto x = decode(body);
  if (!x) return;
  auto again = encode(*x);
  auto y = decode(again);
  FUZZ_CHECK(y.has_value());
  FUZZ_CHECK(*y == *x);
  FUZZ_CHECK(encode(*y) == again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::as_view(data, size);
  if (in.empty()) return 0;
  auto body = in.substr(1);
  switch (static_cast<uint8_t>(in[0]) % 3) {
    case 0:
      if (auto e = proto::decode_replog_entry(body)) FUZZ_CHECK(proto::valid(*e));
      fixed_point(body, proto::decode_replog_entry, proto::encode_replog_entry);
      break;
    case 1:
      fixed_point(body, proto::decode_replog_hard_state, proto::encode_replog_hard_state);
      break;
    default:
      fixed_point(body, proto::decode_replog_snapshot_meta, proto::encode_replog_snapshot_meta);
      break;
  }
  return 0;
}
