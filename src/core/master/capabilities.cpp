#include "core/master/capabilities.hpp"

#include "core/security/capability.hpp"

namespace dfs::master {

std::string data_endpoint(const replica_addr& r) {
  return r.id.host + ":" + std::to_string(r.data_port);
}

void grant_writes(put_plan& plan, std::string_view key, uint64_t expiry_ms) {
  for (auto& c : plan.chunks) {
    security::capability cap{
        security::capability_op::write, c.handle, c.chunk_version, expiry_ms, {}};
    for (auto& r : c.replicas) cap.chain.push_back(data_endpoint(r));
    c.token = security::sign_capability(cap, key);
  }
}

void grant_reads(ns_reply& layout, std::string_view key, uint64_t expiry_ms) {
  for (auto& c : layout.chunks)
    c.token = security::sign_capability(
        {security::capability_op::read, c.handle, c.chunk_version, expiry_ms, {}}, key);
}

void grant_copies(heartbeat_reply& reply, std::string_view key, uint64_t expiry_ms) {
  for (auto& c : reply.copy_chunks)
    c.token = security::sign_capability(
        {security::capability_op::read, c.handle, c.chunk_version, expiry_ms, {}}, key);
}

}  // namespace dfs::master
