#pragma once
// Wire messages of the total-order multicast group (gcs-protocol.md). Plain structs only: integers,
// bool, std::string, std::vector, std::map, enum classes with explicit values, nested structs and
// node_id, so that CAF 0.17 `inspect()` overloads (added in src/proto) can serialise them.
// One `packet` carries every kind; `kind` says which fields are meaningful.
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "common/node_id.hpp"

namespace dfs::gcs {

// Identity of a view or of a view proposal: (epoch, coordinator). Ordered lexicographically; the
// epoch strictly grows along the chain of installed views.
struct view_id {
  uint64_t epoch = 0;
  node_id coordinator;

  bool empty() const { return epoch == 0; }
  std::string to_string() const { return std::to_string(epoch) + "@" + coordinator.to_string(); }
  friend bool operator==(const view_id& a, const view_id& b) {
    return a.epoch == b.epoch && a.coordinator == b.coordinator;
  }
  friend bool operator!=(const view_id& a, const view_id& b) { return !(a == b); }
  friend bool operator<(const view_id& a, const view_id& b) {
    return std::tie(a.epoch, a.coordinator) < std::tie(b.epoch, b.coordinator);
  }
};

// A message is named by its originator and the originator's lifetime counter (never reused).
struct msg_id {
  node_id sender;
  uint64_t seq = 0;

  friend bool operator==(const msg_id& a, const msg_id& b) {
    return a.seq == b.seq && a.sender == b.sender;
  }
  friend bool operator!=(const msg_id& a, const msg_id& b) { return !(a == b); }
  friend bool operator<(const msg_id& a, const msg_id& b) {
    return std::tie(a.sender, a.seq) < std::tie(b.sender, b.seq);
  }
};

// A client request as the group carries it: the payload is opaque to the GCS.
struct client_op {
  uint64_t client_id = 0;
  uint64_t request_no = 0;
  std::string payload;

  friend bool operator==(const client_op& a, const client_op& b) {
    return a.client_id == b.client_id && a.request_no == b.request_no && a.payload == b.payload;
  }
};

// Description of an installed (or proposed-to-be-installed) view.
struct view_desc {
  view_id id;
  std::vector<node_id> members;  // sorted; rank = index
  bool primary = false;
  uint64_t base = 0;  // first global sequence number ordered in this view (primary views)

  friend bool operator==(const view_desc& a, const view_desc& b) {
    return a.id == b.id && a.members == b.members && a.primary == b.primary && a.base == b.base;
  }
};

struct data_msg {
  msg_id id;
  client_op op;

  friend bool operator==(const data_msg& a, const data_msg& b) {
    return a.id == b.id && a.op == b.op;
  }
};

// Slot `slot` of the current view (assigned by rank slot % n) orders `ids` at global sequence
// numbers first_seq, first_seq + 1, ... (a batch of one is the plain protocol).
struct order_msg {
  uint64_t slot = 0;
  uint64_t first_seq = 0;
  std::vector<msg_id> ids;

  friend bool operator==(const order_msg& a, const order_msg& b) {
    return a.slot == b.slot && a.first_seq == b.first_seq && a.ids == b.ids;
  }
};

// Acknowledgement vector entry, piggybacked on every normal-operation packet.
struct status_msg {
  uint64_t held_upto = 0;        // highest contiguous seq whose ORDER and DATA this member holds
  uint64_t delivered_upto = 0;   // highest delivered seq
  uint64_t slots_held = 0;       // number of contiguous slots of this view held (next slot index)
  uint64_t originated_upto = 0;  // the sender's own highest msg_id.seq multicast so far

  friend bool operator==(const status_msg& a, const status_msg& b) {
    return a.held_upto == b.held_upto && a.delivered_upto == b.delivered_upto &&
           a.slots_held == b.slots_held && a.originated_upto == b.originated_upto;
  }
};

struct nack_msg {
  std::vector<msg_id> data;     // DATA the requester misses
  std::vector<uint64_t> slots;  // ORDER slots the requester misses

  friend bool operator==(const nack_msg& a, const nack_msg& b) {
    return a.data == b.data && a.slots == b.slots;
  }
};

// An ordered message with its content, as shipped in FLUSH and INSTALL.
struct log_entry {
  uint64_t seq = 0;
  msg_id id;
  client_op op;

  friend bool operator==(const log_entry& a, const log_entry& b) {
    return a.seq == b.seq && a.id == b.id && a.op == b.op;
  }
};

// Unordered DATA as shipped in FLUSH, tagged with the view it was multicast in.
struct held_data {
  view_id view;
  msg_id id;
  client_op op;

