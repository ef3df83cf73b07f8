// The request port's frame payloads (proto/request_wire.hpp): method and timeout round-trip
// with the request's bytes; short payloads and unknown methods are refused, never misread.
#include <gtest/gtest.h>

#include <set>

#include "proto/request_wire.hpp"
#include "proto/wire.hpp"

using namespace dfs;
using proto::request_method;

TEST(RequestWire, MethodTimeoutAndBodyRoundTrip) {
  ns_request req{ns_op::stat, "/d1/f1"};
  auto body = wire::encode(req);
  auto payload = proto::encode_request(request_method::ns, 4500, body);
  auto h = proto::decode_request(payload);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->method, request_method::ns);
  EXPECT_EQ(h->timeout_ms, 4500u);
  ns_request back;
  ASSERT_TRUE(wire::decode(h->body, back));
  EXPECT_EQ(back.op, ns_op::stat);
  EXPECT_EQ(back.path, "/d1/f1");
}

TEST(RequestWire, EveryMethodTheClientSendsHasItsOwnNumber) {
  // The client picks the method from the atom and struct; two sharing one would be misread.
  std::set<request_method> seen{proto::method_of<storage_atom, ns_request>::value,
                                proto::method_of<storage_atom, versions_request>::value,
                                proto::method_of<storage_atom, trash_request>::value,
                                proto::method_of<storage_atom, layout_request>::value,
                                proto::method_of<storage_atom, stale_read_request>::value,
                                proto::method_of<storage_atom, grow_request>::value,
                                proto::method_of<storage_atom, lock_request>::value,
                                proto::method_of<storage_atom, status_request>::value,
                                proto::method_of<put_atom, put_request>::value,
                                proto::method_of<commit_atom, put_commit>::value,
                                proto::method_of<lease_atom, lease_request>::value,
                                proto::method_of<queue_atom, queue_request>::value};
  EXPECT_EQ(seen.size(), 12u);
  for (auto m : seen) EXPECT_TRUE(proto::decode_request(proto::encode_request(m, 1, "")));
}

TEST(RequestWire, ShortPayloadsAndUnknownMethodsAreRefused) {
  EXPECT_FALSE(proto::decode_request(""));
  EXPECT_FALSE(proto::decode_request(std::string("\x01\x00\x00\x00", 4)));  // no full timeout
  EXPECT_FALSE(proto::decode_request(std::string("\x00\x10\x00\x00\x00", 5)));
  EXPECT_FALSE(proto::decode_request(std::string("\x0d\x10\x00\x00\x00", 5)));
  EXPECT_FALSE(proto::decode_request(std::string("\xff\x10\x00\x00\x00", 5)));
  // A well-formed head with a body that is not the method's struct: the body decode fails.
  // (The head's body views the payload: keep the payload alive while it is read.)
  auto payload = proto::encode_request(request_method::ns, 1, "\x07garbage");
  auto h = proto::decode_request(payload);
  ASSERT_TRUE(h);
  ns_request r;
  EXPECT_FALSE(wire::decode(h->body, r));
}
