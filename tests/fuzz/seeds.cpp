// Writes the seed corpus of the harnesses: a few valid encodings per decoder, made by the real
// encoders, so each harness starts from inputs that pass its checks. Run on purpose when a
// format changes (tests/fuzz/README.md): fuzz_seeds tests/fuzz/corpus
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "client/control_proxy_wire.hpp"
#include "common/crc32c.hpp"
#include "common/little_endian.hpp"
#include "core/discovery/discovery_packet.hpp"
#include "core/oplog/frame.hpp"
#include "core/records/record_frame.hpp"
#include "core/security/capability.hpp"
#include "net/data_frame.hpp"
#include "net/data_messages.hpp"
#include "net/gcs_transport.hpp"
#include "net/local_reads.hpp"
#include "net/mutation_wire.hpp"
#include "net/packet_codec.hpp"
#include "proto/ftqueue.hpp"
#include "proto/gcs_log.hpp"
#include "proto/master_log.hpp"
#include "proto/membership.hpp"
#include "proto/replog.hpp"
#include "proto/request_wire.hpp"
#include "proto/status.hpp"
#include "proto/wire.hpp"

using namespace dfs;

namespace {

std::string root;

void put(const std::string& harness, const std::string& name, const std::string& bytes) {
  auto dir = root + "/" + harness;
  ::mkdir(dir.c_str(), 0755);
  std::ofstream(dir + "/seed-" + name, std::ios::binary) << bytes;
}

// A data-port frame as data_frame_fuzz's peer sends it (cluster 0x5eed5eed).
std::string data_frame(net::data_type t, const std::string& payload) {
  std::string h(net::data_header_bytes, '\0');
  put_le(&h[0], net::data_magic, 4);
  h[4] = static_cast<char>(net::data_protocol_version);
  h[5] = static_cast<char>(t);
  put_le(&h[8], 0x5eed5eed, 4);
  put_le(&h[12], payload.size(), 4);
  put_le(&h[16], crc32c(payload), 4);
  put_le(&h[20], crc32c(h.data(), 20), 4);
  return h + payload;
}

std::string reply(uint32_t status, const std::string& msg, const std::string& body) {
  return data_frame(net::data_type::reply, net::wire_writer().u32(status).str(msg).take() + body);
}

void data_frames(const std::string& write_token, const std::string& read_token) {
  using namespace net;
  push_begin_msg pb{7, 42, 1, 5, {{"10.0.0.2", 17111}, {"10.0.0.3", 17121}}, write_token};
  put("data_frame", "push",
      data_frame(data_type::push_begin, encode(pb)) + data_frame(data_type::push_data, "hello") +
          data_frame(data_type::finalize, ""));
  put("data_frame", "read",
      data_frame(data_type::read, encode(read_msg{42, 0, 5, read_token})) + reply(0, "ok", "") +
          data_frame(data_type::read_data, "hello"));
  put("data_frame", "stat",
      data_frame(data_type::stat, encode(stat_msg{42, read_token})) +
          reply(0, "", encode(stat_reply_msg{1, 5, 0x1234})));
  put("data_frame", "list",
      data_frame(data_type::list, "") +
          reply(0, "", encode(list_reply_msg{3, 15, {{42, 1, 5}, {43, 2, 10}}})));
  put("data_frame", "pushed",
      reply(0, "", encode(push_result_msg{{"10.0.0.2:17111"}})) +
          reply(7, "forbidden: no token", ""));
  // A multiplexed request port's answers (net/mux_conn.hpp), out of order.
  auto tagged = [](uint64_t tag, uint32_t status, const std::string& msg) {
    return data_frame(data_type::tagged_reply,
                      wire_writer().u64(tag).u32(status).str(msg).take() + "body");
  };
  put("data_frame", "tagged", tagged(2, 0, "") + tagged(1, 2, "no answer in time"));
  // A record append (net/mutation_wire.hpp): the client's held data and request, the primary's
  // reply, then the replicas' frames.
  namespace cs = chunkserver;
  mutate_msg mutate;
  mutate.request = {
      9, 1, 42, cs::client_op::append, 0, 5, chunkstore::data_id{77}, {{"10.0.0.3", 17121}}, 0};
  mutate.token = write_token;
  put("data_frame", "append",
      data_frame(data_type::hold_begin, encode(pb)) + data_frame(data_type::push_data, "hello") +
          data_frame(data_type::mutate, encode(mutate)) +
          reply(0, "", encode(mutate_reply_msg{cs::mutation_status::ok, 4096})));
  endpoint primary{"10.0.0.2", 17111}, secondary{"10.0.0.3", 17121};
  put("data_frame", "replicas",
      data_frame(data_type::mutation, encode(peer_mutation{primary,
                                                           {42, 3, 1, cs::mutation_kind::write, 0,
                                                            5, chunkstore::data_id{77}},
                                                           write_token})) +
          data_frame(
              data_type::mutation_ack,
              encode(peer_ack{secondary, {42, 3, 1, cs::ack_status::applied}, write_token})) +
          data_frame(data_type::resend_request,
                     encode(peer_resend{secondary, {42, 3, 2}, write_token})) +
          data_frame(data_type::mutation_gone,
                     encode(peer_gone{primary, {42, 3, 2}, write_token})));
  // A local read's request as its socket takes it (net/local_reads.hpp).
  put("data_frame", "local_read",
      data_frame(data_type::read, encode_local_request(read_msg{42, 0, 5, read_token})));
}

void swim_packets() {
  using namespace membership;
  node_id a{"10.0.0.2", 7000, 5}, b{"10.0.0.3", 7000, 6};
  packet ping{packet_kind::ping, a, 1, "master", 9, {"10.0.0.1", 7000, 1}, {}, {}};
  ping.updates.push_back({b, member_state::suspect, 2, a, ""});
  put("swim_packet", "ping", wire::encode(ping));
  packet join{packet_kind::join_reply, a, 1, "", 0, {}, {}, {}};
  join.state = {{a, member_state::alive, 1, {}, "master"}, {b, member_state::dead, 3, {}, ""}};
  put("swim_packet", "join_reply", wire::encode(join));
  packet leave{packet_kind::leave, b, 4, "", 0, {}, {{b, member_state::left, 4, {}, ""}}, {}};
  put("swim_packet", "leave", wire::encode(leave));
  net::packet_codec codec("fuzz", "fuzz cluster key");
  put("swim_packet", "datagram", codec.encode(net::channel::membership, wire::encode(ping)));
}

// gcs_datagram_fuzz input: (u16 length, frame bytes)*.
std::string gcs_input(const std::vector<std::string>& frames) {
  std::string out;
  for (auto& f : frames) {
    append_le(out, f.size(), 2);
    out += f;
  }
  return out;
}

void gcs_datagrams() {
  using namespace gcs;
  node_id a{"10.0.0.2", 7002, 5}, b{"10.0.0.3", 7002, 6};
  frame f;
  f.sender = a;
  f.pkt.kind = packet_kind::data;
  f.pkt.view = {3, a};
  f.pkt.data = {{{a, 1}, {11, 1, "enqueue q1 hello"}}};
  auto data = wire::encode(f);
  f.pkt = {};
  f.pkt.kind = packet_kind::order;
  f.pkt.orders = {{0, 1, {{a, 1}, {b, 1}}}};
  auto order = wire::encode(f);
  f.pkt = {};
  f.pkt.kind = packet_kind::install;
  f.pkt.install.view = {{4, a}, {a, b}, true, 3};
  f.pkt.install.has_snapshot = true;
  f.pkt.install.snapshot = "queues";
  auto install = wire::encode(f);
  put("gcs_datagram", "packets", gcs_input({data, order}));
  // The install packet in two fragments of one sender, as encode_packet cuts a large one.
  frame frag;
  frag.sender = a;
  frag.kind = frame_kind::fragment;
  frag.frag_id = 1;
  frag.frag_count = 2;
  frag.frag_bytes = install.substr(0, 20);
  auto first = wire::encode(frag);
  frag.frag_index = 1;
  frag.frag_bytes = install.substr(20);
  put("gcs_datagram", "fragments", gcs_input({wire::encode(frag), first}));
  // DATA and ORDER for one peer in one datagram, as the sequencer's flush bundles them.
  frame bundle;
  bundle.sender = a;
  bundle.kind = frame_kind::bundle;
  for (auto* whole : {&data, &order}) {
    frame one;
    wire::decode(*whole, one);
    bundle.parts.push_back(wire::encode(one.pkt));
  }
  put("gcs_datagram", "bundle", gcs_input({wire::encode(bundle)}));
}

std::string oplog_frames(const std::vector<master::log_record>& records) {
  std::vector<char> out;
  for (auto& r : records)
    oplog::append_frame(out, oplog::frame_type::record, proto::encode_record(r));
  return std::string(out.begin(), out.end());
}

// gcs_log_fuzz: '1' + an image, '0' + length-prefixed entries.
void gcs_log_files() {
  node_id a{"10.0.0.1", 17000, 7}, b{"10.0.0.2", 17000, 9};
  auto entry = [&](uint64_t seq) {
    return gcs::log_entry{seq, gcs::msg_id{a, seq},
                          gcs::client_op{5, seq, "push 1 " + std::to_string(seq)}};
  };
  gcs::durable_image im;
  im.last_primary = gcs::view_desc{{3, a}, {a, b}, true, 4};
  im.has_pending = true;
  im.pending.view = gcs::view_desc{{4, b}, {a, b}, true, 6};
  im.pending.entries = {entry(4), entry(5)};
  im.accepted = gcs::view_id{4, b};
  im.max_epoch = 4;
  im.snapshot_seq = 3;
  im.snapshot = "queues";
  im.entries = {entry(4), entry(5)};
  put("gcs_log", "image", "1" + proto::encode_gcs_image(im));
  gcs::view_record vr;
  vr.accepted = im.accepted;
  vr.max_epoch = im.max_epoch;
  vr.has_pending = true;
  vr.pending = im.pending;
  put("gcs_log", "record", "2" + proto::encode_gcs_record(vr));
  std::string log = "0";
  for (uint64_t s = 1; s <= 3; ++s) {
    auto e = proto::encode_gcs_entry(entry(s));
    log += static_cast<char>(e.size());
    log += e;
  }
  put("gcs_log", "log", log);
}

// replog_entry_fuzz: '0' + an entry, '1' + a hard state, '2' + a snapshot meta.
void replog_files() {
  replog::configuration c{{{endpoint{"10.0.0.1", 17000}, 0}, {endpoint{"10.0.0.2", 17000}, 9}}};
  replog::entry data{7, 3, replog::entry_kind::data, "batch of records", {}};
  replog::entry noop{8, 4, replog::entry_kind::noop, "", {}};
  replog::entry config{9, 4, replog::entry_kind::config, "", c};
  put("replog_entry", "data", "0" + proto::encode_replog_entry(data));
  put("replog_entry", "noop", "0" + proto::encode_replog_entry(noop));
  put("replog_entry", "config", "0" + proto::encode_replog_entry(config));
  replog::hard_state h{9, 4, endpoint{"10.0.0.1", 17000}, 0, 9};
  put("replog_entry", "hard", "1" + proto::encode_replog_hard_state(h));
  put("replog_entry", "meta", "2" + proto::encode_replog_snapshot_meta({6, 3, c}));
}

void oplog_files() {
  using namespace master;
  chunk_meta c1{chunk_handle{1}, 1, 5, 0x1234}, c2{chunk_handle{2}, 1, 9, 0x5678};
  put("oplog", "log",
      oplog_frames({mkdir_record{"/docs"}, allocate_record{chunk_handle{1}, 2},
                    commit_record{"/docs/a", 1, 1000, 1024, 3, {c1, c2}},
                    commit_record{"/docs/a", 2, 2000, 1024, 3, {c1}}, remove_record{"/docs/b"},
                    abandon_record{{chunk_handle{2}}}}));
  master_snapshot s;
  s.next_handle = 4;
  s.dirs = {"/docs"};
  s.files = {{"/docs/a", 2, {{1, 1000, 14, 1024, {chunk_handle{1}, chunk_handle{2}}}}}};
  s.chunks = {c1, c2};
  s.uncommitted = {chunk_handle{3}};
  auto cp = oplog::encode_frame(oplog::frame_type::checkpoint, proto::encode_snapshot(s));
  put("oplog", "checkpoint",
      std::string(cp.begin(), cp.end()) +
          oplog_frames({commit_record{"/docs/c", 1, 3000, 1024, 3, {{chunk_handle{3}, 1, 1, 7}}},
                        remove_record{"/docs/a"}}));
  // Client mutations tagged with who asked (request records), and a checkpoint holding the
  // request table (snapshot format 4).
  master_snapshot t = s;
  t.requests = {{77, 3, {{4, {1, 1000, 14, 1024, 2, {}}}, {5, {0, 0, 0, 0, 0, "/docs/m"}}}}};
  auto cp4 = oplog::encode_frame(oplog::frame_type::checkpoint, proto::encode_snapshot(t));
  put("oplog", "requests",
      std::string(cp4.begin(), cp4.end()) +
          oplog_frames(
              {request_record{{77, 6}, {}, mkdir_record{"/docs/n"}},
               request_record{
                   {77, 7}, {0, 0, 0, 0, 0, "/docs/o"}, rename_record{"/docs/n", "/docs/o"}},
               request_record{{78, 1}, {}, trash_record{"/docs/a", 1, 4000}}}));
  // Lease grants' version bumps (kind 12) on a chunk of the checkpoint.
  put("oplog", "bumps",
      std::string(cp.begin(), cp.end()) +
          oplog_frames({bump_version_record{chunk_handle{1}, 2, {}},
                        bump_version_record{chunk_handle{1}, 3, {}}}));
  // A snapshot (a commit sharing every chunk), then a copy-on-write of its first chunk (kind 14).
  put("oplog", "cow",
      std::string(cp.begin(), cp.end()) +
          oplog_frames({commit_record{"/docs/a", 2, 2000, 1024, 3, {c1, c2}},
                        allocate_record{chunk_handle{4}, 1},
                        cow_record{"/docs/a", 2, 0, chunk_handle{1}, chunk_handle{4}}}));
  // Small files stored inline (kind 15, also inside a request record), one of them moved into
  // a chunk (kind 16), after a checkpoint (format 5) that holds inline bytes of a file and of
  // a trash entry.
  master_snapshot u = s;
  u.files.push_back({"/docs/s", 2, {{1, 1000, 5, 1024, {}}}});
  u.trash = {{1, "/docs/t", 1500, 2, {{1, 1000, 3, 1024, {}}}}};
  u.next_trash_id = 2;
  u.inlined = {{0, "/docs/s", 1, "small"}, {1, "/docs/t", 1, "old"}};
  auto cp5 = oplog::encode_frame(oplog::frame_type::checkpoint, proto::encode_snapshot(u));
  put("oplog", "inline",
      std::string(cp5.begin(), cp5.end()) +
          oplog_frames({commit_record{"/docs/i", 1, 3000, 1024, 3, {}, "inline bytes"},
                        request_record{{79, 1},
                                       {2, 3000, 4, 1024, 0, {}},
                                       commit_record{"/docs/s", 2, 3000, 1024, 3, {}, "tiny"}},
                        allocate_record{chunk_handle{4}, 1},
                        materialize_record{"/docs/i", 1, 1024, {{chunk_handle{4}, 1, 12, 9}}}}));
}

void discovery_packets() {
  using namespace discovery;
  auto key = packet_key("fuzz discovery key");
  put("discovery", "probe", encode_probe(42, key));
  put("discovery", "answer",
      encode_answer(42, {"10.0.0.5", 17010, static_cast<uint8_t>(discovery_role::master)}, key));
}

void capabilities() {
  using namespace security;
  auto key = capability_key("fuzz cluster key");
  constexpr uint64_t later = 1800000000000;  // after capability_fuzz's now
  put("capability", "read", sign_capability({capability_op::read, 42, 1, later, {}}, key));
  put("capability", "write",
      sign_capability({capability_op::write,
                       42,
                       3,
                       later,
                       {"10.0.0.2:17111", "10.0.0.3:17121", "10.0.0.4:17131"}},
                      key));
}

// record_scan_fuzz: a chunk of records with padding, a torn fragment and a duplicate, and a
// recipe (control byte: size << 2 | what; 0 frame, 1 zeros, 2 torn frame, 3 raw bytes).
void record_chunks() {
  using records::frame;
  auto torn = frame({7, 3}, "torn away");
  put("record_scan", "chunk",
      frame({7, 1}, "first\n") + std::string(16, '\0') + torn.substr(0, 20) +
          frame({7, 2}, "second\n") + frame({7, 2}, "second\n") + std::string(64, '\0'));
  put("record_scan", "recipe",
      std::string("\x18") + "abcdef" + "\x05" + "x" + "\x12" + "torn" + "\x13" + "REC1" + "\x14" +
          "hello");
}

}  // namespace

