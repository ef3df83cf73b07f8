// Normal operation of gcs::member: DATA, ORDER, STATUS, NACK, delivery and garbage collection.
// View changes are in member_view.cpp, the coordinator's completion computation in completion.cpp.
#include "core/gcs/member.hpp"

#include <algorithm>

#include "common/assert.hpp"
#include "core/gcs/completion.hpp"

namespace dfs::gcs {

namespace {

// An entry's size on disk, near enough: its payload, the sender's address and the numbers.
uint64_t entry_bytes(const log_entry& e) {
  return e.op.payload.size() + e.id.sender.host.size() + 48;
}

}  // namespace

const char* to_string(packet_kind k) {
  switch (k) {
    case packet_kind::data:
      return "data";
    case packet_kind::order:
      return "order";
    case packet_kind::status:
      return "status";
    case packet_kind::nack:
      return "nack";
    case packet_kind::retransmit:
      return "retransmit";
    case packet_kind::propose:
      return "propose";
    case packet_kind::flush:
      return "flush";
    case packet_kind::install:
      return "install";
    case packet_kind::install_ack:
      return "install_ack";
    case packet_kind::commit:
      return "commit";
    case packet_kind::view_request:
      return "view_request";
  }
  return "unknown";
}

const char* to_string(member_state s) {
  switch (s) {
    case member_state::joining:
      return "joining";
    case member_state::normal:
      return "normal";
    case member_state::flushing:
      return "flushing";
    case member_state::installing:
      return "installing";
  }
  return "unknown";
}

const char* to_string(reply_status s) {
  switch (s) {
    case reply_status::ok:
      return "ok";
    case reply_status::not_primary:
      return "not in primary partition";
    case reply_status::unknown_outcome:
      return "outcome unknown after view change";
    case reply_status::overloaded:
      return "overloaded";
    case reply_status::too_large:
      return "payload too large";
  }
  return "unknown";
}

void member::watermark::add(uint64_t s) {
  if (s <= upto) return;
  above.insert(s);
  while (!above.empty() && *above.begin() == upto + 1) {
    above.erase(above.begin());
    ++upto;
  }
}

member::member(node_id self, gcs_config cfg, replicated_state& app, const durable_image* recovered)
    : self_(std::move(self)),
      cfg_(cfg),
      app_(app),
      alive_{self_},
      view_timeout_(cfg.view_timeout_ms) {
  if (recovered == nullptr) return;
  has_image_ = true;
  // A restarted member is one that was cut off since its last write: it rejoins through a view
  // change, flushing its last primary view, pending INSTALL and held log like any other.
  // Without an installed primary view it is as fresh as at the first start, as a member that
  // never restarted keeps its bootstrap flag until it installs one (a pending INSTALL alone, e.g.
  // a genesis acknowledged by all before a power cut, must not block the group: found by the
  // simulation).
  cfg_.bootstrap = recovered->last_primary.id.empty();
  bool restored = app_.restore(recovered->snapshot);
  DFS_ASSERT(restored, "gcs: the recovered snapshot does not restore");
  delivered_upto_ = held_upto_ = recovered->snapshot_seq;
  last_primary_ = recovered->last_primary;
  has_pending_primary_ = recovered->has_pending;
  if (has_pending_primary_) pending_primary_ = recovered->pending;
  accepted_ = recovered->accepted;
  max_epoch_seen_ = std::max({recovered->max_epoch, accepted_.epoch, last_primary_.id.epoch,
                              pending_primary_.view.id.epoch});
  // The held log: flushed as ours (members behind us may need its older part), kept in images.
  for (const auto& e : recovered->entries) {
    orders_[e.seq] = e.id;
    data_[e.id] = data_entry{e.op, last_primary_.id, true, ++arrivals_};
    if (e.seq == held_upto_ + 1) held_upto_ = e.seq;
  }
  appended_upto_ = synced_upto_ = held_upto_;
}

durable_image recovered_image(durable_image image, const std::vector<log_entry>& log) {
  uint64_t last = image.entries.empty() ? image.snapshot_seq : image.entries.back().seq;
  for (const auto& e : log) {
    if (e.seq <= last) continue;
    if (e.seq != last + 1) break;  // never happens with one writer; a gap ends what we know
    image.entries.push_back(e);
    last = e.seq;
  }
  return image;
}

void apply_view_record(durable_image& image, const view_record& record) {
  if (image.accepted < record.accepted) image.accepted = record.accepted;
  image.max_epoch = std::max(image.max_epoch, record.max_epoch);
  image.has_pending = record.has_pending;
  image.pending = record.has_pending ? record.pending : install_msg{};
}

effects member::on_synced(uint64_t generation, uint64_t upto, time_point now) {
  effects fx;
  if (!cfg_.durable || generation != generation_ || upto <= synced_upto_) return fx;
  uint64_t before = reported_held();
  synced_upto_ = std::min(upto, appended_upto_);
  if (!is_primary()) return fx;
  size_t sent_before = fx.send.size();
  progress(now, fx, false);
  // The majority waits for this: our part of "on disk at a majority".
  if (fx.send.size() == sent_before) acknowledge_held(before, now, fx);
  return fx;
}

effects member::on_packet(const node_id& from, const packet& p, time_point now) {
  effects fx;
  if (auto h = last_heard_.find(from); h != last_heard_.end()) h->second = now;
  switch (p.kind) {
    case packet_kind::propose:
      handle_propose(from, p, now, fx);
      return fx;
    case packet_kind::flush:
      handle_flush(from, p, now, fx);
      return fx;
    case packet_kind::install:
      handle_install(from, p, now, fx);
      return fx;
    case packet_kind::install_ack:
      handle_install_ack(from, p, now, fx);
      return fx;
    case packet_kind::commit:
      handle_commit(p, now, fx);
      return fx;
    case packet_kind::view_request:
      handle_view_request(from, p, now, fx);
      return fx;
    default:
      break;
  }
  // Traffic of a view proves that its INSTALL was committed (commit needs every member's ack).
  if (state_ == member_state::installing && has_acked_ && p.view == acked_.view.id)
    commit_install(acked_, now, fx);
  if (!is_primary() || p.view != view_.id ||
      !std::binary_search(view_.members.begin(), view_.members.end(), from)) {
    ++counters_.dropped_packets;
    return fx;
  }
  uint64_t held_before = reported_held();
  size_t sent_before = fx.send.size();
  handle_status(from, p.status);
  for (const auto& d : p.data) handle_data(d, fx);
  for (const auto& o : p.orders) handle_order(o, fx);
  if (p.kind == packet_kind::nack) handle_nack(from, p.nack, fx);
  progress(now, fx);
  // Acknowledge progress at once: delivery waits for a majority to hold the message.
  if (fx.send.size() == sent_before) acknowledge_held(held_before, now, fx);
  return fx;
}

effects member::submit(client_op op, time_point now) {
  effects fx;
  if (op.payload.size() > cfg_.max_payload_bytes) {
    refuse(op, reply_status::too_large, "payload above max_payload_bytes", fx);
  } else if (state_ == member_state::joining ||
             (state_ == member_state::normal && !view_.primary)) {
    refuse(op, reply_status::not_primary, "not in primary partition", fx);
  } else if (queued_.size() >= cfg_.max_queued_ops) {
    refuse(op, reply_status::overloaded, "too many operations waiting", fx);
  } else {
    queued_.push_back(std::move(op));
    if (is_primary()) progress(now, fx);
  }
  return fx;
}

effects member::on_tick(time_point now) {
  effects fx;
  retransmit_budget_ = cfg_.max_retransmits_per_tick;
  suspect_silent(now, fx);
  maybe_propose(now, fx);
  coordinator_tick(now, fx);
  bool resend = now - last_view_send_ >= cfg_.view_retry_ms && !(proposer_ == self_);
  if (state_ == member_state::flushing && resend) {
    fx.send.push_back({proposer_, flush_packet()});
    last_view_send_ = now;
  } else if (state_ == member_state::installing && resend) {
    packet p;
    p.kind = packet_kind::install_ack;
    p.view = accepted_;
    fx.send.push_back({proposer_, std::move(p)});
    last_view_send_ = now;
  } else if (is_primary()) {
    send_nacks(now, fx);
    progress(now, fx);
    // While a message is not yet delivered everywhere, our STATUS may be the only way a peer
    // learns of a packet it lost (a DATA of ours nobody ordered, a slot it never saw): then no
    // more than a NACK interval goes by without one (any packet we broadcast carries it, so
    // under load this sends nothing more). Idle, the heartbeat's pace.
    auto every = data_.empty() ? cfg_.status_interval_ms
                               : std::min(cfg_.status_interval_ms, cfg_.nack_interval_ms);
    if (now - last_status_ >= every) {
      packet st;
      st.kind = packet_kind::status;
      broadcast(std::move(st), now, fx);
    }
  }
  return fx;
}

void member::refuse(const client_op& op, reply_status st, const std::string& why, effects& fx) {
  ++counters_.refused;
  fx.replies.push_back({op.client_id, op.request_no, st, {}, why});
}

void member::handle_status(const node_id& from, const status_msg& s) {
  auto it = std::lower_bound(view_.members.begin(), view_.members.end(), from);
  auto& peer = peers_[static_cast<size_t>(it - view_.members.begin())];
  // Fields only grow; taking the max makes reordered or duplicated packets harmless.
  peer.held_upto = std::max(peer.held_upto, s.held_upto);
  peer.delivered_upto = std::max(peer.delivered_upto, s.delivered_upto);
  peer.slots_held = std::max(peer.slots_held, s.slots_held);
  peer.originated_upto = std::max(peer.originated_upto, s.originated_upto);
  slots_known_ = std::max(slots_known_, s.slots_held);
}

void member::handle_data(const data_msg& d, effects& /*fx*/) {
  auto rit = recv_.find(d.id.sender);
  if (rit == recv_.end() || d.op.payload.size() > cfg_.max_payload_bytes) {
    ++counters_.dropped_packets;
    return;
  }
  bool wanted = wanted_.count(d.id) > 0;
  // Already received: either still held, or delivered everywhere and collected.
  if (data_.count(d.id) || (rit->second.has(d.id.seq) && !wanted)) return;
  uint64_t arrival = ++arrivals_;
  data_[d.id] = data_entry{d.op, view_.id, wanted, arrival};
  if (wanted)
    wanted_.erase(d.id);
  else
    unordered_[arrival] = d.id;
  rit->second.add(d.id.seq);
}

void member::handle_order(const order_msg& o, effects& /*fx*/) {
  if (o.slot < slots_held_ || slots_.count(o.slot) || o.ids.empty() ||
      o.ids.size() > cfg_.max_order_batch || o.first_seq < view_.base)
    return;
  slots_[o.slot] = o;
  slots_known_ = std::max(slots_known_, o.slot + 1);
  for (size_t i = 0; i < o.ids.size(); ++i) {
    const msg_id& id = o.ids[i];
    orders_[o.first_seq + i] = id;
    auto it = data_.find(id);
    if (it == data_.end()) {
      wanted_.insert(id);
    } else if (!it->second.ordered) {
      it->second.ordered = true;
      unordered_.erase(it->second.arrival);
    }
  }
  for (auto it = slots_.find(slots_held_); it != slots_.end(); it = slots_.find(slots_held_)) {
    next_seq_ = it->second.first_seq + it->second.ids.size();
    ++slots_held_;
  }
}

void member::handle_nack(const node_id& from, const nack_msg& n, effects& fx) {
  ++counters_.nacks_received;
  packet p;
  p.kind = packet_kind::retransmit;
  for (const auto& id : n.data) {
    auto it = data_.find(id);
    if (it == data_.end() || retransmit_budget_ == 0) continue;
    --retransmit_budget_;
    p.data.push_back({id, it->second.op});
  }
  for (uint64_t s : n.slots) {
    auto it = slots_.find(s);
    if (it == slots_.end() || retransmit_budget_ == 0) continue;
    --retransmit_budget_;
    p.orders.push_back(it->second);
  }
  if (p.data.empty() && p.orders.empty()) return;
  counters_.retransmissions += p.data.size() + p.orders.size();
  send_to(from, std::move(p), fx);
}

void member::originate(client_op op, time_point now, effects& fx) {
  msg_id id{self_, ++originated_upto_};
  uint64_t arrival = ++arrivals_;
  data_[id] = data_entry{op, view_.id, false, arrival};
  unordered_[arrival] = id;
  recv_[self_].add(id.seq);
  ++counters_.multicast;
  packet p;
  p.kind = packet_kind::data;
  p.data.push_back({id, op});
  replies_[id] = std::move(op);
  broadcast(std::move(p), now, fx);
}

// Rule 2: the member of rank slot % n orders the oldest DATA nobody ordered yet, once it holds
// every earlier slot. An empty slot is never skipped: with nothing to order the turn waits.
void member::try_assign(time_point now, effects& fx) {
  const size_t n = view_.members.size();
  while (slots_held_ % n == static_cast<uint64_t>(rank_) && !unordered_.empty()) {
    order_msg o;
    o.slot = slots_held_;
    o.first_seq = next_seq_;
    for (auto it = unordered_.begin();
         it != unordered_.end() && o.ids.size() < cfg_.max_order_batch; ++it)
      o.ids.push_back(it->second);
    ++counters_.orders_assigned;
    handle_order(o, fx);
    packet p;
    p.kind = packet_kind::order;
    p.orders.push_back(std::move(o));
    broadcast(std::move(p), now, fx);
  }
}

void member::progress(time_point now, effects& fx, bool may_image) {
  // Our new DATA and, in our turn, its ORDER come before the held prefix is counted: an ORDER of
  // ours then counts as held (and, with a disk, goes to the log) at once. Counted after, it
  // waited for the next packet or tick, up to a NACK interval: an operation whose majority
  // needed our hold, as when we originate and order it ourselves or another's disk is spare,
  // took that much longer. A second round only when the garbage collected made room for
  // operations still queued (flow control).
  bool again = true;
  while (again) {
    while (!queued_.empty() && data_.size() < cfg_.max_unstable_msgs) {
      client_op op = std::move(queued_.front());
      queued_.pop_front();
      originate(std::move(op), now, fx);
    }
    try_assign(now, fx);
    while (true) {
      auto it = orders_.find(held_upto_ + 1);
      if (it == orders_.end() || !data_.count(it->second)) break;
      ++held_upto_;
    }
    log_held(fx);
    peers_[static_cast<size_t>(rank_)] = my_status();
    // Majority-stable: the largest seq that floor(n/2)+1 members hold (rule 4). Delivering only
    // up to it makes delivery uniform: whatever any member delivers survives every view change.
    std::vector<uint64_t> held;
    for (const auto& s : peers_) held.push_back(s.held_upto);
    std::sort(held.begin(), held.end(), std::greater<uint64_t>());
    majority_upto_ = std::max(majority_upto_, held[held.size() / 2]);
    deliver_upto(std::min(held_upto_, majority_upto_), fx);
    if (may_image && cfg_.durable && appended_since_image_ >= cfg_.checkpoint_every &&
        (image_bytes_ < cfg_.image_bytes_by_count || appended_bytes_since_image_ >= image_bytes_))
      write_image(nullptr, fx);
    collect_garbage();
    again = !queued_.empty() && data_.size() < cfg_.max_unstable_msgs;
  }
}

void member::deliver_upto(uint64_t target, effects& fx) {
  while (delivered_upto_ < target) {
    uint64_t seq = delivered_upto_ + 1;
    const msg_id id = orders_.at(seq);
    deliver_one(seq, id, data_.at(id).op, fx);
  }
  peers_[static_cast<size_t>(rank_)] = my_status();
}

void member::deliver_one(uint64_t seq, const msg_id& id, const client_op& op, effects& fx) {
  DFS_ASSERT(seq == delivered_upto_ + 1, "gcs: non-contiguous delivery of seq " +
                                             std::to_string(seq) + " after " +
                                             std::to_string(delivered_upto_));
  std::string result = app_.apply(op);
  delivered_upto_ = seq;
  ++counters_.deliveries;
  auto r = replies_.find(id);
  if (r != replies_.end()) {
    fx.replies.push_back({op.client_id, op.request_no, reply_status::ok, result, {}});
    replies_.erase(r);
  }
  fx.deliveries.push_back({seq, id, op, std::move(result)});
}

// Rule 5: what every member delivered is dropped; nobody will ask for it again.
void member::collect_garbage() {
  uint64_t stable = delivered_upto_;
  for (const auto& s : peers_) stable = std::min(stable, s.delivered_upto);
  if (stable <= stable_upto_) return;
  stable_upto_ = stable;
  while (!orders_.empty() && orders_.begin()->first <= stable) {
    data_.erase(orders_.begin()->second);
    orders_.erase(orders_.begin());
  }
  while (!slots_.empty()) {
    const auto& o = slots_.begin()->second;
    if (o.slot >= slots_held_ || o.first_seq + o.ids.size() - 1 > stable) break;
    slots_.erase(slots_.begin());
  }
}

void member::send_nacks(time_point now, effects& fx) {
  if (now - last_nack_ < cfg_.nack_interval_ms) return;
  last_nack_ = now;
  const size_t n = view_.members.size();
  std::map<node_id, nack_msg> out;
  size_t items = 0;
  // Rotate targets round after round, so a repair does not depend on one silent member.
  auto pick = [&](size_t preferred) {
    size_t r = (preferred + nack_round_) % n;
    if (r == static_cast<size_t>(rank_)) r = (r + 1) % n;
    return view_.members[r];
  };
  for (uint64_t s = slots_held_; s < slots_known_ && items < cfg_.max_nack_batch; ++s) {
    if (slots_.count(s)) continue;
    out[pick(s % n)].slots.push_back(s);
    ++items;
  }
  for (const auto& id : wanted_) {
    if (items >= cfg_.max_nack_batch) break;
    auto it = std::lower_bound(view_.members.begin(), view_.members.end(), id.sender);
    out[pick(static_cast<size_t>(it - view_.members.begin()) % n)].data.push_back(id);
    ++items;
  }
  for (size_t r = 0; r < n && items < cfg_.max_nack_batch; ++r) {
    if (r == static_cast<size_t>(rank_)) continue;
    const auto& w = recv_[view_.members[r]];
    for (uint64_t s = w.upto + 1; s <= peers_[r].originated_upto; ++s) {
      if (items >= cfg_.max_nack_batch) break;
      if (w.has(s)) continue;
      out[view_.members[r]].data.push_back(msg_id{view_.members[r], s});
      ++items;
    }
  }
  ++nack_round_;
  for (auto& [to, nack] : out) {
    if (to == self_) continue;
    packet p;
    p.kind = packet_kind::nack;
    p.nack = std::move(nack);
    ++counters_.nacks_sent;
    send_to(to, std::move(p), fx);
  }
}

// Peers drop what every member reports delivered (collect_garbage): with durability we report
// only what our disk could give back after a crash.
status_msg member::my_status() const {
  uint64_t held = reported_held();
  return status_msg{held, std::min(delivered_upto_, held), slots_held_, originated_upto_};
}

bool member::disk_spare() const {
  const size_t n = view_.members.size();
  return cfg_.durable && is_primary() && rank_ >= 0 && static_cast<size_t>(rank_) >= n / 2 + 1;
}

// What we may claim to hold: with durability, only what is on our disk.
uint64_t member::reported_held() const {
  return cfg_.durable ? std::min(held_upto_, synced_upto_) : held_upto_;
}

void member::log_held(effects& fx) {
  if (!cfg_.durable) return;
  for (uint64_t s = appended_upto_ + 1; s <= held_upto_; ++s) {
    const msg_id& id = orders_.at(s);
    fx.appends.push_back(log_entry{s, id, data_.at(id).op});
    ++appended_since_image_;
    appended_bytes_since_image_ += entry_bytes(fx.appends.back());
  }
  appended_upto_ = std::max(appended_upto_, held_upto_);
  fx.log_generation = generation_;
}

// Accepting a proposal and acknowledging an INSTALL change neither the state nor the log: a
// view record says what they promised (durable_image.hpp). A member without an image yet writes
// one instead, so that a record always has an image to belong to.
void member::write_view_record(const install_msg* pending, effects& fx) {
  if (!has_image_) {
    write_image(pending, fx);
    return;
  }
  view_record& r = fx.record;
  fx.has_record = true;
  r.accepted = accepted_;
  r.max_epoch = std::max(max_epoch_seen_, accepted_.epoch);
  r.has_pending = pending != nullptr || has_pending_primary_;
  r.pending = pending != nullptr     ? *pending
              : has_pending_primary_ ? pending_primary_
                                     : install_msg{};
}

// An INSTALL we acknowledge builds on our state: without a snapshot, from its first seq on (the
// completion made sure we delivered up to there). A view record leaves the state to the image we
// have and the log after it, so it will do only if they hold everything before that seq; else
// (our log's sync still under way) the image has to hold the state itself. An INSTALL with a
// snapshot carries our new state: the record holds it.
void member::write_acked_install(const install_msg& in, effects& fx) {
  uint64_t first = in.entries.empty() ? in.view.base : in.entries.front().seq;
  if (in.has_snapshot || synced_upto_ + 1 >= first)
    write_view_record(&in, fx);
  else
    write_image(&in, fx);
}

// A new image: everything we hold, replacing image and log. The owner makes it durable before
// any packet of this batch leaves, so it counts as synced at once.
void member::write_image(const install_msg* pending, effects& fx) {
  has_image_ = true;
  fx.has_record = false;  // the image holds everything a record of this batch said
  fx.record = view_record{};
  durable_image& im = fx.checkpoint;
  im = durable_image{};
  im.last_primary = last_primary_;
  if (pending != nullptr) {
    im.has_pending = true;
    im.pending = *pending;
  } else if (has_pending_primary_) {
    im.has_pending = true;
    im.pending = pending_primary_;
  }
  im.accepted = accepted_;
  im.max_epoch = std::max(max_epoch_seen_, accepted_.epoch);
  im.snapshot_seq = delivered_upto_;
  im.snapshot = app_.snapshot();
  ++counters_.state_snapshots;
  // Everything held above the stable point, as in a FLUSH: a member behind us (its snapshot is
  // older) needs the part below our snapshot from us after a whole-group restart.
  for (const auto& [seq, id] : orders_) {
    if (seq > held_upto_) break;
    im.entries.push_back(log_entry{seq, id, data_.at(id).op});
  }
  fx.has_checkpoint = true;
  fx.appends.clear();  // all in the image
  ++generation_;
  fx.log_generation = generation_;
  appended_upto_ = synced_upto_ = std::max(held_upto_, delivered_upto_);
  appended_since_image_ = appended_bytes_since_image_ = 0;
  image_bytes_ = im.snapshot.size();
  for (const auto& e : im.entries) image_bytes_ += entry_bytes(e);
}

// Our STATUS once what we hold grew past `before`, sent only to the originators of the newly held
// messages: each answers its client once a majority holds the message, so they wait for it. The
// other members need it only to deliver (apply) and collect garbage, which no client waits for:
// they read it from our next packet, and while anything is undelivered somewhere we send one at
// least every NACK interval (on_tick). With one member originating, as when the clients share a
// fileserver, this sends one datagram per member and progress instead of one to every peer
// (n-1); with the operations on disk, after every fsync.
void member::acknowledge_held(uint64_t before, time_point now, effects& fx) {
  uint64_t held = reported_held();
  if (held <= before) return;
  std::vector<node_id> waiting;
  for (auto it = orders_.upper_bound(before); it != orders_.end() && it->first <= held; ++it) {
    const node_id& origin = it->second.sender;
    if (origin != self_ && std::find(waiting.begin(), waiting.end(), origin) == waiting.end())
      waiting.push_back(origin);
    if (waiting.size() + 1 >= view_.members.size()) break;  // everyone else: a broadcast
  }
  packet st;
  st.kind = packet_kind::status;
  if (waiting.size() + 1 >= view_.members.size()) {
    broadcast(std::move(st), now, fx);
    return;
  }
  for (const auto& to : waiting) {
    if (std::binary_search(view_.members.begin(), view_.members.end(), to)) send_to(to, st, fx);
  }
}

void member::broadcast(packet p, time_point now, effects& fx) {
  p.view = view_.id;
  p.status = my_status();
  last_status_ = now;
  for (const auto& m : view_.members)
    if (m != self_) fx.send.push_back({m, p});
}

void member::send_to(const node_id& to, packet p, effects& fx) {
  p.view = view_.id;
  p.status = my_status();
  fx.send.push_back({to, std::move(p)});
}

}  // namespace dfs::gcs
