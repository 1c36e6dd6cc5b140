// `doorman serve --config F [--pid-file P]`: load and validate the configuration (refusing to
// start on any error, printed as "FILE:LINE: key: message"), then run the server until
// SIGTERM/SIGINT, reloading F on SIGHUP (runtime/reload.h).
#include <cstdio>

#include "cli/commands.h"
#include "config/config.h"
#include "runtime/server.h"
#include "runtime/snapshot.h"

namespace doorman::cli {

void add_serve_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "Run the reverse proxy");
  auto path = std::make_shared<std::string>();
  cmd->add_option("--config,-c", *path, "Configuration file (TOML)")->required();
  auto pid_file = std::make_shared<std::string>();
  cmd->add_option("--pid-file", *pid_file,
                  "Write the process id here while serving (overrides [server] pid_file)");
  cmd->callback([path, pid_file, &exit_code] {
    auto loaded = config::load_config(*path);
    if (!loaded.config) {
      for (const std::string& e : loaded.errors) std::fprintf(stderr, "%s\n", e.c_str());
      std::fprintf(stderr, "doorman: not starting: %zu configuration error%s\n",
                   loaded.errors.size(), loaded.errors.size() == 1 ? "" : "s");
      exit_code = 1;
      return;
    }
    auto snapshot = runtime::compile_snapshot(*loaded.config);
    if (!snapshot) {
      std::fprintf(stderr, "%s\ndoorman: not starting\n", snapshot.error().c_str());
      exit_code = 1;
      return;
    }
    runtime::ServeOptions options{
        .config_path = *path,
        .pid_file = pid_file->empty() ? loaded.config->server.pid_file : *pid_file};
    exit_code = runtime::run_server(std::move(*snapshot), options);
  });
}

}  // namespace doorman::cli
