// Reads every [[route]]'s access table ([route.access], access_config.h) from the parsed TOML
// tree into config.routes[i].access, appending "FILE:LINE: key: message" errors like the
// loader. Unknown keys inside the table are errors. REQUIRES: config.routes[i] was read from the
// i-th [[route]] table.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <vector>

#include "config/config.h"

namespace doorman::config {

void read_access_config(const toml::table& root, const std::string& path, Config& config,
                        std::vector<std::string>& errors);

}  // namespace doorman::config
