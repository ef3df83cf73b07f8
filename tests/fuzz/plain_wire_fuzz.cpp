// What proto/wire.hpp's codec (proto/plain_wire.hpp, not CAF) reads: the replies the lean CLI
// reads from a node's request port, the GCS frames and gossip packets a node reads from its UDP
// sockets, and the CLI helper's pipe frames (client/control_proxy_wire.hpp). Input: one byte
// picks the type, the rest is its bytes.
//
// Properties: decoding never aborts nor allocates beyond the input; whatever plain_wire
// accepts, CAF's deserializer accepts too, as the same value (equal encodings both ways:
// plain_wire may be stricter, never looser or different; it refuses to write an infinity, on
// which CAF's encoder loops for ever); a decoded pipe frame re-encodes to the same bytes.
#include <string>
#include <string_view>

#include "client/control_proxy_wire.hpp"
#include "common/caf_wire.hpp"
#include "fuzz/fuzz_check.hpp"
#include "proto/ftqueue.hpp"
#include "proto/gcs.hpp"
#include "proto/membership.hpp"
#include "proto/plain_wire.hpp"
#include "proto/status.hpp"
#include "proto/storage.hpp"

using namespace dfs;

namespace {

template <class T>
void same_as_caf(std::string_view bytes) {
  T plain;
  if (!plain_wire::decode(bytes, plain)) return;
  T caf;
  FUZZ_CHECK(test::caf_wire::decode(bytes, caf));
  auto encoded = plain_wire::encode(plain);
  // Refused: a non-finite double (status_reply's rate), which CAF's own encoder would never
  // finish writing. Every reply type writes at least one byte otherwise.
  if (encoded.empty()) return;
  FUZZ_CHECK(encoded == test::caf_wire::encode(caf));
  T again;
  FUZZ_CHECK(plain_wire::decode(encoded, again));
  FUZZ_CHECK(plain_wire::encode(again) == encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::as_view(data, size);
  if (in.empty()) return 0;
  auto body = in.substr(1);
  switch (static_cast<uint8_t>(in[0]) % 10) {
    case 0:
      same_as_caf<ns_reply>(body);
      break;
    case 1:
      same_as_caf<put_plan>(body);
      break;
    case 2:
      same_as_caf<lock_reply>(body);
      break;
    case 3:
      same_as_caf<lease_reply>(body);
      break;
    case 4:
      same_as_caf<status_reply>(body);
      break;
    case 5:
      same_as_caf<queue_reply>(body);
      break;
    case 6:
      if (auto r = proxy_wire::decode_result(body)) FUZZ_CHECK(proxy_wire::encode(*r) == body);
      break;
    case 7:
      if (auto q = proxy_wire::decode_request(body)) FUZZ_CHECK(proxy_wire::encode(*q) == body);
      break;
    case 8:
      same_as_caf<gcs::frame>(body);
      break;
    default:
      same_as_caf<membership::packet>(body);
      break;
  }
  return 0;
}
