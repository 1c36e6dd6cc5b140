// CertificateStore: the certificates of one TLS listener and the choice among them by SNI.
//
// Contract:
// - load() reads each configured (cert, key) pair: a PEM chain (leaf first) and its private key.
//   A missing or unreadable file, a file without a certificate or key, or a key that does not
//   match the certificate is an error naming the file; an expired (or not yet valid)
//   certificate loads with a warning naming the file (the operator may be mid-renewal).
// - Each certificate answers for the DNS names in its subjectAltName (RFC 6125 §6.4: the CN is
//   used only when there is no DNS SAN). "*.example.com" matches exactly one extra label
//   ("a.example.com", never "example.com" or "a.b.example.com", RFC 6125 §6.4.3). Names compare
//   case-insensitively, without a trailing dot.
// - select(sni): the exact name first, then the wildcard, then the default certificate (the one
//   marked `default = true`, else the first certificate) when there was no SNI at all; an SNI
//   naming no certificate gets the marked default if there is one, else nothing (the handshake
//   then fails with an unrecognized_name alert, and the caller logs it).
// - Each certificate has its own SSL_CTX (owned here) configured by the caller's function so
//   protocol versions, ALPN and session settings are the same for all of them.
// Thread safety: immutable after load(); select() is const and lock-free, called from OpenSSL's
// servername callback on any worker thread.
#pragma once

#include <openssl/ssl.h>

#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/edge_config.h"

namespace doorman::tls {

using CertificateFiles = config::CertificateFiles;

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

struct LoadedCertificate {
  CertificateFiles files;
  std::vector<std::string> names;  // lowercase DNS names, "*.example.com" kept as written
  SslCtxPtr ctx;
};

class CertificateStore {
 public:
  // `configure` sets protocol versions, ALPN, sessions on each new SSL_CTX; it returns an error
  // sentence or "". Errors and warnings are sentences naming the file.
  struct LoadResult {
    std::unique_ptr<CertificateStore> store;  // set when errors is empty
    std::vector<std::string> errors;
    std::vector<std::string> warnings;
  };
  static LoadResult load(const std::vector<CertificateFiles>& files,
                         const std::function<std::string(SSL_CTX*)>& configure);

  // The certificate for this SNI (empty = the client sent none), or nullptr.
  const LoadedCertificate* select(std::string_view sni) const;
  // Only a certificate whose names cover `sni` (exact, then wildcard): no default. A listener
  // that also serves ACME certificates asks this first, then ACME, then fallback().
  const LoadedCertificate* covering(std::string_view sni) const;
  // The default certificate for `sni` when nothing covers it (select()'s last step), or nullptr.
  const LoadedCertificate* fallback(std::string_view sni) const;
  const std::vector<LoadedCertificate>& certificates() const { return certificates_; }

 private:
  std::vector<LoadedCertificate> certificates_;
  std::map<std::string, std::size_t, std::less<>> exact_;
  std::map<std::string, std::size_t, std::less<>> wildcard_;  // "example.com" for "*.example.com"
  std::size_t no_sni_ = 0;
  bool has_marked_default_ = false;
};

// Certificate DNS names (SAN DNS entries, else the CN), lowercased.
std::vector<std::string> certificate_names(X509* cert);

}  // namespace doorman::tls
