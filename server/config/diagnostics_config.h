// [log] keys of the diagnostics log (request_path/diagnostics_log.h, docs/logs.md):
//   diagnostics = "stdout"   # default; or "off"
//   file = "/var/log/doorman/requests.jsonl"   # instead of stdout; reopened on SIGUSR1
#pragma once

#include <string>

namespace doorman::config {

struct DiagnosticsSection {
  bool enabled = true;
  std::string file;  // "" = stdout
};

}  // namespace doorman::config
