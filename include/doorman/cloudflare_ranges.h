// The Cloudflare ranges bundled into the binary: the project's copies of
// https://www.cloudflare.com/ips-v4 and /ips-v6 (data/cloudflare-ips-v4.txt, -v6.txt), embedded
// at build time. They are the first layer of the Cloudflare set (DESIGN.md "Words"): the server
// replaces them with a last-known-good or refreshed list when it has one.
// Thread safety: the set is built once on first use (thread-safe static) and never changes.
#pragma once

#include <string_view>

#include "doorman/cidr_set.h"

namespace doorman {

// The embedded text of the two files, comment lines included.
std::string_view bundled_cloudflare_ranges_v4_text();
std::string_view bundled_cloudflare_ranges_v6_text();

// Both files parsed into one set.
const CidrSet& bundled_cloudflare_ranges();

}  // namespace doorman
