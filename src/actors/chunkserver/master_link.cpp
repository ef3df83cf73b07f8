#include "actors/chunkserver/master_link.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

#include "common/logging.hpp"
#include "common/wall_clock.hpp"
#include "core/security/auth_token.hpp"
#include "storage/durable_file.hpp"

namespace dfs {

namespace {

using self_ptr = master_link_actor::stateful_pointer<master_link_state>;

chunkserver_registration make_registration(const master_link_state& st) {
  auto [cap, free] = st.store->offered_space(st.cfg.chunkserver.capacity_bytes);
  return {st.self, st.cfg.data_port(),     st.cfg.chunkserver.zone, cap,
          free,    st.store->used_bytes(), st.store->full_report()};
}

void send_registration(self_ptr self, uint64_t gen);
void send_heartbeat(self_ptr self, uint64_t gen, uint64_t seq);

// Starts queued copy-on-write copies, each on a detached thread (a copy of up to 64 MiB with
// its fsyncs must not hold up heartbeats); the result comes back as local_copy_done.
void start_local_copies(self_ptr self) {
  auto& st = self->state;
  while (st.local_running < master_link_state::max_local_copies && !st.local_queue.empty()) {
    auto c = st.local_queue.front();
    st.local_queue.pop_front();
    ++st.local_running;
    // The values go in as spawn arguments, not captures: CAF 0.17 spawns a function without
    // arguments by dereferencing a null tuple pointer (UBSan aborts the sanitizer build there).
    self->system().spawn<caf::detached>(
        [](std::shared_ptr<chunk_store> store, local_copy c, caf::actor me) {
          auto r = store->copy_local(chunkstore::chunk_handle{c.from_handle},
                                     chunkstore::chunk_handle{c.to_handle}, c.chunk_version);
          caf::anon_send(me, local_copy_done_atom::value, c, r.ok(),
                         r.ok() ? std::string() : r.err().message);
        },
        st.store, c, caf::actor_cast<caf::actor>(self));
  }
}

// Carries out what the link core decided.
void carry_out(self_ptr self, chunkserver::link_effects fx) {
  auto& st = self->state;
  auto log = log::get("chunkserver");
  for (auto& e : fx.events)
    log->log(e.level == chunkserver::link_level::warn ? spdlog::level::warn : spdlog::level::info,
             "{} master={}", e.text, e.master.to_string());
  if (!fx.delete_chunks.empty()) {
    for (auto h : fx.delete_chunks) st.store->remove(chunkstore::chunk_handle{h});
    log->info("chunks_deleted count={} reason=master", fx.delete_chunks.size());
  }
  // Versions before leases: a lease on a chunk that cannot take its version is not held.
  for (auto& v : fx.set_versions)
    if (auto r = st.store->set_version(chunkstore::chunk_handle{v.handle}, v.chunk_version); !r) {
      log->warn("version_update_failed handle={:016x} version={} error=\"{}\"", v.handle,
                v.chunk_version, r.err().message);
      st.link.leases().drop(v.handle);
    }
  for (auto& g : fx.granted)
    if (st.link.leases().is_primary(g.handle, core::clock::now()))
      log->info("lease_taken handle={:016x} version={} holder_ms={}", g.handle, g.chunk_version,
                g.holder_ms);
  for (auto& c : fx.copy_chunks) {
    log->info("repair_copy_started handle={:016x} from={}", c.handle, c.source.id.to_string());
    st.copier->submit(std::move(c));
  }
  if (!fx.local_copies.empty()) {
    for (auto& c : fx.local_copies) {
      log->info("cow_copy_started handle={:016x} copy={:016x} version={}", c.from_handle,
                c.to_handle, c.chunk_version);
      st.local_queue.push_back(c);
    }
    start_local_copies(self);
  }
  if (fx.drop_master && st.master) {
    self->demonitor(st.master.address());
    st.master = nullptr;
  }
  // What the data port's mutations go by, before any heartbeat leaves: one that reports a
  // lease released must leave only once the port has stopped ordering under it.
  st.leases->publish(st.link.leases());
  if (fx.connect_after) self->delayed_send(self, *fx.connect_after, connect_atom::value);
  if (fx.send_registration) send_registration(self, *fx.send_registration);
  if (fx.send_heartbeat) send_heartbeat(self, fx.send_heartbeat->first, fx.send_heartbeat->second);
  if (fx.tick_after)
    self->delayed_send(self, fx.tick_after->second, tick_atom::value, fx.tick_after->first);
}

// This chunkserver's server token for the master's node actor.
const std::string& own_token(master_link_state& st) {
  return st.own_token.at(wall_clock_ms() / 1000);
}

// A reply really from a server: CAF lets any connected peer send us a message that looks like
// a reply, and a heartbeat reply can tell us to delete chunks (SECURITY.md).
bool from_a_server(const master_link_state& st, const std::string& token, std::string& why) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  auto c = security::verify_auth_token(token, st.token_key, static_cast<uint64_t>(now));
  if (c && c->kind == principal_kind::server) return true;
  why = "a reply without a valid server token was ignored";
  return false;
}

std::chrono::milliseconds timeout_of(const master_link_state& st) {
  return std::chrono::milliseconds(st.cfg.client.timeout_ms);
}

void connect(self_ptr self) {
  auto mm = self->system().openssl_manager().actor_handle();
  auto addr = self->state.link.master();  // the candidate to try (cluster.masters)
  self->request(mm, timeout_of(self->state), caf::connect_atom::value, addr.host, addr.port)
      .then(
          [=](const caf::node_id&, caf::strong_actor_ptr& p, const std::set<std::string>&) {
            auto& st = self->state;
            if (!p) return carry_out(self, st.link.on_connect_failed("no actor published"));
            st.master = caf::actor_cast<node_actor>(p);
            self->monitor(st.master);
            carry_out(self, st.link.on_connected());
          },
          [=](caf::error& e) {
            carry_out(self, self->state.link.on_connect_failed(self->system().render(e)));
          });
}

void send_registration(self_ptr self, uint64_t gen) {
  auto& st = self->state;
  if (!st.master) return carry_out(self, st.link.on_register_failed(gen, "no master"));
  self->request(st.master, timeout_of(st), register_atom::value, own_token(st),
                make_registration(st))
      .then(
          [=](const std::string& token, const registration_ack& ack) {
            std::string why;
            if (!from_a_server(self->state, token, why))
              return carry_out(self, self->state.link.on_register_failed(gen, why));
            carry_out(self, self->state.link.on_registered(gen, ack));
          },
          [=](caf::error& e) {
            carry_out(self, self->state.link.on_register_failed(gen, self->system().render(e)));
          });
}

void send_heartbeat(self_ptr self, uint64_t gen, uint64_t seq) {
  auto& st = self->state;
  auto [cap, free] = st.store->offered_space(st.cfg.chunkserver.capacity_bytes);
  chunkserver_heartbeat hb;
  hb.id = st.self;
  hb.seq = seq;
  hb.capacity_bytes = cap;
  hb.free_bytes = free;
  hb.used_bytes = st.store->used_bytes();
  // Leases granted or renewed in the reply count from now, before the request leaves.
  auto sent = core::clock::now();
  st.leases->apply_notes(st.link.leases());  // extensions asked, leases given up
  hb.leases = st.link.leases().claims(sent);
  hb.released = st.link.leases().released(sent);
  st.store->drain_changes(hb.added, hb.removed);
  // Results after the report: a finished copy was added to the store before its result came.
  hb.copies = std::move(st.copies_done);
  hb.reads = st.store->drain_reads();  // statistics: lost with a failed heartbeat
  st.copies_done.clear();
  auto added = hb.added;
  auto removed = hb.removed;
  auto copies = hb.copies;
  auto put_back = [=] {
    auto& st = self->state;
    st.store->restore_changes(added, removed);
    st.copies_done.insert(st.copies_done.begin(), copies.begin(), copies.end());
  };
  self->request(st.master, timeout_of(st), heartbeat_atom::value, own_token(st), hb)
      .then(
          [=](const std::string& token, const heartbeat_reply& r) {
            std::string why;
            if (!from_a_server(self->state, token, why)) {
              put_back();
              return carry_out(self, self->state.link.on_heartbeat_failed(gen, why));
            }
            carry_out(self, self->state.link.on_heartbeat_reply(gen, r, sent, core::clock::now()));
          },
          [=](caf::error& e) {
            // The report did not arrive: the next heartbeat carries it again.
            put_back();
            carry_out(self, self->state.link.on_heartbeat_failed(gen, self->system().render(e)));
          });
}

}  // namespace

