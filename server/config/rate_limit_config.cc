// [rate_limit] and per-route rate_limit keys (rate_limit_config.h). Kept apart from the main
// loader so the rate-limit contract lives in one file.
#include <initializer_list>

#include "config/rate_limit_reader.h"

namespace doorman::config {
namespace {

constexpr int64_t kMaxRequests = 1'000'000'000;
constexpr int64_t kMaxBurst = 10'000'000;
constexpr int64_t kMaxKeys = 10'000'000;  // 320 MB of table at 32 bytes a key
constexpr std::chrono::hours kMaxPer{24};
constexpr std::chrono::milliseconds kMaxBackendTimeout{1000};

class Reader {
 public:
  Reader(const std::string& path, std::vector<std::string>& errors)
      : path_(path), errors_(errors) {}

  void error(const toml::node& node, std::string_view key, std::string_view message) {
    errors_.push_back(path_ + ":" + std::to_string(node.source().begin.line) + ": " +
                      std::string(key) + ": " + std::string(message));
  }

  void check_keys(const toml::table& t, const std::string& where,
                  std::initializer_list<std::string_view> known) {
    for (auto&& [key, node] : t) {
      bool ok = false;
      for (std::string_view k : known) ok = ok || key.str() == k;
      if (!ok) error(node, where + "." + std::string(key.str()), "unknown key");
    }
  }

  std::optional<int64_t> integer(const toml::table& t, const std::string& where,
                                 std::string_view key, int64_t min, int64_t max) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_integer() || node->as_integer()->get() < min || node->as_integer()->get() > max) {
      error(*node, where + "." + std::string(key),
            "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
      return std::nullopt;
    }
    return node->as_integer()->get();
  }

  std::optional<std::chrono::milliseconds> duration(const toml::table& t, const std::string& where,
                                                    std::string_view key,
                                                    std::chrono::milliseconds max) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    std::optional<Duration> d;
    if (node->is_string()) d = parse_duration(node->as_string()->get());
    if (node->is_integer() && node->as_integer()->get() > 0)
      d = parse_duration(std::to_string(node->as_integer()->get()));
    if (!d || d->count() <= 0 || *d > max) {
      error(*node, where + "." + std::string(key),
            "expected a positive duration like \"1s\", \"1m\" or \"5ms\" (at most " +
                std::to_string(max.count()) + "ms)");
      return std::nullopt;
    }
    return *d;
  }

  // requests / per / burst of one table; `required` when the table is a route's own rule.
  std::optional<RateLimitRule> rule(const toml::table& t, const std::string& where, bool required) {
    const bool any = t.get("requests") || t.get("per") || t.get("burst");
    if (!any && !required) return std::nullopt;
    RateLimitRule r;
    bool ok = true;
    if (auto v = integer(t, where, "requests", 1, kMaxRequests))
      r.requests = static_cast<uint32_t>(*v);
    else
      ok = false;
    if (!t.get("requests")) error(t, where + ".requests", "requests is required with per/burst");
    if (t.get("per")) {
      if (auto d = duration(t, where, "per", kMaxPer))
        r.per = *d;
      else
        ok = false;
    }
    if (t.get("burst")) {
      if (auto v = integer(t, where, "burst", 0, kMaxBurst))
        r.burst = static_cast<uint32_t>(*v);
      else
        ok = false;
    }
    if (!ok) return std::nullopt;
    return r;
  }

  void backend(const toml::table& t, RateLimitSection& s) {
    const toml::node* node = t.get("backend");
    if (node == nullptr) return;
    const std::string text = node->is_string() ? node->as_string()->get() : std::string();
    s.backend_text = std::string(text);
    if (text == "local") return;
    constexpr std::string_view kScheme = "redis://";
    if (text.starts_with(kScheme)) {
      auto address = parse_socket_address(std::string_view(text).substr(kScheme.size()), true);
      if (address && address->kind == SocketAddress::Kind::kTcp) {
        s.redis = true;
        s.redis_host = address->host;
        s.redis_port = address->port;
        return;
      }
    }
    error(*node, "rate_limit.backend", "expected \"local\" or \"redis://host:port\"");
  }

