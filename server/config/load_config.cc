// Loads doorman.toml into a Config. toml++ may throw while parsing; that is caught here, at the
// boundary, and every problem (syntax, type, value, unknown key) becomes "FILE:LINE: key: message".
#include <toml++/toml.h>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

#include "config/access_reader.h"
#include "config/config.h"
#include "config/edge_reader.h"
#include "config/ranges_reader.h"
#include "config/rate_limit_reader.h"

namespace doorman::config {
namespace {

class Loader {
 public:
  explicit Loader(std::string path) : path_(std::move(path)) {}

  LoadResult load(std::string_view text) {
    Config config;
    config.path = path_;
    try {
      toml::table root = toml::parse(text, path_);
      read_root(root, config);
    } catch (const toml::parse_error& e) {
      add_error(static_cast<int>(e.source().begin.line), "syntax", std::string(e.description()));
    }
    LoadResult result;
    result.errors = std::move(errors_);
    if (result.errors.empty()) result.config = std::move(config);
    return result;
  }

 private:
  void add_error(int line, std::string_view key, std::string_view message) {
    errors_.push_back(path_ + ":" + std::to_string(line) + ": " + std::string(key) + ": " +
                      std::string(message));
  }
  void add_error(const toml::node& node, std::string_view key, std::string_view message) {
    add_error(static_cast<int>(node.source().begin.line), key, message);
  }

  // Every key of `table` must be one of `known`: a typo is an error, never a silent default.
  void check_keys(const toml::table& table, std::string_view where,
                  std::initializer_list<std::string_view> known) {
    for (auto&& [key, node] : table) {
      bool ok = false;
      for (std::string_view k : known) ok = ok || key.str() == k;
      if (!ok)
        add_error(static_cast<int>(key.source().begin.line), join(where, key.str()), "unknown key");
    }
  }

  static std::string join(std::string_view where, std::string_view key) {
    return where.empty() ? std::string(key) : std::string(where) + "." + std::string(key);
  }

  const toml::table* table_at(const toml::table& root, std::string_view name) {
    const toml::node* node = root.get(name);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) {
      add_error(*node, name, "expected a table [" + std::string(name) + "]");
      return nullptr;
    }
    return node->as_table();
  }

