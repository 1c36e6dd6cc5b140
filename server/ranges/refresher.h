// Keeping a provider's range list true: the start-up layering (bundled -> cache -> live), one
// refresh (fetch, parse, validate, write the cache, publish), and the background thread that
// repeats it.
//
// Contract:
// - ProviderSetup names a provider and its config; RangesService::start() builds the
//   RangesStore: the static ranges_file if configured (source "static", never refreshed), else the
//   bundled list overlaid by a valid cache (a corrupt or unreadable cache is logged and ignored).
//   When `refresh` is on and a list is needed, one background thread runs refresh_once() every
//   refresh_interval (+-10% jitter), backing off exponentially (interval/16 doubling, capped at
//   the interval) after failures. The thread never touches a worker's loop. The same thread
//   checks the cache file every cache_check_interval (cache_watch.h) for a list another process
//   (`doorman ranges update`) wrote, also when `refresh` is off; a cache this process wrote is
//   recognised by its identity (RefreshResult::cache_written) and not read back.
// - refresh_once(): a 304 keeps the list and the cache (only the state moves); a 200 is parsed
//   and validated (ranges_validate.h) against the list in force; on success the cache is written
//   atomically and the new set published; on any failure the list in force and the cache are
//   untouched and last_error says why. The state is written to CACHE_FILE.state.json after every
//   attempt, and transitions are logged to stderr.
// Thread safety: refresh_once() may run on any one thread at a time per store; RangesService
// owns its thread and joins it in stop()/the destructor.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/ranges_config.h"
#include "ranges/cache_file.h"
#include "ranges/ranges_store.h"

namespace doorman::ranges {

struct ProviderSetup {
  std::string name;                        // "cloudflare", "fastly"
  config::RangesProvider config;           // refresh_url, cache_file, ...
  const CidrSet* bundled = nullptr;        // the compiled-in list
  std::vector<std::string> static_ranges;  // ranges_file contents ("" file = none)
  std::string static_file;
};

// The list a server starting now would use: the static file, else the bundled list overlaid by
// a valid cache (state.last_error says why a cache was ignored). Read-only, logs nothing.
struct InitialList {
  std::shared_ptr<const CidrSet> set;
  RangesState state;
};
InitialList initial_list(const ProviderSetup& setup);

// The initial store: initial_list(), logging what it used.
std::shared_ptr<RangesStore> load_initial(const ProviderSetup& setup);

struct RefreshResult {
  bool ok = false;
  bool changed = false;        // a new list was published
  std::string message;         // for logs and the CLI
  std::string cache_error;     // the list was accepted but the cache could not be written
  FileIdentity cache_written;  // the cache file this call wrote (exists = false: none)
};
RefreshResult refresh_once(const ProviderSetup& setup, RangesStore& store, bool force = false);

// Writes CACHE_FILE.state.json (errors are logged, not fatal).
void save_state(const ProviderSetup& setup, const RangesState& state);

// One provider the service keeps true: refreshed when setup.config.refresh is on, and its cache
// checked every setup.config.cache_check_interval (0 = never).
struct WatchedProvider {
  ProviderSetup setup;
  std::shared_ptr<RangesStore> store;
  // The cache's identity when the store was loaded (taken before reading it, so a write that
  // races the start-up is seen by the first check).
  FileIdentity cache_seen;
};

class RangesService {
 public:
  RangesService() = default;
  ~RangesService() { stop(); }
  RangesService(const RangesService&) = delete;
  RangesService& operator=(const RangesService&) = delete;

  // Starts a thread that refreshes and watches every provider (none: no thread).
  void start(std::vector<WatchedProvider> providers);
  void stop();

 private:
  void run();
  std::vector<WatchedProvider> providers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace doorman::ranges
