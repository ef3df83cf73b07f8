#pragma once
// request_table: the results of clients' recent mutations, so that a retry (after a timeout,
// a lost connection or a master restart) is answered with the first result instead of being
// applied again.
//
//   request (client, seq) ──find──▶ done       ──▶ answer with the remembered outcome
//                            │      forgotten  ──▶ refuse (errc::too_late): it may have applied
//                            ▼
//                         unknown ──▶ validate, apply, log request_record{id, outcome, op}
//                                     └─ apply() remembers (client, seq) -> outcome
//
// The table is part of the persistent state: filled by apply() from request records (so live
// operation and replay fill it the same way) and saved in checkpoints. It is bounded: at most
// `per_client` results per client (the lowest request numbers go first) and `max_clients`
// clients (the least recently used goes first). Recency is the order of remember() calls,
// never a clock, so a replayed table equals the live one.
#include <cstdint>
#include <map>
#include <vector>

#include "core/master/records.hpp"

namespace dfs::master {

struct request_table_options {
  uint32_t per_client = 256;    // results kept per client id (> the requests one has in flight)
  uint32_t max_clients = 4096;  // client ids kept
};

class request_table {
 public:
  explicit request_table(request_table_options opts = {});

  enum class state : uint8_t {
    unknown,    // never seen: carry it out
    done,       // applied: `outcome` is what it answered
    forgotten,  // at or below the client's forgotten_through, not remembered: may have applied
  };
  struct lookup {
    state st = state::unknown;
    const request_outcome* outcome = nullptr;  // done only
  };
  lookup find(const request_id& id) const;

  // An applied mutation's result (untagged ids are ignored); the client becomes the most
  // recently used, and the table is trimmed to its bounds.
  void remember(const request_id& id, request_outcome outcome);

  // Checkpoints: least recently used first; restore() takes them in that order.
  std::vector<client_requests> snapshot() const;
  static request_table restore(const std::vector<client_requests>& clients,
                               request_table_options opts);

  size_t clients() const { return clients_.size(); }
  size_t results() const;
  const request_table_options& options() const { return opts_; }

 private:
  struct client {
    std::map<uint64_t, request_outcome> done;
    uint64_t forgotten_through = 0;
    uint64_t used = 0;  // key in by_use_
  };
  void touch(uint64_t id, client& c);
  void trim(client& c);
  void trim_clients();

  request_table_options opts_;
  std::map<uint64_t, client> clients_;
  std::map<uint64_t, uint64_t> by_use_;  // use counter -> client id, oldest first
  uint64_t uses_ = 0;
};

}  // namespace dfs::master
