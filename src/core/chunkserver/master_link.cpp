#include "core/chunkserver/master_link.hpp"

namespace dfs::chunkserver {

const char* to_string(link_state s) {
  switch (s) {
    case link_state::connecting:
      return "connecting";
    case link_state::registering:
      return "registering";
    case link_state::registered:
      return "registered";
  }
  return "unknown";
}

link_effects master_link::start() {
  link_effects fx;
  fx.connect_after = core::duration::zero();
  return fx;
}

void master_link::register_now(link_effects& fx) {
  state_ = link_state::registering;
  ++generation_;
  fx.send_registration = generation_;
}

link_effects master_link::on_connected() {
  link_effects fx;
  if (state_ != link_state::connecting) return fx;
  connect_failures_ = 0;
  register_now(fx);
  return fx;
}

link_effects master_link::on_connect_failed(const std::string& why) {
  link_effects fx;
  if (state_ != link_state::connecting) return fx;
  if (connect_failures_++ == 0)  // once per outage, not on every retry
    fx.events.push_back({link_level::warn, "master_unreachable error=\"" + why + "\""});
  fx.connect_after = opts_.retry_delay;
  return fx;
}

link_effects master_link::on_registered(uint64_t generation, const registration_ack& ack) {
  link_effects fx;
  if (generation != generation_ || state_ != link_state::registering) return fx;
  state_ = link_state::registered;
  fx.delete_chunks = ack.delete_chunks;
  fx.events.push_back({link_level::info, "registered master=" + ack.master.to_string()});
  fx.tick_after = {generation_, core::duration::zero()};
  return fx;
}

link_effects master_link::on_register_failed(uint64_t generation, const std::string& why) {
  link_effects fx;
  if (generation == generation_ && state_ == link_state::registering)
    lose("register failed: " + why, fx);
  return fx;
}

link_effects master_link::on_report_ready() {
  link_effects fx;
  if (state_ == link_state::registered) fx.send_heartbeat = {generation_, ++heartbeat_seq_};
  return fx;
}

link_effects master_link::on_tick(uint64_t generation) {
  link_effects fx;
  if (generation != generation_ || state_ != link_state::registered) return fx;
  fx.send_heartbeat = {generation_, ++heartbeat_seq_};
  fx.tick_after = {generation_, opts_.heartbeat_interval};
  return fx;
}

link_effects master_link::on_heartbeat_reply(uint64_t generation, const heartbeat_reply& r,
                                             core::time_point sent_at, core::time_point now) {
  link_effects fx;
  if (generation != generation_ || state_ != link_state::registered) return fx;
  fx.delete_chunks = r.delete_chunks;
  fx.copy_chunks = r.copy_chunks;
  fx.set_versions = r.versions;
  for (auto& g : r.leases) {
    bool was = leases_.version(g.handle, now) == g.chunk_version;
    if (!leases_.on_grant(g, sent_at, now)) continue;
    fx.set_versions.push_back({g.handle, g.chunk_version});
    if (!was) fx.granted.push_back(g);
  }
  for (auto h : r.delete_chunks) leases_.drop(h);
  // A new lease is confirmed at once (the master answers the client who asked only then).
  if (!fx.granted.empty()) fx.send_heartbeat = {generation_, ++heartbeat_seq_};
  if (r.registered) return fx;
  // The master restarted (or removed us): a full report makes it learn our chunks again.
  fx.events.push_back({link_level::info, "master_forgot_us action=reregister"});
  register_now(fx);
  return fx;
}

link_effects master_link::on_heartbeat_failed(uint64_t generation, const std::string& why) {
  link_effects fx;
  // The report did not arrive: the caller puts it back, the next heartbeat carries it.
  if (generation == generation_ && state_ == link_state::registered)
    fx.events.push_back({link_level::warn, "heartbeat_failed error=\"" + why + "\""});
  return fx;
}

link_effects master_link::on_master_down(const std::string& why) {
  link_effects fx;
  if (state_ != link_state::connecting) lose(why, fx);
  return fx;
}

void master_link::lose(const std::string& why, link_effects& fx) {
  fx.events.push_back({link_level::warn, "master_lost reason=\"" + why + "\""});
  fx.drop_master = true;
  state_ = link_state::connecting;
  ++generation_;
  fx.connect_after = opts_.retry_delay;
}

}  // namespace dfs::chunkserver
