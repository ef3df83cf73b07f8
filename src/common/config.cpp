#include "common/config.hpp"
#include "common/limits.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace dfs {

namespace {

// One schema entry: how to set a key from a TOML node, and how to print its value.
struct field {
  std::string key;
  std::function<void(config&, const toml::node&, const std::string& origin)> set;
  std::function<std::string(const config&)> literal;
};

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date/time";
  }
}

[[noreturn]] void bad_value(const std::string& origin, const std::string& key,
                            const std::string& expected, const std::string& got) {
  throw config_error(origin + ": key '" + key + "': expected " + expected + ", got " + got);
}

template <class T>
std::string literal_of(const T& v) {
  std::ostringstream os;
  os << toml::value<T>(v);
  return os.str();
}

template <class S, class T>
field uint_field(std::string key, S config::*sec, T S::*mem, T lo,
                 T hi = std::numeric_limits<T>::max()) {
  auto expected = "an integer in " + std::to_string(lo) + ".." + std::to_string(hi);
  return {key,
          [=](config& c, const toml::node& n, const std::string& origin) {
            auto v = n.as_integer();
            if (!v) bad_value(origin, key, expected, type_name(n));
            int64_t x = v->get();
            if (x < 0 || static_cast<uint64_t>(x) < lo || static_cast<uint64_t>(x) > hi)
              bad_value(origin, key, expected, std::to_string(x));
            (c.*sec).*mem = static_cast<T>(x);
          },
          [=](const config& c) { return std::to_string((c.*sec).*mem); }};
}

template <class S>
field bool_field(std::string key, S config::*sec, bool S::*mem) {
  return {key,
          [=](config& c, const toml::node& n, const std::string& origin) {
            auto v = n.as_boolean();
            if (!v) bad_value(origin, key, "a boolean", type_name(n));
            (c.*sec).*mem = v->get();
          },
          [=](const config& c) { return std::string((c.*sec).*mem ? "true" : "false"); }};
}

// A string; when `allowed` is not empty the value must be one of them.
template <class S>
field string_field(std::string key, S config::*sec, std::string S::*mem,
                   std::vector<std::string> allowed = {}) {
  return {key,
          [=](config& c, const toml::node& n, const std::string& origin) {
            std::string expected = "a string";
            if (!allowed.empty()) {
              expected = "one of";
              for (auto& a : allowed) expected += " '" + a + "'";
            }
            auto v = n.as_string();
            if (!v) bad_value(origin, key, expected, type_name(n));
            if (!allowed.empty() &&
                std::find(allowed.begin(), allowed.end(), v->get()) == allowed.end())
              bad_value(origin, key, expected, "'" + v->get() + "'");
            (c.*sec).*mem = v->get();
          },
          [=](const config& c) { return literal_of((c.*sec).*mem); }};
}

template <class S>
field string_list_field(std::string key, S config::*sec, std::vector<std::string> S::*mem) {
  return {key,
          [=](config& c, const toml::node& n, const std::string& origin) {
            auto arr = n.as_array();
            if (!arr) bad_value(origin, key, "an array of strings", type_name(n));
            std::vector<std::string> out;
            for (auto& e : *arr) {
              auto s = e.as_string();
              if (!s)
                bad_value(origin, key, "an array of strings", "an element that is " + type_name(e));
              out.push_back(s->get());
            }
            (c.*sec).*mem = std::move(out);
          },
          [=](const config& c) {
            std::string s = "[";
            for (auto& e : (c.*sec).*mem) s += (s.size() > 1 ? ", " : "") + literal_of(e);
            return s + "]";
          }};
}

// A byte size: an integer, or a string with a unit ("64MiB"), within [lo, hi].
template <class S>
field size_field(std::string key, S config::*sec, uint64_t S::*mem, uint64_t lo, uint64_t hi) {
  auto expected = "a size (bytes or e.g. \"64MiB\") in " + std::to_string(lo) + ".." +
                  std::to_string(hi) + " bytes";
  return {key,
          [=](config& c, const toml::node& n, const std::string& origin) {
            std::optional<uint64_t> v;
            if (auto i = n.as_integer(); i && i->get() >= 0) v = static_cast<uint64_t>(i->get());
            if (auto s = n.as_string()) v = parse_size(s->get());
            if (!v) bad_value(origin, key, expected, type_name(n));
            if (*v < lo || *v > hi) bad_value(origin, key, expected, std::to_string(*v));
            (c.*sec).*mem = *v;
          },
          [=](const config& c) { return std::to_string((c.*sec).*mem); }};
}

