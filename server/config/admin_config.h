// [admin]: the admin listener (server/admin/): Prometheus metrics, /healthz, /readyz and the
// status page. Off unless the table is present:
//   [admin]
//   address = "127.0.0.1:9901"     # required; an IP literal and port (":0" picks one)
//   allow_remote = false           # a non-loopback address is refused unless true ...
//   allow = ["10.0.0.0/8"]         # ... and then these CIDRs (plus loopback) may connect
// The admin listener shows client IPs and request ids: exposing it is an explicit decision,
// never a default (fail closed, STYLE.md habit 5).
#pragma once

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "doorman/cidr_set.h"

namespace doorman::config {

struct Config;

struct AdminSection {
  bool enabled = false;
  std::string host;  // IP literal
  uint16_t port = 0;
  std::string text;  // as written
  bool allow_remote = false;
  std::vector<std::string> allow;  // CIDRs as written
  CidrSet allowed;                 // loopback + allow: checked against each socket peer
  int line = 0;
};

// Reads [admin] into config.admin, appending "FILE:LINE: key: message" errors.
void read_admin_config(const toml::table& root, const std::string& path, Config& config,
                       std::vector<std::string>& errors);

}  // namespace doorman::config
