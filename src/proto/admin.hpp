#pragma once
// Admin console messages: a command line in, a status and a rendered text out. Tables are
// rendered on the node, so the console stays a thin terminal and any node can grow commands.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace dfs {

struct admin_request {
  std::vector<std::string> args;  // args[0] is the command
  // The caller's principal_kind, set by the node from the caller's verified token (whatever
  // the caller sent): commands that change state need an admin.
  uint8_t caller_kind = 0;

  friend bool operator==(const admin_request& a, const admin_request& b) {
    return a.args == b.args && a.caller_kind == b.caller_kind;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admin_request& x) {
  return f(caf::meta::type_name("dfs::admin_request"), x.args, x.caller_kind);
}

// admin_reply.status: a full report that found problems (fsck): printed, exit code 1.
constexpr int32_t admin_status_findings = 2;

struct admin_reply {
  int32_t status = 0;  // 0: ok; admin_status_findings: see above; otherwise one error line
  std::string text;

  friend bool operator==(const admin_reply& a, const admin_reply& b) {
    return a.status == b.status && a.text == b.text;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admin_reply& x) {
  return f(caf::meta::type_name("dfs::admin_reply"), x.status, x.text);
}

}  // namespace dfs
