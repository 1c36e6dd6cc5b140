// `doorman ranges show|update`: the CDN range lists (docs/cloudflare.md).
// - show [--config F] [--provider P] [--json] [--verbose]: the list a server starting now uses
//   (static ranges_file, else a valid cache, else bundled), with the state last recorded in
//   CACHE_FILE.state.json by the server or by `ranges update` (last success/error, ETag).
// - update [--config F] [--url U] [--force] [--provider P]: fetch once, validate against the
//   current list (cache or bundled), write the cache. Exit 1, cache untouched, on any failure.
#include <cstdio>

#include "cli/commands.h"
#include "config/config.h"
#include "ranges/cache_file.h"
#include "ranges/ranges_runtime.h"
#include "ranges/ranges_validate.h"

namespace doorman::cli {
namespace {

struct RangesArgs {
  std::string config_path;
  std::string provider = "cloudflare";
  std::string url;
  bool json = false;
  bool verbose = false;
  bool force = false;
};

std::optional<config::Config> load(const RangesArgs& a) {
  if (a.config_path.empty()) {
    config::Config c;  // defaults only
    return c;
  }
  auto loaded = config::load_config(a.config_path);
  for (const std::string& e : loaded.errors) std::fprintf(stderr, "%s\n", e.c_str());
  return loaded.config;
}

int show(const RangesArgs& a) {
  auto config = load(a);
  if (!config) return 1;
  const ranges::ProviderSetup setup = ranges::provider_setup(*config, a.provider);
  auto store = ranges::load_initial(setup);
  ranges::RangesState state = store->state();
  std::string recorded;  // the source the server (or update) last recorded, "" = none
  // Merge what the server (or `ranges update`) last recorded about refreshes.
  if (state.source != ranges::RangesSource::kStatic && !setup.config.cache_file.empty()) {
    if (auto text = ranges::read_whole_file(ranges::state_file_path(setup.config.cache_file))) {
      if (auto saved = ranges::state_from_json(*text)) {
        state.last_attempt = saved->last_attempt;
        state.last_success = saved->last_success;
        if (state.last_error.empty()) state.last_error = saved->last_error;
        state.consecutive_failures = saved->consecutive_failures;
        recorded = std::string(ranges::ranges_source_name(saved->source));
      }
    }
  }
  const auto set = store->load();
  const int64_t now = ranges::unix_now();
  if (a.json) {
    nlohmann::json j = ranges::to_json(state, now);
    j["cache_file"] = setup.config.cache_file;
    j["refresh"] = setup.config.refresh;
    j["recorded_source"] = recorded.empty() ? nlohmann::json(nullptr) : nlohmann::json(recorded);
    if (a.verbose) {
      nlohmann::json list = nlohmann::json::array();
      for (const Cidr& c : *set) list.push_back(c.to_string());
      j["cidrs"] = list;
    }
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("provider:      %s\n", state.provider.c_str());
  std::printf("source:        %s\n", std::string(ranges::ranges_source_name(state.source)).c_str());
  std::printf("list time:     %s\n", state.list_time
                                         ? (ranges::format_utc(state.list_time) + " (" +
                                            std::to_string(now - state.list_time) + "s ago)")
                                               .c_str()
                                         : "-");
  std::printf("last success:  %s\n",
              state.last_success ? ranges::format_utc(state.last_success).c_str() : "-");
  std::printf("last error:    %s\n", state.last_error.empty() ? "-" : state.last_error.c_str());
  std::printf("etag:          %s\n", state.etag.empty() ? "-" : state.etag.c_str());
  std::printf("blocks:        %zu IPv4, %zu IPv6\n", state.v4_blocks, state.v6_blocks);
  std::printf("cache file:    %s\n", setup.config.cache_file.c_str());
  if (a.verbose)
    for (const Cidr& c : *set) std::printf("  %s\n", c.to_string().c_str());
  return 0;
}

int update(const RangesArgs& a) {
  auto config = load(a);
  if (!config) return 1;
  ranges::ProviderSetup setup = ranges::provider_setup(*config, a.provider);
  if (!a.url.empty()) setup.config.refresh_url = a.url;
  setup.static_ranges.clear();  // update always refreshes the cache, even beside a ranges_file
  auto store = ranges::load_initial(setup);
  auto result = ranges::refresh_once(setup, *store, a.force);
  std::fprintf(result.ok ? stdout : stderr, "%s ranges: %s\n", a.provider.c_str(),
               result.message.c_str());
  if (!result.cache_error.empty()) {
    std::fprintf(stderr, "%s ranges: %s\n", a.provider.c_str(), result.cache_error.c_str());
    return 1;
  }
  return result.ok ? 0 : 1;
}

}  // namespace

void add_ranges_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("ranges", "Show or update the CDN range lists");
  cmd->require_subcommand(1);
  auto args = std::make_shared<RangesArgs>();
  auto common = [args](CLI::App* sub) {
    sub->add_option("--config,-c", args->config_path, "Configuration file (TOML)");
    sub->add_option("--provider", args->provider, "cloudflare or fastly")
        ->check(CLI::IsMember({"cloudflare", "fastly"}));
  };
  auto* show_cmd = cmd->add_subcommand("show", "Where the list in force comes from, and its state");
  common(show_cmd);
  show_cmd->add_flag("--json", args->json, "JSON output");
  show_cmd->add_flag("--verbose,-v", args->verbose, "List the CIDRs");
  show_cmd->callback([args, &exit_code] { exit_code = show(*args); });
  auto* update_cmd = cmd->add_subcommand("update", "Fetch once, validate, write the cache");
  common(update_cmd);
  update_cmd->add_option("--url", args->url, "Fetch from this URL instead of refresh_url");
  update_cmd->add_flag("--force", args->force,
                       "Accept a list that drops more than half of the current addresses");
  update_cmd->callback([args, &exit_code] { exit_code = update(*args); });
}

}  // namespace doorman::cli
