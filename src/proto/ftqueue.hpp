#pragma once
// Client <-> fileserver messages of the replicated queue service (FTQueue, design.md §8).
// A client names every request with (client_id, request_no); resending the same pair to any
// fileserver returns the original answer, so retries after a crash never apply an op twice.
#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "proto/admin.hpp"
#include "proto/atoms.hpp"

namespace dfs {

struct queue_request {
  uint64_t client_id = 0;
  uint64_t request_no = 0;
  uint8_t code = 0;  // ftqueue::op_code
  int64_t arg = 0;   // label (create, id) or queue id
  int64_t item = 0;  // push only

  friend bool operator==(const queue_request& a, const queue_request& b) {
    return a.client_id == b.client_id && a.request_no == b.request_no && a.code == b.code &&
           a.arg == b.arg && a.item == b.item;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_request& x) {
  return f(caf::meta::type_name("dfs::queue_request"), x.client_id, x.request_no, x.code, x.arg,
           x.item);
}

enum class queue_status : uint8_t {
  ok = 0,
  failed = 1,   // the operation was applied and failed (unknown queue, empty queue): final
  refused = 2,  // not in primary partition: try another fileserver
  retry = 3,    // outcome unknown or overloaded: resend the same request (any fileserver)
};

struct queue_reply {
  queue_status status = queue_status::ok;
  int64_t value = 0;  // id, item or size
  std::string error;  // one line when status != ok

  friend bool operator==(const queue_reply& a, const queue_reply& b) {
    return a.status == b.status && a.value == b.value && a.error == b.error;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_reply& x) {
  return f(caf::meta::type_name("dfs::queue_reply"), x.status, x.value, x.error);
}

// The queue service of a fileserver (its sequencer actor), as the node actor and the admin
// console see it.
using ftqueue_actor =
    caf::typed_actor<caf::replies_to<queue_atom, queue_request>::with<queue_reply>,
                     caf::replies_to<admin_atom, admin_request>::with<admin_reply>>;

}  // namespace dfs
