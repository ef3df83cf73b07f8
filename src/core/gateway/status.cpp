#include "core/gateway/status.hpp"

#include "core/ftqueue/queue_state.hpp"

namespace dfs::gateway {

unsigned status_of(master::errc e) {
  using master::errc;
  switch (e) {
    case errc::invalid_path:
    case errc::invalid_argument:
      return 400;
    case errc::not_found:
    case errc::unknown_handle:
      return 404;
    case errc::already_exists:
    case errc::not_a_directory:
    case errc::is_a_directory:
    case errc::directory_not_empty:
    case errc::conflict:
    case errc::too_late:
      return 409;
    case errc::ok:
    case errc::corrupt_state:
    case errc::unavailable:
    case errc::no_servers:
    case errc::busy:
    case errc::not_leader:
    case errc::inline_refused:  // the client library stores such a file as chunks instead
    case errc::journal_failed:
    case errc::not_a_master:
      return 503;
  }
  return 500;
}

unsigned queue_status_of(queue_outcome outcome, std::string_view message) {
  if (outcome == queue_outcome::refused) return 503;
  if (outcome == queue_outcome::unknown) return 504;
  using ftqueue::error_code;
  if (message == ftqueue::to_string(error_code::empty_queue)) return 409;
  if (message == ftqueue::to_string(error_code::unknown_queue)) return 404;
  return 400;
}

unsigned status_of(security::token_errc e) {
  return e == security::token_errc::forbidden ? 403 : 401;
}

}  // namespace dfs::gateway
