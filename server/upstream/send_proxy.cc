#include "upstream/send_proxy.h"

#include <cstring>

#include "request_path/route.h"
#include "upstream/fault.h"

namespace doorman::upstream {
namespace {

std::string_view copy_into(std::string_view text, std::span<char> out) {
  const std::size_t n = std::min(text.size(), out.size());
  std::memcpy(out.data(), text.data(), n);
  return {out.data(), n};
}

// An IP endpoint from a socket address (listeners use asio's generic stream protocol, so the
// endpoint is a sockaddr of any family); nullopt for unix sockets.
template <typename AsioEndpoint>
std::optional<Endpoint> to_endpoint(const AsioEndpoint& ep) {
  const auto* sa = static_cast<const sockaddr*>(ep.data());
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    return Endpoint{IpAddress::from_v4(ntohl(in->sin_addr.s_addr)), ntohs(in->sin_port)};
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    return Endpoint{IpAddress::from_v6(std::span<const uint8_t, 16>(in6->sin6_addr.s6_addr, 16)),
                    ntohs(in6->sin6_port)};
  }
  return std::nullopt;
}

}  // namespace

TransportEndpoints transport_endpoints(runtime::Session& s) {
  TransportEndpoints t;
  if (s.peer_from_proxy_protocol && s.proxy_header && s.proxy_header->has_addresses() &&
      (s.proxy_header->family() == ProxyFamily::kInet ||
       s.proxy_header->family() == ProxyFamily::kInet6)) {
    t.source = s.proxy_header->source();
    t.destination = s.proxy_header->destination();
    return t;
  }
  if (s.unix_listener) return t;
  asio::error_code ec;
  const auto remote = s.client.socket().remote_endpoint(ec);
  if (!ec) t.source = to_endpoint(remote);
  const auto local = s.client.socket().local_endpoint(ec);
  if (!ec) t.destination = to_endpoint(local);
  return t;
}

Endpoint unspecified_like(const IpAddress& address) {
  return Endpoint{address.is_v4() ? IpAddress::from_v4(0) : *IpAddress::parse("::"), 0};
}

bool plan_upstream_proxy_header(const runtime::Session& s, const request_path::Exchange& x,
                                PlannedProxyHeader& out) {
  const config::UpstreamProxyProtocol mode = x.route->edge.upstream_proxy_protocol;
  if (mode == config::UpstreamProxyProtocol::kOff || !x.identity.client_ip) return false;
  ProxyHeaderFields& f = out.fields;
  f = ProxyHeaderFields{};
  f.version = mode == config::UpstreamProxyProtocol::kV1 ? ProxyVersion::kV1 : ProxyVersion::kV2;
  f.command = ProxyCommand::kProxy;
  // The client's port is known only when its IP is the transport's own source; a client
  // resolved from a header has none.
  const TransportEndpoints t = transport_endpoints(const_cast<runtime::Session&>(s));
  const bool transport_client = x.identity.source == ClientIpSource::kPeer ||
                                x.identity.source == ClientIpSource::kProxyProtocol;
  f.source = Endpoint{*x.identity.client_ip, 0};
  if (transport_client && t.source && t.source->address == f.source.address)
    f.source.port = t.source->port;
  if (t.destination && t.destination->address.is_v4() == f.source.address.is_v4())
    f.destination = *t.destination;
  else
    f.destination = unspecified_like(f.source.address);
  if (f.version == ProxyVersion::kV1) return true;
  std::array<char, 256> host;
  const std::string_view authority = request_path::normalize_host(x.head->host, host);
  if (!authority.empty()) f.authority = copy_into(authority, out.authority);
  const std::string_view id(x.request_id.data(), strnlen(x.request_id.data(), x.request_id.size()));
  if (!id.empty()) f.unique_id = copy_into(id, out.unique_id);
  if (auto* tls = const_cast<runtime::Session&>(s).client.tls()) {
    SSL* ssl = tls->native_handle();
    const unsigned char* alpn = nullptr;
    unsigned int alpn_size = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_size);
    if (alpn_size > 0)
      f.alpn = copy_into({reinterpret_cast<const char*>(alpn), alpn_size}, out.alpn);
    SslTlv t;
    t.client = pp2::kClientSsl;
    t.verify = 0;  // no client certificate was asked for (spec §2.2.6: the cert bits stay 0)
    t.version = copy_into(SSL_get_version(ssl), out.tls_version);
    f.ssl = t;
  }
  return true;
}

asio::awaitable<bool> send_upstream_proxy_header(runtime::Session& s, request_path::Exchange& x) {
  PlannedProxyHeader planned;
  if (!plan_upstream_proxy_header(s, x, planned)) {
    if (x.route->edge.upstream_proxy_protocol == config::UpstreamProxyProtocol::kOff)
      co_return true;
    // No resolved client cannot happen on an accepted request; refuse rather than send LOCAL.
    x.reason = Reason::kInternal;
    x.reason_detail = "no-client-for-proxy-header";
    co_return false;
  }
  std::array<uint8_t, ProxyHeader::kMaxHeaderSize> bytes;
  const Result<std::size_t> size = encode_proxy_header(planned.fields, bytes);
  if (!size) {
    x.reason = Reason::kInternal;
    x.reason_detail = error_code_name(size.error().code);
    co_return false;
  }
  auto [ec, n] = co_await asio::async_write(s.upstream->socket, asio::buffer(bytes.data(), *size),
                                            runtime::kNoThrow);
  if (ec) {
    x.reason = Reason::kUpstreamConnectFailed;
    x.reason_detail = fault_detail(ec);
    co_return false;
  }
  co_return true;
}

}  // namespace doorman::upstream
