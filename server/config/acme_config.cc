// [acme] keys (acme_config.h).
#include "config/acme_config.h"

#include <algorithm>
#include <set>

#include "config/config.h"
#include "doorman/ip_address.h"

namespace doorman::config {
namespace {

class AcmeReader {
 public:
  AcmeReader(const std::string& path, std::vector<std::string>& errors)
      : path_(path), errors_(errors) {}

  void error(const toml::node& node, const std::string& key, std::string_view message) {
    errors_.push_back(path_ + ":" + std::to_string(node.source().begin.line) + ": " + key + ": " +
                      std::string(message));
  }

  std::optional<std::string> text(const toml::table& t, const std::string& where,
                                  std::string_view key) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_string() || n->as_string()->get().empty()) {
      error(*n, where + "." + std::string(key), "expected a non-empty string");
      return std::nullopt;
    }
    return n->as_string()->get();
  }

  // A duration string ("10s", "2m") of at least `minimum`; otherwise `message` as the error.
  std::optional<Duration> duration(const toml::node& n, const std::string& key, Duration minimum,
                                   std::string_view message) {
    std::optional<Duration> d;
    if (n.is_string()) d = parse_duration(n.as_string()->get());
    if (!d || *d < minimum) {
      error(n, key, message);
      return std::nullopt;
    }
    return d;
  }

  void read(const toml::table& t, AcmeSection& a) {
    for (auto&& [key, node] : t) {
      static constexpr std::string_view kKnown[] = {"email",       "directory",     "ca_roots",
                                                    "state_dir",   "challenges",    "key_type",
                                                    "retry_after", "dns_cloudflare"};
      if (std::find(std::begin(kKnown), std::end(kKnown), key.str()) == std::end(kKnown))
        error(node, "acme." + std::string(key.str()), "unknown key");
    }
    if (auto v = text(t, "acme", "email")) {
      if (v->find('@') == std::string::npos || v->find_first_of(" ,<>") != std::string::npos)
        error(*t.get("email"), "acme.email", "expected an address like \"ops@example.com\"");
      else
        a.email = *v;
    }
    if (auto v = text(t, "acme", "directory")) {
      if (!v->starts_with("https://") && !v->starts_with("http://"))
        error(*t.get("directory"), "acme.directory", "expected an https:// URL");
      else
        a.directory = *v;
    }
    if (auto v = text(t, "acme", "ca_roots")) a.ca_roots = *v;
    if (auto v = text(t, "acme", "state_dir")) a.state_dir = *v;
    if (const toml::node* n = t.get("challenges")) read_challenges(*n, a);
    if (const toml::node* n = t.get("key_type")) {
      const auto v = n->value<std::string>();
      if (v == "ecdsa-p256")
        a.key_type = AcmeKeyType::kEcdsaP256;
      else if (v == "rsa2048")
        a.key_type = AcmeKeyType::kRsa2048;
      else
        error(*n, "acme.key_type", "expected one of \"ecdsa-p256\", \"rsa2048\"");
    }
    if (const toml::node* n = t.get("retry_after"))
      if (auto d = duration(*n, "acme.retry_after", std::chrono::seconds(1),
                            "expected a duration of at least \"1s\""))
        a.retry_after = std::chrono::duration_cast<std::chrono::seconds>(*d);
    if (const toml::node* n = t.get("dns_cloudflare")) read_cloudflare(*n, a);
    if (a.cloudflare_token_file.empty() && std::find(a.challenges.begin(), a.challenges.end(),
                                                     AcmeChallenge::kDns01) != a.challenges.end())
      error(t.get("challenges") ? *t.get("challenges") : static_cast<const toml::node&>(t),
            "acme.challenges", "\"dns-01\" needs [acme.dns_cloudflare] (the DNS provider)");
  }

  void read_challenges(const toml::node& n, AcmeSection& a) {
    const toml::array* list = n.as_array();
    if (list == nullptr || list->empty()) {
      error(n, "acme.challenges", "expected a non-empty array like [\"tls-alpn-01\", \"http-01\"]");
      return;
    }
    a.challenges.clear();
    for (const toml::node& item : *list) {
      const auto v = item.value<std::string>();
      AcmeChallenge c;
      if (v == "tls-alpn-01")
        c = AcmeChallenge::kTlsAlpn01;
      else if (v == "http-01")
        c = AcmeChallenge::kHttp01;
      else if (v == "dns-01")
        c = AcmeChallenge::kDns01;
      else {
        error(item, "acme.challenges",
              "'" + v.value_or("?") + "': expected \"tls-alpn-01\", \"http-01\" or \"dns-01\"");
        continue;
      }
      if (std::find(a.challenges.begin(), a.challenges.end(), c) != a.challenges.end())
        error(item, "acme.challenges", "'" + *v + "' is listed twice");
      else
        a.challenges.push_back(c);
    }
  }

