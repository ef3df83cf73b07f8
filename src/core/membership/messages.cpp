#include "core/membership/messages.hpp"

namespace dfs::membership {

const char* to_string(member_state s) {
  switch (s) {
    case member_state::alive:
      return "alive";
    case member_state::suspect:
      return "suspect";
    case member_state::dead:
      return "dead";
    case member_state::left:
      return "left";
  }
  return "?";
}

const char* to_string(packet_kind k) {
  switch (k) {
    case packet_kind::ping:
      return "ping";
    case packet_kind::ack:
      return "ack";
    case packet_kind::ping_req:
      return "ping_req";
    case packet_kind::indirect_ack:
      return "indirect_ack";
    case packet_kind::gossip:
      return "gossip";
    case packet_kind::join_request:
      return "join_request";
    case packet_kind::join_reply:
      return "join_reply";
    case packet_kind::push_pull_request:
      return "push_pull_request";
    case packet_kind::push_pull_reply:
      return "push_pull_reply";
    case packet_kind::leave:
      return "leave";
  }
  return "?";
}

}  // namespace dfs::membership
