// Snapshot: the configuration compiled into what the request path reads, built once and then
// shared read-only by every worker as shared_ptr<const Snapshot> (STYLE.md habit 12; a reload can
// later swap a new one in atomically without touching in-flight requests).
//
// Contract: compile_snapshot() turns a validated Config into the trusted set, the Cloudflare set
// (the file's ranges, or the bundled ones), the route table and per-route upstream indexes.
// Errors are "FILE:LINE: key: message" strings, like the loader's.
// Thread safety: immutable after construction.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "doorman/cidr_set.h"
#include "doorman/client_ip.h"
#include "ranges/ranges_store.h"
#include "request_path/route.h"

namespace doorman::request_path {
class RateLimits;      // request_path/rate_limit.h
class DiagnosticsLog;  // request_path/diagnostics_log.h
}  // namespace doorman::request_path

namespace doorman::access {
class JwksService;  // access/jwks_service.h
}

namespace doorman::runtime {

// Per-route values the data path needs, precomputed.
struct RouteRuntime {
  std::size_t upstream_index = 0;  // into Snapshot::upstreams
  uint64_t max_body_size = 0;      // 0 = unlimited (route value, else [limits])
  SourceIpMode source_ip = SourceIpMode::kAuto;
  access::JwksService* access_keys = nullptr;  // [route.access]: the team's keys
};

struct Snapshot {
  explicit Snapshot(config::Config c);
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  const config::Config config;
  CidrSet trusted;     // loopback (unless trust_loopback = false) + trusted_proxies
  CidrSet cloudflare;  // [cloudflare] ranges_file, else the bundled ranges
  // The live lists (server/ranges/): start with `cloudflare` / the bundled Fastly ranges; the
  // refresher publishes into them. Workers read one set per request with current().
  std::shared_ptr<ranges::RangesStore> cloudflare_store;
  std::shared_ptr<ranges::RangesStore> fastly_store;
  bool fastly_in_auto = false;  // [fastly] auto = true
  ForwardedHeaderChoice forwarded_header = ForwardedHeaderChoice::kAny;
  request_path::RouteTable routes;
  std::vector<config::SocketAddress> upstreams;  // distinct upstream targets
  std::vector<RouteRuntime> route_runtime;       // parallel to config.routes
  // One per server, shared by every worker (the only mutable state reachable from here; it
  // synchronizes itself).
  std::shared_ptr<request_path::RateLimits> rate_limits;
  std::shared_ptr<request_path::DiagnosticsLog> diagnostics;  // null with [log] diagnostics = "off"
  // [route.access]: one key service per JWKS URL and cache file (shared by the routes naming
  // them); threads start with start_background_threads() and stop with the snapshot.
  std::vector<std::shared_ptr<access::JwksService>> access_keys;

  const RouteRuntime& runtime_of(const config::RouteSection* route) const {
    return route_runtime[static_cast<std::size_t>(route - config.routes.data())];
  }
};

// Whether a request in `mode` consults the Fastly list: always in fastly-proxy mode, and in auto
// only when the operator enabled it ([fastly] auto = true). The server and `doorman explain` agree.
inline bool consults_fastly(SourceIpMode mode, bool fastly_in_auto) {
  return mode == SourceIpMode::kFastlyProxy || (mode == SourceIpMode::kAuto && fastly_in_auto);
}

// `previous` (a reload; null at start-up): the snapshot being replaced. What holds state is
// carried over from it when the new configuration gives that state the same meaning, and is
// then shared by both snapshots: the rate-limit table and Redis backend (make_rate_limits), the
// diagnostics log when [log] is unchanged, the Access key services whose JWKS source is
// unchanged, and the live range stores (with the refresher that fills them) when the
// [cloudflare]/[fastly] settings and the set of providers in use are unchanged. Everything else
// is built anew.
std::expected<std::shared_ptr<const Snapshot>, std::string> compile_snapshot(
    const config::Config& config, const Snapshot* previous = nullptr);

// The snapshot's background threads: the diagnostics writer, the Access key services and the
// Redis rate-limit backend. Starting what a reload carried over (already running) does nothing.
// A snapshot's threads that no newer snapshot shares stop when the object owning them is
// destroyed with the last snapshot using it (runtime/reload.h releases retired snapshots on the
// main thread, never a worker).
// compile_snapshot() starts neither, so `doorman check` and `explain` have no side effect (no
// thread, no connection, no log file). run_server() starts them once the signals are masked
// (the threads inherit the mask), stops the Redis backend after the drain while the workers'
// event loops are still alive (its answers are posted onto them), and stops the writer last,
// after the workers wrote their final lines.
void start_background_threads(const Snapshot& snapshot);
void stop_rate_limit_backend(const Snapshot& snapshot);
void stop_diagnostics_log(const Snapshot& snapshot);

}  // namespace doorman::runtime
