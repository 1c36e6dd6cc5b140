// Reads the range-list keys of [cloudflare] (refresh_url, refresh_interval, cache_file, refresh,
// timeout; ranges_file is the loader's) and all of [fastly] (the same plus ranges_file and auto)
// into config.ranges, appending "FILE:LINE: key: message" errors like the loader. Unknown keys
// in [fastly] are errors; [cloudflare]'s key list is checked by the loader.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <vector>

#include "config/config.h"

namespace doorman::config {

void read_ranges_config(const toml::table& root, const std::string& path, Config& config,
                        std::vector<std::string>& errors);

}  // namespace doorman::config
