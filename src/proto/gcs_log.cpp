#include "proto/gcs_log.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/error.hpp>

#include "proto/gcs.hpp"
#include "proto/tagged_bytes.hpp"

namespace dfs::gcs {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, durable_image& x) {
  return f(caf::meta::type_name("dfs::gcs::durable_image"), x.last_primary, x.has_pending,
           x.pending, x.accepted, x.max_epoch, x.snapshot_seq, x.snapshot, x.entries);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, view_record& x) {
  return f(caf::meta::type_name("dfs::gcs::view_record"), x.accepted, x.max_epoch, x.has_pending,
           x.pending);
}

}  // namespace dfs::gcs

namespace dfs::proto {

namespace {

constexpr uint8_t image_format = 1;
constexpr uint8_t entry_format = 1;
constexpr uint8_t record_format = 1;

template <class T>
bool decode(std::string_view bytes, uint8_t format, T& out) {
  caf::binary_deserializer src{static_cast<caf::execution_unit*>(nullptr), bytes.data(),
                               bytes.size()};
  uint8_t got = 0;
  if (src(got) || got != format) return false;
  T x;
  if (src(x) || src.remaining() != 0) return false;
  out = std::move(x);
  return true;
}

}  // namespace

std::string encode_gcs_image(const gcs::durable_image& image) {
  return encode_tagged(image_format, image);
}

bool decode_gcs_image(std::string_view bytes, gcs::durable_image& out) {
  return decode(bytes, image_format, out);
}

std::string encode_gcs_record(const gcs::view_record& record) {
  return encode_tagged(record_format, record);
}

bool decode_gcs_record(std::string_view bytes, gcs::view_record& out) {
  return decode(bytes, record_format, out);
}

std::string encode_gcs_entry(const gcs::log_entry& entry) {
  return encode_tagged(entry_format, entry);
}

bool decode_gcs_entry(std::string_view bytes, gcs::log_entry& out) {
  return decode(bytes, entry_format, out);
}

}  // namespace dfs::proto