const std::vector<field>& schema() {
  using C = config;
  static const std::vector<field> fields = {
      string_field("node.host", &C::node, &node_section::host),
      uint_field<node_section, uint16_t>("node.port", &C::node, &node_section::port, 1, 65532),
      string_field("node.data_dir", &C::node, &node_section::data_dir),
      string_field("cluster.name", &C::cluster, &cluster_section::name),
      string_field("cluster.key", &C::cluster, &cluster_section::key),
      string_field("cluster.key_file", &C::cluster, &cluster_section::key_file),
      string_list_field("cluster.introducers", &C::cluster, &cluster_section::introducers),
      string_list_field("cluster.masters", &C::cluster, &cluster_section::masters),
      string_field("cluster.discovery", &C::cluster, &cluster_section::discovery,
                   {"static", "multicast"}),
      string_field("cluster.multicast_group", &C::cluster, &cluster_section::multicast_group),
      string_field("cluster.discovery_key", &C::cluster, &cluster_section::discovery_key),
      string_field("log.level", &C::log, &log_section::level,
                   {"trace", "debug", "info", "warn", "error", "critical", "off"}),
      bool_field("log.console", &C::log, &log_section::console),
      uint_field<log_section, uint64_t>("log.file_max_bytes", &C::log, &log_section::file_max_bytes,
                                        4096),
      uint_field<log_section, uint32_t>("log.file_count", &C::log, &log_section::file_count, 1,
                                        100),
      uint_field<caf_section, uint32_t>("caf.threads", &C::caf, &caf_section::threads, 0, 64),
      string_field("caf.policy", &C::caf, &caf_section::policy, {"stealing", "sharing"}),
      uint_field<caf_section, uint32_t>("caf.heartbeat_interval_ms", &C::caf,
                                        &caf_section::heartbeat_interval_ms, 10, 60000),
      uint_field<caf_section, uint32_t>("caf.connection_timeout_ms", &C::caf,
                                        &caf_section::connection_timeout_ms, 100, 600000),
      string_field("master.address", &C::master, &master_section::address),
      uint_field<master_section, uint32_t>("master.unhealthy_after_ms", &C::master,
                                           &master_section::unhealthy_after_ms, 10),
      uint_field<master_section, uint32_t>("master.removed_after_ms", &C::master,
                                           &master_section::removed_after_ms, 10),
      size_field("master.chunk_size", &C::master, &master_section::chunk_size_bytes,
                 limits::min_chunk_size_bytes, limits::max_chunk_size_bytes),
      uint_field<master_section, uint32_t>("master.max_versions", &C::master,
                                           &master_section::max_versions, 1, 1000),
      uint_field<master_section, uint32_t>("master.checkpoint_interval_ms", &C::master,
                                           &master_section::checkpoint_interval_ms, 100),
      uint_field<master_section, uint64_t>("master.checkpoint_bytes", &C::master,
                                           &master_section::checkpoint_bytes, 4096),
      uint_field<master_section, uint32_t>("master.handle_grace_ms", &C::master,
                                           &master_section::handle_grace_ms, 100),
      uint_field<master_section, uint32_t>("master.capability_ttl_ms", &C::master,
                                           &master_section::capability_ttl_ms, 1000),
      uint_field<master_section, uint32_t>("master.trash_ttl_s", &C::master,
                                           &master_section::trash_ttl_s, 0, 3650u * 86400),
      uint_field<master_section, uint32_t>("master.dir_lease_ms", &C::master,
                                           &master_section::dir_lease_ms, 0, 10000),
      uint_field<master_section, uint32_t>("master.request_results_per_client", &C::master,
                                           &master_section::request_results_per_client, 1, 65536),
      uint_field<master_section, uint32_t>("master.request_clients", &C::master,
                                           &master_section::request_clients, 1, 1000000),
      uint_field<master_section, uint32_t>("master.inline_max_bytes", &C::master,
                                           &master_section::inline_max_bytes, 0, 65536),
      uint_field<master_section, uint32_t>("master.inline_budget_mib", &C::master,
                                           &master_section::inline_budget_mib, 0, 65536),
      uint_field<master_section, uint32_t>("master.replicas", &C::master, &master_section::replicas,
                                           1, 7),
      bool_field("master.bootstrap", &C::master, &master_section::bootstrap),
      uint_field<master_section, uint32_t>("master.election_timeout_ms", &C::master,
                                           &master_section::election_timeout_ms, 50, 60000),
      uint_field<master_section, uint32_t>("master.replication_heartbeat_ms", &C::master,
                                           &master_section::replication_heartbeat_ms, 5, 10000),
      uint_field<master_section, uint32_t>("master.stale_read_max_ms", &C::master,
                                           &master_section::stale_read_max_ms, 1, 3600000),
      uint_field<quorum_section, uint32_t>("quorum.replication", &C::quorum,
                                           &quorum_section::replication, 1, 16),
      uint_field<quorum_section, uint32_t>("quorum.write", &C::quorum, &quorum_section::write, 1,
                                           16),
      uint_field<quorum_section, uint32_t>("quorum.read", &C::quorum, &quorum_section::read, 1, 16),
      uint_field<chunkserver_section, uint32_t>(
          "chunkserver.heartbeat_interval_ms", &C::chunkserver,
          &chunkserver_section::heartbeat_interval_ms, 10, 600000),
      uint_field<chunkserver_section, uint64_t>("chunkserver.capacity_bytes", &C::chunkserver,
                                                &chunkserver_section::capacity_bytes, 0),
      uint_field<chunkserver_section, uint32_t>("chunkserver.pending_ttl_ms", &C::chunkserver,
                                                &chunkserver_section::pending_ttl_ms, 100),
      uint_field<chunkserver_section, uint64_t>("chunkserver.max_pending_bytes", &C::chunkserver,
                                                &chunkserver_section::max_pending_bytes,
                                                1ull << 20),
      uint_field<chunkserver_section, uint64_t>(
          "chunkserver.max_pending_bytes_per_conn", &C::chunkserver,
          &chunkserver_section::max_pending_bytes_per_conn, 1ull << 20),
      uint_field<chunkserver_section, uint32_t>("chunkserver.scrub_mib_s", &C::chunkserver,
                                                &chunkserver_section::scrub_mib_s, 1, 100000),
      uint_field<chunkserver_section, uint32_t>("chunkserver.scrub_interval_h", &C::chunkserver,
                                                &chunkserver_section::scrub_interval_h, 0,
                                                24 * 365),
      string_field("chunkserver.zone", &C::chunkserver, &chunkserver_section::zone),
      bool_field("chunkserver.local_reads", &C::chunkserver, &chunkserver_section::local_reads),
      uint_field<client_section, uint32_t>("client.timeout_ms", &C::client,
                                           &client_section::timeout_ms, 10),
      string_list_field("client.fileservers", &C::client, &client_section::fileservers),
      bool_field("client.request_port", &C::client, &client_section::request_port),
      bool_field("client.local_reads", &C::client, &client_section::local_reads),
      string_field("client.tls_session_dir", &C::client, &client_section::tls_session_dir),
      uint_field<gcs_section, uint32_t>("gcs.expected_group_size", &C::gcs,
                                        &gcs_section::expected_group_size, 1, 64),
      uint_field<gcs_section, uint32_t>("gcs.tick_interval_ms", &C::gcs,
                                        &gcs_section::tick_interval_ms, 1, 1000),
      uint_field<gcs_section, uint32_t>("gcs.status_interval_ms", &C::gcs,
                                        &gcs_section::status_interval_ms, 1, 10000),
      uint_field<gcs_section, uint32_t>("gcs.nack_interval_ms", &C::gcs,
                                        &gcs_section::nack_interval_ms, 1, 10000),
      uint_field<gcs_section, uint32_t>("gcs.view_retry_ms", &C::gcs, &gcs_section::view_retry_ms,
                                        1, 10000),
      uint_field<gcs_section, uint32_t>("gcs.view_timeout_ms", &C::gcs,
                                        &gcs_section::view_timeout_ms, 10, 600000),
      uint_field<gcs_section, uint32_t>("gcs.suspect_after_ms", &C::gcs,
                                        &gcs_section::suspect_after_ms, 0, 600000),
      uint_field<gcs_section, uint32_t>("gcs.max_order_batch", &C::gcs,
                                        &gcs_section::max_order_batch, 1, 1024),
      uint_field<gcs_section, uint32_t>("gcs.max_unstable_msgs", &C::gcs,
                                        &gcs_section::max_unstable_msgs, 16, 1000000),
      uint_field<gcs_section, uint32_t>("gcs.max_queued_ops", &C::gcs, &gcs_section::max_queued_ops,
                                        16, 1000000),
      string_field("gcs.durability", &C::gcs, &gcs_section::durability, {"disk", "memory"}),
      uint_field<gcs_section, uint32_t>("gcs.checkpoint_every", &C::gcs,
                                        &gcs_section::checkpoint_every, 16, 100000000),
      uint_field<gcs_section, uint32_t>("gcs.sync_interval_us", &C::gcs,
                                        &gcs_section::sync_interval_us, 0, 100000),
      uint_field<gcs_section, uint32_t>("gcs.spare_sync_us", &C::gcs, &gcs_section::spare_sync_us,
                                        0, 100000),
      uint_field<client_section, uint32_t>("client.cache_ttl_ms", &C::client,
                                           &client_section::cache_ttl_ms, 0, 3600000),
      uint_field<client_section, uint32_t>("client.window_chunks", &C::client,
                                           &client_section::window_chunks, 1, 64),
      uint_field<membership_section, uint32_t>("membership.protocol_period_ms", &C::membership,
                                               &membership_section::protocol_period_ms, 10, 60000),
      uint_field<membership_section, uint32_t>("membership.probe_timeout_ms", &C::membership,
                                               &membership_section::probe_timeout_ms, 1, 60000),
      uint_field<membership_section, uint32_t>("membership.indirect_probes", &C::membership,
                                               &membership_section::indirect_probes, 0, 16),
      uint_field<membership_section, uint32_t>("membership.suspicion_min_ms", &C::membership,
                                               &membership_section::suspicion_min_ms, 10, 600000),
      uint_field<membership_section, uint32_t>("membership.suspicion_max_ms", &C::membership,
                                               &membership_section::suspicion_max_ms, 10, 600000),
      uint_field<membership_section, uint32_t>("membership.gossip_interval_ms", &C::membership,
                                               &membership_section::gossip_interval_ms, 10, 60000),
      uint_field<membership_section, uint32_t>("membership.gossip_fanout", &C::membership,
                                               &membership_section::gossip_fanout, 1, 16),
      uint_field<membership_section, uint32_t>("membership.push_pull_interval_ms", &C::membership,
                                               &membership_section::push_pull_interval_ms, 100,
                                               3600000),
      string_field("tls.ca", &C::tls, &tls_section::ca),
      string_field("tls.cert", &C::tls, &tls_section::cert),
      string_field("tls.key", &C::tls, &tls_section::key),
      bool_field("tls.data", &C::tls, &tls_section::data),
      uint_field<tls_section, uint32_t>("tls.token_ttl_s", &C::tls, &tls_section::token_ttl_s, 10,
                                        30 * 24 * 3600),
      uint_field<net_section, uint32_t>("net.idle_timeout_ms", &C::net,
                                        &net_section::idle_timeout_ms, 1000, 3600000),
      uint_field<net_section, uint32_t>("net.handshake_timeout_ms", &C::net,
                                        &net_section::handshake_timeout_ms, 100, 600000),
      uint_field<net_section, uint32_t>("net.max_conns_per_address", &C::net,
                                        &net_section::max_conns_per_address, 1, 100000),
      uint_field<net_section, uint32_t>("net.max_conns", &C::net, &net_section::max_conns, 1,
                                        1000000),
      uint_field<repair_section, uint32_t>("repair.max_copies_per_server", &C::repair,
                                           &repair_section::max_copies_per_server, 1, 64),
      uint_field<repair_section, uint32_t>("repair.max_mib_s", &C::repair,
                                           &repair_section::max_mib_s, 1, 100000),
      uint_field<repair_section, uint32_t>("repair.delay_ms", &C::repair, &repair_section::delay_ms,
                                           0, 86400000),
      uint_field<repair_section, uint32_t>("repair.copy_timeout_ms", &C::repair,
                                           &repair_section::copy_timeout_ms, 1000, 86400000),
      uint_field<replicator_section, uint32_t>("replicator.hot_reads_per_s", &C::replicator,
                                               &replicator_section::hot_reads_per_s, 1, 10000000),
      uint_field<replicator_section, uint32_t>("replicator.max_replicas", &C::replicator,
                                               &replicator_section::max_replicas, 1, 16),
      uint_field<balance_section, uint32_t>("balance.threshold_pct", &C::balance,
                                            &balance_section::threshold_pct, 1, 100),
      uint_field<replicator_section, uint32_t>("replicator.cool_down_s", &C::replicator,
                                               &replicator_section::cool_down_s, 1, 86400),
      uint_field<lease_section, uint32_t>("lease.duration_ms", &C::lease,
                                          &lease_section::duration_ms, 100, 3600000),
      uint_field<lease_section, uint32_t>("lease.max_drift_ppm", &C::lease,
                                          &lease_section::max_drift_ppm, 0, 100000),
      uint_field<lease_section, uint32_t>("lease.offer_timeout_ms", &C::lease,
                                          &lease_section::offer_timeout_ms, 100, 3600000),
      uint_field<lock_section, uint32_t>("lock.default_ttl_ms", &C::lock,
                                         &lock_section::default_ttl_ms, 1000, 3600000),
      uint_field<lock_section, uint32_t>("lock.max_ttl_ms", &C::lock, &lock_section::max_ttl_ms,
                                         1000, 86400000),
      bool_field("gateway.enabled", &C::gateway, &gateway_section::enabled),
      bool_field("gateway.tls", &C::gateway, &gateway_section::tls),
      uint_field<gateway_section, uint32_t>("gateway.max_conns", &C::gateway,
                                            &gateway_section::max_conns, 1, 100000),
      uint_field<gateway_section, uint32_t>("gateway.workers", &C::gateway,
                                            &gateway_section::workers, 1, 256),
      uint_field<gateway_section, uint32_t>("gateway.idle_timeout_ms", &C::gateway,
                                            &gateway_section::idle_timeout_ms, 100, 3600000),
      uint_field<gateway_section, uint32_t>("gateway.max_header_bytes", &C::gateway,
                                            &gateway_section::max_header_bytes, 1024, 1u << 20),
      uint_field<gateway_section, uint64_t>("gateway.max_upload_bytes", &C::gateway,
                                            &gateway_section::max_upload_bytes, 0),
      uint_field<gateway_section, uint32_t>("gateway.window_chunks", &C::gateway,
                                            &gateway_section::window_chunks, 1, 64),
      bool_field("gateway.redirect", &C::gateway, &gateway_section::redirect),
      string_field("fault.crash_after_log", &C::fault, &fault_section::crash_after_log,
                   {"", "commit", "mkdir", "rm", "mv", "undelete", "purge", "grow", "any", "append",
                    "write"}),
  };
  return fields;
}

