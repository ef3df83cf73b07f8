#include "actors/master/master_actor.hpp"

#include <unistd.h>

#include <algorithm>

#include <caf/all.hpp>

#include "common/assert.hpp"
#include "common/logging.hpp"
#include "common/wall_clock.hpp"
#include "core/master/capabilities.hpp"
#include "core/security/capability.hpp"

namespace dfs {

namespace {

constexpr auto tick_interval = std::chrono::milliseconds(200);

master::core_options options_of(const config& cfg) {
  master::core_options o;
  o.meta.max_versions = cfg.master.max_versions;
  o.meta.replication = cfg.quorum.replication;
  o.meta.handle_grace = std::chrono::milliseconds(cfg.master.handle_grace_ms);
  o.write_quorum = cfg.quorum.write;
  o.default_chunk_size_bytes = cfg.master.chunk_size_bytes;
  o.heartbeat_interval_ms = cfg.chunkserver.heartbeat_interval_ms;
  o.registry = {std::chrono::milliseconds(cfg.master.unhealthy_after_ms),
                std::chrono::milliseconds(cfg.master.removed_after_ms)};
  o.checkpoint_bytes = cfg.master.checkpoint_bytes;
  o.checkpoint_interval = std::chrono::milliseconds(cfg.master.checkpoint_interval_ms);
  o.repair.max_copies_per_server = cfg.repair.max_copies_per_server;
  o.repair.max_bytes_per_s = cfg.repair.max_mib_s << 20;
  o.repair.delay = std::chrono::milliseconds(cfg.repair.delay_ms);
  o.copy_timeout = std::chrono::milliseconds(cfg.repair.copy_timeout_ms);
  o.trash_ttl_ms = uint64_t{cfg.master.trash_ttl_s} * 1000;
  o.hot.hot_reads_per_s = cfg.replicator.hot_reads_per_s;
  o.hot.max_replicas = cfg.replicator.max_replicas;
  o.balance_threshold_pct = cfg.balance.threshold_pct;
  o.hot.cool_down = std::chrono::seconds(cfg.replicator.cool_down_s);
  return o;
}

[[noreturn]] void fatal(const std::string& what) {
  log::get("master")->critical("{}", what);
  log::shutdown();
  _exit(3);
}

spdlog::level::level_enum level_of(master::event_level l) {
  switch (l) {
    case master::event_level::debug:
      return spdlog::level::debug;
    case master::event_level::info:
      return spdlog::level::info;
    case master::event_level::warn:
      return spdlog::level::warn;
    case master::event_level::error:
      return spdlog::level::err;
    case master::event_level::critical:
      return spdlog::level::critical;
  }
  return spdlog::level::info;
}

void carry_out(master_self self, master::master_effects fx);

// Chunks leave the master only with the capability their chunkservers ask for: write tokens
// with a plan, read tokens with a layout.
void sign_chunks(master_state& st, put_plan& p) {
  master::grant_writes(p, st.capability_key, wall_clock_ms() + st.cfg.master.capability_ttl_ms);
}
void sign_chunks(master_state& st, ns_reply& r) {
  master::grant_reads(r, st.capability_key, wall_clock_ms() + st.cfg.master.capability_ttl_ms);
}

// Writes a checkpoint the core asked for; its outcome goes back to the core.
void write_checkpoint(master_self self, const master::master_snapshot& snap) {
  auto& st = self->state;
  auto t0 = core::clock::now();
  auto s = st.log->checkpoint(snap);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(core::clock::now() - t0);
  if (s)
    log::get("master")->info("checkpoint_written seq={} took_ms={}", st.log->sequence(),
                             ms.count());
  carry_out(self, st.core->on_checkpoint_done(s.ok(), s.message, core::clock::now()));
}

void carry_out(master_self self, master::master_effects fx) {
  auto& st = self->state;
  auto log = log::get("master");
  for (auto& e : fx.events) log->log(level_of(e.level), "{}", e.text);
  for (auto& r : fx.replies) {
    auto it = st.promises.find(r.token);
    if (it == st.promises.end()) continue;
    // The core answers each request in kind: a put with a plan, the rest with an ns_reply.
    bool delivered = false;
    if (auto* p = std::get_if<caf::typed_response_promise<ns_reply>>(&it->second)) {
      if (auto* v = std::get_if<ns_reply>(&r.reply)) {
        sign_chunks(st, *v);
        p->deliver(std::move(*v)), delivered = true;
      }
    } else if (auto* p = std::get_if<caf::typed_response_promise<put_plan>>(&it->second)) {
      if (auto* v = std::get_if<put_plan>(&r.reply)) {
        sign_chunks(st, *v);
        p->deliver(std::move(*v)), delivered = true;
      }
    }
    DFS_ASSERT(delivered, "master core answered a request with the wrong reply type");
    st.promises.erase(it);
  }
  // Requests already in the mailbox are handled before this message: they join the batch.
  if (fx.flush) self->send(self, flush_atom::value);
  if (fx.checkpoint) write_checkpoint(self, *fx.checkpoint);
}

void flush_journal(master_self self) {
  auto& st = self->state;
  while (auto batch = st.core->take_batch()) {
    auto s = st.log->append(batch->records);
    if (!s) log::get("master")->critical("journal_append_failed error=\"{}\"", s.message);
    carry_out(self, st.core->on_batch_durable(batch->id, s.ok(), st.log->segment_bytes(),
                                              core::clock::now()));
  }
}

void recover_metadata(master_self self) {
  auto& st = self->state;
  auto log = log::get("master");
  auto dir = st.cfg.node.data_dir + "/master";
  st.log = std::make_unique<journal>(dir);
  journal_recovery rec;
  if (auto s = st.log->recover(rec); !s)
    fatal("journal_unusable dir=" + dir + " error=\"" + s.message + "\"");
  for (auto& w : rec.warnings) log->warn("journal_recovery {}", w);
  if (auto ok = st.core->recover(rec.snapshot, rec.records, core::clock::now()); !ok)
    fatal("journal_replay_failed error=\"" + ok.err().message + "\"");
  log->info("metadata_recovered checkpoint={} records={} files={} bytes={}",
            rec.has_checkpoint ? std::to_string(rec.checkpoint_sequence) : "none",
            rec.records.size(), st.core->meta().file_count(), st.core->meta().total_file_bytes());
}

// A request whose reply the core may give now or after its batch is durable.
template <class Reply, class F>
caf::result<Reply> ask_core(master_self self, F call) {
  auto& st = self->state;
  auto token = st.next_token++;
  auto fx = call(token);
  // Answered at once (queries with nothing pending, refusals): a plain reply, no promise.
  for (auto it = fx.replies.begin(); it != fx.replies.end(); ++it) {
    if (it->token != token) continue;
    auto* now = std::get_if<Reply>(&it->reply);
    DFS_ASSERT(now != nullptr, "master core answered a request with the wrong reply type");
    Reply reply = std::move(*now);
    sign_chunks(st, reply);
    fx.replies.erase(it);
    carry_out(self, std::move(fx));
    return reply;
  }
  auto promise = self->make_response_promise<Reply>();
  st.promises.emplace(token, promise);
  carry_out(self, std::move(fx));
  return promise;
}

bool is_chunkserver(const member_event_msg& e) {
  return std::find(e.roles.begin(), e.roles.end(), "chunkserver") != e.roles.end();
}

void subscribe(master_self self, const failure_detector_actor& membership) {
  if (!membership) return;
  self->request(membership, caf::infinite, subscribe_atom::value,
                caf::actor_cast<membership_listener>(self))
      .then([](const std::vector<member_event_msg>&) {},
            [](caf::error& e) {
              log::get("master")->warn("membership_subscribe_failed error=\"{}\"",
                                       caf::to_string(e));
            });
}

}  // namespace

master_actor::behavior_type master_fn(master_self self, config cfg, node_id id,
                                      failure_detector_actor membership) {
  auto& st = self->state;
  st.core = std::make_unique<master::master_core>(options_of(cfg), id);
  st.cfg = std::move(cfg);
  st.capability_key = security::capability_key(st.cfg.cluster.key);
  recover_metadata(self);
  subscribe(self, membership);
  self->send(self, tick_atom::value);
  log::get("master")->info("master_started node={}", id.to_string());
  auto& mc = *st.core;
  return {
      [=, &mc](register_atom, const chunkserver_registration& r) {
        master::master_effects fx;
        auto ack = mc.on_register(r, core::clock::now(), fx);
        carry_out(self, std::move(fx));
        return ack;
      },
      [=, &mc](heartbeat_atom, const chunkserver_heartbeat& hb) {
        master::master_effects fx;
        auto reply = mc.on_heartbeat(hb, core::clock::now(), fx);
        master::grant_copies(reply, self->state.capability_key,
                             wall_clock_ms() + self->state.cfg.master.capability_ttl_ms);
        carry_out(self, std::move(fx));
        return reply;
      },
      [=](admin_atom, const admin_request& req) { return master_console(self, req); },
      [=, &mc](storage_atom, const ns_request& r) {
        return ask_core<ns_reply>(
            self, [&](auto t) { return mc.on_request(t, r, core::clock::now(), wall_clock_ms()); });
      },
      [=, &mc](storage_atom, const trash_request& r) {
        return ask_core<ns_reply>(self,
                                  [&](auto t) { return mc.on_request(t, r, core::clock::now()); });
      },
      [=, &mc](storage_atom, const versions_request& r) {
        return ask_core<ns_reply>(self, [&](auto t) { return mc.on_request(t, r); });
      },
      [=, &mc](storage_atom, const layout_request& r) {
        return ask_core<ns_reply>(self, [&](auto t) { return mc.on_request(t, r); });
      },
      [=, &mc](put_atom, const put_request& r) {
        return ask_core<put_plan>(self,
                                  [&](auto t) { return mc.on_put(t, r, core::clock::now()); });
      },
      [=, &mc](commit_atom, const put_commit& r) {
        return ask_core<ns_reply>(
            self, [&](auto t) { return mc.on_commit(t, r, core::clock::now(), wall_clock_ms()); });
      },
      [=](flush_atom) { flush_journal(self); },
      [=, &mc](member_event_atom, const member_event_msg& e) {
        // Membership is the faster signal; the heartbeat table stays as the second one.
        if (!is_chunkserver(e)) return;
        if (e.kind == member_event_kind::down || e.kind == member_event_kind::left)
          carry_out(self,
                    mc.on_member_down(e.id, e.kind == member_event_kind::left, core::clock::now()));
      },
      [=, &mc](tick_atom) {
        carry_out(self, mc.on_tick(core::clock::now(), wall_clock_ms()));
        self->delayed_send(self, tick_interval, tick_atom::value);
      },
  };
}

}  // namespace dfs