  void read_cloudflare(const toml::node& n, AcmeSection& a) {
    const toml::table* t = n.as_table();
    if (t == nullptr) {
      error(n, "acme.dns_cloudflare", "expected a table [acme.dns_cloudflare]");
      return;
    }
    for (auto&& [key, node] : *t) {
      static constexpr std::string_view kKnown[] = {"api_token_file", "api_url", "propagation",
                                                    "propagation_timeout", "resolvers"};
      if (std::find(std::begin(kKnown), std::end(kKnown), key.str()) == std::end(kKnown))
        error(node, "acme.dns_cloudflare." + std::string(key.str()), "unknown key");
    }
    if (auto v = text(*t, "acme.dns_cloudflare", "api_url")) {
      if (!v->starts_with("https://") && !v->starts_with("http://"))
        error(*t->get("api_url"), "acme.dns_cloudflare.api_url", "expected an https:// URL");
      else
        a.cloudflare_api_url = *v;
    }
    if (const toml::node* p = t->get("propagation"))
      if (auto d = duration(*p, "acme.dns_cloudflare.propagation", Duration(0),
                            "expected a duration like \"10s\""))
        a.cloudflare_propagation = *d;
    if (const toml::node* p = t->get("propagation_timeout"))
      if (auto d = duration(*p, "acme.dns_cloudflare.propagation_timeout", std::chrono::seconds(1),
                            "expected a duration of at least \"1s\" like \"2m\""))
        a.cloudflare_propagation_timeout = *d;
    if (const toml::node* r = t->get("resolvers")) read_resolvers(*r, a);
    if (auto v = text(*t, "acme.dns_cloudflare", "api_token_file"))
      a.cloudflare_token_file = *v;
    else if (!t->get("api_token_file"))
      error(n, "acme.dns_cloudflare.api_token_file", "api_token_file is required");
    if (std::find(a.challenges.begin(), a.challenges.end(), AcmeChallenge::kDns01) ==
        a.challenges.end())
      a.challenges.push_back(AcmeChallenge::kDns01);
  }

  // Resolvers asked for the TXT record before the CA is (acme/dns_lookup.h).
  void read_resolvers(const toml::node& n, AcmeSection& a) {
    // Each is asked every couple of seconds while a record propagates: a handful is plenty.
    constexpr std::size_t kMaxResolvers = 8;
    const toml::array* list = n.as_array();
    if (list == nullptr || list->empty() || list->size() > kMaxResolvers) {
      error(n, "acme.dns_cloudflare.resolvers",
            "expected 1 to 8 addresses like [\"1.1.1.1:53\", \"[2606:4700:4700::1111]:53\"]");
      return;
    }
    for (const toml::node& item : *list) {
      const auto v = item.value<std::string>();
      std::expected<SocketAddress, std::string> parsed = std::unexpected(std::string());
      if (v) parsed = parse_socket_address(*v, false);
      if (!parsed || parsed->kind != SocketAddress::Kind::kTcp || parsed->port == 0) {
        error(item, "acme.dns_cloudflare.resolvers",
              "'" + v.value_or("?") + "': expected IP:PORT like \"1.1.1.1:53\" or " +
                  "\"[2606:4700:4700::1111]:53\"");
        continue;
      }
      a.cloudflare_resolvers.push_back(*v);
    }
  }

 private:
  const std::string& path_;
  std::vector<std::string>& errors_;
};

}  // namespace

void read_acme_config(const toml::table& root, const std::string& path, Config& config,
                      std::vector<std::string>& errors) {
  AcmeReader reader(path, errors);
  if (const toml::node* node = root.get("acme")) {
    if (!node->is_table()) {
      reader.error(*node, "acme", "expected a table [acme]");
    } else {
      config.acme.enabled = true;
      config.acme.line = static_cast<int>(node->source().begin.line);
      reader.read(*node->as_table(), config.acme);
    }
    if (config.acme.enabled && !uses_acme(config))
      errors.push_back(path + ":" + std::to_string(config.acme.line) +
                       ": acme: no listener says certificates = \"acme\"");
  }
  for (const ListenerSection& l : config.listeners)
    if (l.edge.acme && !config.acme.enabled)
      errors.push_back(path + ":" + std::to_string(l.line) +
                       ": listener.certificates: \"acme\" needs an [acme] table");
}

bool uses_acme(const Config& config) {
  return std::any_of(config.listeners.begin(), config.listeners.end(),
                     [](const ListenerSection& l) { return l.edge.acme; });
}

std::vector<std::string> acme_host_names(const Config& config) {
  const bool dns01 = std::find(config.acme.challenges.begin(), config.acme.challenges.end(),
                               AcmeChallenge::kDns01) != config.acme.challenges.end();
  std::set<std::string> names;
  for (const RouteSection& route : config.routes)
    for (const RoutePattern& p : route.patterns) {
      if (p.host.empty() || IpAddress::parse(p.host)) continue;
      if (p.host.starts_with('[')) continue;  // an IPv6 literal
      if (p.wildcard) {
        if (dns01) names.insert("*" + p.host);  // ".example.com" -> "*.example.com"
        continue;
      }
      names.insert(p.host);
    }
  return {names.begin(), names.end()};
}

}  // namespace doorman::config
