#include "core/chunkserver/master_link.hpp"

#include "core/master/leader_hint.hpp"

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

void master_link::event(link_level level, std::string text, link_effects& fx) const {
  fx.events.push_back({level, std::move(text), master()});
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
    event(link_level::warn, "master_unreachable error=\"" + why + "\"", fx);
  masters_.on_failure();  // one master: the same one again
  fx.connect_after = opts_.retry_delay;
  return fx;
}

link_effects master_link::on_registered(uint64_t generation, const registration_ack& ack) {
  link_effects fx;
  if (generation != generation_ || state_ != link_state::registering) return fx;
  if (stale(ack.master_term, fx)) return fx;  // its deletes are not carried out
  masters_.on_success();
  heartbeat_failures_ = 0;
  state_ = link_state::registered;
  fx.delete_chunks = ack.delete_chunks;
  event(link_level::info, "registered master=" + ack.master.to_string(), fx);
  fx.tick_after = {generation_, core::duration::zero()};
  return fx;
}

link_effects master_link::on_register_failed(uint64_t generation, const std::string& why) {
  link_effects fx;
  if (generation == generation_ && state_ == link_state::registering)
    fail_over("register failed: " + why, master::leader_hint(why), fx);
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
  // A deposed master's reply orders nothing: no deletes, copies, leases or versions.
  if (stale(r.master_term, fx)) return fx;
  heartbeat_failures_ = 0;
  fx.delete_chunks = r.delete_chunks;
  fx.copy_chunks = r.copy_chunks;
  fx.local_copies = r.local_copies;
  fx.set_versions = r.versions;
  for (auto& g : r.leases) {
    bool was = leases_.version(g.handle, now) == g.chunk_version;
    if (!leases_.on_grant(g, sent_at, now)) continue;
    fx.set_versions.push_back({g.handle, g.chunk_version});
    if (!was) fx.granted.push_back(g);
  }
  for (auto h : r.delete_chunks) leases_.drop(h);
  bool released = false;
  for (auto& v : r.revoke)
    if (leases_.release(v.handle, v.chunk_version, now)) {
      released = true;
      event(link_level::info,
            "lease_released handle=" + std::to_string(v.handle) +
                " version=" + std::to_string(v.chunk_version) + " reason=revoked_by_master",
            fx);
    }
  // A new lease is confirmed at once (the master answers the client who asked only then), and
  // a released one is reported at once (the repair it makes way for waits for that).
  if (!fx.granted.empty() || released) fx.send_heartbeat = {generation_, ++heartbeat_seq_};
  if (r.registered) return fx;
  // The master restarted (or removed us): a full report makes it learn our chunks again.
  event(link_level::info, "master_forgot_us action=reregister", fx);
  register_now(fx);
  return fx;
}

link_effects master_link::on_heartbeat_failed(uint64_t generation, const std::string& why) {
  link_effects fx;
  // The report did not arrive: the caller puts it back, the next heartbeat carries it (to
  // this master, or after a registration to the next).
  if (generation != generation_ || state_ != link_state::registered) return fx;
  if (master::is_not_leader(why)) {  // it is a standby now: the active master is elsewhere
    fail_over("heartbeat refused: " + why, master::leader_hint(why), fx);
    return fx;
  }
  event(link_level::warn, "heartbeat_failed error=\"" + why + "\"", fx);
  if (!masters_.single() && ++heartbeat_failures_ >= opts_.max_heartbeat_failures)
    fail_over(std::to_string(heartbeat_failures_) + " heartbeats failed in a row", std::nullopt,
              fx);
  return fx;
}

link_effects master_link::on_master_down(const std::string& why) {
  link_effects fx;
  if (state_ != link_state::connecting) fail_over(why, std::nullopt, fx);
  return fx;
}

void master_link::fail_over(const std::string& why, const std::optional<endpoint>& hint,
                            link_effects& fx) {
  lose(why, fx);
  masters_.on_failure(hint);  // one master: the same one again
}

bool master_link::stale(uint64_t term, link_effects& fx) {
  if (term >= highest_term_) {
    highest_term_ = term;
    return false;
  }
  event(link_level::warn,
        "stale_master_reply_ignored term=" + std::to_string(term) +
            " highest=" + std::to_string(highest_term_),
        fx);
  fail_over("stale master term", std::nullopt, fx);
  return true;
}

void master_link::lose(const std::string& why, link_effects& fx) {
  event(link_level::warn, "master_lost reason=\"" + why + "\"", fx);
  heartbeat_failures_ = 0;
  fx.drop_master = true;
  state_ = link_state::connecting;
  ++generation_;
  fx.connect_after = opts_.retry_delay;
}

}  // namespace dfs::chunkserver
