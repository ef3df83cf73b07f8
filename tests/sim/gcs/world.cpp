#include "world.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>

#include "common/assert.hpp"

namespace dfs::sim::gcs_world {

namespace {

constexpr milliseconds tick_interval{5};

std::string payload_of(ftqueue::op_code c, int64_t arg, int64_t item = 0) {
  return ftqueue::encode(ftqueue::operation{c, arg, item});
}

}  // namespace

world::world(uint64_t seed, world_options opts)
    : seed_(seed),
      opts_(opts),
      rng_(seed * 7919 + 17),
      net_(seed, net_options{opts.loss, opts.duplicate, milliseconds(1), opts.max_delay}) {
  // A failed DFS_ASSERT aborts the sweep: it names the seed to replay.
  set_assert_node("sim gcs seed=" + std::to_string(seed) + " (DFS_SIM_SEED replays it)");
  nodes_.resize(opts_.nodes);
  disks_.resize(opts_.nodes);
  group_.assign(opts_.nodes, 0);
  for (size_t i = 0; i < opts_.nodes; ++i) {
    nodes_[i].up = false;
    restart(i);
  }
  for (size_t i = 0; i < opts_.clients; ++i) {
    client c;
    c.id = 1000 + i;
    c.slot = opts_.clients_on_first_node ? 0 : i % opts_.nodes;
    c.ops_left = opts_.ops_per_client;
    clients_.push_back(c);
  }
}

void world::fail(const std::string& why) {
  if (!failure_.empty()) return;
  std::ostringstream s;
  s << "seed=" << seed_ << " t=" << (now_.time_since_epoch() / milliseconds(1)) << "ms: " << why
    << "\n"
    << summary();
  failure_ = s.str();
}

std::string world::summary() const {
  std::ostringstream s;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const auto& n = nodes_[i];
    const auto& m = *n.m;
    s << "  slot" << i << " " << n.id.to_string() << (n.up ? " up" : " DOWN") << " g" << group_[i]
      << " state=" << gcs::to_string(m.state()) << " view=" << m.view().id.to_string()
      << " primary=" << m.view().primary << " n=" << m.view().members.size()
      << " delivered=" << m.delivered_upto() << " pending=" << m.pending_count()
      << " last_primary=" << m.last_primary().id.to_string()
      << (m.has_pending_primary() ? " pending=" + m.pending_primary().id.to_string() + "/" +
                                        std::to_string(m.pending_primary().members.size())
                                  : std::string())
      << " nacks=" << m.counters().nacks_sent << " rtx=" << m.counters().retransmissions << "\n";
  }
  size_t left = 0;
  for (const auto& c : clients_) left += c.ops_left;
  s << "  acked=" << acks_.size() << " ops_left=" << left << " history=" << history_.size()
    << " flushes=" << cov_.flushes << " with_state=" << cov_.flush_states;
  return s.str();
}

size_t world::slot_of(const node_id& id) const {
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].id == id) return i;
  return nodes_.size();
}

void world::crash(size_t slot) {
  if (std::getenv("DFS_SIM_TRACE"))
    std::printf("%lld slot%zu CRASH synced_log=%zu unsynced=%zu\n",
                static_cast<long long>(now_.time_since_epoch() / milliseconds(1)), slot,
                disks_[slot].log.size(), disks_[slot].unsynced.size());
  nodes_[slot].up = false;
  nodes_[slot].inbox.clear();
  nodes_[slot].busy_until = {};
  net_.crash(nodes_[slot].id);
  disk& d = disks_[slot];
  cov_.lost_unsynced += d.unsynced.empty() ? 0 : 1;
  d.unsynced.clear();
  d.sync_pending = false;
}

void world::crash_all() {
  ++cov_.whole_group_crashes;
  for (size_t s = 0; s < nodes_.size(); ++s)
    if (nodes_[s].up) crash(s);
}

