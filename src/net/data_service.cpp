#include "net/data_service.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "common/limits.hpp"
#include "common/logging.hpp"
#include "common/wall_clock.hpp"
#include "core/security/capability.hpp"
#include "net/data_messages.hpp"
#include "net/mutation_wire.hpp"

namespace dfs {

namespace cs = chunkstore;
using net::data_type;
using net::frame;
using net::frame_conn;
using net::frame_error;

namespace {

// The next hop of a push, on a pooled connection; empty when the chain ends here or the next
// replica is unreachable (then the chain is cut: the replicas after it are not written, the
// client sees fewer and pushes to them again).
struct downstream {
  std::optional<net::conn_pool::lease> lease;
  std::string host;
  uint16_t port = 0;
  std::string error;
};

void open_downstream(downstream& d, const net::push_begin_msg& h, net::conn_pool& pool,
                     data_type type) {
  if (h.chain.empty()) return;
  d.host = h.chain[0].host;
  d.port = h.chain[0].port;
  // The next hop gets the same push with the rest of the chain.
  auto next = h;
  next.chain.erase(next.chain.begin());
  try {
    d.lease.emplace(pool.acquire(d.host, d.port));
    if (!d.lease->conn.write(type, net::encode(next), true))
      throw std::runtime_error("send failed");
  } catch (const std::exception& e) {
    d.lease.reset();
    d.error = "next replica " + d.host + ":" + std::to_string(d.port) + " unreachable " + e.what();
  }
}

// The endpoints that stored the chunk downstream, from the next hop's finalize reply. A clean
// reply hands the connection back to the pool for the next push.
std::vector<std::string> downstream_result(downstream& d, net::conn_pool& pool,
                                           std::string& errors) {
  std::vector<std::string> out;
  if (!d.lease) return out;
  frame f;
  net::reply_msg rep;
  if (d.lease->conn.read(f) != frame_error::none || !net::parse_reply(f, rep)) {
    errors += "next replica failed; ";
    return out;
  }
  if (rep.status != 0) {  // refused: the next hop closes this connection
    errors += rep.message + "; ";
    return out;
  }
  net::push_result_msg result;
  if (!net::decode(rep.body, result)) {
    errors += "next replica sent a malformed result; ";
    return out;
  }
  out = std::move(result.stored);
  if (!rep.message.empty()) errors += rep.message + "; ";
  pool.release(d.host, d.port, std::move(d.lease->conn));
  d.lease.reset();
  return out;
}

}  // namespace

data_service::data_service(std::shared_ptr<chunk_store> store, data_service_options opts)
    : store_(std::move(store)), opts_(std::move(opts)), pool_([&] {
        net::pool_options p;
        p.cluster = opts_.cluster;
        p.timeout_ms = opts_.timeout_ms;
        p.tls = opts_.client_tls;
        return p;
      }()) {
  if (auto& m = opts_.metrics) {
    writes_ = &m->counter("dfs_chunk_writes_total",
                          "Chunk pushes made durable on this chunkserver (chain members included)")
                   .Add({});
    write_bytes_ =
        &m->counter("dfs_chunk_written_bytes_total", "Bytes of chunk pushes made durable here")
             .Add({});
    reads_ = &m->counter("dfs_chunk_reads_total", "Chunk reads served by this chunkserver").Add({});
    read_bytes_ =
        &m->counter("dfs_chunk_read_bytes_total", "Bytes of chunk reads served here").Add({});
    local_reads_ = &m->counter("dfs_chunk_local_reads_total",
                               "Of those reads: chunk files handed to readers on this host "
                               "(net/local_reads.hpp)")
                        .Add({});
    port_in_ = &m->port_bytes("data", "in");
    port_out_ = &m->port_bytes("data", "out");
  }
}

security::token_result<security::capability> data_service::read_capability(const std::string& token,
                                                                           uint64_t handle) const {
  return security::check_read(
      security::verify_capability(token, opts_.capability_key, wall_clock_ms()), handle);
}

std::string data_service::stale_replica(uint64_t handle, uint64_t have, uint64_t want) const {
  return opts_.self + ": replica of chunk " + cs::chunk_handle{handle}.to_string() +
         " is version " + std::to_string(have) + ", not " + std::to_string(want);
}

bool data_service::forbidden(frame_conn& conn, const std::string& what, const std::string& why) {
  auto n = ++stats_.forbidden;
  if (n <= 10 || n % 1000 == 0)
    log::get("data")->warn("request_refused count={} request={} reason=\"{}\"", n, what, why);
  return conn.reply(uint32_t(cs::errc::forbidden), opts_.self + ": " + what + " refused: " + why);
}

void data_service::bad_frame(const std::string& why) {
  auto n = ++stats_.bad_frames;
  // Counted always, logged sparingly: garbage on the port must not flood the log either.
  if (n <= 10 || n % 1000 == 0)
    log::get("data")->warn("bad_frame count={} reason=\"{}\" action=close", n, why);
}

void data_service::serve(frame_conn& conn) {
  // dfs_port_bytes_total{port="data"}, counted after each request while the connection lives.
  net::counter_mark in{port_in_}, out{port_out_};
  auto count_bytes = [&] {
    in.advance(conn.bytes_read());
    out.advance(conn.bytes_written());
  };
  for (;;) {
    count_bytes();
    frame f;
    auto e = conn.read(f);
    if (e == frame_error::closed || e == frame_error::timeout || e == frame_error::io) return;
    if (e != frame_error::none) return bad_frame(net::to_string(e));
    bool ok = false;
    switch (f.type) {
      case data_type::push_begin:
        ok = on_push(conn, f, false);
        break;
      case data_type::hold_begin:
        ok = on_push(conn, f, true);
        break;
      case data_type::mutate:
        ok = on_mutate(conn, f);
        break;
      case data_type::mutation:
        ok = on_peer<net::peer_mutation>(conn, f, "mutation", [&](const net::peer_mutation& m) {
          opts_.mutations->on_mutation(m);
        });
        break;
      case data_type::mutation_ack:
        ok = on_peer<net::peer_ack>(conn, f, "mutation_ack",
                                    [&](const net::peer_ack& m) { opts_.mutations->on_ack(m); });
        break;
      case data_type::resend_request:
        ok = on_peer<net::peer_resend>(conn, f, "resend_request", [&](const net::peer_resend& m) {
          opts_.mutations->on_resend_request(m);
        });
        break;
      case data_type::mutation_gone:
        ok = on_peer<net::peer_gone>(conn, f, "mutation_gone",
                                     [&](const net::peer_gone& m) { opts_.mutations->on_gone(m); });
        break;
      case data_type::read:
        ok = on_read(conn, f);
        break;
      case data_type::stat:
        ok = on_stat(conn, f);
        break;
      case data_type::list:
        ok = on_list(conn);
        break;
      default:
        bad_frame("unexpected frame type " + std::to_string(int(f.type)));
        return;
    }
    if (!ok) return count_bytes();
  }
}

bool data_service::on_push(frame_conn& conn, const frame& begin, bool held) {
  net::push_begin_msg h;
  if (!net::decode(begin.payload, h)) {
    bad_frame("malformed push_begin");
    conn.reply(uint32_t(cs::errc::invalid_argument), "malformed push");
    return false;
  }
  std::vector<std::string> hops;
  for (auto& hop : h.chain) hops.push_back(hop.host + ":" + std::to_string(hop.port));
  auto cap = security::check_push(
      security::verify_capability(h.token, opts_.capability_key, wall_clock_ms()), h.handle,
      h.chunk_version, opts_.self, hops);
  if (!cap) {
    forbidden(conn, "push", cap.err().message);
    return false;  // the pushed bytes that follow are not read: close
  }
  if (h.size_bytes > opts_.max_pending_bytes_per_conn) {
    conn.reply(uint32_t(cs::errc::busy),
               opts_.self + ": a push of " + std::to_string(h.size_bytes) +
                   " bytes is over chunkserver.max_pending_bytes_per_conn");
    return false;
  }
  cs::data_id id{h.data_id};
  auto started =
      held ? store_->begin_held(id, cs::chunk_handle{h.handle}, h.chunk_version, h.size_bytes)
           : store_->begin(id, cs::chunk_handle{h.handle}, h.chunk_version, h.size_bytes);
  if (auto& r = started; !r) {
    conn.reply(uint32_t(r.err().code), opts_.self + ": " + r.err().message);
    return false;
  }
  ++stats_.pushes;
  downstream d;
  open_downstream(d, h, pool_, begin.type);
  std::string errors = d.error.empty() ? "" : d.error + "; ";
  frame f;  // one payload buffer for every frame of the push, not a fresh megabyte each
  for (;;) {
    auto e = conn.read(f);
    if (e != frame_error::none ||
        (f.type != data_type::push_data && f.type != data_type::finalize)) {
      if (e != frame_error::closed && e != frame_error::timeout && e != frame_error::io)
        bad_frame(e != frame_error::none ? net::to_string(e) : "unexpected frame in push");
      store_->cancel(id);
      return false;
    }
    if (f.type == data_type::finalize) break;
    // Every push frame is followed by another one (at least finalize): let them share segments.
    if (d.lease && !d.lease->conn.write(data_type::push_data, f.payload, true)) {
      d.lease.reset();
      errors += "next replica " + d.host + " dropped; ";
    }
    if (auto r = store_->append(id, f.payload); !r) {
      store_->cancel(id);
      conn.reply(uint32_t(r.err().code), opts_.self + ": " + r.err().message);
      return false;
    }
  }
  // Downstream finalizes while we write: their fsyncs overlap ours.
  if (d.lease && !d.lease->conn.write(data_type::finalize, {})) d.lease.reset();
  net::push_result_msg result;
  if (held) {
    if (auto r = store_->hold(id); r)
      result.stored.push_back(opts_.self);
    else
      errors += opts_.self + ": " + r.err().message + "; ";
  } else if (auto m = store_->finalize(id); m) {
    result.stored.push_back(opts_.self);
    if (writes_) {
      writes_->Increment();
      write_bytes_->Increment(static_cast<double>(h.size_bytes));
    }
  } else {
    errors += opts_.self + ": " + m.err().message + "; ";
  }
  for (auto& s : downstream_result(d, pool_, errors)) result.stored.push_back(s);
  return conn.reply(0, errors, net::encode(result));
}

bool data_service::on_mutate(frame_conn& conn, const frame& f) {
  net::mutate_msg rq;
  if (!net::decode(f.payload, rq)) {
    bad_frame("malformed mutate");
    return false;
  }
  if (!opts_.mutations)
    return conn.reply(uint32_t(cs::errc::invalid_argument),
                      opts_.self + ": this chunkserver takes no writes or appends");
  auto& q = rq.request;
  auto local = store_->stat(cs::chunk_handle{q.handle});
  // The capability names the lease's version: the primary's replica has taken it with the
  // grant; without a replica here the version check fails and the client asks the master.
  auto cap = security::check_mutation(
      security::verify_capability(rq.token, opts_.capability_key, wall_clock_ms()), q.handle,
      local ? local->chunk_version : 0, opts_.self);
  if (!cap) return forbidden(conn, "mutate", cap.err().message);
  std::vector<std::string> secondaries;
  for (auto& s : q.secondaries) secondaries.push_back(s.to_string());
  if (auto why = security::secondaries_mismatch(*cap, opts_.self, secondaries); !why.empty())
    return forbidden(conn, "mutate", why);
  auto r = opts_.mutations->submit(q, rq.token);
  return conn.reply(0, "", net::encode(net::mutate_reply_msg{r.status, r.offset}));
}

template <class M, class Fn>
bool data_service::on_peer(frame_conn& conn, const frame& f, const char* what, Fn deliver) {
  M m;
  if (!net::decode(f.payload, m)) {
    bad_frame(std::string("malformed ") + what);
    return false;
  }
  if (!opts_.mutations)
    return conn.reply(uint32_t(cs::errc::invalid_argument),
                      opts_.self + ": this chunkserver takes no mutations");
  // Only another replica the master named for this chunk version may send these.
  auto cap = security::check_mutation(
      security::verify_capability(m.token, opts_.capability_key, wall_clock_ms()),
      net::handle_of(m.body), net::version_of(m.body), opts_.self, m.from.to_string());
  if (!cap) return forbidden(conn, what, cap.err().message);
  deliver(m);
  return conn.reply(0, "");
}

bool data_service::on_read(frame_conn& conn, const frame& f) {
  net::read_msg rq;
  if (!net::decode(f.payload, rq)) {
    bad_frame("malformed read");
    return false;
  }
  auto cap = read_capability(rq.token, rq.handle);
  if (!cap) return forbidden(conn, "read", cap.err().message);
  // A replica of another version than the master's is stale: the client reads another one.
  if (auto m = store_->stat(cs::chunk_handle{rq.handle});
      m && m->chunk_version != cap->chunk_version)
    return conn.reply(uint32_t(cs::errc::not_found),
                      stale_replica(rq.handle, m->chunk_version, cap->chunk_version));
  ++stats_.reads;
  // Client reads make a chunk hot (dynamic replication); a chunkserver copying it does not.
  if (conn.peer_kind() != principal_kind::server) store_->note_read(cs::chunk_handle{rq.handle});
  // A chunk may end before the master's size for it: a write further on grew the file (a
  // hole), and bytes never written read as zeros. (The master's checksum of a chunk counts
  // them so; a replica that lost bytes fails that check at the client.)
  uint64_t have = rq.length_bytes;
  if (auto m = store_->stat(cs::chunk_handle{rq.handle});
      m && rq.offset_bytes + rq.length_bytes > m->length_bytes)
    have = m->length_bytes > rq.offset_bytes ? m->length_bytes - rq.offset_bytes : 0;
  // One frame's worth at a time through a buffer this connection's thread keeps: a 64 MiB read
  // neither allocates 64 MiB nor waits for the disk before the first frame goes out. The first
  // piece is read before the answer, so that a missing or corrupt replica is answered as such;
  // a block found corrupt further on ends the connection (the reader tries another replica,
  // and the replica is set aside as for any corrupt read).
  thread_local std::string buf;
  auto piece = [&](uint64_t pos) -> cs::result<std::string_view> {
    auto n = std::min<uint64_t>(net::data_frame_bytes, rq.length_bytes - pos);
    if (pos >= have) {  // past the chunk's end: zeros
      if (buf.size() < n) buf.resize(n);
      std::fill_n(buf.data(), n, '\0');
      return std::string_view(buf.data(), n);
    }
    auto from_disk = std::min(n, have - pos);
    auto v = store_->read_into(cs::chunk_handle{rq.handle}, rq.offset_bytes + pos, from_disk, buf);
    if (!v || from_disk == n) return v;
    // The chunk ends inside this piece: the bytes, then zeros (they are at buf's start).
    if (v->data() != buf.data()) std::memmove(buf.data(), v->data(), v->size());
    if (buf.size() < n) buf.resize(n);
    std::fill(buf.data() + from_disk, buf.data() + n, '\0');
    return std::string_view(buf.data(), n);
  };
  auto first = piece(0);
  if (!first)
    return conn.reply(uint32_t(first.err().code), opts_.self + ": " + first.err().message);
  if (reads_) {
    reads_->Increment();
    read_bytes_->Increment(static_cast<double>(rq.length_bytes));
  }
  if (!conn.reply(0, "", {}, rq.length_bytes > 0)) return false;
  for (uint64_t pos = 0; pos < rq.length_bytes;) {
    auto v = pos == 0 ? std::move(first) : piece(pos);
    if (!v) {
      log::get("data")->warn("read_aborted handle={:016x} offset={} error=\"{}\"", rq.handle,
                             rq.offset_bytes + pos, v.err().message);
      return false;
    }
    if (!conn.write(data_type::read_data, *v)) return false;
    pos += v->size();
  }
  return true;
}

net::local_read_answer data_service::open_local(const net::read_msg& rq) {
  auto refuse = [&](cs::errc code, std::string why) {
    return net::local_read_answer{uint32_t(code), opts_.self + ": " + std::move(why), {}, 0, 0};
  };
  auto cap = read_capability(rq.token, rq.handle);
  if (!cap) {
    ++stats_.forbidden;
    return refuse(cs::errc::forbidden, "local read refused: " + cap.err().message);
  }
  auto o = store_->open_read(cs::chunk_handle{rq.handle});
  if (!o) return refuse(o.err().code, o.err().message);
  if (o->meta.chunk_version != cap->chunk_version)
    return {uint32_t(cs::errc::not_found),
            stale_replica(rq.handle, o->meta.chunk_version, cap->chunk_version),
            {},
            0,
            0};
  ++stats_.reads;
  ++stats_.local_reads;
  store_->note_read(cs::chunk_handle{rq.handle});
  if (reads_) {
    reads_->Increment();
    local_reads_->Increment();
    read_bytes_->Increment(static_cast<double>(o->meta.length_bytes));
  }
  return {0, "", std::move(o->fd), o->meta.header_bytes(), o->meta.length_bytes};
}

bool data_service::on_stat(frame_conn& conn, const frame& f) {
  net::stat_msg rq;
  if (!net::decode(f.payload, rq)) {
    bad_frame("malformed stat");
    return false;
  }
  auto cap = read_capability(rq.token, rq.handle);
  if (!cap) return forbidden(conn, "stat", cap.err().message);
  auto m = store_->stat(cs::chunk_handle{rq.handle});
  if (!m)
    return conn.reply(uint32_t(cs::errc::not_found),
                      opts_.self + ": no chunk " + cs::chunk_handle{rq.handle}.to_string());
  return conn.reply(0, "",
                    net::encode(net::stat_reply_msg{m->chunk_version, m->length_bytes, m->crc32c}));
}

bool data_service::on_list(frame_conn& conn) {
  // What a chunkserver holds is for operators: an admin certificate, which needs TLS.
  if (conn.peer_kind() != principal_kind::admin)
    return forbidden(conn, "list",
                     conn.tls() ? "list needs an admin certificate"
                                : "list needs an admin certificate over TLS (tls.data = true)");
  auto all = store_->list();
  net::list_reply_msg out{all.size(), store_->used_bytes(), {}};
  for (size_t i = 0; i < all.size() && i < net::max_list_entries; ++i)
    out.entries.push_back({all[i].handle.value, all[i].chunk_version, all[i].length_bytes});
  return conn.reply(0, "", net::encode(out));
}

}  // namespace dfs
