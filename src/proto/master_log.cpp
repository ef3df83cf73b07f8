#include "proto/master_log.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/error.hpp>

#include <optional>
#include <type_traits>
#include <vector>

#include "proto/tagged_bytes.hpp"

namespace dfs::proto {

namespace {

// 2: with the trash, 3: with drains, 4: with the request table, 5: with inline files, 6: with
// the lease holders; 1 to 5 still read.
constexpr uint8_t snapshot_format = 6;

using master::errc;
using master::make_error;

template <class T>
std::string encode(uint8_t tag, const T& x) {
  return encode_tagged(tag, x);
}

// A commit with inline bytes is its own kind (kind_of); older commit records read unchanged.
std::string encode(uint8_t tag, const master::commit_record& x) {
  if (tag == static_cast<uint8_t>(master::record_kind::commit_inline))
    return encode_tagged(tag, master::commit_inline_body{x});
  return encode_tagged(tag, x);
}

master::result<master::commit_record> inline_commit(master::result<master::commit_inline_body> r) {
  if (!r) return r.err();
  if (r->r.inline_data.empty() || !r->r.chunks.empty())
    return make_error(errc::corrupt_state, "inline commit record without bytes or with chunks");
  return std::move(r->r);
}

template <class T>
master::result<T> decode_body(caf::binary_deserializer& src, const char* what) {
  T x;
  if (auto err = src(x))
    return make_error(errc::corrupt_state, std::string("cannot decode ") + what);
  if (src.remaining() != 0)
    return make_error(errc::corrupt_state, std::string(what) + ": " +
                                               std::to_string(src.remaining()) + " trailing bytes");
  return x;
}

template <class T>
master::result<master::log_record> widen(master::result<T> r) {
  if (!r) return r.err();
  return master::log_record{std::move(*r)};
}

// request_record: kind byte, id, outcome, then the inner record as it would be written alone.
std::string encode_request(const master::request_record& q) {
  std::vector<char> buf;
  caf::binary_serializer sink{static_cast<caf::execution_unit*>(nullptr), buf};
  auto tag = static_cast<uint8_t>(master::record_kind::request);
  auto id = q.id;
  auto outcome = q.outcome;
  auto err = sink(tag, id, outcome);
  (void)err;  // writing to a vector cannot fail
  auto inner_tag = static_cast<uint8_t>(master::kind_of(q.op));
  auto inner = std::visit([&](const auto& x) { return encode(inner_tag, x); }, q.op);
  return std::string(buf.begin(), buf.end()) + inner;
}

master::result<master::log_record> decode_request(caf::binary_deserializer& src,
                                                  std::string_view bytes) {
  master::request_record q;
  if (auto err = src(q.id, q.outcome))
    return make_error(errc::corrupt_state, "cannot decode request record");
  auto rest = bytes.substr(bytes.size() - src.remaining());
  // Never another request record inside: a damaged log must not make decoding recurse.
  if (rest.empty() ||
      static_cast<uint8_t>(rest[0]) == static_cast<uint8_t>(master::record_kind::request))
    return make_error(errc::corrupt_state, "request record without a client record inside");
  auto inner = decode_record(rest);
  if (!inner) return inner.err();
  // Only a client's mutation may be inside (not an allocation, abandon or drain).
  auto op = std::visit(
      [](auto&& x) -> std::optional<master::client_mutation> {
        if constexpr (std::is_constructible_v<master::client_mutation, decltype(x)>)
          return master::client_mutation{std::move(x)};
        else
          return std::nullopt;
      },
      std::move(*inner));
  if (!op) return make_error(errc::corrupt_state, "request record around a non-client record");
  q.op = std::move(*op);
  return master::log_record{std::move(q)};
}

}  // namespace

std::string encode_record(const master::log_record& r) {
  if (auto* q = std::get_if<master::request_record>(&r)) return encode_request(*q);
  auto tag = static_cast<uint8_t>(master::kind_of(r));
  return std::visit(
      [&](const auto& x) {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, master::request_record>)
          return std::string{};  // handled above
        else
          return encode(tag, x);
      },
      r);
}

