#pragma once
// Room for a large buffer (a chunk: up to 64 MiB) that is about to be filled. A fresh buffer
// of that size is new memory: every 4 KiB page of it faults on first touch, and on a VM a page
// fault is dear (tens of microseconds here; `scripts/bench smallfiles` found them to be most of
// a cold 1 GiB get: 16,384 faults per 64 MiB buffer, several buffers per chunk). The kernel is
// asked for transparent huge pages for it (MADV_HUGEPAGE: 2 MiB pages, 512 times fewer faults;
// a hint only, ignored where THP is off), before anything touches it.
#include <cstddef>
#include <string>

namespace dfs {

// Reserves `bytes` in `s` and asks for huge pages for the part not yet touched (from s.size()
// on) when it is large enough to be worth it. The contents of `s` are unchanged.
void reserve_big(std::string& s, size_t bytes);
// reserve_big, then resize to `bytes` (a buffer about to be filled by a read).
inline void resize_big(std::string& s, size_t bytes) {
  reserve_big(s, bytes);
  s.resize(bytes);
}

}  // namespace dfs
