#include <fstream>
#include <sstream>

#include "config/ranges_config.h"
#include "config/ranges_reader.h"
#include "doorman/cidr_set.h"

namespace doorman::config {
namespace {

class RangesReader {
 public:
  RangesReader(const std::string& path, std::vector<std::string>& errors)
      : path_(path), errors_(errors) {}

  void add_error(const toml::node& node, const std::string& key, const std::string& message) {
    errors_.push_back(path_ + ":" + std::to_string(node.source().begin.line) + ": " + key + ": " +
                      message);
  }

  void read(const toml::table& t, const std::string& where, RangesProvider& p, bool fastly) {
    if (fastly) {
      for (auto&& [key, node] : t) {
        static constexpr std::string_view kKnown[] = {
            "refresh_url", "refresh_interval", "cache_file",           "refresh",
            "timeout",     "ranges_file",      "cache_check_interval", "auto"};
        bool ok = false;
        for (std::string_view k : kKnown) ok = ok || key.str() == k;
        if (!ok) add_error(node, where + "." + std::string(key.str()), "unknown key");
      }
    }
    if (auto v = string_at(t, where, "refresh_url")) {
      if (!v->starts_with("http://") && !v->starts_with("https://"))
        add_error(*t.get("refresh_url"), where + ".refresh_url", "expected an http(s):// URL");
      else
        p.refresh_url = *v;
    }
    if (auto v = string_at(t, where, "cache_file")) {
      if (v->empty())
        add_error(*t.get("cache_file"), where + ".cache_file", "must not be empty");
      else
        p.cache_file = *v;
    }
    if (const toml::node* n = t.get("refresh")) {
      if (!n->is_boolean())
        add_error(*n, where + ".refresh", "expected true or false");
      else
        p.refresh = n->as_boolean()->get();
    }
    if (fastly) {
      if (const toml::node* n = t.get("auto")) {
        if (!n->is_boolean())
          add_error(*n, where + ".auto", "expected true or false");
        else
          p.use_in_auto = n->as_boolean()->get();
      }
    }
    read_duration(t, where, "refresh_interval", kMinRefreshInterval, p.refresh_interval);
    read_duration(t, where, "timeout", std::chrono::milliseconds(100), p.timeout);
    // "0" turns the check off; anything shorter than 100ms would only burn stat() calls.
    std::chrono::milliseconds check = p.cache_check_interval;
    read_duration(t, where, "cache_check_interval", std::chrono::milliseconds(0), check);
    if (check.count() > 0 && check < std::chrono::milliseconds(100))
      add_error(*t.get("cache_check_interval"), where + ".cache_check_interval",
                "expected \"0\" (off) or a duration of at least 100ms");
    else
      p.cache_check_interval = check;
    if (fastly) {
      if (auto v = string_at(t, where, "ranges_file")) read_static(*t.get("ranges_file"), *v, p);
    }
  }

 private:
  std::optional<std::string> string_at(const toml::table& t, const std::string& where,
                                       std::string_view key) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_string()) {
      add_error(*n, where + "." + std::string(key), "expected a string");
      return std::nullopt;
    }
    return n->as_string()->get();
  }

  void read_duration(const toml::table& t, const std::string& where, std::string_view key,
                     std::chrono::milliseconds min, std::chrono::milliseconds& out) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return;
    std::optional<Duration> d;
    if (n->is_integer() && n->as_integer()->get() >= 0)
      d = parse_duration(std::to_string(n->as_integer()->get()));
    else if (n->is_string())
      d = parse_duration(n->as_string()->get());
    if (!d || *d < min) {
      add_error(*n, where + "." + std::string(key),
                "expected a duration like \"6h\" or \"30s\", at least " +
                    std::to_string(min.count()) + "ms");
      return;
    }
    out = *d;
  }

  void read_static(const toml::node& node, const std::string& file, RangesProvider& p) {
    p.ranges_file = file;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      add_error(node, "fastly.ranges_file", "cannot read '" + file + "'");
      return;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto set = parse_cidr_list(text.str());
    if (!set) {
      add_error(node, "fastly.ranges_file", file + ": " + set.error().to_string());
      return;
    }
    if (set->empty()) {
      add_error(node, "fastly.ranges_file", "'" + file + "' lists no CIDR");
      return;
    }
    for (const Cidr& c : *set) p.ranges.push_back(c.to_string());
  }

  const std::string& path_;
  std::vector<std::string>& errors_;
};

}  // namespace

void read_ranges_config(const toml::table& root, const std::string& path, Config& config,
                        std::vector<std::string>& errors) {
  RangesReader reader(path, errors);
  if (const toml::node* n = root.get("cloudflare"); n && n->is_table())
    reader.read(*n->as_table(), "cloudflare", config.ranges.cloudflare, false);
  if (const toml::node* n = root.get("fastly")) {
    if (!n->is_table())
      reader.add_error(*n, "fastly", "expected a table [fastly]");
    else
      reader.read(*n->as_table(), "fastly", config.ranges.fastly, true);
  }
}

}  // namespace doorman::config
