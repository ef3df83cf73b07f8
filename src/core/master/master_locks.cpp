// master_core's file locks: lock_table.hpp has the rules; this maps requests to it and its
// answers to replies (by request token).
#include "core/master/master_core.hpp"

namespace dfs::master {

master_effects master_core::on_lock(request_token t, const lock_request& r, core::time_point now) {
  master_effects fx;
  std::vector<lock_answer> answers;
  std::optional<lock_reply> now_reply;
  switch (r.op) {
    case lock_op::acquire:
      now_reply = locks_.acquire(t, r, now, answers);
      break;
    case lock_op::renew:
      now_reply = locks_.renew(r, now, answers);
      break;
    case lock_op::release:
      now_reply = locks_.release(r, now, answers);
      break;
    default: {
      lock_reply bad;
      bad.status = errc::invalid_argument;
      bad.error = "lock: unknown operation " + std::to_string(static_cast<int>(r.op));
      now_reply = bad;
    }
  }
  for (auto& a : answers) fx.replies.push_back({a.token, std::move(a.reply)});
  if (now_reply) fx.replies.push_back({t, std::move(*now_reply)});
  if (r.op == lock_op::acquire && now_reply && now_reply->status == errc::ok)
    fx.events.push_back({event_level::info, std::string("lock_granted path=") + r.path + " mode=" +
                                                to_string(r.mode) + " owner=\"" + r.owner + "\""});
  return fx;
}

}  // namespace dfs::master
