#pragma once
// replica_copier: the chunkserver's half of repair (design.md §6). The master names, in a
// heartbeat reply, a chunk to copy here from a healthy replica; the copier reads it from that
// replica's data port (the master's read capability for the chunk, TLS with this server's
// certificate), checks the bytes against the CRC32C the chunk was committed with, and writes
// it through the store's pending/finalize path, so that the copy is durable (fsync) before it
// counts: finalize adds it to the next heartbeat's report, and the result follows it.
//
// Copies run on a few worker threads (the master throttles how many it sends each server);
// orders beyond the queue bound fail at once rather than pile up. Results are handed to
// `done` on the worker thread.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/limits.hpp"
#include "core/master/messages.hpp"
#include "net/conn_pool.hpp"
#include "storage/chunk_store.hpp"

namespace dfs::net {

struct copier_options {
  uint32_t cluster = 0;
  uint32_t timeout_ms = 30000;       // per read on the source's data port
  std::shared_ptr<tls_context> tls;  // client side; null: plain TCP (tls.data = false)
  uint32_t workers = 2;              // copies at once (repair.max_copies_per_server)
  size_t max_queued = 256;           // orders waiting for a worker
  // Bytes per read request. The source serves a read one frame at a time (data_service), so
  // a whole chunk in one request costs it no more memory, and spares a round trip (the source
  // idle, then the target) per piece.
  uint64_t piece_bytes = limits::max_chunk_size_bytes;
};

class replica_copier {
 public:
  using done_fn = std::function<void(copy_result)>;
  replica_copier(std::shared_ptr<chunk_store> store, copier_options opts, done_fn done);
  ~replica_copier();  // finishes the copy in progress per worker, drops the queue
  replica_copier(const replica_copier&) = delete;
  replica_copier& operator=(const replica_copier&) = delete;

  void submit(copy_instruction order);
  // One copy, on the caller's thread (the workers run this).
  copy_result copy(const copy_instruction& order);

 private:
  void work();

  std::shared_ptr<chunk_store> store_;
  copier_options opts_;
  done_fn done_;
  conn_pool pool_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<copy_instruction> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace dfs::net
