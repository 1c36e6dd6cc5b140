// Each command lives in its own file and registers itself on the app with add_*_command().
// The callback stores the command's exit code in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace doorman::cli {

void add_explain_command(CLI::App& app, int& exit_code);
void add_proxy_header_command(CLI::App& app, int& exit_code);
void add_check_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_reload_command(CLI::App& app, int& exit_code);
void add_ranges_command(CLI::App& app, int& exit_code);
void add_logs_command(CLI::App& app, int& exit_code);
void add_certs_command(CLI::App& app, int& exit_code);
void add_doctor_command(CLI::App& app, int& exit_code);

}  // namespace doorman::cli
