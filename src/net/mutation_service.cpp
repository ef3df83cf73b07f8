#include "net/mutation_service.hpp"

#include <unistd.h>

#include "common/logging.hpp"
#include "common/thread_name.hpp"

namespace dfs {

namespace cs = chunkserver;
using net::data_type;

mutation_service::mutation_service(std::shared_ptr<chunk_store> store,
                                   std::shared_ptr<net::lease_board> board,
                                   mutation_service_options opts)
    : store_(std::move(store)),
      board_(std::move(board)),
      opts_(std::move(opts)),
      self_(endpoint::parse(opts_.self).value_or(endpoint{})),
      pool_(opts_.pool),
      primary_(opts_.primary),
      secondary_(opts_.secondary) {
  for (size_t i = 0; i < std::max<size_t>(1, opts_.disk_workers); ++i)
    workers_.push_back(std::make_unique<worker>());
  for (size_t i = 0; i < workers_.size(); ++i)
    workers_[i]->thread =
        named_thread("mut-disk-" + std::to_string(i), [this, i] { disk_loop(i); });
  ticker_ = named_thread("mut-tick", [this] { tick_loop(); });
}

mutation_service::~mutation_service() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  replied_.notify_all();
  ticker_.join();
  for (auto& w : workers_) w->thread.join();
  for (auto& [to, s] : senders_) s->thread.join();
}

mutation_service_stats mutation_service::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

cs::client_reply mutation_service::submit(const cs::client_request& r, const std::string& token) {
  auto w = std::make_shared<waiter>();
  auto key = std::make_pair(r.client_id, r.request_number);
  std::unique_lock lk(mu_);
  ++stats_.requests;
  tokens_[r.handle] = token;
  waiters_[key].push_back(w);
  auto local = store_->stat(chunkstore::chunk_handle{r.handle});
  dispatch(primary_.on_request(r, store_->held(r.data) != nullptr, local ? local->length_bytes : 0,
                               board_->view(), core::clock::now()));
  // The primary answers every request by its reply timeout; the margin covers a tick.
  auto deadline = std::chrono::steady_clock::now() + opts_.primary.reply_timeout + opts_.tick * 3;
  replied_.wait_until(lk, deadline, [&] { return w->reply.has_value() || stopping_; });
  auto& list = waiters_[key];
  list.erase(std::remove(list.begin(), list.end(), w), list.end());
  if (list.empty()) waiters_.erase(key);
  if (w->reply) {
    maybe_crash_before_reply(r, *w->reply);
    return *w->reply;
  }
  cs::client_reply out;
  out.client_id = r.client_id;
  out.request_number = r.request_number;
  out.handle = r.handle;
  out.status = cs::mutation_status::timeout;
  return out;
}

void mutation_service::maybe_crash_before_reply(const cs::client_request& r,
                                                const cs::client_reply& reply) const {
  if (opts_.crash_before_reply.empty() || reply.status != cs::mutation_status::ok) return;
  const char* op = r.op == cs::client_op::append ? "append" : "write";
  if (opts_.crash_before_reply != op) return;
  log::get("mutation")
      ->critical("fault_crash_after_log op={} client={} request={}", op, r.client_id,
                 r.request_number);
  log::shutdown();
  _exit(9);
}

void mutation_service::on_mutation(const net::peer_mutation& p) {
  std::lock_guard lk(mu_);
  tokens_[p.body.handle] = p.token;
  ensure_loaded(p.body.handle);
  dispatch(secondary_.on_mutation(p.from, p.body, core::clock::now()));
}

void mutation_service::on_ack(const net::peer_ack& p) {
  std::lock_guard lk(mu_);
  dispatch(primary_.on_ack(p.from, p.body, board_->view(), core::clock::now()));
}

void mutation_service::on_resend_request(const net::peer_resend& p) {
  std::lock_guard lk(mu_);
  dispatch(primary_.on_resend_request(p.from, p.body, board_->view(), core::clock::now()));
}

