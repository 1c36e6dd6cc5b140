// probe: one HTTPS GET for `doorman doctor` with libcurl, and what it showed: whether an HTTP
// answer came, its status, cf-ray and first body line, and the server's certificate (trusted or
// not, subject, issuer).
//
// Contract:
// - The request goes to `url`; `resolve` entries ("host:port:addr", curl's --resolve) stand in
//   for DNS; `connect_to` ("host:port:addr:port", curl's --connect-to) sends the same request
//   (URL, Host, SNI) to another address: the origin. No client certificate is ever sent, no
//   redirect followed, no cookie kept. `timeout` bounds each attempt (connect and transfer).
// - The certificate is verified against `cacert` (a PEM bundle) or the system roots, with the
//   host name. When that fails the request is made again without verification, so the rest
//   is still seen; `trusted` = false and `trust_error` says why.
// - A handshake or first read that ends in a TLS alert asking for a client certificate
//   (certificate_required, handshake_failure, bad_certificate), or a connection that breaks
//   right after the handshake (TLS 1.3: the server's alert arrives as the request is written,
//   and curl reports only the failed send), sets `tls_refused`.
// - Body bytes beyond kMaxBody are not read (the transfer stops; the answer still counts).
// Thread safety: reentrant (one easy handle per call; curl_global_init runs once).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace doorman::doctor {

inline constexpr std::size_t kMaxBody = 64 * 1024;

struct ProbeRequest {
  std::string url;
  std::vector<std::string> resolve;
  std::string connect_to;  // "" = none
  std::string cacert;      // "" = the system roots
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
};

struct ProbeResult {
  bool answered = false;     // an HTTP status line arrived
  std::string error;         // why not (curl's words), or why the transfer ended early
  bool tls_refused = false;  // a TLS alert for a missing client certificate
  std::string peer;          // "addr:port" connected to, "" = none
  long status = 0;
  std::string cf_ray;      // the cf-ray header, "" = none
  std::string server;      // the Server header
  std::string first_line;  // the body's first line, at most 200 bytes
  // The server's certificate (the leaf), when a handshake got that far.
  bool certificate_seen = false;
  bool trusted = false;
  std::string trust_error;
  std::string subject;
  std::string issuer;
};

ProbeResult probe(const ProbeRequest& request);

}  // namespace doorman::doctor
