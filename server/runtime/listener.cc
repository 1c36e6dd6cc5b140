#include "runtime/listener.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace doorman::runtime {
namespace {

constexpr int kBacklog = 4096;

Protocol::endpoint tcp_endpoint(const config::SocketAddress& address) {
  asio::error_code ec;
  auto ip = asio::ip::make_address(address.host, ec);
  return Protocol::endpoint(asio::ip::tcp::endpoint(ip, address.port));
}

std::string describe(const Protocol::endpoint& endpoint, const config::SocketAddress& address) {
  if (address.kind == config::SocketAddress::Kind::kUnix) return address.text;
  asio::ip::tcp::endpoint tcp;
  tcp.resize(endpoint.size());
  std::memcpy(tcp.data(), endpoint.data(), endpoint.size());
  const auto ip = tcp.address();
  std::string text;
  if (ip.is_v6()) text += '[';
  text += ip.to_string();
  if (ip.is_v6()) text += ']';
  text += ':';
  text += std::to_string(tcp.port());
  return text;
}

std::expected<Acceptor, std::string> bind_tcp(const Protocol::endpoint& endpoint,
                                              asio::io_context& context) {
  Acceptor acceptor(context);
  asio::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) {
    const int one = 1;
    if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      ec = asio::error_code(errno, asio::system_category());
  }
  // Accepted sockets copy TCP_NODELAY from the listener on Linux: one call here instead of one
  // per connection (runtime/worker.cc checks that it was copied).
  if (!ec) acceptor.set_option(asio::ip::tcp::no_delay(true), ec);
  if (!ec && endpoint.protocol().family() == AF_INET6) {
    // "[::]:80" means IPv6 only; list "0.0.0.0:80" too for IPv4.
    const int one = 1;
    ::setsockopt(acceptor.native_handle(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  }
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(kBacklog, ec);
  if (ec) return std::unexpected(ec.message());
  return acceptor;
}

std::expected<Acceptor, std::string> bind_unix(const config::SocketAddress& address,
                                               asio::io_context& context) {
  // A stale socket file from a previous run would make bind() fail; remove only sockets.
  struct stat st {};
  if (::lstat(address.path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
    ::unlink(address.path.c_str());
  Acceptor acceptor(context);
  const Protocol::endpoint endpoint(asio::local::stream_protocol::endpoint(address.path));
  asio::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(kBacklog, ec);
  if (ec) return std::unexpected(ec.message());
  return acceptor;
}

}  // namespace

std::expected<std::pair<BoundListener, Acceptor>, std::string> bind_listener(
    const config::ListenerSection& section, asio::io_context& context) {
  BoundListener b;
  b.section = &section;
  const bool is_unix = section.address.kind == config::SocketAddress::Kind::kUnix;
  auto acceptor = is_unix ? bind_unix(section.address, context)
                          : bind_tcp(tcp_endpoint(section.address), context);
  if (!acceptor)
    return std::unexpected("cannot listen on " + section.address.text + ": " + acceptor.error());
  b.endpoint = acceptor->local_endpoint();
  b.display = describe(b.endpoint, section.address);
  if (is_unix) b.unix_fd = acceptor->native_handle();
  return std::pair<BoundListener, Acceptor>(std::move(b), std::move(*acceptor));
}

std::expected<Acceptor, std::string> open_acceptor(const BoundListener& listener,
                                                   asio::io_context& context) {
  if (listener.unix_fd < 0) return bind_tcp(listener.endpoint, context);
  Acceptor acceptor(context);
  asio::error_code ec;
  acceptor.assign(listener.endpoint.protocol(), ::dup(listener.unix_fd), ec);
  if (ec) return std::unexpected(ec.message());
  return acceptor;
}

}  // namespace doorman::runtime
