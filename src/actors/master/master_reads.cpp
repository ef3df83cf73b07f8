#include "actors/master/master_reads.hpp"

#include "actors/master/master_actor.hpp"
#include "common/wall_clock.hpp"
#include "core/master/capabilities.hpp"

namespace dfs {

template <class F>
std::optional<ns_reply> master_reads::with_state(const char* op, F f) {
  std::unique_lock<std::recursive_mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || st_ == nullptr || !st_->core) return std::nullopt;
  std::optional<ns_reply> r = f(*st_);
  if (!r) return r;
  if (st_->metrics) {
    st_->metrics->count_op(op);
    st_->metrics->count_port_read();
  }
  return r;
}

std::optional<ns_reply> master_reads::read(const ns_request& r) {
  return with_state(to_string(r.op), [&](master_state& st) { return st.core->read_now(r); });
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

master_state::~master_state() {
  if (!reads) return;
  std::lock_guard<std::recursive_mutex> lock(reads->mu_);
  reads->st_ = nullptr;
}

}  // namespace dfs
