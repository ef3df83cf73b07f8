#include "storage/scrubber.hpp"

#include "common/logging.hpp"
#include "common/thread_name.hpp"

namespace dfs {

namespace cs = chunkstore;

namespace {

constexpr uint64_t piece_bytes = 1u << 20;

}  // namespace

scrubber::scrubber(std::shared_ptr<chunk_store> store, cs::scrub_options opts)
    : store_(std::move(store)), opts_(opts), pacer_(opts) {}

scrubber::~scrubber() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void scrubber::start() {
  thread_ = named_thread("scrubber", [this] { run(); });
}

cs::scrub_progress scrubber::progress() const {
  std::lock_guard<std::mutex> g(mu_);
  return pacer_.progress();
}

bool scrubber::wait_until(core::time_point until) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait_until(l, until, [&] { return stopping_; });
  return !stopping_;
}

void scrubber::run() {
  for (;;) {
    core::time_point next;
    {
      std::lock_guard<std::mutex> g(mu_);
      next = pacer_.next_pass_at(core::clock::now());
    }
    if (!wait_until(next)) return;
    scan_pass();
    std::lock_guard<std::mutex> g(mu_);
    if (stopping_) return;
  }
}

void scrubber::scan_pass() {
  auto chunks = store_->list();
  uint64_t bytes = 0;
  for (auto& c : chunks) bytes += c.length_bytes;
  {
    std::lock_guard<std::mutex> g(mu_);
    pacer_.start_pass(chunks.size(), bytes, core::clock::now());
  }
  for (auto& c : chunks) {
    // An empty chunk still has a header to check: at least one (zero-length) read.
    bool last = false;
    for (uint64_t off = 0; !last;) {
      auto n = std::min(piece_bytes, c.length_bytes - off);
      auto r = store_->read(c.handle, off, n);
      // Any error ends the chunk: deleted meanwhile (nothing to judge), or corrupt (the store
      // set it aside for the next heartbeat).
      bool corrupt = !r && r.err().code == cs::errc::corrupt;
      off += n;
      last = !r || off >= c.length_bytes;
      if (corrupt)
        log::get("chunkstore")->error("scrub_found_corrupt chunk={}", c.handle.to_string());
      core::duration wait;
      {
        std::lock_guard<std::mutex> g(mu_);
        wait = pacer_.on_verified(n, last, corrupt, core::clock::now());
      }
      if (!wait_until(core::clock::now() + wait)) return;
    }
  }
  std::lock_guard<std::mutex> g(mu_);
  pacer_.finish_pass(core::clock::now());
  auto& p = pacer_.progress();
  log::get("chunkstore")
      ->info("scrub_pass_done chunks={} bytes={} corrupt={} took_ms={}", p.chunks_done,
             p.bytes_done, p.corrupt_this_pass,
             std::chrono::duration_cast<std::chrono::milliseconds>(p.last_pass_took).count());
}

}  // namespace dfs