  friend bool operator==(const held_data& a, const held_data& b) {
    return a.view == b.view && a.id == b.id && a.op == b.op;
  }
};

struct propose_msg {
  std::vector<node_id> members;  // the proposed view's members (sorted)
  // The newest primary view the coordinator installed or acknowledged (empty id: none). A
  // member whose own is not newer leaves its snapshot out of its FLUSH: the coordinator then
  // leads the completion or the member does not, so the coordinator never needs that snapshot.
  // A member whose newest is older cannot lead: it leaves its held log out as well.
  view_id latest_primary;

  friend bool operator==(const propose_msg& a, const propose_msg& b) {
    return a.members == b.members && a.latest_primary == b.latest_primary;
  }
};

// A member's answer to a proposal: everything the coordinator needs to complete the old view.
struct flush_msg {
  view_desc current;       // the view this member last installed (empty id: none)
  view_desc last_primary;  // the last primary view this member installed (empty id: none)
  // A primary INSTALL this member acknowledged but never saw committed (it may have been
  // committed elsewhere): the coordinator must treat it as possibly installed.
  bool has_pending = false;
  view_desc pending;
  std::vector<log_entry> pending_entries;
  // The member may count towards a genesis primary view (gcs_config::bootstrap, no history).
  bool genesis_ok = false;
  uint64_t delivered_upto = 0;
  uint64_t originated_upto = 0;
  std::vector<log_entry> entries;    // ordered messages held above the fully stable point
  std::vector<held_data> unordered;  // DATA held that no held ORDER names
  uint64_t snapshot_seq = 0;         // `snapshot` is the state after delivering snapshot_seq
  std::string snapshot;
  bool has_snapshot = true;  // false: `snapshot` left out (see propose_msg::latest_primary)
  // false: `entries`, `unordered` and `pending_entries` left out, as the member cannot lead the
  // completion (its newest primary view is older than the coordinator's)
  bool has_log = true;
  // The member keeps its state on disk (gcs_config::durable): after a restart it speaks for its
  // earlier incarnations in the majority rules (completion.cpp).
  bool durable = false;

  // Every field, so that an inspect() that drops one fails the round-trip tests.
  friend bool operator==(const flush_msg& a, const flush_msg& b) {
    return a.current == b.current && a.last_primary == b.last_primary &&
           a.has_pending == b.has_pending && a.pending == b.pending &&
           a.pending_entries == b.pending_entries && a.genesis_ok == b.genesis_ok &&
           a.delivered_upto == b.delivered_upto && a.originated_upto == b.originated_upto &&
           a.entries == b.entries && a.unordered == b.unordered &&
           a.snapshot_seq == b.snapshot_seq && a.snapshot == b.snapshot &&
           a.has_snapshot == b.has_snapshot && a.has_log == b.has_log && a.durable == b.durable;
  }
};

struct install_msg {
  view_desc view;
  // Delivered in the old view before the new one starts (virtual synchrony). Contiguous seqs;
  // a member applies those above its delivered_upto. Empty for non-primary views.
  std::vector<log_entry> entries;
  std::vector<uint64_t> originated_upto;  // per member rank: its DATA counter at the flush
  bool has_snapshot = false;              // set only in the copy sent to a member needing it
  uint64_t snapshot_seq = 0;
  std::string snapshot;

  // Every field, so that an inspect() that drops one fails the round-trip tests.
  friend bool operator==(const install_msg& a, const install_msg& b) {
    return a.view == b.view && a.entries == b.entries && a.originated_upto == b.originated_upto &&
           a.has_snapshot == b.has_snapshot && a.snapshot_seq == b.snapshot_seq &&
           a.snapshot == b.snapshot;
  }
};

enum class packet_kind : uint8_t {
  data = 1,           // data[0]: a client operation multicast by its originator
  order = 2,          // orders[0]: a slot assignment
  status = 3,         // status only (idle heartbeat of the acknowledgement vector)
  nack = 4,           // nack: what the sender misses
  retransmit = 5,     // data / orders answering a NACK
  propose = 6,        // view: the proposal id; propose: members
  flush = 7,          // view: the proposal id; flush
  install = 8,        // view: the proposal id; install
  install_ack = 9,    // view: the proposal id
  commit = 10,        // view: the proposal id (now the installed view id)
  view_request = 11,  // view: the sender's view; "my view differs from membership: propose"
};

struct packet {
  packet_kind kind = packet_kind::status;
  view_id view;  // the sender's current view (normal kinds) or the proposal (view-change kinds)
  status_msg status;
  std::vector<data_msg> data;
  std::vector<order_msg> orders;
  nack_msg nack;
  propose_msg propose;
  flush_msg flush;
  install_msg install;

  // Every field, so that an inspect() that drops one fails the round-trip tests.
  friend bool operator==(const packet& a, const packet& b) {
    return a.kind == b.kind && a.view == b.view && a.status == b.status && a.data == b.data &&
           a.orders == b.orders && a.nack == b.nack && a.propose == b.propose &&
           a.flush == b.flush && a.install == b.install;
  }
};

const char* to_string(packet_kind k);

}  // namespace dfs::gcs
