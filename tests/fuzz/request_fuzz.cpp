// The request port's frames (proto/request_wire.hpp, actors/node/request_port.cpp): payloads
// from any holder of a cluster certificate. The node decodes the head, then the method's
// request struct with CAF's binary deserializer.
//
// Properties: decoding never aborts nor allocates beyond the input; a decoded head names a
// known method and its body is the rest of the payload; a decoded struct re-encodes to bytes
// that decode again to the same encoding (a fixed point).
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "proto/request_wire.hpp"
#include "proto/wire.hpp"

using namespace dfs;
using proto::request_method;

namespace {

template <class T>
void body_fixed_point(std::string_view body) {
  T x;
  if (!wire::decode(body, x)) return;
  auto again = wire::encode(x);
  T y;
  FUZZ_CHECK(wire::decode(again, y));
  FUZZ_CHECK(wire::encode(y) == again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::as_view(data, size);
  auto h = proto::decode_request(in);
  if (!h) return 0;
  FUZZ_CHECK(h->body.size() + 5 == in.size());
  FUZZ_CHECK(proto::encode_request(h->method, h->timeout_ms, h->body) == in);
  switch (h->method) {
    case request_method::ns:
      body_fixed_point<ns_request>(h->body);
      break;
    case request_method::versions:
      body_fixed_point<versions_request>(h->body);
      break;
    case request_method::trash:
      body_fixed_point<trash_request>(h->body);
      break;
    case request_method::layout:
      body_fixed_point<layout_request>(h->body);
      break;
    case request_method::stale_read:
      body_fixed_point<stale_read_request>(h->body);
      break;
    case request_method::grow:
      body_fixed_point<grow_request>(h->body);
      break;
    case request_method::lock:
      body_fixed_point<lock_request>(h->body);
      break;
    case request_method::status:
      body_fixed_point<status_request>(h->body);
      break;
    case request_method::put:
      body_fixed_point<put_request>(h->body);
      break;
    case request_method::commit:
      body_fixed_point<put_commit>(h->body);
      break;
    case request_method::lease:
      body_fixed_point<lease_request>(h->body);
      break;
    case request_method::queue:
      body_fixed_point<queue_request>(h->body);
      break;
  }
  return 0;
}
