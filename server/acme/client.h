// AcmeClient: one ACME account talking to one ACME server (RFC 8555): the directory, nonces,
// the account, and the whole life of an order, up to the downloaded certificate chain.
//
// Contract:
// - Every POST is a JWS (acme/jws.h) with a fresh nonce: the last Replay-Nonce seen, else one
//   from newNonce. A `badNonce` problem (§6.5) is retried with the nonce that came with it, up
//   to kNonceRetries times; any other problem document is returned as the error, whole (its
//   JSON), so the log shows what the server said.
// - obtain(): newOrder for the names, then for each pending authorization the first challenge
//   type in `challenges` the server offers (http-01 answers through Challenges' token table,
//   tls-alpn-01 through its certificate table; both removed when the authorization is decided),
//   polls it to valid (an invalid one fails the order with the challenge's error document),
//   finalizes with a CSR for a NEW key of `key_type`, polls the order and downloads the chain.
//   Polls honour Retry-After within [1 s, 10 s] and give up after `poll_timeout`.
// - Blocking: for the ACME thread or a CLI command, never a worker. `wait` sleeps between polls
//   and returns false when the caller is stopping (the order is then abandoned).
// Thread safety: one thread at a time.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "acme/crypto.h"
#include "acme/http.h"
#include "acme/jws.h"

namespace doorman::acme {

enum class ChallengeType : uint8_t { kHttp01, kTlsAlpn01, kDns01 };
std::string_view challenge_name(ChallengeType type);

inline constexpr int kNonceRetries = 16;

struct Directory {
  std::string new_nonce, new_account, new_order, revoke_cert, renewal_info;
};

struct RenewalWindow {
  std::chrono::system_clock::time_point start, end;
  std::chrono::seconds retry_after{0};  // when to ask again (RFC 9773 §4.3); 0 = not said
};

struct IssuedChain {
  std::string chain_pem;
  std::string key_pem;
};

// Publishes and withdraws DNS-01 TXT records (acme/dns_cloudflare.h); null = no DNS-01.
struct DnsSolver {
  std::function<std::expected<void, std::string>(const std::string& name, const std::string& value)>
      present;
  std::function<void(const std::string& name, const std::string& value)> cleanup;
};

class AcmeClient {
 public:
  using Log = std::function<void(const std::string&)>;
  using Wait = std::function<bool(std::chrono::milliseconds)>;
  AcmeClient(HttpClient http, AccountKey key, Log log, Wait wait)
      : http_(std::move(http)),
        key_(std::move(key)),
        log_(std::move(log)),
        wait_(std::move(wait)) {}

  std::expected<void, std::string> open(const std::string& directory_url);
  const Directory& directory() const { return directory_; }
  // newAccount (agreeing to the terms); returns the account URL (the `kid`).
  std::expected<std::string, std::string> register_account(const std::string& email);
  void use_account(std::string url) { account_url_ = std::move(url); }
  const AccountKey& key() const { return key_; }

  std::expected<IssuedChain, std::string> obtain(const std::vector<std::string>& names,
                                                 KeyType key_type,
                                                 const std::vector<ChallengeType>& challenges,
                                                 const DnsSolver* dns = nullptr);
  // revokeCert (§7.6) for the leaf of `chain_pem`, signed by the account.
  std::expected<void, std::string> revoke(std::string_view chain_pem, int reason = 0);
  // ARI (RFC 9773): the suggested window of the leaf, when the server offers renewalInfo.
  std::expected<RenewalWindow, std::string> renewal_window(std::string_view chain_pem);

  std::chrono::seconds poll_timeout{90};

 private:
  std::expected<HttpResponse, std::string> post(const std::string& url, std::string_view payload,
                                                std::string_view accept = {});
  std::expected<void, std::string> authorize(const std::string& authz_url,
                                             const std::vector<ChallengeType>& challenges,
                                             const DnsSolver* dns);
  std::expected<std::string, std::string> poll(const std::string& url,
                                               const std::vector<std::string>& done);

  HttpClient http_;
  AccountKey key_;
  Log log_;
  Wait wait_;
  Directory directory_;
  std::string account_url_;
  std::string nonce_;
  std::string last_body_;  // the last polled object (poll())
};

}  // namespace doorman::acme
