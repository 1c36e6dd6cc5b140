// config_warnings: what a valid configuration leaves open that an operator most likely did not
// mean to, printed by `doorman check` (exit status unchanged) as
// "FILE:LINE: warning: KEY: message". Errors stay with load_config(); these never stop a start.
//
// Today (docs/deploy/cloudflare-locked-down.md):
// - a route in strict `cloudflare-proxy` mode without `require_origin_pull` (any Cloudflare
//   customer's zone can reach it and set CF-Connecting-IP);
// - [route.access] on a route in neither cloudflare-proxy nor cloudflare-tunnel mode;
// - a TLS listener whose certificate for one of a route's exact host names is a Cloudflare
//   Origin CA certificate (tls/origin_ca.h) while the route admits direct visitors (auto or
//   direct mode): they get a certificate error.
// Thread safety: pure function of the Config (the certificates were loaded with it).
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace doorman::config {

std::vector<std::string> config_warnings(const Config& config);

}  // namespace doorman::config
