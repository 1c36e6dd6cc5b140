// The PROXY header doorman sends first on an upstream connection for a route with
// `upstream_proxy_protocol = "v1" | "v2"` (HAProxy's send-proxy / send-proxy-v2).
//
// Contract:
// - The source is the resolved client IP of this request (the same IP the app sees in
//   X-Forwarded-For and the rate limits key on). Its port is the client's real source port when
//   that IP is the transport's own source (the socket peer, or the source of the PROXY header the
//   connection arrived with), else 0: a client resolved from a header has no port, and a made-up
//   one would mislead. The destination is where the client connected to: the received PROXY
//   header's destination, else the listener's local address and port (the unspecified address
//   and port 0 of the source's family when the families differ or it is unknown, e.g. a unix
//   listener).
// - v2 also carries AUTHORITY (the Host without its port), UNIQUE_ID (the request id), and,
//   when doorman terminated TLS, ALPN (the negotiated protocol) and SSL (client bit ssl,
//   verify 0, the version). v1 carries the addresses only (the spec has no TLVs there).
// - Connections opened this way are never put back into the pool (plan_upstream_proxy_header
//   callers must close them after the exchange): the header names one client, and a
//   keep-alive connection reused for another client's request would lie to the app.
// Thread safety: the connection's worker thread only.
#pragma once

#include <asio.hpp>
#include <optional>
#include <vector>

#include "doorman/proxy_protocol_encoder.h"
#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::upstream {

// The client's connection as the transport knows it, ports included: the received PROXY header's
// source and destination when the peer came from one, else the socket's remote and local
// endpoints; nullopt when unknown (a unix listener, a closed socket).
struct TransportEndpoints {
  std::optional<Endpoint> source;
  std::optional<Endpoint> destination;
};
TransportEndpoints transport_endpoints(runtime::Session& s);

// 0.0.0.0:0 or [::]:0, the family of `address` (a PROXY header's unknown destination).
Endpoint unspecified_like(const IpAddress& address);

// The header's fields for this request (views into the session, exchange and `scratch`), or
// nullopt when the route does not send one or no client IP was resolved.
struct PlannedProxyHeader {
  ProxyHeaderFields fields;
  std::array<char, 256> authority{};
  std::array<char, 32> unique_id{};
  std::array<char, 32> tls_version{};
  std::array<char, 32> alpn{};
};
bool plan_upstream_proxy_header(const runtime::Session& s, const request_path::Exchange& x,
                                PlannedProxyHeader& out);

// Writes the header on s.upstream's socket. Returns false when it cannot be encoded or written
// (x.reason is then set: upstream-connect-failed or internal).
asio::awaitable<bool> send_upstream_proxy_header(runtime::Session& s, request_path::Exchange& x);

}  // namespace doorman::upstream
