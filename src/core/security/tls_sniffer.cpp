#include "core/security/tls_sniffer.hpp"

namespace dfs::security {

tls_sniffer::state tls_sniffer::feed(const uint8_t* data, size_t n) {
  size_t i = 0;
  while (i < n && state_ == state::handshaking) {
    if (body_left_ > 0) {
      size_t skip = n - i < body_left_ ? n - i : body_left_;
      body_left_ -= skip;
      i += skip;
      continue;
    }
    header_[header_have_++] = data[i++];
    if (header_have_ < 5) continue;
    header_have_ = 0;
    uint8_t type = header_[0];
    size_t len = (size_t{header_[3]} << 8) | header_[4];
    bool known_type = type >= 20 && type <= 23;  // change_cipher_spec, alert, handshake, data
    if (header_[1] != 3 || !known_type || len == 0 || len > max_record_bytes ||
        (first_ && type != 22)) {
      state_ = state::not_tls;
      break;
    }
    first_ = false;
    if (type == 23) {
      state_ = state::established;
      break;
    }
    body_left_ = len;
  }
  return state_;
}

}  // namespace dfs::security