// request_fuzz: one request-port payload per kind of struct the clients send most.
void request_payloads() {
  using proto::request_method;
  auto req = [](request_method m, const std::string& body) {
    return proto::encode_request(m, 5000, body);
  };
  put("request", "stat", req(request_method::ns, wire::encode(ns_request{ns_op::stat, "/d/f"})));
  put("request", "rename",
      req(request_method::ns, wire::encode(ns_request{ns_op::rename, "/a", "/b", 7, 9})));
  put("request", "put", req(request_method::put, wire::encode(put_request{"/d/f", 4096, 0})));
  put_commit commit;
  commit.path = "/d/f";
  commit.chunks.push_back(ns_chunk{});
  commit.chunks[0].handle = 42;
  commit.chunks[0].replicas = {replica_addr{node_id{"10.0.0.1", 17100, 1}, 17101}};
  put("request", "commit", req(request_method::commit, wire::encode(commit)));
  put("request", "lease", req(request_method::lease, wire::encode(lease_request{"/d/f", 1, 42})));
  put("request", "queue", req(request_method::queue, wire::encode(queue_request{1, 2, 3, 4, 5})));
}

// plain_wire_fuzz: a type byte (ns_reply 0, put_plan 1, lock_reply 2, lease_reply 3,
// status_reply 4, queue_reply 5, helper result 6, helper request 7, GCS frame 8, gossip
// packet 9), then its bytes.
void plain_wire_inputs() {
  auto typed = [](char type, const std::string& bytes) { return std::string(1, type) + bytes; };
  ns_reply listing;
  listing.entries = {{"a", true, 0, 1700000000000, 0, 3}, {"b", false, 4096, 1700000000001, 2, 1}};
  listing.versions = {{1, 2, 3, 4, 5}};
  put("plain_wire", "listing", typed(0, wire::encode(listing)));
  put_plan plan;
  plan.chunk_size_bytes = 64u << 20;
  plan.write_quorum = 2;
  plan.chunks.push_back(ns_chunk{});
  plan.chunks[0].handle = 42;
  plan.chunks[0].replicas = {replica_addr{node_id{"10.0.0.1", 17100, 1}, 17101}};
  plan.chunks[0].token = "token";
  put("plain_wire", "plan", typed(1, wire::encode(plan)));
  put("plain_wire", "lock", typed(2, wire::encode(lock_reply{ns_status::busy, "held", 5})));
  lease_reply lease;
  lease.primary = replica_addr{node_id{"10.0.0.1", 17100, 1}, 17101};
  lease.secondaries = {lease.primary};
  put("plain_wire", "lease", typed(3, wire::encode(lease)));
  status_reply st;
  st.section.present = true;
  st.section.chunkservers = {{"cs", "10.0.0.2:17111", "z", "healthy", "", -1, 1, 2, 3, 4}};
  st.section.repair.bytes_per_s = 12.5;
  put("plain_wire", "status", typed(4, wire::encode(st)));
  put("plain_wire", "queue", typed(5, wire::encode(queue_reply{queue_status::ok, -3, ""})));
  put("plain_wire", "helper_result",
      typed(6, proxy_wire::encode(master_fallback::result{master_fallback::result::answered, "",
                                                          wire::encode(listing)})));
  put("plain_wire", "helper_request",
      typed(7,
            proxy_wire::encode(proxy_wire::request{proto::request_method::ns, 100, 200,
                                                   "10.0.0.1:17010", wire::encode(ns_request{})})));
  gcs::frame bundle;
  bundle.sender = node_id{"10.0.0.2", 7002, 5};
  bundle.kind = gcs::frame_kind::bundle;
  gcs::packet data;
  data.kind = gcs::packet_kind::data;
  data.data = {{{bundle.sender, 1}, {11, 1, "enqueue q1 hello"}}};
  bundle.parts = {wire::encode(data)};
  put("plain_wire", "gcs_bundle", typed(8, wire::encode(bundle)));
  membership::packet ping{membership::packet_kind::ping,
                          bundle.sender,
                          1,
                          "fileserver",
                          9,
                          node_id{"10.0.0.1", 7000, 1},
                          {},
                          {}};
  put("plain_wire", "gossip_ping", typed(9, wire::encode(ping)));
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds CORPUS_ROOT\n");
    return 2;
  }
  root = argv[1];
  using namespace security;
  auto key = capability_key("fuzz cluster key");
  auto wt = sign_capability({capability_op::write,
                             42,
                             1,
                             1800000000000,
                             {"10.0.0.1:17101", "10.0.0.2:17111", "10.0.0.3:17121"}},
                            key);
  auto rt = sign_capability({capability_op::read, 42, 1, 1800000000000, {}}, key);
  data_frames(wt, rt);
  swim_packets();
  gcs_datagrams();
  oplog_files();
  gcs_log_files();
  replog_files();
  capabilities();
  discovery_packets();
  record_chunks();
  request_payloads();
  plain_wire_inputs();
  return 0;
}
