#include "acme/keeper.h"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include "acme/dns_cloudflare.h"
#include "acme/renewal.h"

namespace doorman::acme {
namespace {

using json = nlohmann::json;

std::vector<ChallengeType> challenge_types(const config::AcmeSection& s) {
  std::vector<ChallengeType> out;
  for (config::AcmeChallenge c : s.challenges) switch (c) {
      case config::AcmeChallenge::kTlsAlpn01:
        out.push_back(ChallengeType::kTlsAlpn01);
        break;
      case config::AcmeChallenge::kHttp01:
        out.push_back(ChallengeType::kHttp01);
        break;
      case config::AcmeChallenge::kDns01:
        out.push_back(ChallengeType::kDns01);
        break;
    }
  return out;
}

KeyType configured_key_type(const config::AcmeSection& s) {
  return s.key_type == config::AcmeKeyType::kRsa2048 ? KeyType::kRsa2048 : KeyType::kEcdsaP256;
}

// Names are file names in the state directory: "*.example.com" is kept as "_.example.com".
std::string file_name(const std::string& name) {
  return name.starts_with("*.") ? "_" + name.substr(1) : name;
}

}  // namespace

Keeper::Keeper(config::AcmeSection settings, Log log, Wait wait)
    : settings_(std::move(settings)), log_(std::move(log)), wait_(std::move(wait)) {
  paths_.root = settings_.state_dir;
  if (!settings_.cloudflare_token_file.empty()) {
    auto token = read_file(settings_.cloudflare_token_file);
    if (!token || !*token || (*token)->empty()) {
      log_("'" + settings_.cloudflare_token_file +
           "': " + (!token ? token.error() : std::string("no API token in the file")) +
           "; dns-01 is unavailable");
      return;
    }
    std::string text = **token;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
      text.pop_back();
    CloudflareSettings cloudflare;
    cloudflare.api_url = settings_.cloudflare_api_url;
    cloudflare.token = text;
    cloudflare.ca_roots = settings_.ca_roots;
    cloudflare.resolvers = settings_.cloudflare_resolvers;
    cloudflare.propagation = settings_.cloudflare_propagation;
    cloudflare.propagation_timeout = settings_.cloudflare_propagation_timeout;
    dns_ = std::make_unique<DnsSolver>(make_cloudflare_solver(std::move(cloudflare), log_, wait_));
  }
}

std::expected<void, std::string> Keeper::prepare_directories() const {
  if (auto ok = make_directories(paths_.root); !ok) return ok;
  return make_directories(paths_.certificates());
}

std::expected<void, std::string> Keeper::connect() {
  const std::string& url = settings_.directory;
  auto saved_key = read_file(paths_.account_key(url));
  if (!saved_key) return std::unexpected(saved_key.error());
  auto saved_account = read_file(paths_.account_json(url));
  if (!saved_account) return std::unexpected(saved_account.error());
  PkeyPtr pkey;
  if (*saved_key) {
    auto k = key_from_pem(**saved_key);
    if (!k) return std::unexpected("'" + paths_.account_key(url) + "': " + k.error());
    pkey = std::move(*k);
  } else {
    auto k = generate_key(KeyType::kEcdsaP256);
    if (!k) return std::unexpected(k.error());
    auto pem = key_to_pem(k->get());
    if (!pem) return std::unexpected(pem.error());
    // Saved before newAccount: an account created with a key we then lost would be orphaned.
    if (auto ok = write_file(paths_.account_key(url), *pem); !ok)
      return std::unexpected(ok.error());
    pkey = std::move(*k);
  }
  auto account_key = AccountKey::from_key(std::move(pkey));
  if (!account_key) return std::unexpected(account_key.error());
  auto client = std::make_unique<AcmeClient>(HttpClient(settings_.ca_roots),
                                             std::move(*account_key), log_, wait_);
  if (auto ok = client->open(url); !ok) return std::unexpected(ok.error());
  std::string account_url;
  if (*saved_key && *saved_account) {
    const json j = json::parse(**saved_account, nullptr, false);
    if (j.is_object() && j.contains("url") && j["url"].is_string())
      account_url = j["url"].get<std::string>();
  }
  if (!account_url.empty()) {
    client->use_account(account_url);
    log_("reusing account " + account_url);
  } else {
    auto created = client->register_account(settings_.email);
    if (!created) return std::unexpected(created.error());
    account_url = *created;
    const json j = {{"url", account_url}, {"directory", url}, {"email", settings_.email}};
    if (auto ok = write_file(paths_.account_json(url), j.dump(2) + "\n"); !ok)
      return std::unexpected(ok.error());
    log_("created account " + account_url);
  }
  client_ = std::move(client);
  return {};
}

std::optional<CertificateSummary> Keeper::load(const std::string& name, bool publish) {
  const std::string file = file_name(name);
  auto chain = read_file(paths_.chain(file));
  auto key = read_file(paths_.key(file));
  if (!chain || !key) {
    log_(name + ": " + (!chain ? chain.error() : key.error()));
    return std::nullopt;
  }
  if (!*chain || !*key) return std::nullopt;
  auto summary = summarize_chain(**chain);
  if (!summary) {
    log_(name + ": '" + paths_.chain(file) + "': " + summary.error());
    return std::nullopt;
  }
  summary->name = name;
  if (publish) {
    if (auto ok = IssuedCertificates::shared().publish(name, **chain, **key); !ok) {
      log_(name + ": '" + paths_.chain(file) + "': " + ok.error());
      return std::nullopt;
    }
  }
  return std::move(*summary);
}

std::string_view Keeper::key_type() const {
  return key_type_name(configured_key_type(settings_));
}

bool Keeper::key_type_changed(const CertificateSummary& held) const {
  return held.key_type != key_type();
}

std::chrono::system_clock::time_point Keeper::renewal_due(const CertificateSummary& held,
                                                          double jitter) const {
  if (key_type_changed(held)) return held.not_before;
  return renewal_time(held.not_before, held.not_after, jitter);
}

std::expected<CertificateSummary, std::string> Keeper::issue(const std::string& name) {
  const std::string file = file_name(name);
  HostStatus st = status(name);
  st.last_attempt = static_cast<long long>(std::time(nullptr));
  const KeyType key_type = configured_key_type(settings_);
  auto fail = [&](const std::string& error) -> std::expected<CertificateSummary, std::string> {
    st.failures += 1;
    st.last_error = error;
    save_status(name, st);
    return std::unexpected(error);
  };
  auto issued = client_->obtain({name}, key_type, challenge_types(settings_), dns_.get());
  if (!issued) return fail(issued.error());
  auto summary = summarize_chain(issued->chain_pem);
  if (!summary) return fail("the issued chain: " + summary.error());
  summary->name = name;
  // The key first: a chain on disk always has its key beside it.
  if (auto ok = write_file(paths_.key(file), issued->key_pem); !ok) return fail(ok.error());
  if (auto ok = write_file(paths_.chain(file), issued->chain_pem); !ok) return fail(ok.error());
  if (auto ok = IssuedCertificates::shared().publish(name, issued->chain_pem, issued->key_pem); !ok)
    return fail(ok.error());
  st = HostStatus{st.last_attempt, 0, "", false};
  save_status(name, st);
  return summary;
}

std::expected<void, std::string> Keeper::revoke(const std::string& name) {
  auto chain = read_file(paths_.chain(file_name(name)));
  if (!chain) return std::unexpected(chain.error());
  if (!*chain) return std::unexpected(name + ": no certificate in " + paths_.certificates());
  if (auto ok = client_->revoke(**chain); !ok) return ok;
  HostStatus st = status(name);
  st.revoked = true;
  save_status(name, st);
  return {};
}

std::optional<Keeper::RenewalAdvice> Keeper::suggested_renewal(const std::string& name,
                                                               double jitter) {
  if (!offers_renewal_info()) return std::nullopt;
  auto chain = read_file(paths_.chain(file_name(name)));
  if (!chain || !*chain) return std::nullopt;
  auto window = client_->renewal_window(**chain);
  if (!window) {
    log_(name + ": " + window.error() + "; renewing at two thirds of the lifetime instead");
    return std::nullopt;
  }
  // RFC 9773 §4.3.3: ask again after Retry-After; bounded so a CA saying 0 or a year neither
  // hammers it nor misses an incident for long.
  std::chrono::seconds again =
      window->retry_after.count() > 0 ? window->retry_after : std::chrono::hours(6);
  again = std::clamp<std::chrono::seconds>(again, std::chrono::minutes(1), std::chrono::hours(24));
  return RenewalAdvice{renewal_time_in_window(window->start, window->end, jitter), again};
}

HostStatus Keeper::status(const std::string& name) const {
  HostStatus st;
  auto text = read_file(paths_.status(file_name(name)));
  if (!text || !*text) return st;
  const json j = json::parse(**text, nullptr, false);
  if (!j.is_object()) return st;
  st.last_attempt = j.value("last_attempt", 0LL);
  st.failures = j.value("failures", 0);
  st.last_error = j.value("last_error", std::string());
  st.revoked = j.value("revoked", false);
  return st;
}

void Keeper::save_status(const std::string& name, const HostStatus& st) const {
  const json j = {{"name", name},
                  {"last_attempt", st.last_attempt},
                  {"failures", st.failures},
                  {"last_error", st.last_error},
                  {"revoked", st.revoked}};
  if (auto ok = write_file(paths_.status(file_name(name)), j.dump(2) + "\n"); !ok) log_(ok.error());
}

}  // namespace doorman::acme
