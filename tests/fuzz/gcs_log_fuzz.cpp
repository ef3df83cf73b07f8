// A durable fileserver's GCS image, view record and log entries (proto/gcs_log.hpp,
// storage/gcs_disk.hpp):
// bytes read back from node.data_dir/gcs after a crash, a bad disk or a bad copy, once their
// oplog frame's CRC passed.
//
// Properties: decoding never aborts; what decodes re-encodes to a fixed point (the first byte
// picks image, record or entries); recovered_image keeps the image's entries and adds only a
// contiguous continuation; a record applied to an image never lowers the proposal accepted.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "core/gcs/durable_image.hpp"
#include "fuzz/fuzz_check.hpp"
#include "proto/gcs_log.hpp"

using namespace dfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::as_view(data, size);
  if (in.empty()) return 0;
  auto body = in.substr(1);
  if (in[0] & 1) {
    gcs::durable_image im;
    if (!proto::decode_gcs_image(body, im)) return 0;
    auto again = proto::encode_gcs_image(im);
    gcs::durable_image im2;
    FUZZ_CHECK(proto::decode_gcs_image(again, im2));
    FUZZ_CHECK(im2 == im);
    FUZZ_CHECK(proto::encode_gcs_image(im2) == again);
    // Its own entries again as a log: the image's entries stay as they are (a damaged image
    // may hold them out of order), and whatever is added continues the last seq by one.
    auto rec = gcs::recovered_image(im, im.entries);
    FUZZ_CHECK(rec.entries.size() >= im.entries.size());
    FUZZ_CHECK(std::equal(im.entries.begin(), im.entries.end(), rec.entries.begin()));
    for (size_t i = im.entries.size(); i < rec.entries.size(); ++i)
      FUZZ_CHECK(rec.entries[i].seq == (i == 0 ? im.snapshot_seq : rec.entries[i - 1].seq) + 1);
    return 0;
  }
  if (in[0] & 2) {
    gcs::view_record r;
    if (!proto::decode_gcs_record(body, r)) return 0;
    auto again = proto::encode_gcs_record(r);
    gcs::view_record r2;
    FUZZ_CHECK(proto::decode_gcs_record(again, r2) && r2 == r);
    gcs::durable_image im;
    im.accepted = gcs::view_id{7, node_id{"10.0.0.1", 7000, 1}};
    gcs::apply_view_record(im, r);
    FUZZ_CHECK(!(im.accepted < r.accepted) && im.accepted.epoch >= 7);
    FUZZ_CHECK(im.has_pending == r.has_pending && im.max_epoch >= r.max_epoch);
    return 0;
  }
  // A log: entries back to back, each prefixed by a one-byte length.
  std::vector<gcs::log_entry> log;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t len = static_cast<uint8_t>(body[pos++]);
    auto bytes = body.substr(pos, len);
    pos += bytes.size();
    gcs::log_entry e;
    if (!proto::decode_gcs_entry(bytes, e)) continue;
    auto again = proto::encode_gcs_entry(e);
    gcs::log_entry e2;
    FUZZ_CHECK(proto::decode_gcs_entry(again, e2) && e2 == e);
    log.push_back(std::move(e));
  }
  gcs::durable_image base;
  auto rec = gcs::recovered_image(base, log);
  for (size_t i = 0; i < rec.entries.size(); ++i) FUZZ_CHECK(rec.entries[i].seq == i + 1);
  return 0;
}
