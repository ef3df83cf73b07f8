#include "actors/master/committed_meta.hpp"

#include "common/little_endian.hpp"
#include "core/time.hpp"
#include "proto/master_log.hpp"

namespace dfs {

std::string encode_batch(const std::vector<master::log_record>& records) {
  std::string out;
  for (auto& r : records) {
    auto bytes = proto::encode_record(r);
    append_le(out, bytes.size(), 4);
    out += bytes;
  }
  return out;
}

master::result<std::vector<master::log_record>> decode_batch(std::string_view bytes) {
  std::vector<master::log_record> out;
  while (!bytes.empty()) {
    if (bytes.size() < 4)
      return master::make_error(master::errc::corrupt_state, "batch: truncated record length");
    auto n = get_le(bytes.data(), 4);
    bytes.remove_prefix(4);
    if (n > bytes.size())
      return master::make_error(master::errc::corrupt_state, "batch: record beyond the entry");
    auto r = proto::decode_record(bytes.substr(0, n));
    if (!r) return r.err();
    out.push_back(std::move(*r));
    bytes.remove_prefix(n);
  }
  return out;
}

committed_meta::committed_meta(master::master_options opts) : opts_(opts), meta_(opts) {}

std::string committed_meta::apply(const std::string& data) {
  ++batches_;
  auto records = decode_batch(data);
  if (!records) return ++failures_, records.err().message;
  for (auto& r : *records)
    if (auto ok = meta_.apply(r, core::clock::now()); !ok) return ++failures_, ok.err().message;
  return {};
}

std::string committed_meta::snapshot() const {
  return proto::encode_snapshot(meta_.snapshot());
}

bool committed_meta::restore(const std::string& bytes) {
  if (bytes.empty()) {
    meta_ = master::master_state(opts_);
    return true;
  }
  auto snap = proto::decode_snapshot(bytes);
  if (!snap) return false;
  auto st = master::master_state::from_snapshot(*snap, opts_, core::clock::now());
  if (!st) return false;
  meta_ = std::move(*st);
  return true;
}

}  // namespace dfs
