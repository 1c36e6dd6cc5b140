// IssuedCertificates: the certificates ACME obtained, by host name, as the TLS listeners with
// `certificates = "acme"` serve them (tls/tls_context.cc asks here during each handshake).
//
// Contract:
// - publish() turns a PEM chain (leaf first) and its PEM key into ready SSL_CTXs (one offering
//   h2 by ALPN, one http/1.1 only, both configured like every other certificate:
//   tls::configure_server_ctx) and swaps them in for that name. A connection already using the
//   previous certificate keeps it (OpenSSL holds its own reference); the next handshake gets the
//   new one: a renewal needs no restart and drops no connection.
// - find() is an exact, case-insensitive name match (no trailing dot), else the wildcard
//   "*.parent" covering exactly one more label (a DNS-01 certificate for a wildcard route).
// - One instance per process (shared()): certificates outlive configuration snapshots, so a
//   reload neither loses nor re-reads them.
// Thread safety: every member is thread-safe (one mutex; find() copies a shared_ptr out).
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <expected>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace doorman::acme {

struct CertificateSummary {
  std::string name;
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  std::string issuer;    // the issuer's distinguished name, one line
  std::string serial;    // hex
  std::string key_type;  // the leaf's key: "ecdsa-p256", "rsa2048", ... (acme/crypto.h)
};

// The validity, issuer and serial of a PEM chain's leaf (for listing and renewal).
std::expected<CertificateSummary, std::string> summarize_chain(std::string_view chain_pem);

class IssuedCertificates {
 public:
  static IssuedCertificates& shared();

  std::expected<void, std::string> publish(const std::string& name, std::string_view chain_pem,
                                           std::string_view key_pem);
  std::shared_ptr<SSL_CTX> find(std::string_view name, bool http2) const;
  std::vector<CertificateSummary> list() const;

 private:
  struct Entry {
    std::shared_ptr<SSL_CTX> h2;
    std::shared_ptr<SSL_CTX> http11;
    CertificateSummary summary;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace doorman::acme
