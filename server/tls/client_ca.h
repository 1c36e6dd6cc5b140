// ClientCa: the CA bundle a TLS listener verifies client certificates against (Authenticated
// Origin Pulls: `client_auth = "cloudflare"` = the bundled zone-level Cloudflare origin-pull CA,
// data/cloudflare-origin-pull-ca.pem embedded at build time; `client_ca = "FILE"` = a PEM bundle).
//
// Contract:
// - load() reads every certificate of the bundle into one X509_STORE and the list of their
//   subject names (sent in the CertificateRequest, RFC 8446 §4.2.4). A missing or unreadable
//   file, or one without a certificate, is an error sentence naming the file.
// - apply() installs verification on one SSL_CTX. Required: SSL_VERIFY_PEER |
//   SSL_VERIFY_FAIL_IF_NO_PEER_CERT with OpenSSL's own verdict, so a missing or bad certificate
//   fails the handshake with an alert. Optional: SSL_VERIFY_PEER with a callback that lets the
//   handshake go on whatever the chain says; the verdict stays in SSL_get_verify_result() and
//   tls/client_certificate.h reads it per connection. The store is shared (reference-counted)
//   by every SSL_CTX of the listener: the servername callback switches a connection to the
//   chosen certificate's SSL_CTX, whose store then verifies.
// Thread safety: immutable after load(); OpenSSL's X509_STORE is safe for concurrent verification.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include "config/edge_config.h"

namespace doorman::tls {

class ClientCa {
 public:
  struct LoadResult {
    std::shared_ptr<const ClientCa> ca;  // set when error is empty
    std::string error;
  };
  static LoadResult load(const config::ClientAuth& auth);
  // From PEM text; `source` names it in errors.
  static LoadResult from_pem(std::string_view pem, const std::string& source);

  ~ClientCa();
  ClientCa(const ClientCa&) = delete;
  ClientCa& operator=(const ClientCa&) = delete;

  // "" on success, else a sentence.
  std::string apply(SSL_CTX* ctx, bool required) const;
  X509_STORE* store() const { return store_; }
  int count() const { return count_; }

 private:
  ClientCa() = default;
  X509_STORE* store_ = nullptr;
  STACK_OF(X509_NAME) * names_ = nullptr;
  int count_ = 0;
};

// The bundled Cloudflare origin-pull CA (PEM text), embedded from data/ at build time.
std::string_view bundled_origin_pull_ca_pem();

}  // namespace doorman::tls
