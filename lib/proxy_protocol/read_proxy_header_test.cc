// read_proxy_header() over real loopback sockets: the stream is left at the first payload
// byte, a header arriving in pieces is read whole, and failures (not PROXY, timeout, EOF) are
// values.
#include "doorman/asio/read_proxy_header.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

namespace doorman {
namespace {

using asio::ip::tcp;
using namespace std::chrono_literals;

class ReadProxyHeaderTest : public ::testing::Test {
 protected:
  ReadProxyHeaderTest() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    client_.connect(acceptor_.local_endpoint());
    server_ = acceptor_.accept();
  }

  // Starts the read on the server side; the result lands in result_.
  void start(std::chrono::milliseconds timeout = 5000ms) {
    asio::co_spawn(
        io_,
        [this, timeout]() -> asio::awaitable<void> {
          result_ = co_await asio_support::read_proxy_header(server_, timeout);
        },
        asio::detached);
  }

  // Runs handlers until the read finished (bounded by a deadline, never a fixed sleep).
  void finish() {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!result_ && std::chrono::steady_clock::now() < deadline) io_.run_one_for(100ms);
    ASSERT_TRUE(result_.has_value()) << "read did not finish";
  }

  // Polls until the server has taken every byte the client sent so far.
  void drain() {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    do {
      io_.poll();
    } while (server_.available() != 0 && std::chrono::steady_clock::now() < deadline);
  }

  void send(std::string_view bytes) { asio::write(client_, asio::buffer(bytes)); }

  std::string read_payload(std::size_t n) {
    std::string s(n, '\0');
    asio::read(server_, asio::buffer(s));
    return s;
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  tcp::socket client_{io_};
  tcp::socket server_{io_};
  std::optional<asio_support::ProxyHeaderRead> result_;
};

TEST_F(ReadProxyHeaderTest, V1HeaderThenPayloadInOneWrite) {
  send("PROXY TCP4 192.0.2.1 192.0.2.2 56324 443\r\nGET / HTTP/1.1\r\n");
  start();
  finish();
  ASSERT_TRUE(result_->header.has_value());
  EXPECT_EQ(result_->header->source().address.to_string(), "192.0.2.1");
  EXPECT_EQ(read_payload(16), "GET / HTTP/1.1\r\n");
}

TEST_F(ReadProxyHeaderTest, V2HeaderInPiecesLeavesThePayload) {
  const std::string header(
      "\r\n\r\n\0\r\nQUIT\n\x21\x21\x00\x24"
      "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"
      "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x11"
      "\xdc\x04\x01\xbb",
      52);
  start();
  send(header.substr(0, 10));
  drain();
  send(header.substr(10, 20));
  drain();
  EXPECT_FALSE(result_.has_value());
  send(header.substr(30) + "payload");
  finish();
  ASSERT_TRUE(result_->header.has_value());
  EXPECT_EQ(result_->header->source().address.to_string(), "2001:db8::1");
  EXPECT_EQ(result_->header->destination().port, 443);
  EXPECT_EQ(read_payload(7), "payload");
}

TEST_F(ReadProxyHeaderTest, NotProxyIsRejected) {
  send("GET / HTTP/1.1\r\n\r\n");
  start();
  finish();
  ASSERT_FALSE(result_->header.has_value());
  EXPECT_EQ(result_->header.error().code, ErrorCode::kNotProxy);
}

TEST_F(ReadProxyHeaderTest, PartialHeaderTimesOut) {
  send("PROXY TCP4 192.0.2.1");
  start(200ms);
  finish();
  ASSERT_FALSE(result_->header.has_value());
  EXPECT_EQ(result_->header.error().code, ErrorCode::kProxyTimeout);
}

TEST_F(ReadProxyHeaderTest, PeerClosingMidHeaderIsIncomplete) {
  send("PROXY TCP4 192.0.2.1");
  client_.shutdown(tcp::socket::shutdown_send);
  start();
  finish();
  ASSERT_FALSE(result_->header.has_value());
  EXPECT_EQ(result_->header.error().code, ErrorCode::kProxyIncomplete);
  EXPECT_FALSE(result_->io_error);
}

}  // namespace
}  // namespace doorman
