#pragma once
// Serialisation of the replicated log (src/core/replog): CAF 0.17 inspect() overloads for its
// wire messages and records, in their namespace so that ADL finds them, and the byte codecs of
// what storage/replog_disk keeps on disk (a format byte, then the CAF binary encoding of the
// struct; the disk puts the bytes into oplog frames, which add length and CRC32C).
//
// On-disk and wire compatibility: never reorder or retype fields. To change an on-disk record,
// bump its format byte (and keep reading the old one); to change a message, add a new type.
//
// Enum fields (entry_kind, message_kind) travel as their uint8 value: CAF accepts any value.
// The byte codecs reject unknown kinds; valid() says whether a message received through CAF
// has known kinds only (its receiver should drop it otherwise). timeout_now (7) came with the
// leadership handover; a master without it drops it, and the handover is given up.
#include <caf/meta/type_name.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "core/replog/durable_state.hpp"
#include "core/replog/messages.hpp"
#include "proto/common.hpp"

namespace dfs::replog {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, voter& x) {
  return f(caf::meta::type_name("dfs::replog::voter"), x.address, x.incarnation);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, configuration& x) {
  return f(caf::meta::type_name("dfs::replog::configuration"), x.voters);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, entry& x) {
  return f(caf::meta::type_name("dfs::replog::entry"), x.index, x.term, x.kind, x.data, x.config);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, snapshot_meta& x) {
  return f(caf::meta::type_name("dfs::replog::snapshot_meta"), x.index, x.term, x.config);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message& x) {
  return f(caf::meta::type_name("dfs::replog::message"), x.kind, x.term, x.incarnation, x.pre_vote,
           x.granted, x.last_index, x.last_term, x.prev_index, x.prev_term, x.commit, x.entries,
           x.match_index, x.hint_index, x.snapshot, x.offset, x.total_bytes, x.chunk, x.echo);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hard_state& x) {
  return f(caf::meta::type_name("dfs::replog::hard_state"), x.incarnation, x.term, x.voted_for,
           x.voted_incarnation, x.commit);
}

}  // namespace dfs::replog

namespace dfs::proto {

// Known enum values only (a kind CAF decoded from a newer or damaged peer is not).
bool valid(const replog::entry& e);
bool valid(const replog::message& m);

// Record bytes for storage/replog_disk: a format byte (1) + fields. Decoding returns nullopt on
// an unknown format byte or kind, truncated input or trailing bytes (the caller names the file).
std::string encode_replog_entry(const replog::entry& e);
std::optional<replog::entry> decode_replog_entry(std::string_view bytes);

std::string encode_replog_hard_state(const replog::hard_state& h);
std::optional<replog::hard_state> decode_replog_hard_state(std::string_view bytes);

std::string encode_replog_snapshot_meta(const replog::snapshot_meta& m);
std::optional<replog::snapshot_meta> decode_replog_snapshot_meta(std::string_view bytes);

}  // namespace dfs::proto