void mutation_service::on_gone(const net::peer_gone& p) {
  std::lock_guard lk(mu_);
  dispatch(secondary_.on_gone(p.from, p.body, core::clock::now()));
}

// A chunk this server follows for the first time since it started: its stored version, no
// serial known (0). Serials are not persisted, so after a restart within one lease the replica
// waits for the next lease (a gap it cannot fill): never applies out of order.
void mutation_service::ensure_loaded(uint64_t handle) {
  if (secondary_.version(handle)) return;
  if (auto m = store_->stat(chunkstore::chunk_handle{handle}))
    secondary_.load(handle, m->chunk_version, 0);
}

const std::string& mutation_service::token_of(uint64_t handle) const {
  static const std::string none;
  auto it = tokens_.find(handle);
  return it == tokens_.end() ? none : it->second;
}

void mutation_service::dispatch(cs::primary_effects fx) {
  for (auto& a : fx.apply) {
    workers_[a.m.handle % workers_.size()]->jobs.push_back({role::primary, a.m, {}});
    work_.notify_all();
  }
  for (auto& s : fx.send)
    send(s.to, data_type::mutation,
         net::encode(net::peer_mutation{self_, s.m, token_of(s.m.handle)}));
  for (auto& g : fx.gone)
    send(g.to, data_type::mutation_gone,
         net::encode(net::peer_gone{self_, g.gone, token_of(g.gone.handle)}));
  for (auto& r : fx.replies) {
    if (r.status == cs::mutation_status::ok || r.status == cs::mutation_status::retry_next_chunk) {
      ++stats_.ok;
      board_->note_mutation(r.handle);  // mutations go on: ask the master for more time
    }
    auto it = waiters_.find({r.client_id, r.request_number});
    if (it == waiters_.end()) continue;  // the client gave up; a retry gets the remembered one
    for (auto& w : it->second) w->reply = r;
    replied_.notify_all();
  }
  for (auto h : fx.drop_leases) board_->drop(h);
  auto log = log::get("mutation");
  for (auto& e : fx.events) log->info("{}", e);
}

void mutation_service::dispatch(cs::secondary_effects fx) {
  // New versions before the applies of that version (same worker, so in this order).
  for (auto& v : fx.set_versions)
    workers_[v.handle % workers_.size()]->jobs.push_back({role::secondary, {}, v});
  for (auto& a : fx.apply)
    workers_[a.m.handle % workers_.size()]->jobs.push_back({role::secondary, a.m, {}});
  if (!fx.set_versions.empty() || !fx.apply.empty()) work_.notify_all();
  for (auto& a : fx.acks)
    send(a.to, data_type::mutation_ack,
         net::encode(net::peer_ack{self_, a.ack, token_of(a.ack.handle)}));
  for (auto& r : fx.resend_requests)
    send(r.to, data_type::resend_request,
         net::encode(net::peer_resend{self_, r.request, token_of(r.request.handle)}));
  auto log = log::get("mutation");
  for (auto h : fx.out_of_sync) {
    // This replica missed a mutation it cannot get back: drop it; the master hears it is gone
    // with the next heartbeat and copies a good replica here or elsewhere.
    log->warn("replica_out_of_sync handle={:016x} action=remove", h);
    store_->remove(chunkstore::chunk_handle{h});
    secondary_.forget(h);
  }
  for (auto& e : fx.events) log->info("{}", e);
}

void mutation_service::send(const endpoint& to, data_type type, std::string body) {
  auto& s = senders_[to];
  if (!s) {
    s = std::make_unique<sender>();
    s->to = to;
    s->thread = named_thread("mut-send", [this, p = s.get()] { send_loop(p); });
  }
  // Bounded: a peer that stopped answering must not make us hoard its frames (the cores resend).
  if (s->queue.size() >= 4096) s->queue.pop_front();
  s->queue.push_back({type, std::move(body)});
  work_.notify_all();
}

