// One HTTP(S) GET of a range list with libcurl, for the refresher thread and `doorman ranges
// update` (never called on a worker's loop: it blocks for up to options.timeout).
//
// Contract: fetch_ranges() sends If-None-Match when options.etag is set; a 304 is
// not_modified with an empty body; a 200 returns the body and the response ETag; any other
// status, a transfer error, a timeout (connect <= min(timeout, 10s), whole transfer <= timeout)
// or a body over options.max_bytes (the write callback aborts the transfer) is an error string.
// Only http and https are allowed, redirects are not followed.
// Thread safety: reentrant (one curl easy handle per call; curl_global_init runs once).
#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <string>

namespace doorman::ranges {

inline constexpr std::size_t kMaxRangesBody = 1024 * 1024;  // Cloudflare's answer is ~1 KiB

struct FetchOptions {
  std::string url;
  std::string etag;  // sent as If-None-Match when not empty
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  std::size_t max_bytes = kMaxRangesBody;
};

struct FetchResponse {
  long status = 0;
  bool not_modified = false;
  std::string body;
  std::string etag;  // the response's ETag header, "" if none
};

std::expected<FetchResponse, std::string> fetch_ranges(const FetchOptions& options);

}  // namespace doorman::ranges
