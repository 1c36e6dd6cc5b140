// JWS for ACME requests (RFC 8555 §6.2, RFC 7515): ES256 signatures in the flattened JSON
// serialization, with the account key as `jwk` (newAccount, and revokeCert by certificate key)
// or the account URL as `kid` (everything else).
//
// Contract:
// - AccountKey wraps an ECDSA P-256 key (the only account key type doorman makes). Its JWK is
//   the RFC 7638 canonical form {"crv","kty","x","y"} (members in that order, coordinates
//   32 bytes each), so thumbprint() is the RFC 7638 §3 thumbprint ACME's key authorizations use
//   (RFC 8555 §8.1).
// - sign_request() returns {"protected","payload","signature"}: the protected header holds
//   alg = ES256, nonce, url and exactly one of jwk / kid; payload "" is POST-as-GET (§6.3).
//   The signature is R || S, 64 bytes (RFC 7518 §3.4), not OpenSSL's DER.
// Thread safety: an AccountKey is immutable after construction; signing is thread-safe.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "acme/crypto.h"

namespace doorman::acme {

class AccountKey {
 public:
  // REQUIRES nothing: a key that is not P-256 is an error.
  static std::expected<AccountKey, std::string> from_key(PkeyPtr key);

  const std::string& jwk_json() const { return jwk_; }
  const std::string& thumbprint() const { return thumbprint_; }
  EVP_PKEY* key() const { return key_.get(); }
  // base64url(R || S) over `input` with SHA-256.
  std::expected<std::string, std::string> sign(std::string_view input) const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  std::string jwk_;
  std::string thumbprint_;
};

// `kid` empty: the header carries the JWK instead.
std::expected<std::string, std::string> sign_request(const AccountKey& key, std::string_view kid,
                                                     std::string_view nonce, std::string_view url,
                                                     std::string_view payload);

// RFC 8555 §8.1: token "." thumbprint.
std::string key_authorization(std::string_view token, const AccountKey& key);

}  // namespace doorman::acme
