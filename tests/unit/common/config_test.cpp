#include "common/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

using dfs::config;
using dfs::config_error;
using dfs::parse_config;

namespace {

std::string source(const std::string& rel) {
  return std::string(DFS_SOURCE_DIR) + "/" + rel;
}

// The error text of parsing `text`, or "" if it parsed.
std::string error_of(const std::string& text, std::vector<std::string> overrides = {}) {
  try {
    parse_config(text, "test.toml", overrides);
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Config, DefaultsWithoutFile) {
  auto c = dfs::load_config("", {});
  EXPECT_EQ(c.node.port, 17000);
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.data_port(), 17001);
  EXPECT_EQ(c.http_port(), 17003);
}

TEST(Config, ReferenceDocumentsEveryKeyWithItsDefault) {
  auto ref = dfs::load_config(source("config/reference.toml"), {});
  config defaults;
  auto tbl = toml::parse_file(source("config/reference.toml"));
  ASSERT_GT(dfs::config_keys().size(), 20u) << "the loop below checks every key";
  for (auto& key : dfs::config_keys()) {
    EXPECT_TRUE(tbl.at_path(key)) << "config/reference.toml does not document " << key;
    EXPECT_EQ(dfs::config_value_literal(ref, key), dfs::config_value_literal(defaults, key))
        << key << ": reference.toml value differs from the built-in default";
  }
}

TEST(Config, LocalClusterConfigsLoad) {
  size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(source("config/local"))) {
    EXPECT_NO_THROW(dfs::load_config(e.path().string(), {})) << e.path();
    ++files;
  }
  EXPECT_GT(files, 0u) << "no config in config/local: nothing was checked";
}

