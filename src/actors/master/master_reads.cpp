#include "actors/master/master_reads.hpp"

#include "actors/master/master_actor.hpp"
#include "common/logging.hpp"
#include "common/wall_clock.hpp"
#include "core/master/capabilities.hpp"

namespace dfs {

template <class F>
std::optional<ns_reply> master_reads::with_state(const char* op, F f) {
  std::unique_lock<std::recursive_mutex> lock(mu_, std::try_to_lock);
  // Out of its read lease the actor answers (ask again), not this thread.
  if (!lock.owns_lock() || st_ == nullptr || !st_->core || !may_answer_locally(*st_))
    return std::nullopt;
  std::optional<ns_reply> r = f(*st_);
  if (!r) return r;
  if (st_->metrics) {
    st_->metrics->count_op(op);
    st_->metrics->count_port_read();
  }
  return r;
}

std::optional<ns_reply> master_reads::read(const ns_request& r) {
  return with_state(to_string(r.op), [&](master_state& st) {
    return r.op == ns_op::stat_dir ? st.core->read_dir_now(r, core::clock::now())
                                   : st.core->read_now(r);
  });
}

namespace {

// Chunks leave the master only with a read capability (master_actor.cpp's sign_chunks).
std::optional<ns_reply> signed_layout(master_state& st, const layout_request& r) {
  auto reply = st.core->read_now(r);
  if (reply && reply->status == ns_status::ok)
    master::grant_reads(*reply, st.capability_key,
                        wall_clock_ms() + st.cfg.master.capability_ttl_ms);
  return reply;
}

}  // namespace

std::optional<ns_reply> master_reads::read(const layout_request& r) {
  return with_state("layout", [&](master_state& st) { return signed_layout(st, r); });
}

std::optional<ns_reply> master_reads::read(const versions_request& r) {
  return with_state("versions", [&](master_state& st) { return st.core->read_now(r); });
}

std::optional<ns_reply> master_reads::read(const stale_read_request& r) {
  // The active master answers a stale read as the plain one (counted as the stale one, as the
  // actor counts it); a standby's answer, from its committed metadata, stays with the actor,
  // and so does the unknown-operation error.
  return with_state(to_string(r.op), [&](master_state& st) -> std::optional<ns_reply> {
    switch (r.op) {
      case stale_op::list:
        return st.core->read_now(ns_request{ns_op::list, r.path});
      case stale_op::stat:
        return st.core->read_now(ns_request{ns_op::stat, r.path});
      case stale_op::layout:
        return signed_layout(st, layout_request{r.path, r.version});
    }
    return std::nullopt;
  });
}

namespace {

bool empty(const master::master_effects& fx) {
  return fx.replies.empty() && fx.events.empty() && !fx.checkpoint && !fx.repair &&
         fx.reads.empty() && !fx.wake_at;
}

}  // namespace

template <class F>
std::optional<ns_reply> master_reads::mutate(const char* op, uint64_t client, F call) {
  std::unique_lock<std::recursive_mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || st_ == nullptr) return std::nullopt;
  auto& st = *st_;
  if (!st.core || st.repl || !st.log || !st.core->idle()) return std::nullopt;
  // Effects this thread left for the actor come first: a checkpoint among them holds the
  // state as it was then, and a record logged before the actor writes it would be in neither
  // that checkpoint nor the segments it lets go.
  if (!st.port_effects.empty()) return std::nullopt;
  // An answer held for another client's directory lease could only come later, from the actor.
  if (st.core->change_may_wait(client, core::clock::now())) return std::nullopt;
  auto token = st.next_token++;
  std::optional<ns_reply> reply;
  std::vector<master::master_effects> left;
  auto take_reply = [&](master::master_effects fx) {
    for (auto it = fx.replies.begin(); it != fx.replies.end();) {
      auto* r = std::get_if<ns_reply>(&it->reply);
      if (it->token != token || r == nullptr) {
        ++it;
        continue;
      }
      reply = std::move(*r);
      it = fx.replies.erase(it);
    }
    auto log = log::get("master");
    for (auto& e : fx.events) log->log(level_of(e.level), "{}", e.text);
    fx.events.clear();
    fx.flush = false;  // flushed below
    if (!empty(fx)) left.push_back(std::move(fx));
  };
  take_reply(call(*st.core, token, core::clock::now()));
  log_batches(st, take_reply);  // the actor's flush, for the batch of this one request
  // A failed journal: the actor reloads the metadata from the disk (reload_after_journal_failure).
  if (!left.empty() || journal_reload_due(st)) {
    for (auto& fx : left) st.port_effects.push_back(std::move(fx));
    if (auto a = caf::actor_cast<master_actor>(actor_)) caf::anon_send(a, flush_atom::value);
  }
  if (st.metrics) {
    st.metrics->count_op(op);
    st.metrics->count_port_write();
  }
  if (reply) {
    if (reply->status == ns_status::ok)
      master::grant_reads(*reply, st.capability_key,
                          wall_clock_ms() + st.cfg.master.capability_ttl_ms);
    return reply;
  }
  // Never so far: a logged request is answered once its batch is durable. Had the core kept
  // it waiting, nothing here could deliver its answer later; the client asks again, and the
  // request number makes the retry return the first result.
  ns_reply r;
  r.status = ns_status::unavailable;
  r.error = "the master applied this request without answering it: ask again";
  return r;
}

std::optional<ns_reply> master_reads::apply(const ns_request& r) {
  if (!master::is_mutation(r.op)) return std::nullopt;
  return mutate(to_string(r.op), r.client_id, [&](master::master_core& mc, auto t, auto now) {
    return mc.on_request(t, r, now, wall_clock_ms());
  });
}

std::optional<ns_reply> master_reads::apply(const put_commit& r) {
  return mutate("commit", r.client_id, [&](master::master_core& mc, auto t, auto now) {
    return mc.on_commit(t, r, now, wall_clock_ms());
  });
}

void master_reads::attach(master_state& st, const std::shared_ptr<master_reads>& me,
                          caf::actor_addr actor) {
  st.reads = me;
  st_ = &st;
  actor_ = std::move(actor);
}

master_state::~master_state() {
  if (!reads) return;
  std::lock_guard<std::recursive_mutex> lock(reads->mu_);
  reads->st_ = nullptr;
}

}  // namespace dfs
