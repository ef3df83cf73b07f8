#include "actors/gcs/sequencer_effects.hpp"

#include <unistd.h>

#include <caf/all.hpp>

#include "common/logging.hpp"
#include "common/ports.hpp"

namespace dfs {

namespace {

queue_reply to_queue_reply(const gcs::client_reply& r) {
  switch (r.status) {
    case gcs::reply_status::ok: {
      ftqueue::result res;
      if (!ftqueue::decode(r.result, res)) return {queue_status::failed, 0, "malformed result"};
      if (res.error == ftqueue::error_code::ok) return {queue_status::ok, res.value, {}};
      return {queue_status::failed, res.value, ftqueue::to_string(res.error)};
    }
    case gcs::reply_status::not_primary:
      return {queue_status::refused, 0, "not in primary partition"};
    case gcs::reply_status::unknown_outcome:
    case gcs::reply_status::overloaded:
      return {queue_status::retry, 0, r.error.empty() ? gcs::to_string(r.status) : r.error};
    case gcs::reply_status::too_large:
      break;
  }
  return {queue_status::failed, 0, r.error.empty() ? gcs::to_string(r.status) : r.error};
}

void queue_packet(sequencer_state& st, gcs::outbound&& o, sequencer_self self) {
  st.outbox[o.to].push_back(std::move(o.pkt));
  if (!self || st.flush_scheduled) return;
  st.flush_scheduled = true;
  self->send(self, gcs_flush_atom::value);
}

// What response_promise::deliver does (CAF 0.17.6, response_promise.cpp), with no execution
// unit: the one it would pass is the actor's thread's. The requester (a request port's reply
// inbox, a scheduled actor, a remote proxy) is then woken the way any foreign thread wakes it.
// The promise is left as it is: 0.17's carries no destructor that would answer again.
void deliver_from_any_thread(caf::typed_response_promise<queue_reply>& p, const queue_reply& r,
                             const caf::strong_actor_ptr& sender) {
  caf::response_promise& u = p;
  if (!u.stages().empty()) {
    auto stages = u.stages();
    auto next = std::move(stages.back());
    stages.pop_back();
    next->enqueue(caf::make_mailbox_element(u.source(), u.id(), std::move(stages), r), nullptr);
  } else if (u.source()) {
    u.source()->enqueue(caf::make_mailbox_element(sender, u.id().response_id(), {}, r), nullptr);
  }
}

void answer(sequencer_state& st, const gcs::client_reply& r, sequencer_self self) {
  auto i = st.waiting.find({r.client_id, r.request_no});
  if (i == st.waiting.end()) return;  // the op came through another fileserver's retry
  auto reply = to_queue_reply(r);
  if (reply.status == queue_status::refused || reply.status == queue_status::retry)
    log::get("gcs")->debug("refused client={} req={} reason={}", r.client_id, r.request_no,
                           reply.error);
  if (self) {
    for (auto& p : i->second) p.deliver(reply);
  } else {
    auto sender = caf::actor_cast<caf::strong_actor_ptr>(st.actor);
    for (auto& p : i->second) deliver_from_any_thread(p, reply, sender);
  }
  st.waiting.erase(i);
}

}  // namespace

void gcs_disk_failed(const std::string& why) {
  log::get("gcs")->critical("gcs_disk_failed error=\"{}\"", why);
  log::shutdown();
  _exit(3);
}

void take_request(sequencer_state& st, const queue_request& req,
                  caf::typed_response_promise<queue_reply> p, sequencer_self self) {
  st.observer->count_queue_op(req.code);
  auto key = std::make_pair(req.client_id, req.request_no);
  auto i = st.waiting.find(key);
  bool in_flight = i != st.waiting.end();
  st.waiting[key].push_back(std::move(p));
  if (in_flight) return;  // the client resent to us while the op is under way
  ftqueue::operation op{static_cast<ftqueue::op_code>(req.code), req.arg, req.item};
  gcs::client_op cop{req.client_id, req.request_no, ftqueue::encode(op)};
  carry_out(st, st.member->submit(std::move(cop), core::clock::now()), self);
}

void flush_outbox(sequencer_state& st) {
  st.flush_scheduled = false;
  for (auto& [to, packets] : st.outbox) {
    uint64_t too_large = 0;
    auto datagrams =
        gcs_net::encode_packets(*st.codec, st.self, packets, *st.fragments, to, too_large);
    if (too_large > 0) {
      // Bounded by gcs_config::max_snapshot_bytes < max_fragments * fragment_bytes.
      st.packets_too_large += too_large;
      log::get("gcs")->error("packet_too_large count={} to={}", too_large, to.to_string());
    }
    st.packets_sent += packets.size();
    endpoint dst{to.host, multicast_port_of(to.port)};
    for (auto& d : datagrams) {
      st.socket->send_to(dst, std::move(d));
      ++st.datagrams_sent;
    }
  }
  st.outbox.clear();
}

void carry_out(sequencer_state& st, gcs::effects fx, sequencer_self self) {
  // The image and the view record before any packet of the batch (an INSTALL_ACK must follow
  // its INSTALL to disk).
  if (fx.has_checkpoint && st.disk)
    if (auto s = st.disk->write_image(fx.checkpoint); !s) gcs_disk_failed(s.message);
  if (fx.has_record && st.disk)
    if (auto s = st.disk->write_record(fx.record); !s) gcs_disk_failed(s.message);
  if (st.disk) {
    // After every step, not only with appends: once a view change starts or installs a view in
    // which this member's disk counts, a batch already waiting as spare goes at once (an atomic
    // exchange when nothing changed).
    st.disk->set_spare_wait(st.member->disk_spare() ? st.spare_wait : std::chrono::microseconds(0));
    if (!fx.appends.empty()) st.disk->append(fx.log_generation, std::move(fx.appends));
  }
  for (auto& o : fx.send) queue_packet(st, std::move(o), self);
  // The logger only when there is something to log: this runs for every packet.
  auto log = fx.events.empty() && fx.views_installed.empty() && !fx.state_restored
                 ? nullptr
                 : log::get("gcs");
  for (auto& e : fx.events) log->info("{}", e);
  for (auto& v : fx.views_installed)
    log->info("view_change view={} primary={} members={} base={}", v.id.to_string(),
              v.primary ? 1 : 0, v.members.size(), v.base);
  if (fx.state_restored)
    log->info("state_transfer delivered_upto={} queues={}", st.member->delivered_upto(),
              st.app->state().queues().size());
  for (auto& r : fx.replies) answer(st, r, self);
}

}  // namespace dfs
