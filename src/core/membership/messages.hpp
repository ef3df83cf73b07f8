#pragma once
// Wire messages of the SWIM membership protocol (design.md §4).
//
// Plain structs only: integers, bool, std::string, std::vector, enum class with explicit values,
// nested structs, dfs::node_id / dfs::endpoint. No std::optional / std::variant, because CAF 0.17
// cannot serialise them; the actor layer adds `inspect()` overloads in src/proto. One `packet`
// struct carries every kind: fields a kind does not use stay at their defaults (empty strings and
// vectors cost one length byte each with CAF's binary serialiser).
//
// Size bound (CAF binary serialiser: strings and vectors are a varint length + elements):
//   node_id        = host (1 + len) + port 2 + incarnation 8      <= 75 bytes for hosts <= 64 chars
//   member_update  = 2 node_ids + state 1 + incarnation 8          <= 159 bytes (origin empty: 93)
//   probe/gossip packet = kind 1 + sender 75 + 8 + seq 8 + target 75 + 2 vector lengths
//                         + max_piggyback (16) updates x 159       <= ~2.7 KB worst case,
//                         ~0.8 KB typical (IPv4 host text, origin empty except for suspicions).
//   state packets (join reply, push-pull) carry one update per known member with an empty origin:
//                         <= max_members (512) x 93 ~= 47 KB, under the 64 KB UDP datagram limit.
#include <cstdint>
#include <string>
#include <vector>

#include "common/node_id.hpp"

namespace dfs::membership {

// What a member is believed to be. `left` is final for a node_id (graceful leave); `dead` can be
// overridden by the same node_id with a higher SWIM incarnation counter (a false positive or a
// healed partition: the node refutes).
enum class member_state : uint8_t { alive = 0, suspect = 1, dead = 2, left = 3 };

const char* to_string(member_state s);

// One piece of gossip: "member `id` is in `state` at SWIM incarnation counter `incarnation`".
// Not to be confused with id.incarnation, the process start time that makes a restarted node a
// new member.
struct member_update {
  node_id id;
  member_state state = member_state::alive;
  uint64_t incarnation = 0;
  // For `suspect`: the member that raised this suspicion. Distinct origins count as independent
  // confirmations and shorten the suspicion timeout (Lifeguard). Empty for the other states.
  node_id origin;
  // Opaque metadata the member announces about itself (its roles, e.g. "master,introducer"),
  // so that subscribers know what a member is when it comes up. Empty when unknown.
  std::string meta;

  friend bool operator==(const member_update& a, const member_update& b) {
    return a.id == b.id && a.state == b.state && a.incarnation == b.incarnation &&
           a.origin == b.origin && a.meta == b.meta;
  }
};

enum class packet_kind : uint8_t {
  ping = 1,               // seq, target: "are you target?"; answered by ack
  ack = 2,                // seq: answer to a ping
  ping_req = 3,           // seq, target: "ping target for me" (indirect probe)
  indirect_ack = 4,       // seq, target: the helper reached target for the requester's probe seq
  gossip = 5,             // piggybacked updates only (gossip timer, suspicion notice)
  join_request = 6,       // state = [joiner's own alive entry]; answered by join_reply
  join_reply = 7,         // state = the answering member's full member list
  push_pull_request = 8,  // state = sender's full member list; answered by push_pull_reply
  push_pull_reply = 9,    // state = the answering member's full member list
  leave = 10,             // updates start with the sender's own `left` entry
};

const char* to_string(packet_kind k);

struct packet {
  packet_kind kind = packet_kind::gossip;
  node_id sender;
  uint64_t sender_incarnation = 0;  // sender's SWIM counter: lets a receiver that has not heard
                                    // of the sender yet add it (it is evidently alive)
  std::string sender_meta;          // sender's metadata (see member_update::meta)
  uint64_t seq = 0;  // probe sequence number of the prober (ping, ack, ping_req, indirect_ack)
  node_id target;    // ping: intended receiver (a restarted node ignores pings for its old id);
                     // ping_req / indirect_ack: the member being probed
  std::vector<member_update> updates;  // piggybacked dissemination, at most max_piggyback
  std::vector<member_update> state;    // full member list (join and push-pull kinds only)

  // Every field, so that a codec that drops one fails the round-trip tests.
  friend bool operator==(const packet& a, const packet& b) {
    return a.kind == b.kind && a.sender == b.sender &&
           a.sender_incarnation == b.sender_incarnation && a.sender_meta == b.sender_meta &&
           a.seq == b.seq && a.target == b.target && a.updates == b.updates && a.state == b.state;
  }
};

}  // namespace dfs::membership
