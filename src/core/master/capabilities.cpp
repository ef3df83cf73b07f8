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

void grant_mutations(lease_reply& lease, std::string_view key, uint64_t expiry_ms) {
  if (lease.status != ns_status::ok || lease.handle == 0) return;
  security::capability cap{
      security::capability_op::write, lease.handle, lease.chunk_version, expiry_ms, {}};
  cap.chain.push_back(data_endpoint(lease.primary));
  for (auto& r : lease.secondaries) cap.chain.push_back(data_endpoint(r));
  lease.token = security::sign_capability(cap, key);
}

void grant_copies(heartbeat_reply& reply, std::string_view key, uint64_t expiry_ms) {
  for (auto& c : reply.copy_chunks)
    c.token = security::sign_capability(
        {security::capability_op::read, c.handle, c.chunk_version, expiry_ms, {}}, key);
}

}  // namespace dfs::master
