// The Fastly ranges bundled into the binary: the project's copy of
// https://api.fastly.com/public-ip-list (data/fastly-ips.txt, IPv4 then IPv6, one CIDR a line),
// embedded at build time. The first layer of the Fastly set used by source_ip = "fastly-proxy":
// the server replaces it with a last-known-good or refreshed list when it has one.
// Thread safety: the set is built once on first use (thread-safe static) and never changes.
#pragma once

#include <string_view>

#include "doorman/cidr_set.h"

namespace doorman {

// The embedded text of the file, comment lines included.
std::string_view bundled_fastly_ranges_text();

// The file parsed into a set.
const CidrSet& bundled_fastly_ranges();

}  // namespace doorman
