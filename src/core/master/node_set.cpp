#include "core/master/node_set.hpp"

#include <algorithm>
#include <cstring>

#include "common/assert.hpp"

namespace dfs::master {

uint32_t node_table::intern(const node_id& n) {
  if (last_ < ids_.size() && ids_[last_] == n) return last_;
  auto [it, added] = index_.emplace(n, static_cast<uint32_t>(ids_.size()));
  if (added) {
    DFS_ASSERT(ids_.size() < UINT32_MAX, "node_table: more node ids than 32 bits name");
    ids_.push_back(n);
  }
  last_ = it->second;
  return last_;
}

node_set& node_set::operator=(const node_set& o) {
  if (this != &o) {
    free_heap();
    copy_from(o);
  }
  return *this;
}

node_set& node_set::operator=(node_set&& o) noexcept {
  if (this != &o) {
    free_heap();
    take_from(o);
  }
  return *this;
}

void node_set::copy_from(const node_set& o) {
  t_ = o.t_;
  size_ = o.size_;
  cap_ = std::max(inline_cap, o.size_);
  if (cap_ > inline_cap) heap_ = new uint32_t[cap_];
  if (size_ > 0) std::memcpy(data(), o.data(), size_ * sizeof(uint32_t));
}

void node_set::take_from(node_set& o) noexcept {
  t_ = o.t_;
  size_ = o.size_;
  cap_ = o.cap_;
  if (cap_ > inline_cap)
    heap_ = o.heap_;
  else if (size_ > 0)
    std::memcpy(in_, o.in_, size_ * sizeof(uint32_t));
  o.size_ = 0;
  o.cap_ = inline_cap;
}

void node_set::free_heap() noexcept {
  if (cap_ > inline_cap) delete[] heap_;
  cap_ = inline_cap;
}

bool node_set::insert(node_table& t, const node_id& n) {
  DFS_ASSERT(t_ == nullptr || t_ == &t, "node_set: members from two node tables");
  t_ = &t;
  auto i = t.intern(n);
  uint32_t* d = data();
  if (std::find(d, d + size_, i) != d + size_) return false;
  // Members stay in node_id order, as in the std::set this replaced.
  auto pos = static_cast<uint32_t>(
      std::find_if(d, d + size_, [&](uint32_t k) { return n < t.at(k); }) - d);
  if (size_ == cap_) {
    uint32_t grown_cap = cap_ * 2;
    auto* grown = new uint32_t[grown_cap];
    std::memcpy(grown, d, size_ * sizeof(uint32_t));
    free_heap();
    cap_ = grown_cap;
    heap_ = grown;
    d = grown;
  }
  std::memmove(d + pos + 1, d + pos, (size_ - pos) * sizeof(uint32_t));
  d[pos] = i;
  ++size_;
  return true;
}

const uint32_t* node_set::find(const node_id& n) const {
  const uint32_t* d = data();
  for (uint32_t k = 0; k < size_; ++k)
    if (t_->at(d[k]) == n) return d + k;
  return nullptr;
}

size_t node_set::erase(const node_id& n) {
  auto* p = find(n);
  if (p == nullptr) return 0;
  uint32_t* d = data();
  auto k = static_cast<uint32_t>(p - d);
  std::memmove(d + k, d + k + 1, (size_ - k - 1) * sizeof(uint32_t));
  --size_;
  return 1;
}

bool operator==(const node_set& a, const node_set& b) {
  return a.size_ == b.size_ &&
         (a.size_ == 0 || (a.t_ == b.t_ && std::equal(a.data(), a.data() + a.size_, b.data())));
}

const node_id& node_ref::get() const {
  static const node_id none;
  return t_ == nullptr ? none : t_->at(ix_);
}

}  // namespace dfs::master
