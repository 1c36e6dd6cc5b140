// The edge options: how traffic arrives on a listener and how a route treats the browser-facing
// scheme (issue 5). Kept apart from config.h so the listener/TLS/PROXY contract lives in one
// place; config.h embeds these as ListenerSection::edge and RouteSection::edge.
//
// Keys (docs/config.md):
//   [[listener]] proxy_protocol = "off" | "v1" | "v2" | "any", proxy_protocol_from = [CIDRs],
//                proxy_header_timeout = "5s", tls = true, http2 = true, h2c = false,
//                client_ca = "FILE" | client_auth = "cloudflare", client_auth_required = true,
//                [[listener.certificate]] cert = "...", key = "...", default = true,
//                certificates = "acme" (acme_config.h)
//   [[route]]    https_redirect = true, https_port = 8443,
//                require_origin_pull = true, origin_pull_subject = "NAME"
// Values are validated when read (edge_reader.h); a Config holding them is always valid.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "doorman/cidr_set.h"

namespace doorman::tls {
class TlsContext;  // tls/tls_context.h; built when the listener is read
}

namespace doorman::config {

// Which PROXY protocol versions a listener requires (DESIGN.md "PROXY protocol"). kOff: none,
// the connection starts with TLS or HTTP; any other value: every connection must open with a
// header of that version (kAny: v1 or v2), or it is closed.
enum class ProxyProtocolMode : uint8_t { kOff, kV1, kV2, kAny };

// PROXY protocol toward the upstream (a route's or a tcp listener's
// `upstream_proxy_protocol`).
enum class UpstreamProxyProtocol : uint8_t { kOff, kV1, kV2 };

// `mode = "tcp"`: relay bytes to `upstream` instead of serving HTTP (runtime/tcp_relay.h).
struct TcpRelay {
  bool enabled = false;
  std::string text;  // as written, for logs
  std::string host;  // IP literal (or a name resolved once at load)
  uint16_t port = 0;
  std::string unix_path;  // set for "unix:/path"
  UpstreamProxyProtocol send_proxy = UpstreamProxyProtocol::kOff;
};

// One [[listener.certificate]]: a PEM chain (leaf first) and its key.
struct CertificateFiles {
  std::string cert;
  std::string key;
  bool is_default = false;  // serves clients without SNI and names no certificate covers
};

// Client certificates on a TLS listener (Authenticated Origin Pulls, doorman/origin_pull.h).
struct ClientAuth {
  enum class Ca : uint8_t {
    kOff,         // no certificate is requested
    kCloudflare,  // client_auth = "cloudflare": the bundled zone-level origin-pull CA
    kFile,        // client_ca = "FILE": a PEM bundle (a per-zone CA of the operator's)
  };
  Ca ca = Ca::kOff;
  std::string ca_file;  // kFile
  // true: a connection without a certificate that verifies fails its handshake. false: the
  // certificate is requested, and the verification result is recorded per connection for the
  // routes that require origin pull (the others serve the connection as usual).
  bool required = true;
  bool enabled() const { return ca != Ca::kOff; }
};

struct ListenerEdge {
  ProxyProtocolMode proxy_protocol = ProxyProtocolMode::kOff;
  // Socket peers allowed to send the header, as written and compiled; empty = every peer.
  // Others are closed before a byte is read.
  std::vector<std::string> proxy_protocol_from;
  CidrSet proxy_protocol_from_set;
  // The whole header must arrive within this time of accept (a stalled sender pins nothing).
  std::chrono::milliseconds proxy_header_timeout{std::chrono::seconds(5)};
  // TLS termination (after the PROXY header): the certificates, loaded and checked at load.
  bool tls = false;
  std::vector<CertificateFiles> certificates;
  // certificates = "acme": certificates for the routes' host names come from ACME (server/acme/),
  // beside any [[listener.certificate]] (which win for the names they cover).
  bool acme = false;
  std::shared_ptr<const tls::TlsContext> tls_context;  // set iff tls
  ClientAuth client_auth;  // client_ca / client_auth / client_auth_required (TLS only)
  // HTTP/2 (h2/serve_h2.h): offered by ALPN on TLS listeners unless http2 = false; h2c = true
  // accepts it with prior knowledge on a plain listener (for a front proxy that speaks h2c).
  bool http2 = true;
  bool h2c = false;
  TcpRelay tcp;  // mode = "tcp"
};

struct RouteEdge {
  // Requests whose browser-facing scheme is http get 301 (GET/HEAD) or 308 to https.
  bool https_redirect = false;
  // The port in the redirect's Location; 0 = the https default (443, no port written).
  uint16_t https_port = 0;
  // Each upstream connection opens with a PROXY header naming the resolved client. Such
  // connections are never pooled (a kept-alive connection would carry one client's header
  // for another's requests).
  UpstreamProxyProtocol upstream_proxy_protocol = UpstreamProxyProtocol::kOff;
  // Authenticated Origin Pulls (cloudflare-proxy and auto only): a request from a Cloudflare
  // address is 403 unless its connection presented a client certificate that verified against
  // the listener's client CA and, when origin_pull_subject is set, names it (CN or SAN).
  bool require_origin_pull = false;
  std::string origin_pull_subject;
};

}  // namespace doorman::config
