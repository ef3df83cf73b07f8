#include "net/data_client.hpp"

#include <optional>

#include "common/big_buffer.hpp"
#include "net/data_frame.hpp"
#include "net/data_messages.hpp"
#include "net/mutation_wire.hpp"

namespace dfs::net {

namespace {

reply_msg expect_reply(frame_conn& c, const data_endpoint& at) {
  frame f;
  auto e = c.read(f);
  reply_msg r;
  if (e != frame_error::none) throw data_error(0, "chunkserver " + at.text() + ": " + to_string(e));
  if (!parse_reply(f, r)) throw data_error(0, "chunkserver " + at.text() + ": bad reply");
  return r;
}

// Runs one exchange `fn(conn)` on a pooled connection to `at` and returns the connection to
// the pool if fn returned normally. A transport failure (status 0) on a reused connection is
// retried once on a fresh one: every exchange here is idempotent (reads, stats, and pushes of
// the same bytes to the same chunk version).
template <class F>
auto exchange(conn_pool& pool, const data_endpoint& at, F fn)
    -> decltype(fn(std::declval<frame_conn&>())) {
  for (int attempt = 0;; ++attempt) {
    std::optional<conn_pool::lease> l;
    try {
      l.emplace(pool.acquire(at.host, at.port));
    } catch (const std::exception& e) {
      throw data_error(0, e.what());
    }
    try {
      auto out = fn(l->conn);
      pool.release(at.host, at.port, std::move(l->conn));
      return out;
    } catch (const data_error& e) {
      if (e.status == 0 && e.retriable && l->reused && attempt == 0) continue;
      throw;
    }
  }
}

reply_msg request(conn_pool& pool, const data_endpoint& at, data_type t, const std::string& body) {
  auto r = exchange(pool, at, [&](frame_conn& c) {
    if (!c.write(t, body)) throw data_error(0, "chunkserver " + at.text() + ": send failed");
    return expect_reply(c, at);
  });
  if (r.status != 0) throw data_error(r.status, r.message);
  return r;
}

}  // namespace

namespace {

push_result push(conn_pool& pool, data_type type, const std::vector<data_endpoint>& chain,
                 uint64_t data_id, uint64_t handle, uint64_t version, const std::string& token,
                 std::string_view data) {
  if (chain.empty()) throw data_error(0, "empty replica chain");
  push_begin_msg msg{data_id, handle, version, data.size(), {}, token};
  for (size_t i = 1; i < chain.size(); ++i) msg.chain.push_back({chain[i].host, chain[i].port});
  auto begin = encode(msg);
  auto r = exchange(pool, chain[0], [&](frame_conn& c) {
    bool ok = c.write(type, begin, true);
    for (size_t pos = 0; ok && pos < data.size(); pos += data_frame_bytes)
      ok = c.write(data_type::push_data, data.substr(pos, data_frame_bytes), true);
    ok = ok && c.write(data_type::finalize, {});
    // A refused push answers early and closes: read the reply even if a send failed.
    reply_msg rep;
    try {
      rep = expect_reply(c, chain[0]);
    } catch (const data_error&) {
      if (!ok) throw data_error(0, "chunkserver " + chain[0].text() + ": push interrupted");
      throw;
    }
    // After a refusal the server closes the connection: do not pool it.
    if (rep.status != 0) throw data_error(rep.status, rep.message);
    return rep;
  });
  push_result_msg stored;
  if (!decode(r.body, stored))
    throw data_error(0, "chunkserver " + chain[0].text() + ": bad push result");
  return {std::move(stored.stored), r.message};
}

}  // namespace

push_result push_chunk(conn_pool& pool, const std::vector<data_endpoint>& chain, uint64_t data_id,
                       uint64_t handle, uint64_t version, const std::string& token,
                       std::string_view data) {
  return push(pool, data_type::push_begin, chain, data_id, handle, version, token, data);
}

push_result push_held(conn_pool& pool, const std::vector<data_endpoint>& chain, uint64_t data_id,
                      uint64_t handle, uint64_t version, const std::string& token,
                      std::string_view data) {
  return push(pool, data_type::hold_begin, chain, data_id, handle, version, token, data);
}

mutate_result mutate(conn_pool& pool, const data_endpoint& at, const chunkserver::client_request& r,
                     const std::string& token) {
  auto rep = request(pool, at, data_type::mutate, encode(mutate_msg{r, token}));
  mutate_reply_msg m;
  if (!decode(rep.body, m)) throw data_error(0, "chunkserver " + at.text() + ": bad mutate reply");
  return {m.status, m.offset};
}

std::string read_chunk(conn_pool& pool, const data_endpoint& at, uint64_t handle, uint64_t offset,
                       uint64_t length, const std::string& token) {
  std::string out;
  reserve_big(out, length);
  read_chunk_to(pool, at, handle, offset, length, token,
                [&](std::string_view bytes) { out.append(bytes); });
  return out;
}

void read_chunk_to(conn_pool& pool, const data_endpoint& at, uint64_t handle, uint64_t offset,
                   uint64_t length, const std::string& token,
                   const std::function<void(std::string_view)>& sink) {
  auto req = encode(read_msg{handle, offset, length, token});
  uint64_t got = 0;
  exchange(pool, at, [&](frame_conn& c) {
    if (!c.write(data_type::read, req))
      throw data_error(0, "chunkserver " + at.text() + ": send failed");
    auto r = expect_reply(c, at);
    if (r.status != 0) throw data_error(r.status, r.message);
    frame f;  // one payload buffer for every frame of the chunk, not a fresh megabyte each
    while (got < length) {
      auto e = c.read(f);
      if (e != frame_error::none || f.type != data_type::read_data || f.payload.empty() ||
          got + f.payload.size() > length) {
        auto why = "chunkserver " + at.text() + ": read interrupted (" +
                   std::string(e == frame_error::none ? "bad frame" : to_string(e)) + ")";
        // The sink has bytes already: a retry from the start would hand them over twice.
        throw data_error(0, why, got == 0);
      }
      got += f.payload.size();
      sink(f.payload);
    }
    return true;
  });
}

replica_stat stat_chunk(conn_pool& pool, const data_endpoint& at, uint64_t handle,
                        const std::string& token) {
  auto r = request(pool, at, data_type::stat, encode(stat_msg{handle, token}));
  stat_reply_msg s;
  if (!decode(r.body, s)) throw data_error(0, "chunkserver " + at.text() + ": bad stat reply");
  return {s.chunk_version, s.length_bytes, s.crc32c};
}

store_listing list_store(conn_pool& pool, const data_endpoint& at) {
  auto r = request(pool, at, data_type::list, {});
  list_reply_msg l;
  if (!decode(r.body, l)) throw data_error(0, "chunkserver " + at.text() + ": bad list reply");
  store_listing out;
  out.total_chunks = l.total_chunks;
  out.used_bytes = l.used_bytes;
  for (auto& e : l.entries) out.chunks.push_back({e.handle, e.chunk_version, e.length_bytes});
  return out;
}

}  // namespace dfs::net
