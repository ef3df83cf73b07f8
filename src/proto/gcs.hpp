#pragma once
// inspect() for the total-order multicast wire structs of src/core/gcs, and the frame the
// sequencer actor puts in every gcs UDP datagram (inside the HMAC frame of net/packet_codec).
//
// A frame names its sender's node id (the UDP source port alone does not say which incarnation
// sent it). A packet whose encoding exceeds one datagram (FLUSH/INSTALL with a large log or a
// state snapshot) travels as numbered fragments of the encoded packet frame; the receiver
// reassembles them (net/gcs_transport.hpp). Losing one fragment loses the packet, which
// the protocol resends (view_retry_ms). Small packets for one peer that the sequencer has ready
// at once travel together as a bundle (one datagram, one HMAC, one wake-up of the receiver).
#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "core/gcs/messages.hpp"
#include "proto/common.hpp"

namespace dfs::gcs {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, view_id& x) {
  return f(caf::meta::type_name("dfs::gcs::view_id"), x.epoch, x.coordinator);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, msg_id& x) {
  return f(caf::meta::type_name("dfs::gcs::msg_id"), x.sender, x.seq);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, client_op& x) {
  return f(caf::meta::type_name("dfs::gcs::client_op"), x.client_id, x.request_no, x.payload);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, view_desc& x) {
  return f(caf::meta::type_name("dfs::gcs::view_desc"), x.id, x.members, x.primary, x.base);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, data_msg& x) {
  return f(caf::meta::type_name("dfs::gcs::data_msg"), x.id, x.op);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_msg& x) {
  return f(caf::meta::type_name("dfs::gcs::order_msg"), x.slot, x.first_seq, x.ids);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, status_msg& x) {
  return f(caf::meta::type_name("dfs::gcs::status_msg"), x.held_upto, x.delivered_upto,
           x.slots_held, x.originated_upto);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, nack_msg& x) {
  return f(caf::meta::type_name("dfs::gcs::nack_msg"), x.data, x.slots);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, log_entry& x) {
  return f(caf::meta::type_name("dfs::gcs::log_entry"), x.seq, x.id, x.op);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, held_data& x) {
  return f(caf::meta::type_name("dfs::gcs::held_data"), x.view, x.id, x.op);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, propose_msg& x) {
  return f(caf::meta::type_name("dfs::gcs::propose_msg"), x.members, x.latest_primary);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, flush_msg& x) {
  return f(caf::meta::type_name("dfs::gcs::flush_msg"), x.current, x.last_primary, x.has_pending,
           x.pending, x.pending_entries, x.genesis_ok, x.delivered_upto, x.originated_upto,
           x.entries, x.unordered, x.snapshot_seq, x.snapshot, x.has_snapshot, x.has_log,
           x.durable);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, install_msg& x) {
  return f(caf::meta::type_name("dfs::gcs::install_msg"), x.view, x.entries, x.originated_upto,
           x.has_snapshot, x.snapshot_seq, x.snapshot);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, packet& x) {
  return f(caf::meta::type_name("dfs::gcs::packet"), x.kind, x.view, x.status, x.data, x.orders,
           x.nack, x.propose, x.flush, x.install);
}

enum class frame_kind : uint8_t {
  packet = 1,            // `pkt` is the packet
  fragment = 2,          // `frag_*`: part `frag_index` of `frag_count` of an encoded packet frame
  bundle = 3,            // `parts`: encoded packets, in the order they were sent
  fragment_request = 4,  // the sender asks for fragment `frag_index` of packet `frag_id`
};

struct frame {
  node_id sender;
  frame_kind kind = frame_kind::packet;
  packet pkt;
  uint64_t frag_id = 0;  // per sender, increasing
  uint32_t frag_index = 0, frag_count = 0;
  std::string frag_bytes;
  std::vector<std::string> parts;

  friend bool operator==(const frame& a, const frame& b) {
    return a.sender == b.sender && a.kind == b.kind && a.pkt == b.pkt && a.frag_id == b.frag_id &&
           a.frag_index == b.frag_index && a.frag_count == b.frag_count &&
           a.frag_bytes == b.frag_bytes && a.parts == b.parts;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, frame& x) {
  return f(caf::meta::type_name("dfs::gcs::frame"), x.sender, x.kind, x.pkt, x.frag_id,
           x.frag_index, x.frag_count, x.frag_bytes, x.parts);
}

}  // namespace dfs::gcs
