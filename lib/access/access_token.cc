// parse_access_token, check_access_header, check_access_claims (doorman/access_token.h).
#include "doorman/access_token.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

namespace doorman {
namespace {

constexpr std::array<std::string_view, 5> kReasonNames = {
    "ok", "access-token-missing", "access-token-invalid", "access-token-expired",
    "access-token-audience"};

// RFC 4648 §5 alphabet; 64 = not in it.
constexpr std::array<uint8_t, 256> kBase64Url = [] {
  std::array<uint8_t, 256> table{};
  table.fill(64);
  constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (std::size_t i = 0; i < alphabet.size(); ++i)
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<uint8_t>(i);
  return table;
}();

// A JSON object from a base64url segment; nullopt when it is not one. Parsing a peer's bytes:
// nlohmann's non-throwing parse (allow_exceptions = false) gives a discarded value on error.
std::optional<nlohmann::json> decode_object(std::string_view segment) {
  auto bytes = decode_base64url(segment);
  if (!bytes) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

// A string claim: absent is "", another type marks the claims ill-typed.
std::string string_claim(const nlohmann::json& j, const char* key, AccessClaims& claims) {
  auto it = j.find(key);
  if (it == j.end()) return {};
  if (!it->is_string()) {
    claims.well_typed = false;
    return {};
  }
  return it->get<std::string>();
}

// NumericDate (RFC 7519 §2): seconds since the epoch; fractions are truncated.
std::optional<int64_t> time_claim(const nlohmann::json& j, const char* key, AccessClaims& claims) {
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) {
    const double v = it->get<double>();
    if (v > -1e15 && v < 1e15) return static_cast<int64_t>(v);
  }
  claims.well_typed = false;
  return std::nullopt;
}

AccessClaims read_claims(const nlohmann::json& j) {
  AccessClaims c;
  c.iss = string_claim(j, "iss", c);
  c.email = string_claim(j, "email", c);
  c.sub = string_claim(j, "sub", c);
  c.common_name = string_claim(j, "common_name", c);
  c.exp = time_claim(j, "exp", c);
  c.nbf = time_claim(j, "nbf", c);
  c.iat = time_claim(j, "iat", c);
  // RFC 7519 §4.1.3: one string, or an array of strings.
  if (auto it = j.find("aud"); it != j.end()) {
    if (it->is_string()) {
      c.aud.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const auto& a : *it) {
        if (!a.is_string()) {
          c.well_typed = false;
          break;
        }
        if (c.aud.size() == kMaxAudiences) break;  // the list is the token's to choose
        c.aud.push_back(a.get<std::string>());
      }
    } else {
      c.well_typed = false;
    }
  }
  return c;
}

}  // namespace

std::string_view access_reason_name(AccessReason reason) {
  const auto i = static_cast<std::size_t>(reason);
  return i < kReasonNames.size() ? kReasonNames[i] : "unknown";
}

std::optional<std::string> decode_base64url(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;  // no length leaves one odd character
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (const char ch : text) {
    const uint8_t v = kBase64Url[static_cast<unsigned char>(ch)];
    if (v == 64) return std::nullopt;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // The leftover bits must be zero (a canonical encoding): another token with the same bytes
  // would otherwise verify too.
  if ((acc & ((1U << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::optional<ParsedAccessToken> parse_access_token(std::string_view token) {
  if (token.empty() || token.size() > kMaxAccessTokenSize) return std::nullopt;
  const std::size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const std::size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return std::nullopt;
  const std::string_view header = token.substr(0, first);
  const std::string_view payload = token.substr(first + 1, second - first - 1);
  const std::string_view signature = token.substr(second + 1);
  if (header.empty() || payload.empty() || signature.empty()) return std::nullopt;
  auto h = decode_object(header);
  auto p = decode_object(payload);
  auto s = decode_base64url(signature);
  if (!h || !p || !s) return std::nullopt;
  ParsedAccessToken out;
  AccessClaims header_types;
  out.header.alg = string_claim(*h, "alg", header_types);
  out.header.kid = string_claim(*h, "kid", header_types);
  if (!header_types.well_typed) return std::nullopt;
  out.claims = read_claims(*p);
  out.signing_input = token.substr(0, second);
  out.signature = std::move(*s);
  return out;
}

AccessReason check_access_header(const JwtHeader& header) {
  if (header.alg != "RS256" || header.kid.empty()) return AccessReason::kInvalid;
  return AccessReason::kOk;
}

AccessReason check_access_claims(const AccessClaims& c, const AccessPolicy& policy, int64_t now) {
  if (!c.well_typed || c.iss != policy.issuer || !c.exp) return AccessReason::kInvalid;
  const int64_t skew = std::max<int64_t>(policy.skew_seconds, 0);
  if (c.nbf && *c.nbf > now + skew) return AccessReason::kInvalid;
  if (c.iat && *c.iat > now + skew) return AccessReason::kInvalid;
  if (now > *c.exp + skew) return AccessReason::kExpired;
  for (const std::string& a : c.aud)
    if (std::find(policy.audiences.begin(), policy.audiences.end(), a) != policy.audiences.end())
      return AccessReason::kOk;
  return AccessReason::kAudience;
}

}  // namespace doorman
