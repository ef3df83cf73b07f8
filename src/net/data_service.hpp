#pragma once
// The chunkserver side of the data protocol (src/net/data_frame.hpp): serves one connection
// of the data port. Pushes are forwarded frame by frame to the next replica of the chain as
// they arrive (so the client sends each byte once) and kept pending in the store; finalize
// makes them durable here, then collects the downstream result, and answers with every
// replica that stored the chunk. Reads are verified per block by the store.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "net/conn_pool.hpp"
#include "net/data_frame.hpp"
#include "storage/chunk_store.hpp"

namespace dfs {

struct data_service_stats {
  std::atomic<uint64_t> bad_frames{0};
  std::atomic<uint64_t> pushes{0};
  std::atomic<uint64_t> reads{0};
};

class data_service {
 public:
  data_service(std::shared_ptr<chunk_store> store, std::string self_endpoint, uint32_t cluster,
               uint32_t timeout_ms);
  void serve(net::frame_conn& conn);
  const data_service_stats& stats() const { return stats_; }

 private:
  bool on_push(net::frame_conn& conn, const net::frame& begin);
  bool on_read(net::frame_conn& conn, const net::frame& f);
  bool on_stat(net::frame_conn& conn, const net::frame& f);
  bool on_list(net::frame_conn& conn);
  void bad_frame(const std::string& why);

  std::shared_ptr<chunk_store> store_;
  std::string self_;     // "host:data_port", as the client's plan names us
  net::conn_pool pool_;  // connections to the next hops of push chains
  data_service_stats stats_;
};

}  // namespace dfs
