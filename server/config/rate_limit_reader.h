// Reads [rate_limit] and every [[route]]'s rate_limit key (rate_limit_config.h) from the parsed
// TOML tree into `config`, appending "FILE:LINE: key: message" errors like the loader. Unknown
// keys inside these tables are errors. REQUIRES: config.routes[i] was read from the i-th
// [[route]] table.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <vector>

#include "config/config.h"

namespace doorman::config {

void read_rate_limit_config(const toml::table& root, const std::string& path, Config& config,
                            std::vector<std::string>& errors);
// [log] diagnostics and file (diagnostics_config.h); the loader checks [log]'s key names.
void read_diagnostics_config(const toml::table& root, const std::string& path, Config& config,
                             std::vector<std::string>& errors);

}  // namespace doorman::config
