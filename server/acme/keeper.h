// Keeper: the certificates of one [acme] configuration as the state directory holds them, and
// the steps that change them (issue, revoke), shared by the server's ACME thread
// (acme/service.h) and `doorman certs` (cli/certs_command.cc).
//
// Contract:
// - connect(): the directory, then the account: the key and URL saved for this directory URL
//   are reused (no newAccount); otherwise a new P-256 key is saved (0600) before newAccount,
//   and the account URL after it. Logged either way ("reusing account" / "created account").
// - load(name): the saved chain and key for `name`, checked to match, published into
//   IssuedCertificates; std::nullopt when there is none (or it is unreadable: logged).
// - issue(name): a new order (acme/client.h); the key is written before the chain, both
//   atomically (state_dir.h), then published. Success or failure is recorded in the host's
//   status file (last attempt, consecutive failures, last error: the problem document).
// - revoke(name): revokeCert for the saved chain; the files stay (listing shows "revoked").
// - renewal_due(held): renewal_time() (acme/renewal.h) for a held certificate, or its
//   not_before (due at once) when its key is not of the configured key_type: a key_type change,
//   by reload or restart, re-orders at once instead of serving the old key type for weeks.
// Thread safety: one thread at a time; REQUIRES for issue()/revoke(): connect() succeeded and
// the caller holds the state lock.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "acme/client.h"
#include "acme/issued_certificates.h"
#include "acme/state_dir.h"
#include "config/acme_config.h"

namespace doorman::acme {

struct HostStatus {
  long long last_attempt = 0;  // unix seconds, 0 = never
  int failures = 0;            // consecutive
  std::string last_error;
  bool revoked = false;
};

class Keeper {
 public:
  using Log = AcmeClient::Log;
  using Wait = AcmeClient::Wait;
  Keeper(config::AcmeSection settings, Log log, Wait wait);

  const StatePaths& paths() const { return paths_; }
  const config::AcmeSection& settings() const { return settings_; }
  std::expected<void, std::string> prepare_directories() const;

  std::expected<void, std::string> connect();
  bool connected() const { return client_ != nullptr; }
  AcmeClient* client() { return client_.get(); }

  std::optional<CertificateSummary> load(const std::string& name, bool publish = true);
  std::expected<CertificateSummary, std::string> issue(const std::string& name);
  std::expected<void, std::string> revoke(const std::string& name);

  // ARI (RFC 9773): a time inside the window the CA suggests for the held certificate, and when
  // to ask again, when the CA offers renewalInfo (REQUIRES connect()); std::nullopt otherwise or
  // on any error (logged: the caller keeps the two-thirds rule).
  struct RenewalAdvice {
    std::chrono::system_clock::time_point at;
    std::chrono::seconds ask_again;  // the CA's Retry-After within [1 min, 24 h]; default 6 h
  };
  std::optional<RenewalAdvice> suggested_renewal(const std::string& name, double jitter);
  bool offers_renewal_info() const { return client_ && !client_->directory().renewal_info.empty(); }

  std::string_view key_type() const;  // the configured key_type ("ecdsa-p256", "rsa2048")
  bool key_type_changed(const CertificateSummary& held) const;
  std::chrono::system_clock::time_point renewal_due(const CertificateSummary& held,
                                                    double jitter) const;

  HostStatus status(const std::string& name) const;
  void save_status(const std::string& name, const HostStatus& status) const;

 private:
  config::AcmeSection settings_;
  StatePaths paths_;
  Log log_;
  Wait wait_;
  std::unique_ptr<AcmeClient> client_;
  std::unique_ptr<DnsSolver> dns_;
};

}  // namespace doorman::acme
