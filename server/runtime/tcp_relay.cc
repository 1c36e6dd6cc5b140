#include "runtime/tcp_relay.h"

#include <asio/experimental/awaitable_operators.hpp>
#include <cstdio>

#include "doorman/proxy_protocol_encoder.h"
#include "runtime/worker.h"
#include "upstream/send_proxy.h"

namespace doorman::runtime {
namespace {

Protocol::endpoint endpoint_of(const config::TcpRelay& relay) {
  if (!relay.unix_path.empty())
    return Protocol::endpoint(asio::local::stream_protocol::endpoint(relay.unix_path));
  asio::error_code ec;
  return Protocol::endpoint(
      asio::ip::tcp::endpoint(asio::ip::make_address(relay.host, ec), relay.port));
}

void log_failure(const Session& s, const config::TcpRelay& relay, std::string_view what) {
  char peer[IpAddress::kMaxTextLength + 1];
  peer[s.peer.format_to(peer)] = '\0';
  std::fprintf(stderr, "doorman: tcp: %s -> %s: %.*s\n", s.unix_listener ? "unix" : peer,
               relay.text.c_str(), static_cast<int>(what.size()), what.data());
}

template <typename From, typename To>
asio::awaitable<void> pump(Session& s, From& from, To& to, ByteBuffer& buffer) {
  const auto idle = s.snapshot->config.timeouts.body_idle;
  for (;;) {
    s.arm(Phase::kBodyIdle, idle);
    auto [rec, n] =
        co_await from.async_read_some(asio::buffer(buffer.data, buffer.capacity), kNoThrow);
    if (rec == asio::error::eof) {
      asio::error_code ignored;
      to.shutdown(Protocol::socket::shutdown_send, ignored);  // half-close passes on
      co_return;
    }
    if (rec) break;
    auto [wec, written] = co_await asio::async_write(to, asio::buffer(buffer.data, n), kNoThrow);
    if (wec) break;
  }
  asio::error_code ignored;
  from.close(ignored);
  to.close(ignored);
}

// The PROXY header naming the client (relay.send_proxy), written before any client byte.
asio::awaitable<bool> send_header(Session& s, const config::TcpRelay& relay) {
  if (relay.send_proxy == config::UpstreamProxyProtocol::kOff) co_return true;
  ProxyHeaderFields f;
  f.version = relay.send_proxy == config::UpstreamProxyProtocol::kV1 ? ProxyVersion::kV1
                                                                     : ProxyVersion::kV2;
  const upstream::TransportEndpoints t = upstream::transport_endpoints(s);
  f.source = t.source && t.source->address == s.peer ? *t.source : Endpoint{s.peer, 0};
  f.destination = t.destination && t.destination->address.is_v4() == s.peer.is_v4()
                      ? *t.destination
                      : upstream::unspecified_like(s.peer);
  std::array<uint8_t, ProxyHeader::kMaxHeaderSize> bytes;
  const Result<std::size_t> size = encode_proxy_header(f, bytes);
  if (!size) co_return false;
  auto [ec, n] =
      co_await asio::async_write(s.upstream->socket, asio::buffer(bytes.data(), *size), kNoThrow);
  co_return !ec;
}

}  // namespace

asio::awaitable<void> relay_tcp(Session& s) {
  using namespace asio::experimental::awaitable_operators;
  const config::TcpRelay& relay = s.listener->edge.tcp;
  s.upstream = std::make_unique<upstream::UpstreamConnection>(s.worker.context(), SIZE_MAX);
  s.timed_out = Phase::kNone;
  s.arm(Phase::kUpstreamConnect, s.snapshot->config.timeouts.upstream_connect);
  auto [ec] = co_await s.upstream->socket.async_connect(endpoint_of(relay), kNoThrow);
  if (ec) {
    log_failure(s, relay,
                s.timed_out == Phase::kUpstreamConnect ? "connect timeout" : ec.message());
    s.close_upstream();
    co_return;
  }
  if (relay.unix_path.empty()) {
    asio::error_code ignored;
    s.upstream->socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  }
  if (!co_await send_header(s, relay)) {
    log_failure(s, relay, "cannot send the PROXY header");
    s.close_upstream();
    co_return;
  }
  // Bytes that arrived with the PROXY header are still in the socket (it was peeked), so both
  // directions start empty.
  s.ensure_buffers();
  co_await (pump(s, s.client, s.upstream->socket, s.in) &&
            pump(s, s.upstream->socket, s.client, s.out));
  s.close_upstream();
}

}  // namespace doorman::runtime
