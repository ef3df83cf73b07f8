// GCS packets and frames, FTQueue requests and replies, and membership events survive CAF's
// binary serializer field by field. Every field, down to the nested structs, is set to a
// non-default value, so a field missing from an inspect() comes back default and fails
// (operator== in core/gcs/messages.hpp and proto/*.hpp names every field).
#include <caf/all.hpp>

#include "proto/ftqueue.hpp"
#include "proto/gcs.hpp"
#include "proto/membership.hpp"
#include "roundtrip.hpp"
#include "same_bytes.hpp"

using namespace dfs;
using dfs::test::expect_roundtrip;
using dfs::test::expect_same_bytes;

namespace {

node_id nid(uint16_t port) {
  return node_id{"10.0.0." + std::to_string(port % 250), port, 1719000000000ull + port};
}

gcs::client_op op(uint64_t n) {
  return {100 + n, 200 + n, "payload-" + std::to_string(n)};
}

gcs::view_desc view(uint64_t epoch) {
  return {{epoch, nid(17000)}, {nid(17000), nid(17010)}, true, 40 + epoch};
}

gcs::msg_id mid(uint64_t seq) {
  return {nid(17010), seq};
}

gcs::packet full_packet() {
  gcs::packet p;
  p.kind = gcs::packet_kind::install;  // not the default (status)
  p.view = {9, nid(17020)};
  p.status = {11, 12, 13, 14};
  p.data = {{mid(1), op(1)}};
  p.orders = {{3, 21, {mid(2), mid(3)}}};
  p.nack = {{mid(4)}, {5, 6}};
  p.propose = {{nid(17000), nid(17030)}, {4, nid(17000)}};
  auto& f = p.flush;
  f.current = view(7);
  f.last_primary = view(6);
  f.has_pending = true;
  f.pending = view(8);
  f.pending_entries = {{22, mid(5), op(5)}};
  f.genesis_ok = true;
  f.delivered_upto = 23;
  f.originated_upto = 24;
  f.entries = {{25, mid(6), op(6)}};
  f.unordered = {{{5, nid(17040)}, mid(7), op(7)}};
  f.snapshot_seq = 26;
  f.snapshot = std::string("flush\0snapshot", 14);
  f.has_snapshot = false;  // not the default
  f.has_log = false;
  auto& in = p.install;
  in.view = view(10);
  in.entries = {{27, mid(8), op(8)}};
  in.originated_upto = {28, 29};
  in.has_snapshot = true;
  in.snapshot_seq = 30;
  in.snapshot = "install snapshot";
  return p;
}

}  // namespace

TEST(GroupMessages, GcsPacketWithEveryFieldSet) {
  expect_roundtrip(full_packet());
  expect_same_bytes(full_packet());  // the fileservers' UDP codec (proto/wire.hpp)
}

TEST(GroupMessages, GcsFrameWithEveryFieldSet) {
  gcs::frame f;
  f.sender = nid(17050);
  f.kind = gcs::frame_kind::fragment;
  f.pkt = full_packet();
  f.frag_id = 31;
  f.frag_index = 2;
  f.frag_count = 5;
  f.frag_bytes = "fragment bytes";
  expect_roundtrip(f);
  expect_same_bytes(f);
  f.kind = gcs::frame_kind::bundle;
  f.parts = {wire::encode(full_packet()), std::string(200, 'b'), ""};
  expect_same_bytes(f);
}

TEST(GroupMessages, QueueRequestAndReply) {
  expect_roundtrip(queue_request{1, 2, 3, -4, 5});
  expect_roundtrip(queue_reply{queue_status::refused, -6, "not in primary partition"});
  expect_same_bytes(queue_request{1, 2, 3, -4, 5});
  expect_same_bytes(queue_reply{queue_status::refused, -6, "not in primary partition"});
}

TEST(GroupMessages, MemberEvent) {
  expect_roundtrip(member_event_msg{member_event_kind::suspect, nid(17060), 7, {"fileserver"}});
}

// The equality the round trips rely on looks into nested structs: changing one field of
// each makes it false.
TEST(GroupMessages, PacketEqualitySeesNestedFields) {
  const auto p = full_packet();
  std::vector<void (*)(gcs::packet&)> changes = {
      [](gcs::packet& x) { x.kind = gcs::packet_kind::flush; },
      [](gcs::packet& x) { x.view.epoch++; },
      [](gcs::packet& x) { x.status.slots_held++; },
      [](gcs::packet& x) { x.data[0].op.payload += "!"; },
      [](gcs::packet& x) { x.orders[0].first_seq++; },
      [](gcs::packet& x) { x.nack.slots.pop_back(); },
      [](gcs::packet& x) { x.propose.members.pop_back(); },
      [](gcs::packet& x) { x.propose.latest_primary.epoch++; },
      [](gcs::packet& x) { x.flush.genesis_ok = false; },
      [](gcs::packet& x) { x.flush.pending.base++; },
      [](gcs::packet& x) { x.flush.unordered[0].view.epoch++; },
      [](gcs::packet& x) { x.flush.snapshot.clear(); },
      [](gcs::packet& x) { x.flush.has_snapshot = true; },
      [](gcs::packet& x) { x.flush.has_log = true; },
      [](gcs::packet& x) { x.install.originated_upto[1]++; },
      [](gcs::packet& x) { x.install.entries[0].seq++; },
      [](gcs::packet& x) { x.install.has_snapshot = false; },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    auto q = p;
    changes[i](q);
    EXPECT_FALSE(q == p) << "change " << i << " not seen by operator==";
  }
  EXPECT_TRUE(full_packet() == p);
}
