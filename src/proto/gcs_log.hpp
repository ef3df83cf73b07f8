#pragma once
// Serialisation of what a durable fileserver keeps on disk for the total-order multicast
// (core/gcs/durable_image.hpp): the image, the view record and one log entry, CAF binary encoding
// of the wire structs (proto/gcs.hpp) behind a format byte. The bytes go into oplog frames
// (src/core/oplog), which add length and CRC32C. Never reorder fields: bump the format byte
// instead.
#include <string>
#include <string_view>

#include "core/gcs/durable_image.hpp"

namespace dfs::proto {

std::string encode_gcs_image(const gcs::durable_image& image);
// False on bytes that are not an image of a known format (the caller names the file).
bool decode_gcs_image(std::string_view bytes, gcs::durable_image& out);

std::string encode_gcs_record(const gcs::view_record& record);
bool decode_gcs_record(std::string_view bytes, gcs::view_record& out);

std::string encode_gcs_entry(const gcs::log_entry& entry);
bool decode_gcs_entry(std::string_view bytes, gcs::log_entry& out);

}  // namespace dfs::proto
