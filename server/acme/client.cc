#include "acme/client.h"

#include <openssl/x509v3.h>

#include <nlohmann/json.hpp>

#include "acme/challenges.h"

namespace doorman::acme {
namespace {

using json = nlohmann::json;

json parse(const std::string& body) {
  return json::parse(body, nullptr, false);
}

std::string text_of(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The problem document as one line, or the status and start of the body.
std::string problem(const HttpResponse& r) {
  const json j = parse(r.body);
  if (j.is_object() && j.contains("type")) return j.dump();
  return "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200);
}

bool is_bad_nonce(const HttpResponse& r) {
  return r.status == 400 && text_of(parse(r.body), "type") == "urn:ietf:params:acme:error:badNonce";
}

// Retry-After as delay-seconds; 0 when absent or a date (RFC 9110 §10.2.3 allows one: the
// callers use their default then).
std::chrono::seconds retry_after_seconds(const HttpResponse& r) {
  if (r.retry_after.empty() || !std::isdigit(static_cast<unsigned char>(r.retry_after[0])))
    return std::chrono::seconds(0);
  return std::chrono::seconds(std::strtol(r.retry_after.c_str(), nullptr, 10));
}

std::chrono::milliseconds poll_delay(const HttpResponse& r) {
  return std::chrono::seconds(std::clamp<long>(retry_after_seconds(r).count(), 1, 10));
}

int select_acme_tls(SSL*, const unsigned char** out, unsigned char* out_len,
                    const unsigned char* in, unsigned int in_len, void*) {
  static constexpr unsigned char kAcmeTls[] = {10,  'a', 'c', 'm', 'e', '-',
                                               't', 'l', 's', '/', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, kAcmeTls, sizeof kAcmeTls, in, in_len) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

// The TLS-ALPN-01 answer for `name` (RFC 8737 §3): a fresh key, the self-signed certificate,
// and a context that only speaks acme-tls/1.
std::expected<std::shared_ptr<SSL_CTX>, std::string> alpn_challenge_ctx(
    const std::string& name, const std::string& key_authorization) {
  auto key = generate_key(KeyType::kEcdsaP256);
  if (!key) return std::unexpected(key.error());
  auto cert = make_alpn_challenge_certificate(key->get(), name, key_authorization);
  if (!cert) return std::unexpected(cert.error());
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx || SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1 ||
      SSL_CTX_use_certificate(ctx.get(), cert->get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx.get(), key->get()) != 1)
    return std::unexpected("cannot build the tls-alpn-01 context: " + openssl_error());
  SSL_CTX_set_alpn_select_cb(ctx.get(), select_acme_tls, nullptr);
  return ctx;
}

std::chrono::system_clock::time_point parse_rfc3339(const std::string& text) {
  struct tm parts {};
  if (strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &parts) == nullptr) return {};
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

}  // namespace

std::string_view challenge_name(ChallengeType type) {
  switch (type) {
    case ChallengeType::kHttp01:
      return "http-01";
    case ChallengeType::kTlsAlpn01:
      return "tls-alpn-01";
    case ChallengeType::kDns01:
      return "dns-01";
  }
  return "?";
}

std::expected<void, std::string> AcmeClient::open(const std::string& directory_url) {
  auto r = http_.get(directory_url);
  if (!r) return std::unexpected(r.error());
  const json j = parse(r->body);
  if (r->status != 200 || !j.is_object())
    return std::unexpected(directory_url + ": not an ACME directory (" + problem(*r) + ")");
  directory_.new_nonce = text_of(j, "newNonce");
  directory_.new_account = text_of(j, "newAccount");
  directory_.new_order = text_of(j, "newOrder");
  directory_.revoke_cert = text_of(j, "revokeCert");
  directory_.renewal_info = text_of(j, "renewalInfo");
  if (directory_.new_nonce.empty() || directory_.new_account.empty() ||
      directory_.new_order.empty())
    return std::unexpected(directory_url + ": the directory lacks newNonce/newAccount/newOrder");
  return {};
}

std::expected<HttpResponse, std::string> AcmeClient::post(const std::string& url,
                                                          std::string_view payload,
                                                          std::string_view accept) {
  for (int attempt = 0;; ++attempt) {
    if (nonce_.empty()) {
      auto n = http_.head(directory_.new_nonce);
      if (!n) return std::unexpected(n.error());
      if (n->replay_nonce.empty()) return std::unexpected("newNonce gave no Replay-Nonce");
      nonce_ = n->replay_nonce;
    }
    auto body = sign_request(key_, account_url_, nonce_, url, payload);
    if (!body) return std::unexpected(body.error());
    nonce_.clear();  // used
    auto r = http_.post_jose(url, *body, accept);
    if (!r) return std::unexpected(r.error());
    nonce_ = r->replay_nonce;
    if (!is_bad_nonce(*r)) return r;
    if (attempt + 1 >= kNonceRetries)
      return std::unexpected(url + ": badNonce " + std::to_string(kNonceRetries) +
                             " times in a row");
    log_("badNonce from " + url + ", retrying with a fresh nonce");
  }
}

std::expected<std::string, std::string> AcmeClient::register_account(const std::string& email) {
  json payload = {{"termsOfServiceAgreed", true}};
  if (!email.empty()) payload["contact"] = json::array({"mailto:" + email});
  account_url_.clear();  // newAccount is signed with the JWK
  auto r = post(directory_.new_account, payload.dump());
  if (!r) return std::unexpected(r.error());
  if ((r->status != 200 && r->status != 201) || r->location.empty())
    return std::unexpected("newAccount: " + problem(*r));
  account_url_ = r->location;
  return account_url_;
}

std::expected<std::string, std::string> AcmeClient::poll(const std::string& url,
                                                         const std::vector<std::string>& done) {
  const auto deadline = std::chrono::steady_clock::now() + poll_timeout;
  for (;;) {
    auto r = post(url, "");
    if (!r) return std::unexpected(r.error());
    if (r->status != 200) return std::unexpected(url + ": " + problem(*r));
    last_body_ = r->body;
    const std::string status = text_of(parse(r->body), "status");
    for (const std::string& d : done)
      if (status == d) return status;
    if (status == "invalid") return status;
    if (std::chrono::steady_clock::now() >= deadline)
      return std::unexpected(url + ": still '" + status + "' after " +
                             std::to_string(poll_timeout.count()) + " s");
    if (!wait_(poll_delay(*r))) return std::unexpected("stopping");
  }
}

std::expected<void, std::string> AcmeClient::authorize(const std::string& authz_url,
                                                       const std::vector<ChallengeType>& types,
                                                       const DnsSolver* dns) {
  auto r = post(authz_url, "");
  if (!r) return std::unexpected(r.error());
  const json authz = parse(r->body);
  if (r->status != 200 || !authz.is_object())
    return std::unexpected(authz_url + ": " + problem(*r));
  const std::string status = text_of(authz, "status");
  if (status == "valid") return {};
  if (status != "pending") return std::unexpected(authz_url + ": authorization is " + status);
  const std::string name = text_of(authz.value("identifier", json::object()), "value");
  const bool wildcard = authz.value("wildcard", false);
  // The first type in the operator's order that the server offers (and we can answer).
  const json offered = authz.value("challenges", json::array());
  const json* chosen = nullptr;
  ChallengeType type{};
  for (ChallengeType t : types) {
    if (t == ChallengeType::kDns01 && dns == nullptr) continue;
    for (const json& c : offered)
      if (text_of(c, "type") == challenge_name(t)) {
        chosen = &c;
        type = t;
        break;
      }
    if (chosen) break;
  }
  if (chosen == nullptr)
    return std::unexpected(name + ": the server offers none of the configured challenges" +
                           (wildcard ? " (a wildcard needs dns-01)" : ""));
  const std::string token = text_of(*chosen, "token");
  const std::string url = text_of(*chosen, "url");
  const std::string key_auth = key_authorization(token, key_);
  Challenges& challenges = Challenges::shared();
  const std::string txt_name = "_acme-challenge." + name;
  const std::string txt_value = base64url(sha256(key_auth));
  if (type == ChallengeType::kHttp01) {
    challenges.add_http01(token, key_auth);
  } else if (type == ChallengeType::kTlsAlpn01) {
    auto ctx = alpn_challenge_ctx(name, key_auth);
    if (!ctx) return std::unexpected(ctx.error());
    challenges.add_alpn(name, std::move(*ctx));
  } else if (auto presented = dns->present(txt_name, txt_value); !presented) {
    return std::unexpected(name + ": dns-01: " + presented.error());
  }
  log_(name + ": answering " + std::string(challenge_name(type)));
  auto withdraw = [&] {
    if (type == ChallengeType::kHttp01) challenges.remove_http01(token);
    if (type == ChallengeType::kTlsAlpn01) challenges.remove_alpn(name);
    if (type == ChallengeType::kDns01) dns->cleanup(txt_name, txt_value);
  };
  auto started = post(url, "{}");  // §7.5.1: the client is ready
  if (!started || (started->status != 200 && started->status != 201)) {
    withdraw();
    return std::unexpected(name + ": " + std::string(challenge_name(type)) + ": " +
                           (started ? problem(*started) : started.error()));
  }
  auto outcome = poll(authz_url, {"valid"});
  withdraw();
  if (!outcome) return std::unexpected(name + ": " + outcome.error());
  if (*outcome == "valid") return {};
  // The failed challenge's error is the problem document worth logging (§7.1.4).
  std::string detail = "authorization invalid";
  for (const json& c : parse(last_body_).value("challenges", json::array()))
    if (c.is_object() && c.contains("error")) detail = c["error"].dump();
  return std::unexpected(name + ": " + std::string(challenge_name(type)) + " failed: " + detail);
}

std::expected<IssuedChain, std::string> AcmeClient::obtain(
    const std::vector<std::string>& names, KeyType key_type,
    const std::vector<ChallengeType>& challenges, const DnsSolver* dns) {
  json identifiers = json::array();
  for (const std::string& n : names) identifiers.push_back({{"type", "dns"}, {"value", n}});
  auto created = post(directory_.new_order, json{{"identifiers", identifiers}}.dump());
  if (!created) return std::unexpected(created.error());
  if (created->status != 201 || created->location.empty())
    return std::unexpected("newOrder: " + problem(*created));
  const std::string order_url = created->location;
  json order = parse(created->body);
  log_("order " + order_url + " for " + names.front() +
       (names.size() > 1 ? " and " + std::to_string(names.size() - 1) + " more" : ""));
  for (const json& authz : order.value("authorizations", json::array())) {
    if (!authz.is_string()) continue;
    if (auto ok = authorize(authz.get<std::string>(), challenges, dns); !ok)
      return std::unexpected(ok.error());
  }
  auto status = poll(order_url, {"ready", "valid"});
  if (!status) return std::unexpected(status.error());
  if (*status == "invalid") return std::unexpected("order invalid: " + last_body_);
  auto key = generate_key(key_type);
  if (!key) return std::unexpected(key.error());
  auto csr = make_csr(key->get(), names);
  if (!csr) return std::unexpected(csr.error());
  if (*status == "ready") {
    auto finalized =
        post(text_of(parse(last_body_), "finalize"), json{{"csr", base64url(*csr)}}.dump());
    if (!finalized) return std::unexpected(finalized.error());
    if (finalized->status != 200) return std::unexpected("finalize: " + problem(*finalized));
    status = poll(order_url, {"valid"});
    if (!status) return std::unexpected(status.error());
    if (*status != "valid") return std::unexpected("order invalid after finalize: " + last_body_);
  }
  const std::string certificate_url = text_of(parse(last_body_), "certificate");
  auto chain = post(certificate_url, "", "application/pem-certificate-chain");
  if (!chain) return std::unexpected(chain.error());
  if (chain->status != 200 || chain->body.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return std::unexpected("certificate download: " + problem(*chain));
  auto key_pem = key_to_pem(key->get());
  if (!key_pem) return std::unexpected(key_pem.error());
  return IssuedChain{std::move(chain->body), std::move(*key_pem)};
}

std::expected<void, std::string> AcmeClient::revoke(std::string_view chain_pem, int reason) {
  if (directory_.revoke_cert.empty()) return std::unexpected("the server offers no revokeCert");
  auto leaf = first_certificate(chain_pem);
  if (!leaf) return std::unexpected(leaf.error());
  const int n = i2d_X509(leaf->get(), nullptr);
  std::vector<uint8_t> der(static_cast<std::size_t>(std::max(n, 0)));
  unsigned char* p = der.data();
  i2d_X509(leaf->get(), &p);
  auto r = post(directory_.revoke_cert,
                json{{"certificate", base64url(der)}, {"reason", reason}}.dump());
  if (!r) return std::unexpected(r.error());
  if (r->status != 200) return std::unexpected("revokeCert: " + problem(*r));
  return {};
}

std::expected<RenewalWindow, std::string> AcmeClient::renewal_window(std::string_view chain_pem) {
  if (directory_.renewal_info.empty()) return std::unexpected("the server offers no renewalInfo");
  auto leaf = first_certificate(chain_pem);
  if (!leaf) return std::unexpected(leaf.error());
  auto id = ari_certificate_id(leaf->get());
  if (!id) return std::unexpected(id.error());
  std::string url = directory_.renewal_info;
  if (!url.ends_with('/')) url += '/';
  auto r = http_.get(url + *id);
  if (!r) return std::unexpected("renewalInfo " + url + *id + ": " + r.error());
  const json j = parse(r->body);
  if (r->status != 200 || !j.is_object() || !j.contains("suggestedWindow"))
    return std::unexpected("renewalInfo: " + problem(*r));
  const json& w = j["suggestedWindow"];
  const auto start = parse_rfc3339(text_of(w, "start"));
  const auto end = parse_rfc3339(text_of(w, "end"));
  if (start == std::chrono::system_clock::time_point{} || end < start)
    return std::unexpected("renewalInfo: a malformed window");
  return RenewalWindow{start, end, retry_after_seconds(*r)};
}

}  // namespace doorman::acme