master_link_actor::behavior_type master_link_fn(self_ptr self, config cfg, node_id id,
                                                std::shared_ptr<chunk_store> store,
                                                std::shared_ptr<net::lease_board> leases) {
  auto& st = self->state;
  st.leases = std::move(leases);
  chunkserver::link_options lo;
  lo.retry_delay = std::chrono::milliseconds(500);
  lo.heartbeat_interval = std::chrono::milliseconds(cfg.chunkserver.heartbeat_interval_ms);
  st.link = chunkserver::master_link(lo, cfg.master_endpoints());
  st.cfg = std::move(cfg);
  st.store = std::move(store);
  st.self = id;
  st.token_key = security::auth_token_key(st.cfg.cluster.key);
  st.own_token = security::server_token(st.self.to_string(), st.token_key, 600);
  net::copier_options co;
  co.cluster = net::cluster_id(st.cfg.cluster.name);
  co.timeout_ms = st.cfg.data_io_timeout_ms();
  co.workers = st.cfg.repair.max_copies_per_server;
  if (st.cfg.tls.data)
    co.tls = std::make_shared<net::tls_context>(
        net::tls_files{st.cfg.tls.ca, st.cfg.tls.cert, st.cfg.tls.key}, net::tls_side::client);
  caf::actor me = caf::actor_cast<caf::actor>(self);
  st.copier = std::make_shared<net::replica_copier>(st.store, co, [me](copy_result r) {
    caf::anon_send(me, copy_done_atom::value, std::move(r));
  });
  self->set_down_handler([=](caf::down_msg& dm) {
    if (self->state.master && dm.source == self->state.master.address())
      carry_out(self, self->state.link.on_master_down("connection lost"));
  });
  carry_out(self, st.link.start());
  return {
      [=](connect_atom) { connect(self); },
      [=](tick_atom, uint64_t gen) { carry_out(self, self->state.link.on_tick(gen)); },
      [=](copy_done_atom, copy_result& r) {
        auto log = log::get("chunkserver");
        if (r.ok)
          log->info("repair_copy_done handle={:016x}", r.handle);
        else
          log->warn("repair_copy_failed handle={:016x} error=\"{}\"", r.handle, r.error);
        self->state.copies_done.push_back(std::move(r));
        carry_out(self, self->state.link.on_report_ready());
      },
      [=](local_copy_done_atom, const local_copy& c, bool ok, const std::string& error) {
        auto log = log::get("chunkserver");
        auto& st = self->state;
        --st.local_running;
        start_local_copies(self);
        if (!ok) {
          // Nothing to report: the master waits for the other holders, or fails the lease
          // request at its deadline (the client asks again).
          log->warn("cow_copy_failed handle={:016x} copy={:016x} error=\"{}\"", c.from_handle,
                    c.to_handle, error);
          return;
        }
        log->info("cow_copy_done handle={:016x} copy={:016x}", c.from_handle, c.to_handle);
        carry_out(self, st.link.on_report_ready());  // the copy is in the store's changes
      },
  };
}

}  // namespace dfs
