// TlsContext: everything a TLS listener needs to handshake, built once at configuration load.
//
// Contract:
// - TLS 1.2 and 1.3 only (RFC 8996 retired older versions); ALPN: the server selects "h2"
//   (when the listener allows HTTP/2) or else "http/1.1" among what the client offers, and
//   proceeds without ALPN when the client offers none; a client offering only other
//   protocols gets a no_application_protocol alert (RFC 7301 §3.2).
// - Session resumption: TLS 1.3 tickets and TLS 1.2 tickets with the library's rotating keys,
//   plus a server-side session cache for TLS 1.2 session ids. Ticket keys live in memory only.
// - SNI (RFC 6066 §3) picks the certificate: a configured one covering the name
//   (CertificateStore::covering), else, on a listener with certificates = "acme", the ACME
//   certificate for exactly that name (acme::IssuedCertificates), else the configured default
//   (CertificateStore::fallback). Nothing: the handshake fails with an unrecognized_name alert
//   and one stderr line naming the server name.
// - TLS-ALPN-01 (RFC 8737 §3), ACME listeners only: a ClientHello offering "acme-tls/1" for a
//   name with a pending challenge (acme::Challenges) gets the challenge certificate and the
//   acme-tls/1 protocol; the connection ends after the handshake (request_path/tls.cc).
// - Client certificates (Authenticated Origin Pulls): with a ClientAuth, every SSL_CTX of the
//   listener requests one and verifies it against the listener's ClientCa (tls/client_ca.h);
//   required = a handshake without a good one fails, optional = the verdict is recorded.
//   Not combined with ACME certificates (build() refuses it).
// - The handshake runs on `context()`; the servername callback switches the connection to the
//   chosen certificate's SSL_CTX. Resumption state stays on the handshake context (OpenSSL
//   keeps session_ctx), so resumption works across certificates.
// Thread safety: immutable after build(); OpenSSL contexts are shared by all worker threads
// (the ACME tables are synchronized by themselves).
#pragma once

#include <asio/ssl.hpp>
#include <memory>
#include <string>
#include <vector>

#include "tls/certificate_store.h"
#include "tls/client_ca.h"

namespace doorman::tls {

class TlsContext {
 public:
  struct BuildResult {
    std::shared_ptr<const TlsContext> context;  // set when errors is empty
    std::vector<std::string> errors;            // sentences naming the file
    std::vector<std::string> warnings;
  };
  // `http2`: ALPN offers h2 before http/1.1 (the listener's http2 key). `acme`: the listener
  // also serves ACME certificates (then `files` may be empty). `client_auth`: the listener's
  // client_ca / client_auth keys (off by default).
  static BuildResult build(const std::vector<CertificateFiles>& files, bool http2 = true,
                           bool acme = false, const config::ClientAuth& client_auth = {});

  // Not const in Asio's API; the context itself is not modified after build().
  asio::ssl::context& context() const { return *context_; }
  // Null on an ACME listener without configured certificates.
  const CertificateStore* store() const { return store_.get(); }
  bool acme() const { return acme_; }
  bool http2() const { return http2_; }
  // The CA client certificates verify against; null when the listener requests none.
  const ClientCa* client_ca() const { return client_ca_.get(); }

  TlsContext() = default;
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

 private:
  std::unique_ptr<asio::ssl::context> context_;
  std::unique_ptr<CertificateStore> store_;
  bool acme_ = false;
  bool http2_ = true;
  std::shared_ptr<const ClientCa> client_ca_;
};

// Applies the shared settings (versions, ALPN, sessions) to one SSL_CTX; "" on success.
std::string configure_server_ctx(SSL_CTX* ctx, bool http2 = true);

// Whether the handshake negotiated "acme-tls/1" (a TLS-ALPN-01 validation, nothing more follows).
bool is_acme_tls_alpn(SSL* ssl);

}  // namespace doorman::tls