const field* find_field(const std::string& key) {
  for (auto& f : schema())
    if (f.key == key) return &f;
  return nullptr;
}

void apply_table(config& c, const toml::table& tbl, const std::string& origin) {
  for (auto& [section, value] : tbl) {
    std::string sec{section.str()};
    auto sub = value.as_table();
    if (!sub) throw config_error(origin + ": unknown key '" + sec + "' (keys live in sections)");
    for (auto& [key, v] : *sub) {
      std::string full = sec + "." + std::string(key.str());
      auto f = find_field(full);
      if (!f) throw config_error(origin + ": unknown key '" + full + "'");
      f->set(c, v, origin);
    }
  }
}

void apply_override(config& c, const std::string& kv) {
  auto eq = kv.find('=');
  if (eq == std::string::npos || eq == 0)
    throw config_error("--set '" + kv + "': expected section.key=value");
  auto key = kv.substr(0, eq);
  auto text = kv.substr(eq + 1);
  auto f = find_field(key);
  if (!f) throw config_error("--set: unknown key '" + key + "'");
  // A value in TOML syntax (42, true, ["a"], "s") is taken as such; anything else is a string.
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + text, std::string_view{"--set"});
  } catch (const toml::parse_error&) {
    parsed = toml::table{{"v", text}};
  }
  f->set(c, *parsed.get("v"), "--set");
}

