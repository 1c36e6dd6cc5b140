// config_warnings: what a valid configuration leaves open that an operator most likely did not
// mean to, printed by `doorman check` (exit status unchanged) as
// "FILE:LINE: warning: KEY: message". Errors stay with load_config(); these never stop a start.
//
// Today: a route in strict `cloudflare-proxy` mode without `require_origin_pull` (any Cloudflare
// customer's zone can reach it and set CF-Connecting-IP; docs/deploy/cloudflare-locked-down.md),
// and [route.access] on a route that is not in cloudflare-proxy mode.
// Thread safety: pure function of the Config.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace doorman::config {

std::vector<std::string> config_warnings(const Config& config);

}  // namespace doorman::config
