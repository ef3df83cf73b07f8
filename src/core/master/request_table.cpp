#include "core/master/request_table.hpp"

#include <algorithm>

namespace dfs::master {

request_table::request_table(request_table_options opts) : opts_(opts) {
  opts_.per_client = std::max<uint32_t>(opts_.per_client, 1);
  opts_.max_clients = std::max<uint32_t>(opts_.max_clients, 1);
}

request_table::lookup request_table::find(const request_id& id) const {
  if (!id.tagged()) return {};
  auto c = clients_.find(id.client);
  if (c == clients_.end()) return {};
  if (auto d = c->second.done.find(id.seq); d != c->second.done.end())
    return {state::done, &d->second};
  if (id.seq <= c->second.forgotten_through) return {state::forgotten, nullptr};
  return {};
}

void request_table::touch(uint64_t id, client& c) {
  if (c.used != 0) by_use_.erase(c.used);
  c.used = ++uses_;
  by_use_[c.used] = id;
}

void request_table::remember(const request_id& id, request_outcome outcome) {
  if (!id.tagged()) return;
  auto& c = clients_[id.client];
  c.done[id.seq] = std::move(outcome);
  touch(id.client, c);
  trim(c);
  trim_clients();
}

void request_table::trim(client& c) {
  while (c.done.size() > opts_.per_client) {
    c.forgotten_through = std::max(c.forgotten_through, c.done.begin()->first);
    c.done.erase(c.done.begin());
  }
}

void request_table::trim_clients() {
  while (clients_.size() > opts_.max_clients) {
    auto oldest = by_use_.begin();
    clients_.erase(oldest->second);
    by_use_.erase(oldest);
  }
}

size_t request_table::results() const {
  size_t n = 0;
  for (auto& [id, c] : clients_) n += c.done.size();
  return n;
}

std::vector<client_requests> request_table::snapshot() const {
  std::vector<client_requests> out;
  out.reserve(clients_.size());
  for (auto& [use, id] : by_use_) {
    auto& c = clients_.at(id);
    client_requests s{id, c.forgotten_through, {}};
    s.done.reserve(c.done.size());
    for (auto& [seq, o] : c.done) s.done.push_back({seq, o});
    out.push_back(std::move(s));
  }
  return out;
}

request_table request_table::restore(const std::vector<client_requests>& clients,
                                     request_table_options opts) {
  request_table t{opts};
  for (auto& s : clients) {
    if (s.client == 0) continue;  // never written; skipping keeps a damaged entry harmless
    auto& c = t.clients_[s.client];
    c.forgotten_through = std::max(c.forgotten_through, s.forgotten_through);
    for (auto& d : s.done)
      if (d.seq != 0) c.done[d.seq] = d.outcome;
    t.touch(s.client, c);
    t.trim(c);  // a checkpoint written with larger bounds than today's
  }
  t.trim_clients();
  return t;
}

}  // namespace dfs::master
