// Cloudflare Access tokens at the origin: the policy a token must meet, apart from its signature.
//
// Cloudflare Access puts a signed JWT (RFC 7519, JWS compact form RFC 7515 §7.1) in the
// Cf-Access-Jwt-Assertion header of every request it lets through. The server verifies the RS256
// signature against the team's JWKS (a crypto library, server side); this code decides everything
// else, from values: the token's shape, its header's algorithm, and its claims at a given time.
//
// Contract:
// - parse_access_token(): three non-empty base64url segments (no padding, RFC 7515 §2), at most
//   kMaxAccessTokenSize bytes; header and payload are JSON objects. nullopt = invalid. The
//   signing input (header.payload) and the decoded signature are returned for the verifier.
// - check_access_header(): the algorithm must be exactly "RS256" (RFC 7518 §3.3): "none", the
//   HS* family (an HMAC "keyed" with the public key is the classic confusion attack), ES*, PS*
//   and anything else are invalid, whatever key is at hand; a kid is required (the JWKS lookup).
// - check_access_claims() at `now` (unix seconds; a parameter, never read here):
//   iss must equal the policy's issuer exactly ("https://TEAM.cloudflareaccess.com");
//   aud (a string or an array of strings) must contain one of the policy's audiences, else
//   kAudience; exp is required and now > exp + skew is kExpired; nbf > now + skew or
//   iat > now + skew (issued in the future) is kInvalid. Claims of the wrong JSON type are
//   kInvalid. At most kMaxAudiences aud entries are read.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace doorman {

inline constexpr std::size_t kMaxAccessTokenSize = 16 * 1024;
inline constexpr std::size_t kMaxAudiences = 32;

// The 403 reasons: "ok", "access-token-missing", "access-token-invalid",
// "access-token-expired", "access-token-audience".
enum class AccessReason : uint8_t { kOk, kMissing, kInvalid, kExpired, kAudience };
std::string_view access_reason_name(AccessReason reason);

struct JwtHeader {
  std::string alg;
  std::string kid;
};

struct AccessClaims {
  bool well_typed = true;  // false when a claim below had the wrong JSON type
  std::string iss;
  std::vector<std::string> aud;
  std::optional<int64_t> exp, nbf, iat;
  std::string email;  // Access sets it for users; service tokens have common_name instead
  std::string sub;
  std::string common_name;
};

struct ParsedAccessToken {
  JwtHeader header;
  AccessClaims claims;
  std::string_view signing_input;  // "header.payload", a view into the token
  std::string signature;           // decoded bytes
};

std::optional<ParsedAccessToken> parse_access_token(std::string_view token);

// base64url without padding (RFC 4648 §5); nullopt on any other byte or a bad length.
std::optional<std::string> decode_base64url(std::string_view text);

AccessReason check_access_header(const JwtHeader& header);

struct AccessPolicy {
  std::string_view issuer;
  std::span<const std::string> audiences;
  int64_t skew_seconds = 60;
};

AccessReason check_access_claims(const AccessClaims& claims, const AccessPolicy& policy,
                                 int64_t now);

}  // namespace doorman
