#include "core/master/ids.hpp"

#include <cstdio>
#include <iterator>
#include <variant>

#include "core/master/error.hpp"
#include "core/master/records.hpp"

namespace dfs::master {

std::string chunk_handle::to_string() const {
  char buf[20];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(value));
  return buf;
}

const char* to_string(errc code) {
  switch (code) {
    case errc::ok:
      return "ok";
    case errc::invalid_path:
      return "invalid_path";
    case errc::not_found:
      return "not_found";
    case errc::already_exists:
      return "already_exists";
    case errc::not_a_directory:
      return "not_a_directory";
    case errc::is_a_directory:
      return "is_a_directory";
    case errc::directory_not_empty:
      return "directory_not_empty";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::unknown_handle:
      return "unknown_handle";
    case errc::corrupt_state:
      return "corrupt_state";
    case errc::unavailable:
      return "unavailable";
    case errc::no_servers:
      return "no_servers";
    case errc::conflict:
      return "conflict";
    case errc::too_late:
      return "too_late";
    case errc::busy:
      return "busy";
    case errc::not_leader:
      return "not_leader";
    case errc::inline_refused:
      return "inline_refused";
    case errc::journal_failed:
      return "journal_failed";
    case errc::not_a_master:
      return "not_a_master";
  }
  return "unknown";
}

record_kind kind_of(const log_record& r) {
  static constexpr record_kind kinds[] = {
      record_kind::mkdir,          record_kind::remove,        record_kind::allocate,
      record_kind::commit_version, record_kind::abandon,       record_kind::trash,
      record_kind::restore,        record_kind::purge,         record_kind::drain,
      record_kind::rename,         record_kind::request,       record_kind::lease_grant,
      record_kind::grow,           record_kind::copy_on_write, record_kind::materialize};
  static_assert(std::size(kinds) == std::variant_size_v<log_record>);
  if (auto* c = std::get_if<commit_record>(&r); c && !c->inline_data.empty())
    return record_kind::commit_inline;
  return kinds[r.index()];
}

record_kind kind_of(const client_mutation& m) {
  static constexpr record_kind kinds[] = {
      record_kind::mkdir,   record_kind::remove, record_kind::commit_version, record_kind::trash,
      record_kind::restore, record_kind::purge,  record_kind::rename};
  static_assert(std::size(kinds) == std::variant_size_v<client_mutation>);
  if (auto* c = std::get_if<commit_record>(&m); c && !c->inline_data.empty())
    return record_kind::commit_inline;
  return kinds[m.index()];
}

log_record to_record(client_mutation m) {
  return std::visit([](auto&& x) { return log_record{std::move(x)}; }, std::move(m));
}

}  // namespace dfs::master
