// The HTTP gateway's parsers of outside bytes (core/gateway): a request line's method and
// target (route table, percent-decoding), a Range header against a size, If-None-Match, a
// bearer Authorization header, and JSON rendering of whatever a route decoded.
//
// Input: one byte picks the method, eight give a file size, the rest is split at the first
// newline into a target and a header value used as Range, If-None-Match and Authorization.
//
// Properties: nothing crashes or throws; a route's path never holds a NUL byte; a partial
// range lies inside the file and is non-empty; every JSON string is quoted, holds no raw
// control character and no byte that is not UTF-8.
#include <cstring>
#include <string>
#include <string_view>

#include "common/utf8.hpp"
#include "core/gateway/bearer.hpp"
#include "core/gateway/byte_range.hpp"
#include "core/gateway/etag.hpp"
#include "core/gateway/json.hpp"
#include "core/gateway/request_target.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace dfs;

namespace {

constexpr const char* methods[] = {"GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"};

void check_json(const std::string& j) {
  FUZZ_CHECK(j.size() >= 2 && j.front() == '"' && j.back() == '"');
  for (char c : j) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20);
  FUZZ_CHECK(first_invalid_utf8(j) == j.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 9) return 0;
  auto method = methods[data[0] % (sizeof methods / sizeof *methods)];
  uint64_t file_size = 0;
  std::memcpy(&file_size, data + 1, 8);
  file_size %= 1ull << 50;
  auto rest = fuzz::as_view(data + 9, size - 9);
  auto nl = rest.find('\n');
  auto target = rest.substr(0, nl);
  auto header = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);

  auto r = gateway::parse_route(method, target);
  if (r) {
    FUZZ_CHECK(r->path.find('\0') == std::string::npos);
    check_json(gateway::json_string(r->path));
    for (auto& [k, v] : r->query) check_json(gateway::json_string(k + v));
    uint64_t n = 0;
    bool present = false;
    (void)gateway::query_u64(*r, "version", n, present);
  }
  auto range = gateway::parse_range(header, file_size);
  if (range.outcome == gateway::range_outcome::partial) {
    FUZZ_CHECK(range.length > 0);
    FUZZ_CHECK(range.first < file_size);
    FUZZ_CHECK(range.length <= file_size - range.first);
  }
  (void)gateway::etag_matches(header, gateway::make_etag(1, file_size, {1, 2}));
  static const std::string key = gateway::bearer_token_key("fuzz cluster key");
  auto claims = gateway::check_authorization(header, key, 1700000000);
  FUZZ_CHECK(!claims);  // nobody forges the MAC
  check_json(gateway::json_string(header));
  return 0;
}
