#pragma once
// The HTTP gateway's route table (issue 16): a request line's method and target become one
// `route` — what to do, on which DFS path or queue, with which query parameters — or an
// error with the status to answer. Pure: the listener (net/http_server) and the handlers
// (client/gateway_backend) never look at raw targets themselves.
//
//   GET    /files/PATH            a file (?version=N, Range)     GET /files/DIR/   a listing
//                                 (a directory named without its slash: also its listing)
//   PUT    /files/PATH            upload a new version (?chunk_size=)
//   DELETE /files/PATH            rm (to the trash, like the CLI; ?recursive=1: rm -r)
//   GET    /versions/PATH         versions, oldest first (?count=N)
//   POST   /dirs/PATH             mkdir (?parents=1: and the missing parents, as mkdir -p)
//   POST   /queues?label=L        create (existing id if L exists)
//   GET    /queues/ID             size and top          DELETE /queues/ID    destroy
//   POST   /queues/ID/items       push (item in the body or ?item=)
//   POST   /queues/ID/pop         pop
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace dfs::gateway {

enum class route_kind {
  get_file,
  put_file,
  delete_file,
  list_dir,
  get_versions,
  make_dir,
  copy_file,  // POST /files/PATH?copy_to=DST[&recursive=1]: cp [-r]
  move_file,  // POST /files/PATH?move_to=DST: mv
  create_queue,
  get_queue,
  push_item,
  pop_item,
  delete_queue,
};

struct route {
  route_kind kind = route_kind::get_file;
  std::string path;      // decoded DFS path ("/" for the root listing)
  int64_t queue_id = 0;  // queue routes
  std::map<std::string, std::string> query;
};

enum class target_errc { ok = 0, bad_request, not_found, method_not_allowed };
using target_error = basic_error<target_errc>;

// Longest request target accepted (the header limit bounds it too).
constexpr size_t max_target_bytes = 8192;
constexpr size_t max_query_params = 16;

// %XX-decodes `s`; `plus_is_space` for query strings. False on a bad escape or a NUL byte.
bool percent_decode(std::string_view s, bool plus_is_space, std::string& out);

// `method` as it came on the request line ("GET", ...), `target` raw (origin form).
basic_result<route, target_error> parse_route(std::string_view method, std::string_view target);

// Status code of a target error (400, 404, 405).
unsigned status_of(target_errc e);

// Query parameter `name` as an unsigned decimal: `present` says whether it was given; false
// if it was given but is not a number (common/parse_decimal.hpp).
bool query_u64(const route& r, const std::string& name, uint64_t& out, bool& present);
// Query parameter `name` as a switch: absent -> false; "1", "true" or nothing ("?parents") ->
// true; "0", "false" -> false; false (the function) for anything else.
bool query_bool(const route& r, const std::string& name, bool& out);

}  // namespace dfs::gateway
