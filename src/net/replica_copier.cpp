#include "net/replica_copier.hpp"

#include "common/crc32c.hpp"
#include "common/thread_name.hpp"
#include "net/data_client.hpp"

namespace dfs::net {

namespace cs = chunkstore;

namespace {

copy_result failed(const copy_instruction& o, const std::string& why) {
  return {o.order_id, o.handle, false, why};
}

}  // namespace

replica_copier::replica_copier(std::shared_ptr<chunk_store> store, copier_options opts,
                               done_fn done)
    : store_(std::move(store)),
      opts_(opts),
      done_(std::move(done)),
      pool_(pool_options{opts.cluster, opts.timeout_ms, 4, std::chrono::milliseconds(10000),
                         opts.tls}) {
  for (uint32_t i = 0; i < std::max<uint32_t>(opts_.workers, 1); ++i)
    threads_.push_back(named_thread("replica-copy", [this] { work(); }));
}

replica_copier::~replica_copier() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void replica_copier::submit(copy_instruction order) {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (!stopping_ && queue_.size() < opts_.max_queued) {
      queue_.push_back(std::move(order));
      cv_.notify_one();
      return;
    }
  }
  done_(failed(order, "copy queue full (" + std::to_string(opts_.max_queued) + " orders)"));
}

void replica_copier::work() {
  for (;;) {
    copy_instruction o;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      o = std::move(queue_.front());
      queue_.pop_front();
    }
    done_(copy(o));
  }
}

copy_result replica_copier::copy(const copy_instruction& o) {
  cs::chunk_handle h{o.handle};
  // Already here at this version (an order repeated after a lost result): nothing to copy.
  // A chunk that took a lease (version > 1, master::content_may_change) may have been written
  // or appended to since its commit: the master's crc32c says nothing about it, and its
  // replicas may hold more than the master's size (appends not yet counted): copy all of it.
  bool may_change = o.chunk_version > 1;
  if (auto m = store_->stat(h);
      m && m->chunk_version == o.chunk_version &&
      (may_change || (m->length_bytes == o.size_bytes && m->crc32c == o.crc32c)))
    return {o.order_id, o.handle, true, {}};
  auto src = endpoint_of(o.source);
  uint64_t size = o.size_bytes;
  if (may_change) try {
      size = std::max(size, stat_chunk(pool_, src, o.handle, o.token).length);
    } catch (const std::exception& e) {
      return failed(o, std::string("copy from ") + src.text() + ": " + e.what());
    }
  // Written to disk as it arrives (storage/chunk_stream.hpp); a failed copy deletes what it
  // wrote.
  auto stream = store_->begin_stream(h, o.chunk_version, size);
  if (!stream)
    return failed(o, "cannot store chunk " + h.to_string() + ": " + stream.err().message);
  struct store_failed {
    std::string message;
  };
  try {
    for (uint64_t off = 0; off < size;) {
      auto n = std::min<uint64_t>(opts_.piece_bytes, size - off);
      read_chunk_to(pool_, src, o.handle, off, n, o.token, [&](std::string_view bytes) {
        if (auto r = stream->append(bytes); !r) throw store_failed{r.err().message};
      });
      off += n;
    }
  } catch (const store_failed& e) {
    return failed(o, "cannot store chunk " + h.to_string() + ": " + e.message);
  } catch (const std::exception& e) {
    return failed(o, std::string("copy from ") + src.text() + ": " + e.what());
  }
  if (!may_change && stream->crc32c() != o.crc32c)
    return failed(o, "copy from " + src.text() + ": chunk " + h.to_string() +
                         " arrived with the wrong checksum");
  auto m = store_->finish_stream(*stream);  // durable here before the master hears of it
  if (!m) return failed(o, "cannot store chunk " + h.to_string() + ": " + m.err().message);
  return {o.order_id, o.handle, true, {}};
}

}  // namespace dfs::net