  std::optional<std::string> get_string(const toml::table& t, std::string_view where,
                                        std::string_view key) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_string()) {
      add_error(*node, join(where, key), "expected a string");
      return std::nullopt;
    }
    return node->as_string()->get();
  }

  std::optional<bool> get_bool(const toml::table& t, std::string_view where, std::string_view key) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_boolean()) {
      add_error(*node, join(where, key), "expected true or false");
      return std::nullopt;
    }
    return node->as_boolean()->get();
  }

  std::optional<int64_t> get_int(const toml::table& t, std::string_view where, std::string_view key,
                                 int64_t min, int64_t max) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_integer()) {
      add_error(*node, join(where, key), "expected an integer");
      return std::nullopt;
    }
    const int64_t v = node->as_integer()->get();
    if (v < min || v > max) {
      add_error(*node, join(where, key),
                "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return std::nullopt;
    }
    return v;
  }

  std::vector<std::string> get_strings(const toml::table& t, std::string_view where,
                                       std::string_view key) {
    std::vector<std::string> out;
    const toml::node* node = t.get(key);
    if (node == nullptr) return out;
    if (!node->is_array()) {
      add_error(*node, join(where, key), "expected an array of strings");
      return out;
    }
    for (const toml::node& item : *node->as_array()) {
      if (!item.is_string()) {
        add_error(item, join(where, key), "expected an array of strings");
        continue;
      }
      out.push_back(item.as_string()->get());
    }
    return out;
  }

  // A string with units ("10s") or an integer number of seconds.
  void read_duration(const toml::table& t, std::string_view key, Duration& out) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return;
    std::optional<Duration> d;
    if (node->is_integer() && node->as_integer()->get() >= 0)
      d = parse_duration(std::to_string(node->as_integer()->get()));
    else if (node->is_string())
      d = parse_duration(node->as_string()->get());
    if (!d || d->count() == 0) {
      add_error(*node, join("timeouts", key),
                "expected a positive duration like \"10s\", \"500ms\"");
      return;
    }
    out = *d;
  }

  std::optional<uint64_t> get_size(const toml::table& t, std::string_view where,
                                   std::string_view key) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    std::optional<uint64_t> size;
    if (node->is_integer() && node->as_integer()->get() >= 0)
      size = static_cast<uint64_t>(node->as_integer()->get());
    else if (node->is_string())
      size = parse_size(node->as_string()->get());
    if (!size) add_error(*node, join(where, key), "expected a size like 1048576 or \"10MiB\"");
    return size;
  }

  // A string that must be one of `choices`; returns its index.
  template <typename Enum>
  void read_choice(const toml::table& t, std::string_view where, std::string_view key,
                   std::initializer_list<std::pair<std::string_view, Enum>> choices, Enum& out) {
    auto value = get_string(t, where, key);
    if (!value) return;
    std::string names;
    for (const auto& [name, e] : choices) {
      if (*value == name) {
        out = e;
        return;
      }
      names += names.empty() ? "" : ", ";
      // Appended piece by piece: GCC 12 -O3 warns falsely (-Wrestrict) on "\"" + string.
      names += '"';
      names += name;
      names += '"';
    }
    add_error(*t.get(key), join(where, key), "expected one of " + names);
  }

  void read_root(const toml::table& root, Config& config) {
    check_keys(root, "",
               {"server", "listener", "route", "timeouts", "limits", "cloudflare", "log",
                "rate_limit", "fastly", "admin", "acme"});
    if (const auto* t = table_at(root, "server")) read_server(*t, config.server);
    if (const auto* t = table_at(root, "timeouts")) read_timeouts(*t, config.timeouts);
    if (const auto* t = table_at(root, "limits")) read_limits(*t, config.limits);
    if (const auto* t = table_at(root, "cloudflare")) read_cloudflare(*t, config);
    if (const auto* t = table_at(root, "log")) {
      check_keys(*t, "log", {"access", "diagnostics", "file"});
      read_choice<AccessLog>(*t, "log", "access",
                             {{"off", AccessLog::kOff},
                              {"stdout", AccessLog::kStdout},
                              {"stderr", AccessLog::kStderr}},
                             config.access_log);
    }
    read_array_of_tables(root, "listener", [&](const toml::table& t, const std::string& where) {
      read_listener(t, where, config);
    });
    read_array_of_tables(root, "route", [&](const toml::table& t, const std::string& where) {
      read_route(t, where, config);
    });
    read_rate_limit_config(root, path_, config, errors_);
    read_diagnostics_config(root, path_, config, errors_);
    read_ranges_config(root, path_, config, errors_);
    read_edge_config(root, path_, config, errors_);
    read_access_config(root, path_, config, errors_);
    read_admin_config(root, path_, config, errors_);
    read_acme_config(root, path_, config, errors_);  // after the listeners' edge keys
    // Only when the tables are absent: a table with an error has been reported already.
    if (!root.get("listener")) add_error(1, "listener", "at least one [[listener]] is required");
    if (!root.get("route")) add_error(1, "route", "at least one [[route]] is required");
  }

  template <typename Fn>
  void read_array_of_tables(const toml::table& root, std::string_view name, Fn&& fn) {
    const toml::node* node = root.get(name);
    if (node == nullptr) return;
    if (!node->is_array_of_tables()) {
      add_error(*node, name, "expected [[" + std::string(name) + "]] tables");
      return;
    }
    int index = 0;
    for (const toml::node& item : *node->as_array())
      fn(*item.as_table(), std::string(name) + "[" + std::to_string(++index) + "]");
  }

  void read_server(const toml::table& t, ServerSection& s) {
    check_keys(t, "server",
               {"workers", "trusted_proxies", "trust_loopback", "forwarded_header", "pid_file"});
    if (auto v = get_int(t, "server", "workers", 0, 256)) s.workers = static_cast<int>(*v);
    if (auto v = get_string(t, "server", "pid_file")) s.pid_file = *v;
    s.trusted_proxies = get_strings(t, "server", "trusted_proxies");
    if (const toml::node* list = t.get("trusted_proxies"); list && list->is_array()) {
      for (const toml::node& item : *list->as_array()) {
        if (!item.is_string()) continue;
        if (auto ok = check_cidr(item.as_string()->get()); !ok)
          add_error(item, "server.trusted_proxies",
                    "'" + item.as_string()->get() + "': " + ok.error());
      }
    }
    if (auto v = get_bool(t, "server", "trust_loopback")) s.trust_loopback = *v;
    read_choice<ForwardedHeader>(t, "server", "forwarded_header",
                                 {{"any", ForwardedHeader::kAny},
                                  {"x-forwarded-for", ForwardedHeader::kXForwardedFor},
                                  {"forwarded", ForwardedHeader::kForwarded}},
                                 s.forwarded_header);
  }

  void read_timeouts(const toml::table& t, TimeoutsSection& s) {
    check_keys(t, "timeouts",
               {"request_head", "keepalive_idle", "upstream_connect", "upstream_response_head",
                "body_idle", "upstream_keepalive_idle", "drain"});
    read_duration(t, "request_head", s.request_head);
    read_duration(t, "keepalive_idle", s.keepalive_idle);
    read_duration(t, "upstream_connect", s.upstream_connect);
    read_duration(t, "upstream_response_head", s.upstream_response_head);
    read_duration(t, "body_idle", s.body_idle);
    read_duration(t, "upstream_keepalive_idle", s.upstream_keepalive_idle);
    read_duration(t, "drain", s.drain);
  }

  void read_limits(const toml::table& t, LimitsSection& s) {
    check_keys(t, "limits",
               {"max_connections", "max_head_size", "max_uri_length", "max_body_size",
                "upstream_idle_per_target"});
    if (auto v = get_int(t, "limits", "max_connections", 1, 10'000'000))
      s.max_connections = static_cast<uint32_t>(*v);
    if (auto v = get_size(t, "limits", "max_head_size")) {
      if (*v < 1024 || *v > 1024 * 1024)
        add_error(*t.get("max_head_size"), "limits.max_head_size", "must be 1KiB..1MiB");
      else
        s.max_head_size = static_cast<uint32_t>(*v);
    }
    if (auto v = get_int(t, "limits", "max_uri_length", 16, 1024 * 1024))
      s.max_uri_length = static_cast<uint32_t>(*v);
    if (auto v = get_size(t, "limits", "max_body_size")) s.max_body_size = *v;
    if (auto v = get_int(t, "limits", "upstream_idle_per_target", 0, 100000))
      s.upstream_idle_per_target = static_cast<uint32_t>(*v);
  }

  void read_cloudflare(const toml::table& t, Config& config) {
    check_keys(t, "cloudflare",
               {"ranges_file", "refresh_url", "refresh_interval", "cache_file", "refresh",
                "timeout", "cache_check_interval"});
    auto file = get_string(t, "cloudflare", "ranges_file");
    if (!file) return;
    config.cloudflare_ranges_file = *file;
    std::ifstream in(*file);
    if (!in) {
      add_error(*t.get("ranges_file"), "cloudflare.ranges_file", "cannot read '" + *file + "'");
      return;
    }
    // One CIDR per line; blank lines and '#' comments are ignored.
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      std::string_view v = line;
      if (auto hash = v.find('#'); hash != std::string_view::npos) v = v.substr(0, hash);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r'))
        v.remove_suffix(1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      if (v.empty()) continue;
      if (auto ok = check_cidr(v); !ok) {
        add_error(
            *t.get("ranges_file"), "cloudflare.ranges_file",
            *file + ":" + std::to_string(number) + ": '" + std::string(v) + "': " + ok.error());
        continue;
      }
      config.cloudflare_ranges.emplace_back(v);
    }
    if (config.cloudflare_ranges.empty())
      add_error(*t.get("ranges_file"), "cloudflare.ranges_file", "'" + *file + "' lists no CIDR");
  }

  void read_listener(const toml::table& t, const std::string& where, Config& config) {
    check_keys(t, where,
               {"address", "proxy_protocol", "proxy_protocol_from", "proxy_header_timeout", "tls",
                "certificate", "certificates", "mode", "upstream", "upstream_proxy_protocol",
                "http2", "h2c", "client_ca", "client_auth", "client_auth_required"});
    ListenerSection listener;
    listener.line = static_cast<int>(t.source().begin.line);
    auto address = get_string(t, where, "address");
    if (!address) {
      if (!t.get("address")) add_error(t, where, "address is required");
      return;
    }
    auto parsed = parse_socket_address(*address, false);
    if (!parsed) {
      add_error(*t.get("address"), join(where, "address"), parsed.error());
      return;
    }
    listener.address = std::move(*parsed);
    config.listeners.push_back(std::move(listener));
  }

  void read_route(const toml::table& t, const std::string& where, Config& config) {
    check_keys(t, where,
               {"route", "routes", "upstream", "source_ip", "x_forwarded_for", "forwarded",
                "client_ip_header", "trusted_hops", "max_body_size", "rate_limit", "https_redirect",
                "https_port", "upstream_proxy_protocol", "require_origin_pull",
                "origin_pull_subject", "access"});
    RouteSection route;
    route.line = static_cast<int>(t.source().begin.line);
    std::vector<std::string> patterns = get_strings(t, where, "routes");
    if (auto one = get_string(t, where, "route")) {
      if (t.get("routes")) add_error(*t.get("route"), where, "use either route or routes");
      patterns.insert(patterns.begin(), *one);
    }
    for (const std::string& text : patterns) {
      auto p = parse_route_pattern(text);
      if (!p) {
        const toml::node* n = t.get("route") ? t.get("route") : t.get("routes");
        add_error(*n, join(where, "route"), "'" + text + "': " + p.error());
        continue;
      }
      route.patterns.push_back(std::move(*p));
    }
    route.name = patterns.empty() ? "default" : patterns.front();
    if (auto up = get_string(t, where, "upstream")) {
      auto parsed = parse_socket_address(*up, true);
      if (!parsed)
        add_error(*t.get("upstream"), join(where, "upstream"), parsed.error());
      else
        route.upstream = std::move(*parsed);
    } else if (!t.get("upstream")) {
      add_error(t, join(where, "upstream"), "upstream is required");
    }
    read_choice<SourceIpMode>(t, where, "source_ip",
                              {{"auto", SourceIpMode::kAuto},
                               {"direct", SourceIpMode::kDirect},
                               {"cloudflare-proxy", SourceIpMode::kCloudflareProxy},
                               {"trusted-proxy", SourceIpMode::kTrustedProxy},
                               {"cloudflare-tunnel", SourceIpMode::kCloudflareTunnel},
                               {"fastly-proxy", SourceIpMode::kFastlyProxy}},
                              route.source_ip);
    read_choice<XffMode>(
        t, where, "x_forwarded_for",
        {{"set", XffMode::kSet}, {"chain", XffMode::kChain}, {"remove", XffMode::kRemove}},
        route.x_forwarded_for);
    read_choice<ForwardedMode>(t, where, "forwarded",
                               {{"remove", ForwardedMode::kRemove}, {"set", ForwardedMode::kSet}},
                               route.forwarded);
    if (auto h = get_string(t, where, "client_ip_header")) {
      bool token = true;
      for (char c : *h) token = token && (std::isalnum(static_cast<unsigned char>(c)) || c == '-');
      if (!token)
        add_error(*t.get("client_ip_header"), join(where, "client_ip_header"),
                  "expected a header name (letters, digits, '-')");
      else
        route.client_ip_header = *h;
    }
    if (auto v = get_int(t, where, "trusted_hops", 0, 64))
      route.trusted_hops = static_cast<int>(*v);
    route.max_body_size = get_size(t, where, "max_body_size");
    check_duplicate_patterns(t, where, route, config);
    config.routes.push_back(std::move(route));
  }

  // Two routes claiming the same pattern (or two default routes) is ambiguous: an error.
  void check_duplicate_patterns(const toml::table& t, const std::string& where,
                                const RouteSection& route, const Config& config) {
    std::set<std::string> seen;
    for (const RouteSection& r : config.routes) {
      if (r.patterns.empty()) seen.insert("<default>");
      for (const RoutePattern& p : r.patterns)
        seen.insert((p.wildcard ? "*" : "") + p.host + (p.path_prefix ? "*" : "=") + p.path);
    }
    if (route.patterns.empty() && seen.count("<default>"))
      add_error(t, where, "a second default route (neither route nor routes)");
    for (const RoutePattern& p : route.patterns)
      if (seen.count((p.wildcard ? "*" : "") + p.host + (p.path_prefix ? "*" : "=") + p.path))
        add_error(t, join(where, "route"), "'" + p.text + "' is already routed");
  }

  std::string path_;
  std::vector<std::string> errors_;
};

}  // namespace

LoadResult load_config_text(std::string_view text, const std::string& path) {
  return Loader(path).load(text);
}

LoadResult load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.errors.push_back(path + ":0: file: cannot read the configuration file");
    return result;
  }
  std::stringstream text;
  text << in.rdbuf();
  return load_config_text(text.str(), path);
}

}  // namespace doorman::config
