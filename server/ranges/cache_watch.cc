#include "ranges/cache_watch.h"

#include <cstdio>
#include <memory>
#include <string>

namespace doorman::ranges {

CacheCheck check_cache(const ProviderSetup& setup, RangesStore& store, FileIdentity& seen) {
  const std::string& path = setup.config.cache_file;
  if (path.empty() || !setup.static_ranges.empty()) return CacheCheck::kUnchanged;
  const FileIdentity now = file_identity(path);
  if (now == seen) return CacheCheck::kUnchanged;
  seen = now;
  // A removed cache changes nothing in force: the list was good when it was loaded.
  if (!now.exists) return CacheCheck::kUnchanged;
  // If the file is replaced again between the stat above and this read, the next check sees a
  // new identity and reads it once more: at worst one redundant publish, never a missed list.
  auto record = read_cache(path);
  RangesState state = store.state();
  if (!record) {
    state.last_error = "changed cache ignored: " + record.error();
    store.set_state(state);
    save_state(setup, state);
    std::fprintf(stderr, "doorman: %s ranges: %s; keeping the %s list\n", setup.name.c_str(),
                 state.last_error.c_str(), std::string(ranges_source_name(state.source)).c_str());
    return CacheCheck::kIgnored;
  }
  state.source = RangesSource::kCache;
  state.list_time = record->fetched_unix;
  state.etag = record->etag;
  // The file was written by a successful fetch (doorman ranges update): that is a success too.
  if (record->fetched_unix > state.last_success) state.last_success = record->fetched_unix;
  count_blocks(record->set, state);
  store.publish(std::make_shared<const CidrSet>(std::move(record->set)), state);
  save_state(setup, state);
  std::fprintf(stderr,
               "doorman: %s ranges: picked up the cache %s written by another process (%zu "
               "IPv4, %zu IPv6 blocks, fetched %s)\n",
               setup.name.c_str(), path.c_str(), state.v4_blocks, state.v6_blocks,
               format_utc(state.list_time).c_str());
  return CacheCheck::kPickedUp;
}

}  // namespace doorman::ranges
