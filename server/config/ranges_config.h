// The keys of [cloudflare] and [fastly] that drive the CDN range lists (docs/cloudflare.md):
// where to refresh from, how often, where the last-known-good cache lives, and whether to
// refresh at all. ranges_file (a static list, never refreshed) is Config::cloudflare_ranges_file
// for Cloudflare and RangesProvider::ranges_file for Fastly.
//
// Contract: read_ranges_config() (ranges_reader.h) fills Config::ranges; durations are at least
// kMinRefreshInterval (1s, for tests; production wants hours) and timeouts at least 100ms.
// cache_check_interval (default 5s, at least 100ms, "0" = off) is how often a running server
// looks whether another process (`doorman ranges update`) replaced the cache file.
// Thread safety: plain values.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace doorman::config {

inline constexpr std::chrono::milliseconds kMinRefreshInterval{1000};

struct RangesProvider {
  std::string refresh_url;
  std::chrono::milliseconds refresh_interval{std::chrono::hours(6)};
  std::string cache_file;
  bool refresh = true;
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // whole transfer; connect <= 10s
  bool use_in_auto = false;         // [fastly] auto: source_ip = "auto" tries Fastly too
  std::string ranges_file;          // Fastly's static override ("" = none)
  std::vector<std::string> ranges;  // its CIDRs, validated at load
  std::chrono::milliseconds cache_check_interval{std::chrono::seconds(5)};  // 0 = off
  friend bool operator==(const RangesProvider&, const RangesProvider&) = default;
};

struct RangesSection {
  RangesProvider cloudflare{"https://api.cloudflare.com/client/v4/ips",
                            std::chrono::hours(6),
                            "/var/lib/doorman/cloudflare-ranges.txt",
                            true,
                            std::chrono::seconds(30),
                            true,
                            "",
                            {},
                            std::chrono::seconds(5)};
  RangesProvider fastly{"https://api.fastly.com/public-ip-list",
                        std::chrono::hours(6),
                        "/var/lib/doorman/fastly-ranges.txt",
                        true,
                        std::chrono::seconds(30),
                        false,
                        "",
                        {},
                        std::chrono::seconds(5)};
  friend bool operator==(const RangesSection&, const RangesSection&) = default;
};

}  // namespace doorman::config
