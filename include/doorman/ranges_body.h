// Parsing the body of a fetched CDN range list into a CidrSet. The bytes come from the network
// (a refresh of the Cloudflare or Fastly list, `doorman ranges update`, a cache file on disk), so
// every input is untrusted: fuzz/ranges_body_fuzz.cc holds the parser to the contract below.
//
// Contract: parse_ranges_body() accepts three shapes, told apart by the first non-blank byte
// ('{' means JSON, anything else is text):
// - Cloudflare's API envelope (GET https://api.cloudflare.com/client/v4/ips):
//   {"result":{"ipv4_cidrs":[...],"ipv6_cidrs":[...],"etag":"..."},"success":true,...}.
//   "success" must be true; "result.etag" (a digest of the list, not the HTTP ETag) is returned.
//   Other result keys (e.g. jdcloud_cidrs, China Network only) are never merged.
// - Fastly's list (GET https://api.fastly.com/public-ip-list): {"addresses":[...],
//   "ipv6_addresses":[...]}.
// - Plain text: one CIDR a line, '#' comments (parse_cidr_list in doorman/cidr_set.h).
// Every entry must parse (host bits are normalised, as in parse_cidr_list); one bad entry fails
// the whole body, naming it. An empty list parses (the server's validation refuses it). On success
// `format` is one of the three names below and `set` holds every entry; on failure the error is a
// non-empty, human-readable message (it names the bad entry, or the line and column of the text),
// a string rather than an ErrorCode because operators read it in `doorman ranges show`. No
// exceptions: JSON is parsed with nlohmann's non-throwing parse (iterative, so deep nesting cannot
// exhaust the stack) and every type is checked before use.
// Thread safety: pure function.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "doorman/cidr_set.h"

namespace doorman {

struct RangesBody {
  CidrSet set;
  std::string format;     // "cloudflare-json", "fastly-json", "text"
  std::string body_etag;  // Cloudflare's result.etag, else ""
};

std::expected<RangesBody, std::string> parse_ranges_body(std::string_view body);

}  // namespace doorman
