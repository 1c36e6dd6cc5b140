// `doorman explain`: placeholder registration, replaced by the real command in the identity work.
#include "cli/commands.h"

namespace doorman::cli {

void add_explain_command(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("explain", "Explain which client IP doorman resolves for a request");
  cmd->callback([&exit_code] { exit_code = 0; });
}

}  // namespace doorman::cli
