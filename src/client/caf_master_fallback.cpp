#include "client/caf_master_fallback.hpp"

#include <caf/all.hpp>

#include "client/actor_system_ref.hpp"
#include "common/startup_trace.hpp"
#include "proto/blocking_request.hpp"
#include "proto/error_text.hpp"
#include "proto/interfaces.hpp"
#include "proto/wire.hpp"

namespace dfs {

namespace {

class caf_master_fallback final : public master_fallback {
 public:
  caf_master_fallback(actor_system_ref sys, const config& cfg, token_source act_as)
      : sys_(std::move(sys)), cfg_(cfg), act_as_(std::move(act_as)) {}

  result call(const endpoint& master, proto::request_method method, std::string_view body,
              std::chrono::steady_clock::time_point connect_by,
              std::chrono::milliseconds timeout) override {
    using m = proto::request_method;
    if (auto r = connect(master, connect_by)) return *r;
    switch (method) {
      case m::ns:
        return ask<ns_reply, ns_request>(storage_atom::value, body, timeout);
      case m::versions:
        return ask<ns_reply, versions_request>(storage_atom::value, body, timeout);
      case m::trash:
        return ask<ns_reply, trash_request>(storage_atom::value, body, timeout);
      case m::layout:
        return ask<ns_reply, layout_request>(storage_atom::value, body, timeout);
      case m::stale_read:
        return ask<ns_reply, stale_read_request>(storage_atom::value, body, timeout);
      case m::grow:
        return ask<ns_reply, grow_request>(storage_atom::value, body, timeout);
      case m::lock:
        return ask<lock_reply, lock_request>(storage_atom::value, body, timeout);
      case m::status:
        return ask<status_reply, status_request>(storage_atom::value, body, timeout);
      case m::put:
        return ask<put_plan, put_request>(put_atom::value, body, timeout);
      case m::commit:
        return ask<ns_reply, put_commit>(commit_atom::value, body, timeout);
      case m::lease:
        return ask<lease_reply, lease_request>(lease_atom::value, body, timeout);
      case m::queue:
        break;  // the fileservers' (queue_client), never the master's
    }
    return {result::refused, "the master takes no such request", {}};
  }

  void reconnect() override { master_ = {}; }

 private:
  // Connected and logged in to `master` (again, after a failure), else why not.
  std::optional<result> connect(const endpoint& master,
                                std::chrono::steady_clock::time_point deadline) {
    caf::error err;
    if (!master_ || master_addr_ != master) {
      auto n = connect_node_until(sys_.get(), cfg_, master, deadline, act_as_);
      if (n) {
        master_ = *n;
        master_addr_ = master;
        if (!self_) self_ = std::make_unique<caf::scoped_actor>(sys_.get());
        return std::nullopt;
      }
      err = n.error();
    } else if (!(err = refresh_login(sys_.get(), cfg_, master_, act_as_))) {
      return std::nullopt;
    }
    master_ = {};
    // A refusal (bad certificate, login denied) stays one; the rest may pass (a restart).
    return result{err == caf::sec::runtime_error ? result::connect_refused : result::connect_failed,
                  error_text(sys_.get(), err),
                  {}};
  }

  template <class Reply, class Req, class Atom>
  result ask(Atom atom, std::string_view body, std::chrono::milliseconds timeout) {
    Req req;
    if (!wire::decode(body, req)) return {result::refused, "malformed request", {}};
    result r;
    startup_mark("request_sent");
    bool in_time = request_within(
        *self_, timeout,
        [&](Reply& reply) {
          r.kind = result::answered;
          r.body = wire::encode(reply);
        },
        [&](caf::error& e) {
          r.text = error_text(sys_.get(), e);
          // A node's refusal (auth) is final; a lost link is not.
          r.kind = e == caf::sec::runtime_error ? result::refused : result::failed;
        },
        master_.actor, atom, master_.token, req);
    startup_mark("reply_received");
    if (!in_time) {
      r = {result::failed, "the master did not answer in time", {}};
      self_ = std::make_unique<caf::scoped_actor>(sys_.get());  // the late answer stays behind
    }
    return r;
  }

  actor_system_ref sys_;
  config cfg_;
  token_source act_as_;
  remote_node master_;
  endpoint master_addr_;
  std::unique_ptr<caf::scoped_actor> self_;
};

}  // namespace

std::unique_ptr<master_fallback> make_caf_master_fallback(const actor_system_ref& sys,
                                                          const config& cfg,
                                                          const token_source& act_as) {
  return std::make_unique<caf_master_fallback>(sys, cfg, act_as);
}

}  // namespace dfs
