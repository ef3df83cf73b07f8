#pragma once
// Whether a TCP connection to a node opens within a time limit, before a connect is handed to
// CAF. CAF 0.17's middleman connects one at a time and blocks on each: a host that drops
// packets (cut off by a partition, a dead VM whose address still routes) holds every later
// connect of this process for the kernel's SYN retries, about two minutes, so a client could
// not move on to the next master within client.timeout_ms. The probe gives up in time.
#include <chrono>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/node_id.hpp"

namespace dfs::net {

// Connects `s` (made on an io_context that nothing else runs) to `to` within `timeout`: "" when
// it is connected (Asio leaves the descriptor non-blocking), else why not.
std::string connect_within(boost::asio::ip::tcp::socket& s, const endpoint& to,
                           std::chrono::milliseconds timeout);

// "" if a connection opened (and was closed again) within `timeout`; else why not.
std::string tcp_probe(const endpoint& to, std::chrono::milliseconds timeout);

}  // namespace dfs::net