master::result<master::log_record> decode_record(std::string_view bytes) {
  caf::binary_deserializer src{static_cast<caf::execution_unit*>(nullptr), bytes.data(),
                               bytes.size()};
  uint8_t tag = 0;
  if (auto err = src(tag)) return make_error(errc::corrupt_state, "empty record");
  switch (static_cast<master::record_kind>(tag)) {
    case master::record_kind::mkdir:
      return widen(decode_body<master::mkdir_record>(src, "mkdir record"));
    case master::record_kind::remove:
      return widen(decode_body<master::remove_record>(src, "remove record"));
    case master::record_kind::allocate:
      return widen(decode_body<master::allocate_record>(src, "allocate record"));
    case master::record_kind::commit_version:
      return widen(decode_body<master::commit_record>(src, "commit record"));
    case master::record_kind::abandon:
      return widen(decode_body<master::abandon_record>(src, "abandon record"));
    case master::record_kind::trash:
      return widen(decode_body<master::trash_record>(src, "trash record"));
    case master::record_kind::restore:
      return widen(decode_body<master::restore_record>(src, "restore record"));
    case master::record_kind::purge:
      return widen(decode_body<master::purge_record>(src, "purge record"));
    case master::record_kind::drain:
      return widen(decode_body<master::drain_record>(src, "drain record"));
    case master::record_kind::rename:
      return widen(decode_body<master::rename_record>(src, "rename record"));
    case master::record_kind::request:
      return decode_request(src, bytes);
    case master::record_kind::bump_version: {
      auto v1 = decode_body<master::bump_v1_body>(src, "version bump record");
      if (!v1) return v1.err();
      return master::log_record{std::move(v1->r)};
    }
    case master::record_kind::lease_grant:
      return widen(decode_body<master::bump_version_record>(src, "lease grant record"));
    case master::record_kind::grow:
      return widen(decode_body<master::grow_record>(src, "grow record"));
    case master::record_kind::copy_on_write:
      return widen(decode_body<master::cow_record>(src, "copy-on-write record"));
    case master::record_kind::commit_inline:
      return widen(inline_commit(decode_body<master::commit_inline_body>(src, "inline commit")));
    case master::record_kind::materialize:
      return widen(decode_body<master::materialize_record>(src, "materialize record"));
  }
  return make_error(errc::corrupt_state, "unknown record kind " + std::to_string(tag));
}

std::string encode_snapshot(const master::master_snapshot& s) {
  return encode(snapshot_format, s);
}

master::result<master::master_snapshot> decode_snapshot(std::string_view bytes) {
  caf::binary_deserializer src{static_cast<caf::execution_unit*>(nullptr), bytes.data(),
                               bytes.size()};
  uint8_t format = 0;
  if (auto err = src(format)) return make_error(errc::corrupt_state, "empty snapshot");
  if (format == 1) {
    auto v1 = decode_body<master::snapshot_v1>(src, "snapshot");
    if (!v1) return v1.err();
    return std::move(v1->s);
  }
  if (format == 2) {
    auto v2 = decode_body<master::snapshot_v2>(src, "snapshot");
    if (!v2) return v2.err();
    return std::move(v2->s);
  }
  if (format == 3) {
    auto v3 = decode_body<master::snapshot_v3>(src, "snapshot");
    if (!v3) return v3.err();
    return std::move(v3->s);
  }
  if (format == 4) {
    auto v4 = decode_body<master::snapshot_v4>(src, "snapshot");
    if (!v4) return v4.err();
    return std::move(v4->s);
  }
  if (format == 5) {
    auto v5 = decode_body<master::snapshot_v5>(src, "snapshot");
    if (!v5) return v5.err();
    return std::move(v5->s);
  }
  if (format != snapshot_format)
    return make_error(errc::corrupt_state, "unknown snapshot format " + std::to_string(format));
  return decode_body<master::master_snapshot>(src, "snapshot");
}

}  // namespace dfs::proto
