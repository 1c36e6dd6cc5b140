// Reads the edge keys (edge_config.h) of every [[listener]] and [[route]] table from the parsed
// TOML tree into `config`, appending "FILE:LINE: key: message" errors like the loader.
// REQUIRES: config.listeners[i] / config.routes[i] were read from the i-th table; when an
// earlier error left them misaligned, nothing is applied (the config is rejected anyway).
// The loader's check_keys lists must include kListenerEdgeKeys / kRouteEdgeKeys.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <vector>

#include "config/config.h"

namespace doorman::config {

void read_edge_config(const toml::table& root, const std::string& path, Config& config,
                      std::vector<std::string>& errors);

}  // namespace doorman::config