void world::restart(size_t slot) {
  node& n = nodes_[slot];
  if (n.up) return;
  n = node{};
  n.id = node_id{"n" + std::to_string(slot), 7000, incarnation_++};
  n.app = std::make_unique<ftqueue::replica>();
  gcs::gcs_config cfg = opts_.cfg;
  cfg.bootstrap = now_ == time_point{};  // only the first start may found the group
  const disk& d = disks_[slot];
  if (cfg.durable && d.has_image) {
    ++cov_.recoveries;
    gcs::durable_image im = gcs::recovered_image(d.image, d.log);
    if (d.has_record) gcs::apply_view_record(im, d.record);
    if (std::getenv("DFS_SIM_TRACE"))
      std::printf("%lld slot%zu RESTART last_primary=%s pending=%s snapshot_seq=%llu held=%llu\n",
                  static_cast<long long>(now_.time_since_epoch() / milliseconds(1)), slot,
                  im.last_primary.id.to_string().c_str(),
                  im.has_pending ? im.pending.view.id.to_string().c_str() : "-",
                  static_cast<unsigned long long>(im.snapshot_seq),
                  static_cast<unsigned long long>(im.entries.empty() ? im.snapshot_seq
                                                                     : im.entries.back().seq));
    n.m = std::make_unique<gcs::member>(n.id, cfg, *n.app, &im);
  } else {
    // Durable without an image: it never acknowledged a primary INSTALL, so it is as fresh as at
    // the first start (fewer than half of the group can be so while a lineage exists).
    if (cfg.durable) cfg.bootstrap = true;
    n.m = std::make_unique<gcs::member>(n.id, cfg, *n.app);
  }
  n.next_tick = now_ + milliseconds(slot);
}

void world::partition(const std::vector<std::set<size_t>>& groups) {
  std::fill(group_.begin(), group_.end(), 0);
  std::vector<std::set<node_id>> ids(groups.size());
  for (size_t g = 0; g < groups.size(); ++g)
    for (size_t s : groups[g]) group_[s] = static_cast<int>(g) + 1;
  // Route by slot: every incarnation of a slot stays in the slot's group.
  for (size_t g = 0; g < groups.size(); ++g)
    for (size_t s : groups[g])
      for (uint64_t inc = 1; inc < incarnation_; ++inc)
        ids[g].insert(node_id{"n" + std::to_string(s), 7000, inc});
  net_.partition(ids);
}

void world::heal() {
  std::fill(group_.begin(), group_.end(), 0);
  net_.heal();
}

void world::set_loss(double loss, double dup) {
  net_.options().loss = loss;
  net_.options().duplicate = dup;
}

void world::run_for(milliseconds d) {
  const time_point end = now_ + d;
  while (now_ < end && failure_.empty()) step(now_ + milliseconds(1));
}

void world::step(time_point t) {
  now_ = t;
  try {
    for (auto& env : net_.deliver_due(now_)) {
      size_t s = slot_of(env.to);
      if (s == nodes_.size() || !nodes_[s].up) continue;
      nodes_[s].inbox.push_back(std::move(env));
    }
    // A member writing an image takes nothing in until it is done (world_options::image_delay).
    for (size_t s = 0; s < nodes_.size(); ++s) {
      auto inbox = std::move(nodes_[s].inbox);
      nodes_[s].inbox.clear();
      for (size_t k = 0; k < inbox.size(); ++k) {
        if (!nodes_[s].up) break;
        if (nodes_[s].busy_until > now_) {
          nodes_[s].inbox.insert(nodes_[s].inbox.end(), std::make_move_iterator(inbox.begin() + k),
                                 std::make_move_iterator(inbox.end()));
          break;
        }
        auto fx = nodes_[s].m->on_packet(inbox[k].from, inbox[k].msg, now_);
        count_acknowledgements(fx);
        handle(s, std::move(fx));
      }
    }
    sync_disks();
    for (size_t s = 0; s < nodes_.size(); ++s) {
      if (!nodes_[s].up || nodes_[s].next_tick > now_ || nodes_[s].busy_until > now_) continue;
      nodes_[s].next_tick = now_ + tick_interval;
      handle(s, nodes_[s].m->on_tick(now_));
    }
    update_membership();
    drive_clients();
  } catch (const std::exception& e) {
    fail(std::string("exception: ") + e.what());
  }
}

