// Cloudflare Origin CA certificates: the free certificates Cloudflare issues for origin servers.
// Only Cloudflare's edge trusts their roots (no browser or operating-system store holds them), so
// such a certificate is right on a route that only Cloudflare reaches (source_ip =
// "cloudflare-proxy") and a certificate error for every visitor who reaches the origin directly.
//
// Contract:
// - is_origin_ca_unit(ou): an issuer organizational unit (OU) names one of Cloudflare's Origin
//   CA roots, as Cloudflare writes it: "CloudFlare Origin SSL Certificate Authority" (RSA) or
//   "CloudFlare Origin SSL ECC Certificate Authority" (ECDSA). Exact case.
// - issued_by_origin_ca(cert): some OU of the certificate's issuer name passes
//   is_origin_ca_unit(). Null is false.
// - names_origin_ca(issuer_text): a one-line rendering of an issuer name (OpenSSL's or
//   libcurl's "Issuer:" line) contains such an OU.
// Thread safety: pure functions.
#pragma once

#include <openssl/x509.h>

#include <string_view>

namespace doorman::tls {

bool is_origin_ca_unit(std::string_view ou);
bool issued_by_origin_ca(const X509* cert);
bool names_origin_ca(std::string_view issuer_text);

}  // namespace doorman::tls
