// Picking up a cache file written by another process: `doorman ranges update` (or a second
// doorman sharing the cache) replaces the file while a server runs, and the server should use
// the operator's list without a restart.
//
// Contract:
// - check_cache() compares the cache file's identity (file_identity() in cache_file.h: device,
//   inode, size, mtime) with `seen`, the identity of the file this process last loaded or wrote.
//   Unchanged (or the file is absent): nothing happens. Changed: `seen` takes the new identity
//   and the file is read once. A corrupt or unreadable file is logged and ignored, the list in
//   force stays, and it is not read again until it changes once more. A valid one is published
//   as is (the operator validated it, possibly with --force, so there is no shrink check) with
//   state source "cache", list time, ETag and block counts from the file, and the state is saved
//   to CACHE_FILE.state.json.
// - The caller records its own writes in `seen` (write_cache's `written`), so a server never
//   re-reads the cache it just wrote.
// - Only for a provider without a static ranges_file and with a cache_file; RangesService calls
//   it every cache_check_interval.
// Thread safety: like refresh_once(), one thread at a time per store.
#pragma once

#include "ranges/cache_file.h"
#include "ranges/ranges_store.h"
#include "ranges/refresher.h"

namespace doorman::ranges {

enum class CacheCheck {
  kUnchanged,  // same identity, or no file
  kPickedUp,   // a new valid list was published
  kIgnored,    // the file changed but is corrupt or unreadable; the list in force stays
};

CacheCheck check_cache(const ProviderSetup& setup, RangesStore& store, FileIdentity& seen);

}  // namespace doorman::ranges