  void section(const toml::table& t, RateLimitSection& s) {
    check_keys(t, "rate_limit",
               {"requests", "per", "burst", "ipv6_prefix", "max_keys", "backend",
                "on_backend_error", "backend_timeout"});
    if (auto r = rule(t, "rate_limit", false)) {
      s.has_default = true;
      s.rule = *r;
    }
    if (auto v = integer(t, "rate_limit", "ipv6_prefix", 1, 128))
      s.ipv6_prefix = static_cast<int>(*v);
    if (auto v = integer(t, "rate_limit", "max_keys", 1, kMaxKeys))
      s.max_keys = static_cast<uint64_t>(*v);
    backend(t, s);
    if (const toml::node* node = t.get("on_backend_error")) {
      const std::string v = node->is_string() ? node->as_string()->get() : std::string();
      if (v == "local")
        s.on_backend_error = RateLimitFallback::kLocal;
      else if (v == "allow")
        s.on_backend_error = RateLimitFallback::kAllow;
      else if (v == "deny")
        s.on_backend_error = RateLimitFallback::kDeny;
      else
        error(*node, "rate_limit.on_backend_error",
              "expected one of \"local\", \"allow\", \"deny\"");
    }
    if (auto d = duration(t, "rate_limit", "backend_timeout", kMaxBackendTimeout))
      s.backend_timeout = *d;
  }

  void route(const toml::node& node, const std::string& where, RouteRateLimit& r) {
    if (node.is_boolean()) {
      // `rate_limit = false` turns the server default off; `true` means "the default", which
      // is what an absent key means too.
      r.kind =
          node.as_boolean()->get() ? RouteRateLimit::Kind::kInherit : RouteRateLimit::Kind::kOff;
      return;
    }
    if (!node.is_table()) {
      error(node, where, "expected false or { requests = N, per = \"1s\", burst = M }");
      return;
    }
    const toml::table& t = *node.as_table();
    check_keys(t, where, {"requests", "per", "burst"});
    if (auto rl = rule(t, where, true)) {
      r.kind = RouteRateLimit::Kind::kOwn;
      r.rule = *rl;
    }
  }

 private:
  const std::string& path_;
  std::vector<std::string>& errors_;
};

}  // namespace

void read_rate_limit_config(const toml::table& root, const std::string& path, Config& config,
                            std::vector<std::string>& errors) {
  Reader reader(path, errors);
  if (const toml::node* node = root.get("rate_limit")) {
    if (node->is_table())
      reader.section(*node->as_table(), config.rate_limit);
    else
      reader.error(*node, "rate_limit", "expected a table [rate_limit]");
  }
  const toml::node* routes = root.get("route");
  if (routes == nullptr || !routes->is_array_of_tables()) return;
  std::size_t i = 0;
  for (const toml::node& item : *routes->as_array()) {
    if (i >= config.routes.size()) break;
    RouteSection& route = config.routes[i++];
    if (const toml::node* rl = item.as_table()->get("rate_limit"))
      reader.route(*rl, "route[" + std::to_string(i) + "].rate_limit", route.rate_limit);
  }
}

void read_diagnostics_config(const toml::table& root, const std::string& path, Config& config,
                             std::vector<std::string>& errors) {
  const toml::node* log = root.get("log");
  if (log == nullptr || !log->is_table()) return;
  Reader reader(path, errors);
  const toml::table& t = *log->as_table();
  if (const toml::node* node = t.get("diagnostics")) {
    const std::string v = node->is_string() ? node->as_string()->get() : std::string();
    if (v == "stdout" || v == "off")
      config.diagnostics.enabled = v == "stdout";
    else
      reader.error(*node, "log.diagnostics", "expected \"stdout\" or \"off\"");
  }
  if (const toml::node* node = t.get("file")) {
    if (node->is_string() && !node->as_string()->get().empty())
      config.diagnostics.file = node->as_string()->get();
    else
      reader.error(*node, "log.file", "expected a file path");
  }
}

}  // namespace doorman::config
