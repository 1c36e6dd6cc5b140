// Challenges: the answers doorman currently offers to an ACME server's validation, shared by the
// ACME thread (which adds and removes them) and the workers (which answer with them).
//
// Contract:
// - HTTP-01 (RFC 8555 §8.3): token -> key authorization. Only tokens doorman itself added are
//   ever answered; a lookup of anything else finds nothing and the request takes its normal
//   route (request_path/acme_challenge.h).
// - TLS-ALPN-01 (RFC 8737): host name -> an SSL_CTX holding the challenge certificate whose ALPN
//   callback selects only "acme-tls/1" (tls/tls_context.cc switches to it during the handshake).
// - One instance per process (shared()): a challenge outlives any configuration snapshot, and a
//   reload in the middle of a validation must not lose it.
// Thread safety: every member is thread-safe (one mutex; a lookup copies the answer out).
#pragma once

#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace doorman::acme {

class Challenges {
 public:
  static Challenges& shared();

  void add_http01(std::string token, std::string key_authorization);
  void remove_http01(std::string_view token);
  std::optional<std::string> http01(std::string_view token) const;

  void add_alpn(std::string name, std::shared_ptr<SSL_CTX> ctx);
  void remove_alpn(std::string_view name);
  std::shared_ptr<SSL_CTX> alpn(std::string_view name) const;  // null when none

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> http01_;
  std::map<std::string, std::shared_ptr<SSL_CTX>, std::less<>> alpn_;
};

}  // namespace doorman::acme