// Frames to one peer in order, each batch written back to back, then its replies read.
void mutation_service::send_loop(sender* s) {
  std::unique_lock lk(mu_);
  for (;;) {
    work_.wait(lk, [&] { return stopping_ || !s->queue.empty(); });
    if (stopping_) return;
    std::vector<outgoing> batch(std::make_move_iterator(s->queue.begin()),
                                std::make_move_iterator(s->queue.end()));
    s->queue.clear();
    lk.unlock();
    bool ok = false;
    try {
      auto l = pool_.acquire(s->to.host, s->to.port);
      ok = true;
      for (size_t i = 0; ok && i < batch.size(); ++i)
        ok = l.conn.write(batch[i].type, batch[i].body, i + 1 < batch.size());
      for (size_t i = 0; ok && i < batch.size(); ++i) {
        net::frame f;
        net::reply_msg r;
        ok = l.conn.read(f) == net::frame_error::none && net::parse_reply(f, r) && r.status == 0;
      }
      if (ok) pool_.release(s->to.host, s->to.port, std::move(l.conn));
    } catch (const std::exception&) {
      ok = false;
    }
    lk.lock();
    if (!ok) ++stats_.send_failures;  // the cores resend what matters
  }
}

cs::apply_result mutation_service::apply(const cs::mutation& m) {
  chunkstore::chunk_handle h{m.handle};
  auto log = log::get("mutation");
  if (m.kind == cs::mutation_kind::pad) {
    auto r = store_->pad_to(h, m.offset + m.length, m.chunk_version);
    if (!r) log->warn("pad_failed handle={:016x} error=\"{}\"", m.handle, r.err().message);
    return r ? cs::apply_result::ok : cs::apply_result::failed;
  }
  auto bytes = store_->held(m.data);
  if (!bytes || bytes->size() != m.length) return cs::apply_result::data_missing;
  auto local = store_->stat(h);
  if (!local) return cs::apply_result::failed;
  // A write past the chunk's end (a file extended by a write further on) reads as zeros there.
  if (m.offset > local->length_bytes)
    if (auto r = store_->pad_to(h, m.offset, m.chunk_version); !r) {
      log->warn("pad_failed handle={:016x} error=\"{}\"", m.handle, r.err().message);
      return cs::apply_result::failed;
    }
  auto r = store_->write_at(h, m.offset, *bytes, m.chunk_version);
  if (!r) {
    log->warn("write_failed handle={:016x} offset={} error=\"{}\"", m.handle, m.offset,
              r.err().message);
    return cs::apply_result::failed;
  }
  store_->drop_held(m.data);
  return cs::apply_result::ok;
}

void mutation_service::disk_loop(size_t index) {
  auto& w = *workers_[index];
  std::unique_lock lk(mu_);
  for (;;) {
    work_.wait(lk, [&] { return stopping_ || !w.jobs.empty(); });
    if (stopping_) return;
    auto job = std::move(w.jobs.front());
    w.jobs.pop_front();
    lk.unlock();
    if (job.set_version) {
      auto r = store_->set_version(chunkstore::chunk_handle{job.set_version->handle},
                                   job.set_version->chunk_version);
      if (!r)
        log::get("mutation")
            ->warn("version_update_failed handle={:016x} error=\"{}\"", job.set_version->handle,
                   r.err().message);
      lk.lock();
      continue;
    }
    auto result = apply(job.m);
    lk.lock();
    ++stats_.applied;
    auto now = core::clock::now();
    if (job.by == role::primary)
      dispatch(primary_.on_applied(job.m, result, board_->view(), now));
    else
      dispatch(secondary_.on_applied(job.m, result, now));
  }
}

void mutation_service::tick_loop() {
  std::unique_lock lk(mu_);
  while (!stopping_) {
    work_.wait_for(lk, opts_.tick, [&] { return stopping_; });
    if (stopping_) return;
    auto now = core::clock::now();
    dispatch(primary_.on_tick(board_->view(), now));
    dispatch(secondary_.on_tick(now));
  }
}

}  // namespace dfs