// What the sequencer actor does with a durable member's effects: the image, then the view
// record (synchronously, before any packet of the batch leaves), then the appends, synced later
// as one group.
void world::write_disk(size_t slot, gcs::effects& fx) {
  disk& d = disks_[slot];
  if (fx.has_checkpoint) {
    ++cov_.images;
    d.has_image = true;
    d.image = fx.checkpoint;
    d.has_record = false;  // the image holds it
    d.log.clear();
    d.unsynced.clear();
    d.sync_pending = false;
  }
  if (fx.has_record) {
    if (!d.has_image) fail("a view record without an image (slot " + std::to_string(slot) + ")");
    ++cov_.view_records;
    d.has_record = true;
    d.record = fx.record;
  }
  if (fx.appends.empty()) return;
  if (d.generation != fx.log_generation) d.unsynced.clear();  // an older log: superseded
  d.generation = fx.log_generation;
  for (auto& e : fx.appends) d.unsynced.push_back(std::move(e));
  if (!d.sync_pending) {
    d.sync_pending = true;
    auto hi = opts_.max_sync_delay.count();
    d.sync_at = now_ + milliseconds(std::uniform_int_distribution<long>(0, hi)(rng_));
    if (opts_.spare_sync_delay.count() > 0 && nodes_[slot].m->disk_spare())
      d.sync_at = now_ + opts_.spare_sync_delay;
    if (slot == opts_.slow_disk_slot) d.sync_at = now_ + opts_.slow_disk_delay;
  }
}

// STATUS packets a packet or a sync made a member send: its acknowledgement of progress (the
// tick's heartbeats are not counted).
void world::count_acknowledgements(const gcs::effects& fx) {
  for (const auto& o : fx.send) cov_.acknowledgements += o.pkt.kind == gcs::packet_kind::status;
}

void world::sync_disks() {
  for (size_t s = 0; s < nodes_.size(); ++s) {
    disk& d = disks_[s];
    if (!nodes_[s].up || !d.sync_pending || now_ < d.sync_at || nodes_[s].busy_until > now_)
      continue;
    d.sync_pending = false;
    if (d.unsynced.empty()) continue;
    uint64_t upto = d.unsynced.back().seq;
    for (auto& e : d.unsynced) d.log.push_back(std::move(e));
    d.unsynced.clear();
    auto fx = nodes_[s].m->on_synced(d.generation, upto, now_);
    // The owner may call on_synced on the disk's writer thread, which an image would wait for.
    if (fx.has_checkpoint)
      fail("on_synced returned an image to write (slot " + std::to_string(s) + ")");
    count_acknowledgements(fx);
    handle(s, std::move(fx));
  }
}

