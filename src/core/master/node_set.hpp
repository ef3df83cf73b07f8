#pragma once
// The chunk table's small sets of chunkservers (a chunk's replicas, the ones behind, a lease's
// members) and its lease holder, held as 32-bit indexes into the table's list of node ids
// instead of node ids themselves. A std::set<node_id> cost ~144 bytes per replica with EC2
// host names (a tree node of 80 bytes plus the host string's own allocation), most of a
// chunk's ~760 bytes (bench/master, bytes/chunk); and a chunkserver's death erased it from
// 750,000 trees of 1,000,000 chunks, comparing host strings.
//
// A set iterates in node_id order, as std::set did: repair, leases and the sims' seeds see the
// same order as before. Each set points at its table, so that readers iterate it as before;
// only the chunk table, which owns the table, adds members.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <map>

#include "common/node_id.hpp"

namespace dfs::master {

// The node ids a chunk table has named, each stored once and never removed (a node id is a
// host, a port and a process start: a cluster names few in a master's life). Stored ids never
// move, so sets keep a pointer to their table; a table is owned through a pointer for that
// reason too, and never copied.
class node_table {
 public:
  node_table() = default;
  node_table(const node_table&) = delete;
  node_table& operator=(const node_table&) = delete;

  uint32_t intern(const node_id& n);
  const node_id& at(uint32_t i) const { return ids_[i]; }
  size_t size() const { return ids_.size(); }

 private:
  std::deque<node_id> ids_;
  std::map<node_id, uint32_t, node_id_lookup_less> index_;
  // A full report names one server 750,000 times in a row: most lookups end here.
  uint32_t last_ = UINT32_MAX;
};

class node_set {
 public:
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = node_id;
    using difference_type = std::ptrdiff_t;
    using pointer = const node_id*;
    using reference = const node_id&;
    const_iterator() = default;
    const_iterator(const node_table* t, const uint32_t* p) : t_(t), p_(p) {}
    reference operator*() const { return t_->at(*p_); }
    pointer operator->() const { return &t_->at(*p_); }
    const_iterator& operator++() {
      ++p_;
      return *this;
    }
    const_iterator operator++(int) { return const_iterator(t_, p_++); }
    friend bool operator==(const_iterator a, const_iterator b) { return a.p_ == b.p_; }
    friend bool operator!=(const_iterator a, const_iterator b) { return a.p_ != b.p_; }

   private:
    const node_table* t_ = nullptr;
    const uint32_t* p_ = nullptr;
  };
  using iterator = const_iterator;
  using value_type = node_id;

  node_set() = default;
  node_set(const node_set& o) { copy_from(o); }
  node_set(node_set&& o) noexcept { take_from(o); }
  node_set& operator=(const node_set& o);
  node_set& operator=(node_set&& o) noexcept;
  ~node_set() { free_heap(); }

  // Adds `n`, named in `t` (every member of a set comes from one table); false when `n` was a
  // member already.
  bool insert(node_table& t, const node_id& n);
  size_t erase(const node_id& n);
  size_t count(const node_id& n) const { return find(n) != nullptr ? 1 : 0; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }
  const_iterator begin() const { return const_iterator(t_, data()); }
  const_iterator end() const { return const_iterator(t_, data() + size_); }

  friend bool operator==(const node_set& a, const node_set& b);
  friend bool operator!=(const node_set& a, const node_set& b) { return !(a == b); }

 private:
  // Four inline (the space of the heap pointer they share): a chunk's usual replica count
  // needs no allocation.
  static constexpr uint32_t inline_cap = 4;

  const uint32_t* data() const { return cap_ > inline_cap ? heap_ : in_; }
  uint32_t* data() { return cap_ > inline_cap ? heap_ : in_; }
  const uint32_t* find(const node_id& n) const;
  void copy_from(const node_set& o);
  void take_from(node_set& o) noexcept;
  void free_heap() noexcept;

  const node_table* t_ = nullptr;
  uint32_t size_ = 0;
  uint32_t cap_ = inline_cap;
  union {
    uint32_t in_[inline_cap];
    uint32_t* heap_;
  };
};

// One node id or none (empty), as an index into a node_table.
class node_ref {
 public:
  node_ref() = default;
  node_ref(node_table& t, const node_id& n)
      : t_(n.empty() ? nullptr : &t), ix_(n.empty() ? 0 : t.intern(n)) {}
  bool empty() const { return t_ == nullptr; }
  const node_id& get() const;  // an empty node_id when empty()

 private:
  const node_table* t_ = nullptr;
  uint32_t ix_ = 0;
};

}  // namespace dfs::master
