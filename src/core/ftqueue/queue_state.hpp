#pragma once
// FTQueue: the deterministic replicated queue service (design.md §8, issue 5 item 5).
// queue_state is the bare state machine; replica (replica.hpp) adds per-client deduplication and
// plugs it into the GCS. Every error is a value identical on every replica.
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace dfs::ftqueue {

enum class op_code : uint8_t {
  create = 1,   // arg = label -> id (existing id if the label exists)
  destroy = 2,  // arg = id
  id = 3,       // arg = label -> id, or -1
  push = 4,     // arg = id, item
  pop = 5,      // arg = id -> item
  top = 6,      // arg = id -> item
  size = 7,     // arg = id -> size
};

enum class error_code : uint8_t {
  ok = 0,
  unknown_queue = 1,
  empty_queue = 2,
  malformed = 3,      // the payload is not an encoded operation
  stale_request = 4,  // a request number below the client's last one (replica only)
};
const char* to_string(error_code e);

struct operation {
  op_code code = op_code::size;
  int64_t arg = 0;   // label (create, id) or queue id (the others)
  int64_t item = 0;  // push only
  friend bool operator==(const operation& a, const operation& b) {
    return a.code == b.code && a.arg == b.arg && a.item == b.item;
  }
};

struct result {
  error_code error = error_code::ok;
  int64_t value = 0;  // id, item or size; 0 for destroy and push
  friend bool operator==(const result& a, const result& b) {
    return a.error == b.error && a.value == b.value;
  }
};

// Wire encoding, little-endian, fixed size:
//   operation: u8 op_code, i64 arg, i64 item          (17 bytes)
//   result:    u8 error_code, i64 value               (9 bytes)
std::string encode(const operation& op);
bool decode(const std::string& bytes, operation& out);
std::string encode(const result& r);
bool decode(const std::string& bytes, result& out);

struct queue_info {
  int64_t id = 0;
  int64_t label = 0;
  uint64_t size = 0;
};

class queue_state {
 public:
  result execute(const operation& op);
  std::vector<queue_info> queues() const;  // ordered by id
  // Snapshot layout: "FTQ1", i64 next_id, u64 count, per queue (i64 id, i64 label, u64 n, n*i64).
  std::string snapshot() const;
  bool restore(const std::string& bytes);
  friend bool operator==(const queue_state& a, const queue_state& b);

 private:
  struct queue {
    int64_t label = 0;
    std::deque<int64_t> items;
  };
  std::map<int64_t, queue> by_id_;
  std::map<int64_t, int64_t> by_label_;
  int64_t next_id_ = 1;  // ids are never reused, even after qDestroy
};

// Little helpers shared with replica.cpp.
namespace wire {
void put_u64(std::string& out, uint64_t v);
bool get_u64(const std::string& in, size_t& pos, uint64_t& v);
}  // namespace wire

}  // namespace dfs::ftqueue
