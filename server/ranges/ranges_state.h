// What a provider's range list is doing: where the list in force came from, how old it is,
// when a refresh last worked or failed and why. Reported in the log, in `doorman ranges show`,
// and persisted next to the cache (CACHE_FILE.state.json) so the CLI can show what the server
// last recorded.
//
// Contract: a RangesState is a value; to_json()/state_from_json() round-trip it (unknown or
// missing JSON keys keep their defaults; a non-object is an error, never an exception). Times
// are Unix seconds, 0 = never.
// Thread safety: values; RangesStore (ranges_store.h) guards the shared one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "doorman/cidr_set.h"

namespace doorman::ranges {

// "bundled" (compiled in), "cache" (last-known-good file), "live" (fetched by this process),
// "static" (the operator's ranges_file: never refreshed).
enum class RangesSource { kBundled, kCache, kLive, kStatic };
std::string_view ranges_source_name(RangesSource source);

struct RangesState {
  std::string provider;  // "cloudflare", "fastly"
  RangesSource source = RangesSource::kBundled;
  int64_t list_time = 0;     // when the list in force was fetched (0 for bundled/static)
  int64_t last_attempt = 0;  // last refresh attempt
  int64_t last_success = 0;  // last fetch that gave a usable answer (200 accepted, or 304)
  std::string last_error;    // "" after a success
  std::string etag;          // HTTP ETag of the list in force
  std::string url;           // refresh_url
  std::size_t v4_blocks = 0;
  std::size_t v6_blocks = 0;
  uint32_t consecutive_failures = 0;
};

// Counts the blocks of `set` into state.v4_blocks / v6_blocks.
void count_blocks(const CidrSet& set, RangesState& state);

// JSON for `ranges show --json` and the state file; `now` gives "age_seconds" (of the list).
nlohmann::json to_json(const RangesState& state, int64_t now);
std::expected<RangesState, std::string> state_from_json(std::string_view text);

// CACHE_FILE.state.json
std::string state_file_path(const std::string& cache_file);

int64_t unix_now();

}  // namespace doorman::ranges
