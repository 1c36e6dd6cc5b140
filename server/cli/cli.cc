#include "cli/cli.h"

#include <cstdio>

#include "build_info.h"
#include "cli/commands.h"

namespace doorman::cli {

int run(int argc, char** argv) {
  CLI::App app{"doorman: a front-door reverse proxy that knows who really walked in"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("doorman ") + std::string(build_version()) +
                                        " (commit " + std::string(build_commit()) + ")");
  int exit_code = 0;
  add_explain_command(app, exit_code);
  add_proxy_header_command(app, exit_code);
  add_check_command(app, exit_code);
  add_serve_command(app, exit_code);
  add_reload_command(app, exit_code);
  add_ranges_command(app, exit_code);
  add_logs_command(app, exit_code);
  add_certs_command(app, exit_code);
  add_doctor_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    // Help and version are successes; every other parse problem is a usage error (exit 2).
    return rc == 0 ? 0 : 2;
  }
  return exit_code;
}

}  // namespace doorman::cli