TEST(Config, UnknownKeyNamesFileAndKey) {
  auto e = error_of("[node]\nprot = 1\n");
  EXPECT_NE(e.find("test.toml"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'node.prot'"), std::string::npos) << e;
  EXPECT_NE(error_of("[nod]\nport = 1\n").find("'nod.port'"), std::string::npos);
  EXPECT_NE(error_of("port = 1\n").find("unknown key 'port'"), std::string::npos);
}

TEST(Config, WrongTypeOrRangeNamesKey) {
  auto e = error_of("[node]\nport = \"x\"\n");
  EXPECT_NE(e.find("key 'node.port'"), std::string::npos) << e;
  EXPECT_NE(e.find("got a string"), std::string::npos) << e;
  EXPECT_NE(error_of("[node]\nport = 70000\n").find("'node.port'"), std::string::npos);
  EXPECT_NE(error_of("[node]\nport = -1\n").find("'node.port'"), std::string::npos);
  EXPECT_NE(error_of("[log]\nlevel = \"loud\"\n").find("'log.level'"), std::string::npos);
  EXPECT_NE(error_of("[log]\nconsole = 1\n").find("'log.console'"), std::string::npos);
  EXPECT_NE(error_of("[cluster]\nintroducers = [1]\n").find("'cluster.introducers'"),
            std::string::npos);
  EXPECT_NE(error_of("[cluster]\nintroducers = [\"nohost\"]\n").find("HOST:PORT"),
            std::string::npos);
}

TEST(Config, SyntaxErrorHasPosition) {
  auto e = error_of("[node]\nport = \n");
  EXPECT_EQ(e.rfind("test.toml:2:", 0), 0u) << e;
}

TEST(Config, CrossFieldValidation) {
  auto e = error_of("[master]\nunhealthy_after_ms = 5000\nremoved_after_ms = 5000\n");
  EXPECT_NE(e.find("master.removed_after_ms"), std::string::npos) << e;
}

TEST(Config, SetOverrides) {
  auto c = parse_config("[node]\nport = 1000\n", "t",
                        {"node.port=2000", "log.level=debug", "node.data_dir=/tmp/x y",
                         "cluster.introducers=[\"a:1\", \"b:2\"]", "log.console=false"});
  EXPECT_EQ(c.node.port, 2000);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.node.data_dir, "/tmp/x y");
  EXPECT_EQ(c.cluster.introducers.size(), 2u);
  EXPECT_FALSE(c.log.console);
}

TEST(Config, BadOverrides) {
  EXPECT_NE(error_of("", {"node.nope=1"}).find("--set: unknown key 'node.nope'"),
            std::string::npos);
  EXPECT_NE(error_of("", {"node.port"}).find("expected section.key=value"), std::string::npos);
  EXPECT_NE(error_of("", {"node.port=abc"}).find("'node.port'"), std::string::npos);
}

TEST(Config, MissingFile) {
  try {
    dfs::load_config("/nonexistent/dfs.toml", {});
    FAIL() << "expected an error";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dfs.toml"), std::string::npos);
  }
}

// Discovery and the test-only fault point: bad values are one error naming the key.
TEST(Config, DiscoveryAndFaultKeysAreChecked) {
  EXPECT_NE(error_of("[cluster]\nmulticast_group = \"10.0.0.1:17099\"\n")
                .find("'cluster.multicast_group'"),
            std::string::npos);
  EXPECT_NE(error_of("[cluster]\ndiscovery = \"multicast\"\n").find("'cluster.discovery_key'"),
            std::string::npos);
  EXPECT_NE(error_of("[cluster]\ndiscovery = \"broadcast\"\n").find("'cluster.discovery'"),
            std::string::npos);
  EXPECT_EQ(error_of("[cluster]\ndiscovery = \"multicast\"\ndiscovery_key = \"k\"\n"), "");
  EXPECT_NE(error_of("[fault]\ncrash_after_log = \"put\"\n").find("'fault.crash_after_log'"),
            std::string::npos);
  EXPECT_EQ(error_of("[fault]\ncrash_after_log = \"commit\"\n"), "");
  EXPECT_EQ(error_of("[fault]\ncrash_after_log = \"append\"\n"), "");
  EXPECT_NE(error_of("[master]\nrequest_clients = 0\n").find("'master.request_clients'"),
            std::string::npos);
}

TEST(Config, ReplicatedMastersNeedOneAddressPerReplica) {
  EXPECT_NE(error_of("[master]\nreplicas = 3\n").find("cluster.masters"), std::string::npos);
  EXPECT_NE(error_of("[cluster]\nmasters = [\"127.0.0.1:1\", \"nohost\"]\n[master]\nreplicas = 2\n")
                .find("cluster.masters"),
            std::string::npos);
  EXPECT_NE(error_of("[cluster]\nmasters = [\"127.0.0.1:1\", \"127.0.0.1:2\"]\n[master]\n"
                     "replicas = 2\nelection_timeout_ms = 100\nreplication_heartbeat_ms = 80\n")
                .find("election_timeout_ms"),
            std::string::npos);
  auto c = parse_config(
      "[cluster]\nmasters = [\"127.0.0.1:1\", \"127.0.0.1:2\", \"127.0.0.1:3\"]\n[master]\n"
      "replicas = 3\n",
      "test.toml", {});
  ASSERT_EQ(c.master_endpoints().size(), 3u);
  EXPECT_EQ(c.master_endpoints()[1].port, 2);
  EXPECT_TRUE(c.replicated_masters());
  // One master: master.address alone.
  auto one = parse_config("", "test.toml", {});
  ASSERT_EQ(one.master_endpoints().size(), 1u);
  EXPECT_EQ(one.master_endpoints()[0].to_string(), one.master.address);
}

TEST(Config, SchedulerThreadsByRoleUnlessSet) {
  auto c = dfs::load_config("", {});
  EXPECT_EQ(c.scheduler_threads({"fileserver"}), 1u);
  EXPECT_EQ(c.scheduler_threads({"introducer", "fileserver"}), 1u);
  EXPECT_EQ(c.scheduler_threads({"introducer"}), 1u);
  EXPECT_EQ(c.scheduler_threads({"fileserver", "chunkserver"}), 2u);
  EXPECT_EQ(c.scheduler_threads({"master"}), 2u);
  EXPECT_EQ(c.scheduler_threads({}), 2u);  // tools
  auto set = dfs::load_config("", {"caf.threads=3"});
  EXPECT_EQ(set.scheduler_threads({"fileserver"}), 3u);
  EXPECT_EQ(set.scheduler_threads({"master"}), 3u);
  EXPECT_NE(error_of("[caf]\nthreads = 65\n").find("'caf.threads'"), std::string::npos);
}
