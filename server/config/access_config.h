// [route.access]: Cloudflare Access at the origin (docs/deploy/cloudflare-locked-down.md). A route
// with it refuses (403) every request without a valid Access token, and hands the app the
// verified identity in headers doorman owns.
//
// Keys (docs/config.md):
//   team_domain = "team.cloudflareaccess.com"   required; the issuer is "https://" + team_domain
//   aud = ["AUD tag", ...]                     required; the application's audience tag(s)
//   cookie = false                             also read the CF_Authorization cookie
//   skew = "60s"                               clock skew allowed on exp / nbf / iat
//   jwks_url = "https://TEAM/cdn-cgi/access/certs"   https, or http only to a loopback address
//   refresh_interval = "1h", refresh_min_interval = "10s", timeout = "10s"
//   cache_file = "/var/lib/doorman/access-TEAM.jwks.json"   last-known-good keys ("" = none)
//   email_header = "X-Auth-Email", subject_header = "X-Auth-Subject"
// Validated when read (access_reader.h); a Config holding them is valid.
// Thread safety: plain values.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace doorman::config {

struct RouteAccess {
  bool enabled = false;
  std::string team_domain;
  std::string issuer;  // "https://" + team_domain
  std::vector<std::string> aud;
  bool cookie = false;
  std::chrono::seconds skew{60};
  std::string jwks_url;
  std::chrono::milliseconds refresh_interval{std::chrono::hours(1)};
  std::chrono::milliseconds refresh_min_interval{std::chrono::seconds(10)};
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  std::string cache_file;
  std::string email_header = "X-Auth-Email";
  std::string subject_header = "X-Auth-Subject";
};

}  // namespace doorman::config
