#include "runtime/snapshot.h"

#include "access/jwks_service.h"
#include "doorman/cidr.h"
#include "doorman/cloudflare_ranges.h"
#include "ranges/ranges_runtime.h"
#include "redis/rate_limit_backend.h"
#include "request_path/diagnostics_log.h"
#include "request_path/rate_limit.h"

namespace doorman::runtime {
namespace {

SourceIpMode to_library(config::SourceIpMode mode) {
  switch (mode) {
    case config::SourceIpMode::kAuto:
      return SourceIpMode::kAuto;
    case config::SourceIpMode::kDirect:
      return SourceIpMode::kDirect;
    case config::SourceIpMode::kCloudflareProxy:
      return SourceIpMode::kCloudflareProxy;
    case config::SourceIpMode::kTrustedProxy:
      return SourceIpMode::kTrustedProxy;
    case config::SourceIpMode::kCloudflareTunnel:
      return SourceIpMode::kCloudflareTunnel;
    case config::SourceIpMode::kFastlyProxy:
      return SourceIpMode::kFastlyProxy;
  }
  return SourceIpMode::kAuto;
}

ForwardedHeaderChoice to_library(config::ForwardedHeader choice) {
  switch (choice) {
    case config::ForwardedHeader::kAny:
      return ForwardedHeaderChoice::kAny;
    case config::ForwardedHeader::kXForwardedFor:
      return ForwardedHeaderChoice::kXForwardedFor;
    case config::ForwardedHeader::kForwarded:
      return ForwardedHeaderChoice::kForwarded;
  }
  return ForwardedHeaderChoice::kAny;
}

bool same_target(const config::SocketAddress& a, const config::SocketAddress& b) {
  return a.kind == b.kind && a.host == b.host && a.port == b.port && a.path == b.path;
}

// The range stores mean the same lists when every input of the lists is unchanged.
bool same_ranges(const config::Config& a, const config::Config& b) {
  return a.cloudflare_ranges == b.cloudflare_ranges && a.ranges == b.ranges &&
         ranges::needs_cloudflare(a) == ranges::needs_cloudflare(b) &&
         ranges::needs_fastly(a) == ranges::needs_fastly(b);
}

// [route.access]: routes naming the same JWKS (URL and cache file) share one key service. A
// reload keeps the previous snapshot's service when its source is unchanged: its keys stay in
// force (no refetch, no gap without keys when there is no cache file) and its thread goes on.
access::JwksService* access_keys_for(Snapshot& snapshot, const config::RouteAccess& a,
                                     const Snapshot* previous) {
  for (const auto& keys : snapshot.access_keys)
    if (keys->source().url == a.jwks_url && keys->source().cache_file == a.cache_file)
      return keys.get();
  access::JwksSource source{a.jwks_url, a.cache_file, a.refresh_interval, a.refresh_min_interval,
                            a.timeout};
  std::shared_ptr<access::JwksService> service;
  if (previous)
    for (const auto& keys : previous->access_keys)
      if (keys->source() == source) service = keys;
  if (!service) service = std::make_shared<access::JwksService>(std::move(source));
  snapshot.access_keys.push_back(std::move(service));
  return snapshot.access_keys.back().get();
}

}  // namespace

Snapshot::Snapshot(config::Config c) : config(std::move(c)), routes(config.routes) {}

std::expected<std::shared_ptr<const Snapshot>, std::string> compile_snapshot(
    const config::Config& config, const Snapshot* previous) {
  auto snapshot = std::make_shared<Snapshot>(config);
  const config::Config& c = snapshot->config;

  std::vector<Cidr> trusted;
  if (c.server.trust_loopback)
    for (const Cidr& cidr : CidrSet::loopback()) trusted.push_back(cidr);
  for (const std::string& text : c.server.trusted_proxies) {
    auto cidr = parse_cidr(text);
    if (!cidr)
      return std::unexpected(c.path + ":0: server.trusted_proxies: '" + text +
                             "': " + std::string(error_code_name(cidr.error().code)));
    trusted.push_back(*cidr);
  }
  snapshot->trusted = CidrSet(trusted);

  if (c.cloudflare_ranges.empty()) {
    snapshot->cloudflare = bundled_cloudflare_ranges();
  } else {
    std::vector<Cidr> ranges;
    for (const std::string& text : c.cloudflare_ranges) {
      auto cidr = parse_cidr(text);
      if (!cidr)
        return std::unexpected(c.path + ":0: cloudflare.ranges_file: '" + text +
                               "': " + std::string(error_code_name(cidr.error().code)));
      ranges.push_back(*cidr);
    }
    snapshot->cloudflare = CidrSet(ranges);
  }
  snapshot->forwarded_header = to_library(c.server.forwarded_header);
  if (auto error = ranges::attach_stores(*snapshot); !error.empty()) return std::unexpected(error);
  if (previous && same_ranges(previous->config, c)) {
    // Keeps what the refresher published since start-up (it keeps filling these stores).
    snapshot->cloudflare_store = previous->cloudflare_store;
    snapshot->fastly_store = previous->fastly_store;
  }

  for (const config::RouteSection& route : c.routes) {
    RouteRuntime rt;
    std::size_t i = 0;
    while (i < snapshot->upstreams.size() && !same_target(snapshot->upstreams[i], route.upstream))
      ++i;
    if (i == snapshot->upstreams.size()) snapshot->upstreams.push_back(route.upstream);
    rt.upstream_index = i;
    rt.max_body_size = route.max_body_size.value_or(c.limits.max_body_size);
    rt.source_ip = to_library(route.source_ip);
    if (route.access.enabled) rt.access_keys = access_keys_for(*snapshot, route.access, previous);
    snapshot->route_runtime.push_back(rt);
  }
  snapshot->rate_limits =
      request_path::make_rate_limits(c, previous ? previous->rate_limits.get() : nullptr);
  if (previous && previous->diagnostics && c.diagnostics.enabled &&
      c.diagnostics.file == previous->config.diagnostics.file)
    snapshot->diagnostics = previous->diagnostics;  // one writer per file
  else
    snapshot->diagnostics = request_path::make_diagnostics_log(c);
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

void start_background_threads(const Snapshot& snapshot) {
  if (snapshot.diagnostics) snapshot.diagnostics->start();
  for (const auto& keys : snapshot.access_keys) keys->start();
  if (snapshot.rate_limits && snapshot.rate_limits->shared())
    snapshot.rate_limits->shared()->start();
}

void stop_rate_limit_backend(const Snapshot& snapshot) {
  if (snapshot.rate_limits && snapshot.rate_limits->shared())
    snapshot.rate_limits->shared()->stop();
}

void stop_diagnostics_log(const Snapshot& snapshot) {
  if (snapshot.diagnostics) snapshot.diagnostics->stop();
}

}  // namespace doorman::runtime
