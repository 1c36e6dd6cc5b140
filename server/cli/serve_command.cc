// `doorman serve --config F`: load and validate the configuration (refusing to start on any
// error, printed as "FILE:LINE: key: message"), then run the server until SIGTERM/SIGINT.
#include <cstdio>

#include "cli/commands.h"
#include "config/config.h"
#include "ranges/ranges_runtime.h"
#include "runtime/server.h"
#include "runtime/snapshot.h"

namespace doorman::cli {

void add_serve_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "Run the reverse proxy");
  auto path = std::make_shared<std::string>();
  cmd->add_option("--config,-c", *path, "Configuration file (TOML)")->required();
  cmd->callback([path, &exit_code] {
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
    // CDN range lists: cache overlay now, refreshes on their own thread (docs/cloudflare.md),
    // which must not take the SIGTERM meant for run_server's sigwait.
    runtime::block_shutdown_signals();
    auto ranges_service = ranges::start_ranges(**snapshot);
    exit_code = runtime::run_server(std::move(*snapshot));
  });
}

}  // namespace doorman::cli
