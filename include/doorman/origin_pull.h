// Authenticated Origin Pulls: whether a request that came from a Cloudflare address also came
// over a connection on which Cloudflare presented the client certificate the operator expects.
//
// Why: a Cloudflare address proves only that *some* Cloudflare customer sent the request; anyone
// can put their own zone in front of an origin's IP and have Cloudflare send any
// CF-Connecting-IP. The origin-pull certificate (signed by the CA the listener names: the
// Cloudflare zone-level CA, or a per-zone CA of the operator's) proves the request came through
// the operator's own zone. docs/client-ip.md "Origin pull".
//
// Contract:
// - Pure: the server's TLS layer verifies the certificate chain (OpenSSL) once per connection and
//   hands the result here as a value (ClientCertState plus the certificate's names); this code
//   only decides what that result means for a route. No TLS library, no I/O, no allocation.
// - check_origin_pull(): not required -> kNotRequired; no certificate -> kAbsent; a certificate
//   that did not verify against the listener's CA -> kUnverified; a verified certificate whose
//   subject CN and SAN DNS names do not include the route's `origin_pull_subject` pin (ASCII
//   case-insensitive, exact: no wildcards, the pin names one zone's certificate) ->
//   kSubjectMismatch; else kVerified.
// - At most kMaxOriginPullNames names are compared (the list comes from a peer's certificate;
//   the server caps it when it extracts the names, and this caps it again).
// Thread safety: pure functions over caller-owned values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace doorman {

inline constexpr std::size_t kMaxOriginPullNames = 64;

// What the TLS layer saw of the connection's client certificate. Names (logs, `doorman explain
// --origin-pull`): "absent", "verified", "unverified".
enum class ClientCertState : uint8_t {
  kAbsent,      // no TLS, no certificate requested, or none presented
  kVerified,    // presented and its chain verified against the listener's client CA
  kUnverified,  // presented but did not verify (another CA, expired, ...)
};
std::string_view client_cert_state_name(ClientCertState state);
std::optional<ClientCertState> parse_client_cert_state(std::string_view name);

// The route's requirement and the connection's certificate, for one request.
struct OriginPull {
  bool required = false;     // the route's require_origin_pull
  std::string_view subject;  // the route's origin_pull_subject; empty = any verified certificate
  ClientCertState certificate = ClientCertState::kAbsent;
  std::span<const std::string> names;  // the certificate's subject CN and SAN DNS names
};

// The origin-pull step's outcome. Names (diagnostics log "origin_pull", `doorman explain`):
// "not-required", "verified", "absent", "unverified", "subject-mismatch".
enum class OriginPullCheck : uint8_t {
  kNotRequired,
  kVerified,
  kAbsent,
  kUnverified,
  kSubjectMismatch,
};
std::string_view origin_pull_check_name(OriginPullCheck check);

OriginPullCheck check_origin_pull(const OriginPull& pull);

}  // namespace doorman
