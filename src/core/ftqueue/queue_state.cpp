#include "core/ftqueue/queue_state.hpp"

#include "common/little_endian.hpp"

namespace dfs::ftqueue {

namespace wire {

void put_u64(std::string& out, uint64_t v) {
  char b[8];  // one append, not eight: snapshots of big queues are mostly these
  put_le(b, v, 8);
  out.append(b, 8);
}

bool get_u64(const std::string& in, size_t& pos, uint64_t& v) {
  if (in.size() < pos + 8) return false;
  v = get_le(in.data() + pos, 8);
  pos += 8;
  return true;
}

}  // namespace wire

namespace {

bool get_i64(const std::string& in, size_t& pos, int64_t& v) {
  uint64_t u = 0;
  if (!wire::get_u64(in, pos, u)) return false;
  v = static_cast<int64_t>(u);
  return true;
}

}  // namespace

const char* to_string(error_code e) {
  switch (e) {
    case error_code::ok:
      return "ok";
    case error_code::unknown_queue:
      return "unknown queue id";
    case error_code::empty_queue:
      return "queue is empty";
    case error_code::malformed:
      return "malformed operation";
    case error_code::stale_request:
      return "stale request number";
  }
  return "unknown error";
}

std::string encode(const operation& op) {
  std::string out(1, static_cast<char>(op.code));
  wire::put_u64(out, static_cast<uint64_t>(op.arg));
  wire::put_u64(out, static_cast<uint64_t>(op.item));
  return out;
}

bool decode(const std::string& bytes, operation& out) {
  if (bytes.size() != 17) return false;
  auto code = static_cast<uint8_t>(bytes[0]);
  if (code < 1 || code > 7) return false;
  size_t pos = 1;
  out.code = static_cast<op_code>(code);
  return get_i64(bytes, pos, out.arg) && get_i64(bytes, pos, out.item);
}

std::string encode(const result& r) {
  std::string out(1, static_cast<char>(r.error));
  wire::put_u64(out, static_cast<uint64_t>(r.value));
  return out;
}

bool decode(const std::string& bytes, result& out) {
  if (bytes.size() != 9 || static_cast<uint8_t>(bytes[0]) > 4) return false;
  size_t pos = 1;
  out.error = static_cast<error_code>(bytes[0]);
  return get_i64(bytes, pos, out.value);
}

result queue_state::execute(const operation& op) {
  if (op.code == op_code::create) {
    auto it = by_label_.find(op.arg);
    if (it != by_label_.end()) return {error_code::ok, it->second};
    int64_t id = next_id_++;
    by_id_[id].label = op.arg;
    by_label_[op.arg] = id;
    return {error_code::ok, id};
  }
  if (op.code == op_code::id) {
    auto it = by_label_.find(op.arg);
    return {error_code::ok, it == by_label_.end() ? -1 : it->second};
  }
  auto it = by_id_.find(op.arg);
  if (it == by_id_.end()) return {error_code::unknown_queue, 0};
  auto& q = it->second;
  switch (op.code) {
    case op_code::destroy:
      by_label_.erase(q.label);
      by_id_.erase(it);
      return {};
    case op_code::push:
      q.items.push_back(op.item);
      return {};
    case op_code::size:
      return {error_code::ok, static_cast<int64_t>(q.items.size())};
    case op_code::top:
      if (q.items.empty()) return {error_code::empty_queue, 0};
      return {error_code::ok, q.items.front()};
    case op_code::pop: {
      if (q.items.empty()) return {error_code::empty_queue, 0};
      int64_t v = q.items.front();
      q.items.pop_front();
      return {error_code::ok, v};
    }
    default:
      return {error_code::malformed, 0};
  }
}

std::vector<queue_info> queue_state::queues() const {
  std::vector<queue_info> out;
  for (const auto& [id, q] : by_id_) out.push_back({id, q.label, q.items.size()});
  return out;
}

std::string queue_state::snapshot() const {
  size_t items = 0;
  for (const auto& [id, q] : by_id_) items += q.items.size();
  std::string out;
  out.reserve(20 + by_id_.size() * 24 + items * 8);
  out = "FTQ1";
  wire::put_u64(out, static_cast<uint64_t>(next_id_));
  wire::put_u64(out, by_id_.size());
  for (const auto& [id, q] : by_id_) {
    wire::put_u64(out, static_cast<uint64_t>(id));
    wire::put_u64(out, static_cast<uint64_t>(q.label));
    wire::put_u64(out, q.items.size());
    for (int64_t v : q.items) wire::put_u64(out, static_cast<uint64_t>(v));
  }
  return out;
}

bool queue_state::restore(const std::string& bytes) {
  if (bytes.compare(0, 4, "FTQ1") != 0) return false;
  size_t pos = 4;
  queue_state s;
  uint64_t count = 0;
  if (!get_i64(bytes, pos, s.next_id_) || !wire::get_u64(bytes, pos, count)) return false;
  for (uint64_t i = 0; i < count; ++i) {
    int64_t id = 0;
    queue q;
    uint64_t n = 0;
    if (!get_i64(bytes, pos, id) || !get_i64(bytes, pos, q.label) ||
        !wire::get_u64(bytes, pos, n) || n > (bytes.size() - pos) / 8)
      return false;
    for (uint64_t j = 0; j < n; ++j) {
      int64_t v = 0;
      get_i64(bytes, pos, v);
      q.items.push_back(v);
    }
    s.by_label_[q.label] = id;
    s.by_id_[id] = std::move(q);
  }
  if (pos != bytes.size()) return false;
  *this = std::move(s);
  return true;
}

bool operator==(const queue_state& a, const queue_state& b) {
  if (a.next_id_ != b.next_id_ || a.by_id_.size() != b.by_id_.size()) return false;
  for (auto i = a.by_id_.begin(), j = b.by_id_.begin(); i != a.by_id_.end(); ++i, ++j)
    if (i->first != j->first || i->second.label != j->second.label ||
        i->second.items != j->second.items)
      return false;
  return true;
}

}  // namespace dfs::ftqueue
