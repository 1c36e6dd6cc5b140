// Key, CSR and encoding helpers for the ACME client (RFC 8555), on OpenSSL 3's EVP APIs.
//
// Contract:
// - base64url() is RFC 4648 §5 without padding (RFC 8555 §6.1, RFC 7515 §2).
// - generate_key() makes an ECDSA P-256 key (the default) or an RSA 2048 key; keys move in and
//   out as PKCS#8 PEM. make_csr() builds a DER PKCS#10 request whose subjectAltName lists every
//   name (CN = the first one, RFC 8555 §7.4 reads only the SAN) signed with SHA-256.
// - make_alpn_challenge_certificate() is the self-signed certificate of TLS-ALPN-01 (RFC 8737
//   §3): one dNSName SAN and the critical id-pe-acmeIdentifier extension holding
//   SHA-256(key authorization).
// Errors are values: a sentence naming what failed, with OpenSSL's reason.
// Thread safety: pure functions; each call owns its OpenSSL objects.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tls/openssl_text.h"

#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace doorman::acme {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

enum class KeyType : uint8_t { kEcdsaP256, kRsa2048 };

std::string base64url(std::span<const uint8_t> bytes);
inline std::string base64url(std::string_view text) {
  return base64url({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}
std::vector<uint8_t> sha256(std::string_view bytes);
using tls::openssl_error;  // tls/openssl_text.h

std::expected<PkeyPtr, std::string> generate_key(KeyType type);
// A key's type in [acme] key_type spelling ("ecdsa-p256", "rsa2048"); any other key as
// "rsa<bits>", "ecdsa-<curve>" or "other" (a certificate held from another setting or put in the
// state directory by hand), so a held certificate can be compared with the configured type.
std::string key_type_name(const EVP_PKEY* key);
std::string_view key_type_name(KeyType type);
std::expected<std::string, std::string> key_to_pem(EVP_PKEY* key);
std::expected<PkeyPtr, std::string> key_from_pem(std::string_view pem);

// REQUIRES: names is not empty.
std::expected<std::vector<uint8_t>, std::string> make_csr(EVP_PKEY* key,
                                                          const std::vector<std::string>& names);

// The leaf of a PEM chain, or an error.
std::expected<X509Ptr, std::string> first_certificate(std::string_view pem);

// The ARI certificate identifier (RFC 9773 §4.1): base64url(the Authority Key Identifier's
// keyIdentifier) "." base64url(the serial number's DER content octets, with the leading zero
// byte DER puts before a serial whose top bit is set). An error when there is no AKI keyid.
std::expected<std::string, std::string> ari_certificate_id(X509* leaf);

// RFC 8737 §3. The certificate is valid from one day ago for a week (a validation takes seconds).
std::expected<X509Ptr, std::string> make_alpn_challenge_certificate(
    EVP_PKEY* key, std::string_view name, std::string_view key_authorization);

}  // namespace doorman::acme
