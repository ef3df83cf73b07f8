// Data-port frames on plain TCP (tls.data = false): the payload's CRC32C is checked, so a byte
// changed on the way makes the frame bad. (On TLS the records' AES-GCM tags check every byte,
// and frames carry no payload CRC: tls_frames_test.cpp.)
#include "net/data_frame.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "common/crc32c.hpp"
#include "common/little_endian.hpp"

using namespace dfs;
using boost::asio::ip::tcp;

namespace {

// A frame as frame_conn::write lays it out, with `crc` as the payload's checksum.
std::string raw_frame(uint32_t cluster, std::string_view payload, uint32_t crc) {
  std::string h(net::data_header_bytes, '\0');
  put_le(h.data(), net::data_magic, 4);
  h[4] = static_cast<char>(net::data_protocol_version);
  h[5] = static_cast<char>(net::data_type::stat);
  put_le(h.data() + 8, cluster, 4);
  put_le(h.data() + 12, payload.size(), 4);
  put_le(h.data() + 16, crc, 4);
  put_le(h.data() + 20, crc32c(h.data(), 20), 4);
  return h + std::string(payload);
}

// A plain TCP connection on loopback: `raw` at one end, a frame_conn at the other.
struct plain_pair {
  boost::asio::io_context io;
  tcp::socket raw{io};
  net::frame_conn conn = [this] {
    tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
    tcp::socket other(io);
    raw.connect(acceptor.local_endpoint());
    acceptor.accept(other);
    return net::frame_conn(std::move(other), 7, 5000);
  }();
};

}  // namespace

TEST(DataFrame, OnPlainTcpADamagedPayloadIsABadFrame) {
  plain_pair p;
  auto& raw = p.raw;
  auto& reader = p.conn;
  boost::asio::write(raw, boost::asio::buffer(raw_frame(7, "hello", crc32c("hello"))));
  net::frame f;
  ASSERT_EQ(reader.read(f), net::frame_error::none) << "the hand-made frame is a good one";
  EXPECT_EQ(f.payload, "hello");

  boost::asio::write(raw, boost::asio::buffer(raw_frame(7, "hellp", crc32c("hello"))));
  EXPECT_EQ(reader.read(f), net::frame_error::bad_crc);
}

TEST(DataFrame, PlainTcpFramesCarryThePayloadsCrc) {
  plain_pair p;
  ASSERT_TRUE(p.conn.write(net::data_type::stat, "payload"));
  std::string got(net::data_header_bytes + 7, '\0');
  boost::asio::read(p.raw, boost::asio::buffer(got.data(), got.size()));
  EXPECT_EQ(get_le(got.data() + 16, 4), crc32c("payload"));
}