void world::handle(size_t slot, gcs::effects fx) {
  node& n = nodes_[slot];
  if (opts_.cfg.durable && fx.has_checkpoint && opts_.image_delay.count() > 0)
    n.busy_until = now_ + opts_.image_delay;  // the batch's packets leave after the image
  if (opts_.cfg.durable) write_disk(slot, fx);
  for (auto& o : fx.send) {
    cov_.nacks += o.pkt.kind == gcs::packet_kind::nack ? 1 : 0;
    cov_.retransmissions += o.pkt.kind == gcs::packet_kind::retransmit ? 1 : 0;
    if (o.pkt.kind == gcs::packet_kind::flush) {
      ++cov_.flushes;
      cov_.flush_states += o.pkt.flush.has_snapshot ? 1 : 0;
      cov_.flushes_without_log += o.pkt.flush.has_log ? 0 : 1;
    }
    if (o.pkt.kind == gcs::packet_kind::install && o.pkt.install.view.primary)
      primaries_.push_back(o.pkt.install.view);  // possibly committed: the crash rule counts it
    net_.send(n.id, o.to, std::move(o.pkt), std::max(now_, n.busy_until));
  }
  if (std::getenv("DFS_SIM_TRACE")) {
    for (const auto& e : fx.events)
      std::printf("%lld slot%zu %s\n",
                  static_cast<long long>(now_.time_since_epoch() / milliseconds(1)), slot,
                  e.c_str());
    for (const auto& d : fx.deliveries)
      std::printf("%lld slot%zu deliver seq=%llu\n",
                  static_cast<long long>(now_.time_since_epoch() / milliseconds(1)), slot,
                  static_cast<unsigned long long>(d.seq));
    std::fflush(stdout);  // a failed DFS_ASSERT aborts
  }
  if (fx.state_restored) n.delivered.clear();
  for (const auto& d : fx.deliveries) check_delivery(slot, d);
  for (const auto& v : fx.views_installed) check_view(slot, v);
  if (!fx.deliveries.empty() || fx.state_restored) {
    size_t h = std::hash<std::string>()(n.app->snapshot());
    auto [it, fresh] = state_hash_.emplace(n.m->delivered_upto(), h);
    if (!fresh && it->second != h)
      fail("replica state differs at seq " + std::to_string(it->first) + " on slot" +
           std::to_string(slot));
  }
  for (const auto& v : fx.views_installed) {
    ++cov_.views;
    cov_.primary_views += v.primary ? 1 : 0;
  }
  cov_.state_transfers += fx.state_restored ? 1 : 0;
  for (const auto& r : fx.replies) {
    cov_.acks += r.status == gcs::reply_status::ok ? 1 : 0;
    cov_.not_primary_refusals += r.status == gcs::reply_status::not_primary ? 1 : 0;
    cov_.unknown_outcomes += r.status == gcs::reply_status::unknown_outcome ? 1 : 0;
    check_reply(slot, r);
    for (auto& c : clients_) {
      if (c.id != r.client_id || c.req != r.request_no || !c.waiting) continue;
      c.waiting = false;
      if (r.status == gcs::reply_status::not_primary && !c.in_doubt) {
        // Only refusals so far: the client reports "not applied" and goes on with a new
        // request, as the shell does. The group must never apply this one.
        refused_.insert({c.id, c.req});
        c.payload.clear();
      }
      if (r.status != gcs::reply_status::ok) {
        c.in_doubt = c.in_doubt || r.status != gcs::reply_status::not_primary;
        c.slot = (c.slot + 1) % nodes_.size();
        c.retry_at = now_ + milliseconds(20);
        continue;
      }
      ftqueue::operation op;
      ftqueue::result res;
      if (ftqueue::decode(c.payload, op) && op.code == ftqueue::op_code::create &&
          ftqueue::decode(r.result, res))
        c.queue = res.value;
      c.payload.clear();
      --c.ops_left;
      ack_latencies_.push_back(std::chrono::duration_cast<milliseconds>(now_ - c.first_sent));
    }
  }
}

void world::check_delivery(size_t slot, const gcs::delivery& d) {
  node& n = nodes_[slot];
  if (!n.delivered.insert(d.id).second)
    fail("message delivered twice on slot" + std::to_string(slot));
  auto [h, fresh] = history_.emplace(d.seq, d.id);
  if (!fresh && h->second != d.id)
    fail("total order diverges at seq " + std::to_string(d.seq) + " on slot" +
         std::to_string(slot));
  auto [s, sfresh] = seq_of_.emplace(d.id, d.seq);
  if (!sfresh && s->second != d.seq) fail("one message at two seqs");
  if (!submitted_.count({d.op.client_id, d.op.request_no})) fail("delivered a message never sent");
  if (refused_.count({d.op.client_id, d.op.request_no}))
    fail("delivered an operation its client was told was not applied (refused: not primary)");
  auto [r, rfresh] = results_.emplace(d.seq, d.result);
  if (!rfresh && r->second != d.result) fail("results differ at seq " + std::to_string(d.seq));
  first_seq_.emplace(std::make_pair(d.op.client_id, d.op.request_no), d.seq);
}

