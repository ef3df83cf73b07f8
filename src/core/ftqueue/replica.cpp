#include "core/ftqueue/replica.hpp"

namespace dfs::ftqueue {

std::string replica::apply(const gcs::client_op& op) {
  ++applied_;
  auto it = clients_.find(op.client_id);
  if (it != clients_.end()) {
    if (op.request_no == it->second.request_no) return it->second.result;  // a retry
    if (op.request_no < it->second.request_no) return encode(result{error_code::stale_request, 0});
  }
  operation o;
  result r = decode(op.payload, o) ? state_.execute(o) : result{error_code::malformed, 0};
  std::string bytes = encode(r);
  if (it == clients_.end() && clients_.size() >= max_clients_) {
    auto oldest = by_use_.begin();  // the same one on every replica: the order is replicated
    clients_.erase(oldest->second);
    by_use_.erase(oldest);
  }
  remember(op.client_id, client_entry{op.request_no, bytes, applied_});
  return bytes;
}

void replica::remember(uint64_t client_id, client_entry entry) {
  auto [it, added] = clients_.try_emplace(client_id);
  if (!added) by_use_.erase({it->second.last_used, client_id});
  by_use_.insert({entry.last_used, client_id});
  it->second = std::move(entry);
}

std::string replica::snapshot() const {
  std::string qs = state_.snapshot();
  std::string out;
  out.reserve(qs.size() + 24 + clients_.size() * 41);  // 4 u64 and a 9-byte result each
  wire::put_u64(out, qs.size());
  out += qs;
  wire::put_u64(out, applied_);
  wire::put_u64(out, clients_.size());
  for (const auto& [id, c] : clients_) {
    wire::put_u64(out, id);
    wire::put_u64(out, c.request_no);
    wire::put_u64(out, c.last_used);
    wire::put_u64(out, c.result.size());
    out += c.result;
  }
  return out;
}

bool replica::restore(const std::string& bytes) {
  size_t pos = 0;
  uint64_t len = 0, count = 0;
  replica r(max_clients_);
  if (!wire::get_u64(bytes, pos, len) || len > bytes.size() - pos) return false;
  if (!r.state_.restore(bytes.substr(pos, len))) return false;
  pos += len;
  if (!wire::get_u64(bytes, pos, r.applied_) || !wire::get_u64(bytes, pos, count)) return false;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t id = 0;
    client_entry c;
    if (!wire::get_u64(bytes, pos, id) || !wire::get_u64(bytes, pos, c.request_no) ||
        !wire::get_u64(bytes, pos, c.last_used) || !wire::get_u64(bytes, pos, len) ||
        len > bytes.size() - pos)
      return false;
    c.result = bytes.substr(pos, len);
    pos += len;
    r.remember(id, std::move(c));
  }
  if (pos != bytes.size()) return false;
  state_ = std::move(r.state_);
  clients_ = std::move(r.clients_);
  by_use_ = std::move(r.by_use_);
  applied_ = r.applied_;
  return true;
}

}  // namespace dfs::ftqueue