// 224.0.0.0/4 in dotted decimal.
bool is_ipv4_multicast(const std::string& host) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  char tail = 0;
  if (std::sscanf(host.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4) return false;
  return a >= 224 && a <= 239 && b <= 255 && c <= 255 && d <= 255;
}

void require_endpoint(const std::string& origin, const std::string& key, const std::string& v) {
  if (!endpoint::parse(v)) bad_value(origin, key, "HOST:PORT", "'" + v + "'");
}

// cluster.key_file: the secret from a file (trailing whitespace dropped), never both.
void read_key_file(config& c, const std::string& origin) {
  if (!c.cluster.key.empty())
    throw config_error(origin + ": set cluster.key or cluster.key_file, not both");
  std::ifstream in(c.cluster.key_file, std::ios::binary);
  if (!in)
    throw config_error(origin + ": key 'cluster.key_file': cannot read '" + c.cluster.key_file +
                       "': " + std::strerror(errno));
  std::string key;
  std::getline(in, key, '\0');
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
  if (key.empty() || key.size() > 4096)
    throw config_error(origin + ": key 'cluster.key_file': '" + c.cluster.key_file +
                       "' must hold 1 to 4096 bytes of secret");
  c.cluster.key = key;
}

void validate(const config& c, const std::string& origin) {
  require_endpoint(origin, "master.address", c.master.address);
  for (auto& i : c.cluster.introducers) require_endpoint(origin, "cluster.introducers", i);
  for (auto& m : c.cluster.masters) require_endpoint(origin, "cluster.masters", m);
  if (c.master.replicas > 1 && c.cluster.masters.size() != c.master.replicas)
    throw config_error(origin + ": key 'cluster.masters' must list master.replicas (" +
                       std::to_string(c.master.replicas) + ") control addresses, has " +
                       std::to_string(c.cluster.masters.size()));
  if (c.master.replicas > 1 && c.master.replication_heartbeat_ms * 2 > c.master.election_timeout_ms)
    throw config_error(origin +
                       ": key 'master.election_timeout_ms' must be at least twice "
                       "'master.replication_heartbeat_ms'");
  require_endpoint(origin, "cluster.multicast_group", c.cluster.multicast_group);
  if (auto g = endpoint::parse(c.cluster.multicast_group); g && !is_ipv4_multicast(g->host))
    bad_value(origin, "cluster.multicast_group", "an IPv4 multicast HOST:PORT (224.0.0.0/4)",
              "'" + c.cluster.multicast_group + "'");
  if (c.cluster.discovery == "multicast" && c.cluster.discovery_key.empty())
    throw config_error(origin +
                       ": key 'cluster.discovery_key' must be set when cluster.discovery = "
                       "\"multicast\" (discovery packets are signed with it)");
  for (auto& f : c.client.fileservers) require_endpoint(origin, "client.fileservers", f);
  if (c.node.host.empty()) bad_value(origin, "node.host", "a host name or address", "''");
  if (c.node.data_dir.empty()) bad_value(origin, "node.data_dir", "a directory", "''");
  if (c.membership.probe_timeout_ms >= c.membership.protocol_period_ms)
    throw config_error(origin +
                       ": key 'membership.probe_timeout_ms' must be less than "
                       "'membership.protocol_period_ms'");
  if (c.membership.suspicion_max_ms < c.membership.suspicion_min_ms)
    throw config_error(origin +
                       ": key 'membership.suspicion_max_ms' must be at least "
                       "'membership.suspicion_min_ms'");
  auto& q = c.quorum;
  if (q.write > q.replication || q.read > q.replication)
    throw config_error(origin +
                       ": keys 'quorum.write' and 'quorum.read' must not exceed "
                       "'quorum.replication'");
  if (q.write + q.read <= q.replication)
    throw config_error(origin +
                       ": quorum.write + quorum.read must exceed quorum.replication "
                       "(got " +
                       std::to_string(q.write) + " + " + std::to_string(q.read) + " <= " +
                       std::to_string(q.replication) + "), else a read may miss the newest write");
  if (c.master.removed_after_ms <= c.master.unhealthy_after_ms)
    throw config_error(origin +
                       ": key 'master.removed_after_ms' must be greater than "
                       "'master.unhealthy_after_ms'");
}

}  // namespace

