#include "proto/registry.hpp"

#include "proto/interfaces.hpp"
#include "proto/membership.hpp"
#include "proto/replog.hpp"

namespace dfs {

void register_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<node_id>("dfs::node_id");
  cfg.add_message_type<endpoint>("dfs::endpoint");
  cfg.add_message_type<chunkserver_registration>("dfs::chunkserver_registration");
  cfg.add_message_type<registration_ack>("dfs::registration_ack");
  // v4/v6: lease revocations (released up, revoke down); v5 of the reply added copy-on-write
  // orders. The wire name changes with the layout, so an older chunkserver fails the exchange
  // instead of misreading it.
  cfg.add_message_type<chunkserver_heartbeat>("dfs::chunkserver_heartbeat_v4");
  cfg.add_message_type<heartbeat_reply>("dfs::heartbeat_reply_v6");
  cfg.add_message_type<lease_request>("dfs::lease_request");
  cfg.add_message_type<lease_reply>("dfs::lease_reply");
  cfg.add_message_type<lock_request>("dfs::lock_request");
  cfg.add_message_type<grow_request>("dfs::grow_request");
  cfg.add_message_type<lock_reply>("dfs::lock_reply");
  cfg.add_message_type<copy_result>("dfs::copy_result");
  cfg.add_message_type<local_copy>("dfs::local_copy");
  cfg.add_message_type<ns_request>("dfs::ns_request");
  cfg.add_message_type<versions_request>("dfs::versions_request");
  cfg.add_message_type<trash_request>("dfs::trash_request");
  cfg.add_message_type<layout_request>("dfs::layout_request");
  cfg.add_message_type<stale_read_request>("dfs::stale_read_request");
  cfg.add_message_type<ns_reply>("dfs::ns_reply");
  cfg.add_message_type<status_request>("dfs::status_request");
  cfg.add_message_type<status_reply>("dfs::status_reply");
  cfg.add_message_type<put_request>("dfs::put_request");
  cfg.add_message_type<put_plan>("dfs::put_plan");
  cfg.add_message_type<put_commit>("dfs::put_commit");
  cfg.add_message_type<admin_request>("dfs::admin_request");
  cfg.add_message_type<login_proof>("dfs::login_proof");
  cfg.add_message_type<login_result>("dfs::login_result");
  cfg.add_message_type<admin_reply>("dfs::admin_reply");
  cfg.add_message_type<node_actor>("dfs::node_actor");
  cfg.add_message_type<master_actor>("dfs::master_actor");
  cfg.add_message_type<admin_actor>("dfs::admin_actor");
  cfg.add_message_type<member_event_msg>("dfs::member_event_msg");
  cfg.add_message_type<std::vector<member_event_msg>>("std::vector<dfs::member_event_msg>");
  cfg.add_message_type<membership_listener>("dfs::membership_listener");
  cfg.add_message_type<failure_detector_actor>("dfs::failure_detector_actor");
  cfg.add_message_type<queue_request>("dfs::queue_request");
  cfg.add_message_type<queue_reply>("dfs::queue_reply");
  cfg.add_message_type<ftqueue_actor>("dfs::ftqueue_actor");
  // Master replication (src/core/replog): every kind travels as one message type.
  cfg.add_message_type<replog::message>("dfs::replog::message");
}

}  // namespace dfs
