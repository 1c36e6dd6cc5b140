// ClientCertificate: what one TLS connection's client certificate was, read once after the
// handshake on listeners with client_ca / client_auth (tls/client_ca.h), and handed to the
// identity library's origin-pull step as a value (doorman/origin_pull.h).
//
// Contract:
// - read_client_certificate(ssl): kAbsent when the client sent none; kVerified when the chain
//   verified against the listener's client CA (SSL_get_verify_result() == X509_V_OK, which a
//   resumed session carries over from its full handshake); kUnverified otherwise, with
//   OpenSSL's reason in `error`. `names` are the subject CN and the SAN DNS names, at most
//   kMaxOriginPullNames (the list is the peer's to choose).
// - verify_certificate_file() does the same verification for `doorman explain --client-cert`
//   (a PEM file: the leaf first, then any intermediates) against a ClientCa.
// - The result is shared by the connection's session and its HTTP/2 streams (immutable).
// Thread safety: immutable values; reading runs on the connection's worker thread.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

#include "doorman/origin_pull.h"
#include "tls/client_ca.h"

namespace doorman::tls {

struct ClientCertificate {
  ClientCertState state = ClientCertState::kAbsent;
  std::vector<std::string> names;  // subject CN, then SAN DNS names
  std::string subject;             // one line, for logs and explain
  std::string error;               // kUnverified: OpenSSL's reason
};

std::shared_ptr<const ClientCertificate> read_client_certificate(SSL* ssl);

// kAbsent with `error` set when the file cannot be read.
ClientCertificate verify_certificate_file(const std::string& path, const ClientCa& ca);

}  // namespace doorman::tls
