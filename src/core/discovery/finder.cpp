#include "core/discovery/finder.hpp"

namespace dfs::discovery {

std::optional<std::string> answer_probe(std::string_view datagram, const answer& self,
                                        std::string_view key) {
  auto p = decode(datagram, key);
  if (!p || p->type != packet_type::probe) return std::nullopt;
  return encode_answer(p->nonce, self, key);
}

finder::finder(uint64_t nonce, std::string key) : nonce_(nonce), key_(std::move(key)) {}

void finder::on_datagram(std::string_view datagram) {
  auto p = decode(datagram, key_);
  // Our own probe looped back, an answer to an older probe, or garbage.
  if (!p || p->type != packet_type::answer || p->nonce != nonce_) {
    ++dropped_;
    return;
  }
  for (auto& a : found_)
    if (a.host == p->body.host && a.port == p->body.port) {
      a.roles |= p->body.roles;
      return;
    }
  if (found_.size() >= max_found) {
    ++dropped_;
    return;
  }
  found_.push_back(p->body);
}

std::optional<answer> finder::first_with(discovery_role r) const {
  for (auto& a : found_)
    if (a.has(r)) return a;
  return std::nullopt;
}

}  // namespace dfs::discovery
