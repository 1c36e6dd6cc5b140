#include "ranges/ranges_runtime.h"

#include "doorman/cloudflare_ranges.h"
#include "doorman/fastly_ranges.h"
#include "runtime/snapshot.h"

namespace doorman::ranges {

bool needs_cloudflare(const config::Config& config) {
  for (const config::RouteSection& r : config.routes)
    if (r.source_ip == config::SourceIpMode::kAuto ||
        r.source_ip == config::SourceIpMode::kCloudflareProxy)
      return true;
  return false;
}

bool needs_fastly(const config::Config& config) {
  if (config.ranges.fastly.use_in_auto) return true;
  for (const config::RouteSection& r : config.routes)
    if (r.source_ip == config::SourceIpMode::kFastlyProxy) return true;
  return false;
}

ProviderSetup provider_setup(const config::Config& config, const std::string& name) {
  ProviderSetup s;
  s.name = name;
  if (name == "fastly") {
    s.config = config.ranges.fastly;
    s.bundled = &bundled_fastly_ranges();
    s.static_ranges = config.ranges.fastly.ranges;
    s.static_file = config.ranges.fastly.ranges_file;
  } else {
    s.config = config.ranges.cloudflare;
    s.bundled = &bundled_cloudflare_ranges();
    s.static_ranges = config.cloudflare_ranges;
    s.static_file = config.cloudflare_ranges_file;
  }
  return s;
}

std::string attach_stores(runtime::Snapshot& snapshot) {
  const config::Config& c = snapshot.config;
  RangesState cf = {};
  cf.provider = "cloudflare";
  cf.source = c.cloudflare_ranges_file.empty() ? RangesSource::kBundled : RangesSource::kStatic;
  count_blocks(snapshot.cloudflare, cf);
  snapshot.cloudflare_store =
      std::make_shared<RangesStore>(std::make_shared<const CidrSet>(snapshot.cloudflare), cf);
  RangesState fastly = {};
  fastly.provider = "fastly";
  std::shared_ptr<const CidrSet> fastly_set;
  if (c.ranges.fastly.ranges.empty()) {
    fastly.source = RangesSource::kBundled;
    fastly_set = std::make_shared<const CidrSet>(bundled_fastly_ranges());
  } else {
    fastly.source = RangesSource::kStatic;
    std::vector<Cidr> cidrs;
    for (const std::string& text : c.ranges.fastly.ranges) {
      auto cidr = parse_cidr(text);
      if (!cidr)
        return c.path + ":0: fastly.ranges_file: '" + text +
               "': " + std::string(error_code_name(cidr.error().code));
      cidrs.push_back(*cidr);
    }
    fastly_set = std::make_shared<const CidrSet>(cidrs);
  }
  count_blocks(*fastly_set, fastly);
  snapshot.fastly_store = std::make_shared<RangesStore>(std::move(fastly_set), fastly);
  snapshot.fastly_in_auto = c.ranges.fastly.use_in_auto;
  return "";
}

std::unique_ptr<RangesService> start_ranges(const runtime::Snapshot& snapshot) {
  auto service = std::make_unique<RangesService>();
  std::vector<WatchedProvider> watched;
  const config::Config& c = snapshot.config;
  const std::pair<std::string, RangesStore*> providers[] = {
      {"cloudflare", needs_cloudflare(c) ? snapshot.cloudflare_store.get() : nullptr},
      {"fastly", needs_fastly(c) ? snapshot.fastly_store.get() : nullptr}};
  for (const auto& [name, target] : providers) {
    if (target == nullptr) continue;
    ProviderSetup setup = provider_setup(c, name);
    if (!setup.static_ranges.empty()) continue;  // static: the snapshot already has it
    // Taken before the cache is read: a write racing the start-up is seen by the first check.
    const FileIdentity cache_seen = file_identity(setup.config.cache_file);
    // Bundled overlaid by the cache, published into the snapshot's store before any request.
    auto initial = load_initial(setup);
    target->publish(initial->load(), initial->state());
    const bool check_cache =
        !setup.config.cache_file.empty() && setup.config.cache_check_interval.count() > 0;
    if (!setup.config.refresh && !check_cache) continue;
    // The service refreshes (and watches the cache of) the snapshot's own store.
    std::shared_ptr<RangesStore> store(name == "fastly" ? snapshot.fastly_store
                                                        : snapshot.cloudflare_store);
    watched.push_back(WatchedProvider{std::move(setup), std::move(store), cache_seen});
  }
  service->start(std::move(watched));
  return service;
}

}  // namespace doorman::ranges
