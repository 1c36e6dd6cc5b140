// Jwks: one Cloudflare Access team's signing keys (a JWKS, RFC 7517 §5), and the RS256 signature
// check of an Access token against them (RFC 7515 §5.2) with Debian's librhonabwy.
//
// Contract:
// - parse(): a JSON object whose "keys" array holds at least one usable key: kty "RSA", a
//   non-empty kid, alg absent or "RS256", "use" absent or "sig", and a public key rhonabwy
//   imports. Other keys are skipped (counted in `skipped`); none usable is an error. At most
//   kMaxKeys keys are read (the document comes from the network).
// - verify(): the token's header has already passed check_access_header() (alg RS256, a kid).
//   kUnknownKid when no usable key has that kid (the caller may refresh the set); kBad when the
//   signature does not verify with that key. Nothing but RS256 with an RSA public key is ever
//   tried, so "none", HMAC keyed with the public key and other algorithms cannot pass.
//   Each call imports the key and parses the token anew: no rhonabwy object is shared between
//   threads.
// Thread safety: immutable after parse(); verify() is const and reentrant.
#pragma once

#include <cstddef>
#include <expected>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace doorman::access {

inline constexpr std::size_t kMaxKeys = 64;

class Jwks {
 public:
  static std::expected<std::shared_ptr<const Jwks>, std::string> parse(std::string_view json);

  enum class Check { kOk, kUnknownKid, kBad };
  Check verify(std::string_view token, std::string_view kid) const;

  std::size_t size() const { return keys_.size(); }
  std::size_t skipped() const { return skipped_; }
  bool has(std::string_view kid) const { return keys_.find(kid) != keys_.end(); }

 private:
  std::map<std::string, std::string, std::less<>> keys_;  // kid -> the key's JSON text
  std::size_t skipped_ = 0;
};

}  // namespace doorman::access