void world::check_view(size_t slot, const gcs::view_desc& v) {
  (void)slot;
  if (!v.primary) return;
  auto [e, fresh] = primary_by_epoch_.emplace(v.id.epoch, v.id);
  if (!fresh && e->second != v.id) fail("two primary views in epoch " + std::to_string(v.id.epoch));
  for (const auto& a : acks_)
    if (a.view < v.id && a.seq >= v.base)
      fail("acknowledged op (client " + std::to_string(a.client) + " req " + std::to_string(a.req) +
           ") missing from later primary view " + v.id.to_string());
}

void world::check_reply(size_t slot, const gcs::client_reply& r) {
  if (r.status != gcs::reply_status::ok) return;
  const gcs::member& m = *nodes_[slot].m;
  if (!m.is_primary()) fail("non-primary member acknowledged an operation");
  auto f = first_seq_.find({r.client_id, r.request_no});
  if (f == first_seq_.end()) return fail("acknowledged an operation never delivered");
  ftqueue::result res;
  // A late duplicate of a request the client already finished is answered "stale request":
  // nobody waits for that reply, so it need not equal the first answer.
  bool stale = ftqueue::decode(r.result, res) && res.error == ftqueue::error_code::stale_request;
  if (!stale && results_[f->second] != r.result)
    fail("acknowledged result differs from the first apply: client " + std::to_string(r.client_id) +
         " req " + std::to_string(r.request_no) + " seq " + std::to_string(f->second) + " slot" +
         std::to_string(slot));
  for (const auto& p : primaries_)
    if (m.view().id < p.id && f->second >= p.base && slot_of(p.id.coordinator) < nodes_.size() &&
        primary_by_epoch_.count(p.id.epoch) && primary_by_epoch_[p.id.epoch] == p.id)
      fail("late acknowledgement of an op a later primary view lacks");
  acks_.push_back(ack{r.client_id, r.request_no, r.result, m.view().id, f->second});
}

void world::update_membership() {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    node& n = nodes_[i];
    if (!n.up) continue;
    std::vector<node_id> truth;
    for (size_t j = 0; j < nodes_.size(); ++j)
      if (nodes_[j].up && group_[j] == group_[i]) truth.push_back(nodes_[j].id);
    std::sort(truth.begin(), truth.end());
    if (truth != (n.report_pending ? n.target : n.reported)) {
      n.target = truth;
      n.report_pending = true;
      auto lo = opts_.detect_min.count(), hi = opts_.detect_max.count();
      n.report_at = now_ + milliseconds(std::uniform_int_distribution<long>(lo, hi)(rng_));
    }
    if (n.report_pending && now_ >= n.report_at) {
      n.report_pending = false;
      n.reported = n.target;
      handle(i, n.m->on_membership(n.target, now_));
    }
  }
}

std::string world::next_payload(client& c) {
  if (c.queue == 0) return payload_of(ftqueue::op_code::create, static_cast<int64_t>(c.id % 3));
  switch (std::uniform_int_distribution<int>(0, 5)(rng_)) {
    case 0:
      return payload_of(ftqueue::op_code::pop, c.queue);
    case 1:
      return payload_of(ftqueue::op_code::size, c.queue);
    case 2:
      return payload_of(ftqueue::op_code::top, c.queue);
    default:
      return payload_of(ftqueue::op_code::push, c.queue,
                        static_cast<int64_t>(c.id * 1000000 + c.req));
  }
}

void world::submit(client& c) {
  if (c.payload.empty()) {
    c.payload = next_payload(c);
    ++c.req;
    c.first_sent = now_;
    c.in_doubt = false;
  }
  for (size_t k = 0; k < nodes_.size() && !nodes_[c.slot].up; ++k)
    c.slot = (c.slot + 1) % nodes_.size();
  if (!nodes_[c.slot].up) return;
  submitted_.insert({c.id, c.req});
  c.waiting = true;
  c.sent = now_;
  handle(c.slot, nodes_[c.slot].m->submit(gcs::client_op{c.id, c.req, c.payload}, now_));
}

