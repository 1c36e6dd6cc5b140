// The server's side of the range lists: which providers a configuration needs, the stores the
// snapshot carries, and the refresher `doorman serve` starts.
//
// Contract:
// - attach_stores() gives a compiled Snapshot its cloudflare_store (from snapshot.cloudflare:
//   the static ranges_file or the bundled list) and fastly_store (static [fastly] ranges_file or
//   the bundled Fastly list). No I/O. Returns "" or a "FILE:0: key: message" error.
// - start_ranges() (serve only) overlays the cache on each needed store and starts one
//   background thread when some provider needs refreshing or watching: Cloudflare when a route uses
//   auto or cloudflare-proxy, no static ranges_file is set and [cloudflare] refresh is true; Fastly
//   when a route uses fastly-proxy or [fastly] auto = true, likewise. The same thread checks each
//   such provider's cache file every cache_check_interval (also with refresh = false) and adopts
//   a list another process wrote (cache_watch.h). The returned service stops and joins its
//   thread when destroyed.
// Thread safety: call both before the workers start.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "ranges/refresher.h"

namespace doorman::runtime {
struct Snapshot;
}

namespace doorman::ranges {

std::string attach_stores(runtime::Snapshot& snapshot);

bool needs_cloudflare(const config::Config& config);
bool needs_fastly(const config::Config& config);

// The setup of "cloudflare" or "fastly" from the configuration.
ProviderSetup provider_setup(const config::Config& config, const std::string& name);

std::unique_ptr<RangesService> start_ranges(const runtime::Snapshot& snapshot);

}  // namespace doorman::ranges
