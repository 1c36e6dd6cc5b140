// proxy_echo_server: a raw-TCP echo server behind a PROXY protocol sender (HAProxy
// `send-proxy`/`send-proxy-v2`, AWS NLB with proxy protocol v2, ...).
//
//   proxy_echo_server [PORT] [TIMEOUT_MS]
//
// Listens on 127.0.0.1:PORT (0 = any free port; the chosen port is printed), requires a PROXY
// header on every connection within TIMEOUT_MS (default 3000), then writes one line
//   "client <ip:port> via proxy-protocol|socket\n"
// and echoes every payload byte back. A connection without a valid header is closed, and the
// reason is printed: it is never treated as payload.
#include <asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "doorman/asio/read_proxy_header.h"

namespace {

using asio::ip::tcp;
using doorman::asio_support::read_proxy_header;
constexpr auto kToken = asio::experimental::as_tuple(asio::use_awaitable);

std::string endpoint_text(const doorman::Endpoint& e) {
  const std::string ip = e.address.to_string();
  return (e.address.is_v4() ? ip : "[" + ip + "]") + ":" + std::to_string(e.port);
}

asio::awaitable<void> serve(tcp::socket socket, std::chrono::milliseconds timeout) {
  auto read = co_await read_proxy_header(socket, timeout);
  if (!read.header) {
    std::printf("rejected: %s\n",
                std::string(doorman::error_code_name(read.header.error().code)).c_str());
    std::fflush(stdout);
    co_return;  // closing the socket is the only answer to a bad header
  }
  const doorman::ProxyHeader& h = *read.header;
  std::string client;
  if (h.command() == doorman::ProxyCommand::kProxy && h.has_addresses() &&
      h.family() != doorman::ProxyFamily::kUnix) {
    client = endpoint_text(h.source()) + " via proxy-protocol";
  } else {
    // LOCAL, UNKNOWN, UNSPEC (or a unix-socket client): the socket's own peer stays in force.
    std::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    client =
        (ec ? std::string("?") : peer.address().to_string() + ":" + std::to_string(peer.port())) +
        " via socket";
  }
  std::printf("accepted: client %s\n", client.c_str());
  std::fflush(stdout);
  const std::string line = "client " + client + "\n";
  auto [write_error, written] = co_await asio::async_write(socket, asio::buffer(line), kToken);
  if (write_error) co_return;
  std::array<char, 4096> buf;
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf), kToken);
    if (ec) co_return;
    auto [wec, w] = co_await asio::async_write(socket, asio::buffer(buf.data(), n), kToken);
    if (wec) co_return;
  }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor, std::chrono::milliseconds timeout) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kToken);
    if (ec) continue;
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), timeout), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int port = argc > 1 ? std::atoi(argv[1]) : 0;
  const auto timeout = std::chrono::milliseconds(argc > 2 ? std::atoi(argv[2]) : 3000);
  if (port < 0 || port > 65535 || timeout.count() <= 0) {
    std::fprintf(stderr, "usage: proxy_echo_server [PORT] [TIMEOUT_MS]\n");
    return 2;
  }
  asio::io_context io;
  std::error_code ec;
  tcp::acceptor acceptor(io);
  const tcp::endpoint at(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
  acceptor.open(at.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(at, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "proxy_echo_server: %s\n", ec.message().c_str());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::co_spawn(io, listen(acceptor, timeout), asio::detached);
  io.run();
  return 0;
}
