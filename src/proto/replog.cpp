#include "proto/replog.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/error.hpp>

#include <algorithm>

#include "proto/tagged_bytes.hpp"

namespace dfs::proto {

namespace {

constexpr uint8_t entry_format = 1;
constexpr uint8_t hard_state_format = 1;
constexpr uint8_t snapshot_meta_format = 1;

// The format byte, then exactly one T: nothing may be missing or left over.
template <class T>
std::optional<T> decode(std::string_view bytes, uint8_t format) {
  caf::binary_deserializer src{static_cast<caf::execution_unit*>(nullptr), bytes.data(),
                               bytes.size()};
  uint8_t got = 0;
  if (src(got) || got != format) return std::nullopt;
  T x;
  if (src(x) || src.remaining() != 0) return std::nullopt;
  return x;
}

bool known(replog::entry_kind k) {
  switch (k) {
    case replog::entry_kind::data:
    case replog::entry_kind::noop:
    case replog::entry_kind::config:
      return true;
  }
  return false;
}

bool known(replog::message_kind k) {
  switch (k) {
    case replog::message_kind::vote_request:
    case replog::message_kind::vote_reply:
    case replog::message_kind::append:
    case replog::message_kind::append_reply:
    case replog::message_kind::snapshot:
    case replog::message_kind::snapshot_reply:
    case replog::message_kind::timeout_now:
      return true;
  }
  return false;
}

}  // namespace

bool valid(const replog::entry& e) {
  return known(e.kind);
}

bool valid(const replog::message& m) {
  return known(m.kind) && std::all_of(m.entries.begin(), m.entries.end(),
                                      [](const replog::entry& e) { return valid(e); });
}

std::string encode_replog_entry(const replog::entry& e) {
  return encode_tagged(entry_format, e);
}

std::optional<replog::entry> decode_replog_entry(std::string_view bytes) {
  auto e = decode<replog::entry>(bytes, entry_format);
  if (e && !valid(*e)) return std::nullopt;
  return e;
}

std::string encode_replog_hard_state(const replog::hard_state& h) {
  return encode_tagged(hard_state_format, h);
}

std::optional<replog::hard_state> decode_replog_hard_state(std::string_view bytes) {
  return decode<replog::hard_state>(bytes, hard_state_format);
}

std::string encode_replog_snapshot_meta(const replog::snapshot_meta& m) {
  return encode_tagged(snapshot_meta_format, m);
}

std::optional<replog::snapshot_meta> decode_replog_snapshot_meta(std::string_view bytes) {
  return decode<replog::snapshot_meta>(bytes, snapshot_meta_format);
}

}  // namespace dfs::proto