void world::drive_clients() {
  for (auto& c : clients_) {
    if (c.waiting && now_ - c.sent > opts_.client_timeout) {
      c.waiting = false;  // no answer: retry the same request elsewhere
      c.in_doubt = true;
      c.slot = (c.slot + 1) % nodes_.size();
    }
    if (!c.waiting && c.ops_left > 0 && now_ >= c.retry_at) submit(c);
  }
}

void world::chaos(milliseconds d, bool crashes, bool partitions) {
  const time_point end = now_ + d;
  const double max_loss = opts_.loss;
  while (now_ < end && failure_.empty()) {
    const bool durable = opts_.cfg.durable;
    int action = std::uniform_int_distribution<int>(0, durable ? 6 : 5)(rng_);
    size_t s = std::uniform_int_distribution<size_t>(0, nodes_.size() - 1)(rng_);
    if (crashes && durable && action == 6 && rng_() % 3 == 0) {
      crash_all();  // a power cut: every member restarts from its disk
      for (size_t i = 0; i < nodes_.size(); ++i)
        if (rng_() % 4 != 0) restart(i);
    } else if (crashes && action <= 1 && nodes_[s].up) {
      // Never crash a majority of a (possibly) primary view: its state would be lost for good.
      // With disks it is not lost: any crash is allowed.
      bool allowed = !primaries_.empty() || durable;
      // Views a live member may still depend on: from the oldest last primary view of a live
      // member with history (an uncommitted INSTALL only restricts, so that view still counts).
      gcs::view_id oldest_needed;
      bool first = true;
      for (const auto& n : nodes_) {
        if (!n.up || n.m->last_primary().id.empty()) continue;
        if (first || n.m->last_primary().id < oldest_needed) oldest_needed = n.m->last_primary().id;
        first = false;
      }
      for (const auto& p : primaries_) {
        if (p.id < oldest_needed) continue;
        size_t alive = 0;
        for (const auto& m : p.members) {
          size_t j = slot_of(m);
          alive += (j < nodes_.size() && j != s && nodes_[j].up) ? 1 : 0;
        }
        if (alive * 2 <= p.members.size() && !durable) allowed = false;
      }
      if (allowed) crash(s);
    } else if (crashes && action == 2 && !nodes_[s].up) {
      restart(s);
    } else if (partitions && action == 3) {
      std::vector<std::set<size_t>> g(2);
      for (size_t i = 0; i < nodes_.size(); ++i) g[rng_() % 2].insert(i);
      partition(g);
    } else if (partitions && action == 4) {
      heal();
    } else if (action == 5) {
      set_loss(std::uniform_real_distribution<double>(0, max_loss)(rng_), opts_.duplicate);
    }
    run_for(milliseconds(std::uniform_int_distribution<long>(50, 400)(rng_)));
  }
}

bool world::converged() const {
  for (const auto& c : clients_)
    if (c.ops_left > 0 || c.waiting) return false;
  const gcs::member& first = *nodes_[0].m;
  for (const auto& n : nodes_) {
    const gcs::member& m = *n.m;
    if (!n.up || !m.is_primary() || m.view().id != first.view().id ||
        m.view().members.size() != nodes_.size() || m.delivered_upto() != first.delivered_upto() ||
        m.waiting_replies() != 0 || n.app->snapshot() != nodes_[0].app->snapshot())
      return false;
  }
  return true;
}

void world::settle(milliseconds limit) {
  heal();
  for (size_t s = 0; s < nodes_.size(); ++s) restart(s);
  set_loss(0, 0);
  const time_point end = now_ + limit;
  while (now_ < end && failure_.empty() && !converged()) run_for(milliseconds(50));
  if (!failure_.empty()) return;
  if (!converged()) return fail("no convergence after loss stopped and the group healed");
  for (const auto& a : acks_)
    if (a.seq > nodes_[0].m->delivered_upto()) fail("acknowledged op not delivered everywhere");
}

}  // namespace dfs::sim::gcs_world
