// Reads [route.access] (access_config.h).
#include <cctype>
#include <optional>

#include "config/access_reader.h"

namespace doorman::config {
namespace {

bool is_token_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  return true;
}

// http:// only to a loopback address (a local stand-in); the keys decide who gets in.
bool acceptable_url(std::string_view url) {
  if (url.starts_with("https://")) return url.size() > 8;
  for (std::string_view prefix : {"http://127.", "http://[::1]", "http://localhost"})
    if (url.starts_with(prefix)) return true;
  return false;
}

class AccessReader {
 public:
  AccessReader(const std::string& path, std::vector<std::string>& errors)
      : path_(path), errors_(errors) {}

  void error(const toml::node& node, const std::string& key, std::string_view message) {
    errors_.push_back(path_ + ":" + std::to_string(node.source().begin.line) + ": " + key + ": " +
                      std::string(message));
  }

  std::optional<std::string> string(const toml::table& t, const std::string& where,
                                    const char* key) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_string()) {
      error(*n, where + "." + key, "expected a string");
      return std::nullopt;
    }
    return n->as_string()->get();
  }

  template <typename D>
  void duration(const toml::table& t, const std::string& where, const char* key, D& out) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return;
    std::optional<Duration> d;
    if (n->is_string()) d = parse_duration(n->as_string()->get());
    if (n->is_integer() && n->as_integer()->get() >= 0)
      d = parse_duration(std::to_string(n->as_integer()->get()));
    if (!d)
      error(*n, where + "." + key, "expected a duration like \"60s\", \"1h\"");
    else
      out = std::chrono::duration_cast<D>(*d);
  }

  void read(const toml::node& node, const std::string& where, RouteAccess& a) {
    if (!node.is_table()) {
      error(node, where, "expected a table [route.access]");
      return;
    }
    const toml::table& t = *node.as_table();
    for (auto&& [key, value] : t) {
      static constexpr std::string_view kKnown[] = {"team_domain",
                                                    "aud",
                                                    "cookie",
                                                    "skew",
                                                    "jwks_url",
                                                    "refresh_interval",
                                                    "refresh_min_interval",
                                                    "timeout",
                                                    "cache_file",
                                                    "email_header",
                                                    "subject_header"};
      bool known = false;
      for (std::string_view k : kKnown) known = known || key.str() == k;
      if (!known) error(value, where + "." + std::string(key.str()), "unknown key");
    }
    const auto team = string(t, where, "team_domain");
    if (!team || team->empty() || team->find_first_of("/:@ ") != std::string::npos) {
      error(t.get("team_domain") ? *t.get("team_domain") : node, where + ".team_domain",
            "required: the team's domain, like \"team.cloudflareaccess.com\"");
    } else {
      a.team_domain = *team;
      a.issuer = "https://" + *team;
      a.jwks_url = "https://" + *team + "/cdn-cgi/access/certs";
      std::string safe;
      for (char c : *team) safe += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
      a.cache_file = "/var/lib/doorman/access-" + safe + ".jwks.json";
    }
    if (const toml::node* n = t.get("aud"); n != nullptr && n->is_array()) {
      for (const toml::node& item : *n->as_array()) {
        if (!item.is_string() || item.as_string()->get().empty())
          error(item, where + ".aud", "expected non-empty strings (the application's AUD tags)");
        else
          a.aud.push_back(item.as_string()->get());
      }
    } else if (n != nullptr && n->is_string() && !n->as_string()->get().empty()) {
      a.aud.push_back(n->as_string()->get());
    }
    if (a.aud.empty())
      error(t.get("aud") ? *t.get("aud") : node, where + ".aud",
            "required: the application's audience tag(s), aud = [\"...\"]");
    if (const toml::node* n = t.get("cookie")) {
      if (!n->is_boolean())
        error(*n, where + ".cookie", "expected true or false");
      else
        a.cookie = n->as_boolean()->get();
    }
    duration(t, where, "skew", a.skew);
    duration(t, where, "refresh_interval", a.refresh_interval);
    duration(t, where, "refresh_min_interval", a.refresh_min_interval);
    duration(t, where, "timeout", a.timeout);
    if (a.refresh_interval.count() < 1000 || a.refresh_min_interval.count() < 100 ||
        a.timeout.count() < 100)
      error(node, where, "refresh_interval >= 1s, refresh_min_interval and timeout >= 100ms");
    if (auto url = string(t, where, "jwks_url")) {
      if (!acceptable_url(*url))
        error(*t.get("jwks_url"), where + ".jwks_url",
              "expected an https:// URL (http:// only to a loopback address)");
      else
        a.jwks_url = *url;
    }
    if (auto file = string(t, where, "cache_file")) a.cache_file = *file;
    for (auto [key, out] : {std::pair{"email_header", &a.email_header},
                            std::pair{"subject_header", &a.subject_header}}) {
      if (auto name = string(t, where, key)) {
        // 64 bytes: with the identity values (512 each) the rewrite's scratch always fits.
        if (!is_token_name(*name) || name->size() > 64)
          error(*t.get(key), where + "." + key,
                "expected a header name (letters, digits, '-'; at most 64)");
        else
          *out = *name;
      }
    }
    a.enabled = !a.team_domain.empty() && !a.aud.empty();
  }

 private:
  const std::string& path_;
  std::vector<std::string>& errors_;
};

}  // namespace

void read_access_config(const toml::table& root, const std::string& path, Config& config,
                        std::vector<std::string>& errors) {
  const toml::node* routes = root.get("route");
  if (routes == nullptr || !routes->is_array_of_tables()) return;
  AccessReader reader(path, errors);
  std::size_t i = 0;
  for (const toml::node& item : *routes->as_array()) {
    if (i >= config.routes.size()) break;
    RouteSection& route = config.routes[i++];
    if (const toml::node* access = item.as_table()->get("access"))
      reader.read(*access, "route[" + std::to_string(i) + "].access", route.access);
  }
}

}  // namespace doorman::config