config parse_config(const std::string& toml_text, const std::string& origin,
                    const std::vector<std::string>& overrides) {
  config c;
  toml::table tbl;
  try {
    tbl = toml::parse(toml_text, std::string_view{origin});
  } catch (const toml::parse_error& e) {
    throw config_error(origin + ":" + std::to_string(e.source().begin.line) + ":" +
                       std::to_string(e.source().begin.column) + ": " +
                       std::string(e.description()));
  }
  apply_table(c, tbl, origin);
  for (auto& kv : overrides) apply_override(c, kv);
  if (!c.cluster.key_file.empty())
    read_key_file(c, overrides.empty() ? origin : origin + " with --set");
  validate(c, overrides.empty() ? origin : origin + " with --set");
  return c;
}

config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  if (path.empty()) return parse_config("", "(defaults)", overrides);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error("cannot read config file '" + path + "': " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw config_error("cannot read config file '" + path + "': read error");
  return parse_config(ss.str(), path, overrides);
}

std::optional<uint64_t> parse_size(const std::string& text) {
  static const std::vector<std::pair<std::string, uint64_t>> units = {
      {"KiB", 1ull << 10}, {"MiB", 1ull << 20},
      {"GiB", 1ull << 30}, {"KB", 1000},
      {"MB", 1000000},     {"GB", 1000000000},
      {"K", 1ull << 10},   {"M", 1ull << 20},
      {"G", 1ull << 30},   {"B", 1}};
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  if (i == 0 || i > 20) return std::nullopt;
  double num = 0;
  try {
    num = std::stod(text.substr(0, i));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  auto unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  uint64_t mult = unit.empty() ? 1 : 0;
  for (auto& [name, m] : units)
    if (unit == name) mult = m;
  if (mult == 0 || num * static_cast<double>(mult) > 1e18) return std::nullopt;
  double bytes = num * static_cast<double>(mult);
  if (bytes != static_cast<double>(static_cast<uint64_t>(bytes))) return std::nullopt;
  return static_cast<uint64_t>(bytes);
}

uint32_t config::scheduler_threads(const std::vector<std::string>& roles) const {
  if (caf.threads != 0) return caf.threads;
  bool light = !roles.empty() && std::all_of(roles.begin(), roles.end(), [](const auto& r) {
    return r == "fileserver" || r == "introducer";
  });
  return light ? 1 : 2;
}

std::vector<endpoint> config::master_endpoints() const {
  std::vector<endpoint> out;
  for (auto& m : cluster.masters)
    if (auto e = endpoint::parse(m)) out.push_back(*e);
  if (out.empty())
    if (auto e = endpoint::parse(master.address)) out.push_back(*e);
  return out;
}

std::vector<std::string> config_keys() {
  std::vector<std::string> out;
  for (auto& f : schema()) out.push_back(f.key);
  return out;
}

std::string config_value_literal(const config& cfg, const std::string& key) {
  auto f = find_field(key);
  if (!f) throw config_error("unknown key '" + key + "'");
  return f->literal(cfg);
}

}  // namespace dfs
