#pragma once
// A chunk store served for local reads (net/local_reads.hpp) in process: a data service and a
// local read server under a name of its own (abstract socket names are shared by every process
// of the network namespace, and tests run in parallel).
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "common/temp_dir.hpp"
#include "common/wall_clock.hpp"
#include "core/security/capability.hpp"
#include "net/data_service.hpp"
#include "net/local_reads.hpp"
#include "storage/chunk_store.hpp"

namespace dfs::test {

struct local_read_store {
  temp_dir dir;
  std::shared_ptr<chunk_store> store =
      std::make_shared<chunk_store>(dir.path(), chunkstore::pending_limits{});
  std::string key = security::capability_key("unit-test-cluster-key");
  net::data_endpoint at{
      "local-read-test-" + std::to_string(::getpid()) + "-" + std::to_string(next_id()), 1};
  std::shared_ptr<data_service> service;
  std::unique_ptr<net::local_read_server> server;

  local_read_store() {
    std::vector<std::string> warnings;
    EXPECT_TRUE(store->open(warnings).ok());
    data_service_options so;
    so.self = at.text();
    so.capability_key = key;
    service = std::make_shared<data_service>(store, so);
    auto s = service;
    server = std::make_unique<net::local_read_server>(
        at.text(), 2000, [s](const net::read_msg& rq) { return s->open_local(rq); });
    server->start();
  }

  // Chunk `handle` at `version` holding `data`, committed as a push would.
  void commit(uint64_t handle, const std::string& data, uint64_t version = 1) {
    chunkstore::data_id id{handle};
    ASSERT_TRUE(store->begin(id, chunkstore::chunk_handle{handle}, version, data.size()).ok());
    ASSERT_TRUE(store->append(id, data).ok());
    ASSERT_TRUE(store->finalize(id).ok());
  }
  // The master's read capability for chunk `handle` at `version`, signed with `with`.
  std::string token(uint64_t handle, uint64_t version = 1, const std::string& with = {}) const {
    return security::sign_capability(
        {security::capability_op::read, handle, version, wall_clock_ms() + 60000, {}},
        with.empty() ? key : with);
  }

 private:
  static int next_id() {
    static std::atomic<int> n{0};
    return ++n;
  }
};

}  // namespace dfs::test
