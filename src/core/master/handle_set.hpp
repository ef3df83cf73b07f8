#pragma once
// A set of chunk handles as a compressed bitmap (Roaring, libroaring-dev) with its size. The
// master keeps one per chunkserver (its replicas) and one of the chunks off their replica
// target: hundreds of thousands of handles each, mostly runs of neighbours, which a
// std::set<uint64_t> holds in 40-byte nodes (120 MB for 3 replicas of 1,000,000 chunks) and
// fills or frees one allocation at a time when a server registers or dies.
#include <cstddef>
#include <cstdint>

#include <roaring/roaring64map.hh>

namespace dfs::master {

class handle_set {
 public:
  // True if `h` was not in the set.
  bool insert(uint64_t h) {
    bool added = bits_.addChecked(h);
    size_ += added ? 1 : 0;
    return added;
  }
  // True if `h` was in the set.
  bool erase(uint64_t h) {
    bool removed = bits_.removeChecked(h);
    size_ -= removed ? 1 : 0;
    return removed;
  }
  bool contains(uint64_t h) const { return bits_.contains(h); }
  // Kept here: Roaring64Map::cardinality() of libroaring 0.2.66 copies each 32-bit part.
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Ascending handles.
  Roaring64Map::const_iterator begin() const { return bits_.begin(); }
  Roaring64Map::const_iterator end() const { return bits_.end(); }

 private:
  Roaring64Map bits_;
  size_t size_ = 0;
};

}  // namespace dfs::master
