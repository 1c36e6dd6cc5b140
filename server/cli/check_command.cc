// `doorman check --config F`: validates a configuration without starting anything. Exit 0 and
// "F: ok", or exit 1 with one "FILE:LINE: key: message" line per problem on stderr. Warnings
// (config/config_warnings.h) go to stderr too and leave the exit status alone.
#include <cstdio>

#include "cli/commands.h"
#include "config/config.h"
#include "config/config_warnings.h"
#include "runtime/snapshot.h"

namespace doorman::cli {

void add_check_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("check", "Validate a configuration file and exit");
  auto path = std::make_shared<std::string>();
  cmd->add_option("--config,-c", *path, "Configuration file (TOML)")->required();
  cmd->callback([path, &exit_code] {
    auto loaded = config::load_config(*path);
    std::vector<std::string> errors = std::move(loaded.errors);
    if (loaded.config) {
      // Compiling the snapshot catches what only the whole file can tell (e.g. CIDR sets).
      auto snapshot = runtime::compile_snapshot(*loaded.config);
      if (!snapshot) errors.push_back(snapshot.error());
      for (const std::string& w : config::config_warnings(*loaded.config))
        std::fprintf(stderr, "%s\n", w.c_str());
    }
    for (const std::string& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    if (errors.empty()) std::printf("%s: ok\n", path->c_str());
    exit_code = errors.empty() ? 0 : 1;
  });
}

}  // namespace doorman::cli
