// TlsContext: everything a TLS listener needs to handshake, built once at configuration load.
//
// Contract:
// - TLS 1.2 and 1.3 only (RFC 8996 retired older versions); ALPN: the server selects "h2"
//   (when the listener allows HTTP/2) or else "http/1.1" among what the client offers, and
//   proceeds without ALPN when the client offers none; a client offering only other
//   protocols gets a no_application_protocol alert (RFC 7301 §3.2).
// - Session resumption: TLS 1.3 tickets and TLS 1.2 tickets with the library's rotating keys,
//   plus a server-side session cache for TLS 1.2 session ids. Ticket keys live in memory only.
// - SNI (RFC 6066 §3) picks the certificate (CertificateStore::select); an unknown name with no
//   default certificate fails the handshake with an unrecognized_name alert and one stderr line.
// - The handshake runs on `context()`; the servername callback switches the connection to the
//   chosen certificate's SSL_CTX. Resumption state stays on the handshake context (OpenSSL
//   keeps session_ctx), so resumption works across certificates.
// Thread safety: immutable after build(); OpenSSL contexts are shared by all worker threads.
#pragma once

#include <asio/ssl.hpp>
#include <memory>
#include <string>
#include <vector>

#include "tls/certificate_store.h"

namespace doorman::tls {

class TlsContext {
 public:
  struct BuildResult {
    std::shared_ptr<const TlsContext> context;  // set when errors is empty
    std::vector<std::string> errors;            // sentences naming the file
    std::vector<std::string> warnings;
  };
  // `http2`: ALPN offers h2 before http/1.1 (the listener's http2 key).
  static BuildResult build(const std::vector<CertificateFiles>& files, bool http2 = true);

  // Not const in Asio's API; the context itself is not modified after build().
  asio::ssl::context& context() const { return *context_; }
  const CertificateStore& store() const { return *store_; }

  TlsContext() = default;
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

 private:
  std::unique_ptr<asio::ssl::context> context_;
  std::unique_ptr<CertificateStore> store_;
};

// Applies the shared settings (versions, ALPN, sessions) to one SSL_CTX; "" on success.
std::string configure_server_ctx(SSL_CTX* ctx, bool http2 = true);

}  // namespace doorman::tls
