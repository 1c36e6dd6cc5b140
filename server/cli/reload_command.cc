// `doorman reload`: asks the running server to re-read its configuration (SIGHUP, see
// runtime/reload.h). The server is named by --pid, or by a pid file: --pid-file, else the
// [server] pid_file of --config. The outcome is in the server's log ("doorman: reloaded" or the
// errors and "doorman: reload failed"); this command only reports whether the signal was sent.
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "cli/commands.h"
#include "config/config.h"

namespace doorman::cli {
namespace {

struct Target {
  long pid = 0;
  std::string error;
};

Target read_pid_file(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  if (!in) return {0, "cannot read the pid file " + path};
  if (!(in >> pid) || pid <= 1) return {0, "no process id in " + path};
  return {pid, ""};
}

Target find_target(long pid, const std::string& pid_file, const std::string& config_path) {
  if (pid > 0) return {pid, ""};
  if (!pid_file.empty()) return read_pid_file(pid_file);
  if (config_path.empty()) return {0, "name the server: --pid, --pid-file or --config"};
  auto loaded = config::load_config(config_path);
  if (!loaded.config) {
    std::string all;
    for (const std::string& e : loaded.errors) all += e + "\n";
    return {0, all + "cannot read the pid file's name from " + config_path};
  }
  if (loaded.config->server.pid_file.empty())
    return {0, config_path + ": [server] pid_file is not set; use --pid or --pid-file"};
  return read_pid_file(loaded.config->server.pid_file);
}

}  // namespace

void add_reload_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("reload", "Make a running server re-read its configuration");
  auto pid = std::make_shared<long>(0);
  auto pid_file = std::make_shared<std::string>();
  auto config_path = std::make_shared<std::string>();
  cmd->add_option("--pid", *pid, "Process id of the server");
  cmd->add_option("--pid-file", *pid_file, "Pid file the server wrote (serve --pid-file)");
  cmd->add_option("--config,-c", *config_path, "Configuration whose [server] pid_file to use");
  cmd->callback([pid, pid_file, config_path, &exit_code] {
    const Target target = find_target(*pid, *pid_file, *config_path);
    if (target.pid <= 0) {
      std::fprintf(stderr, "doorman: %s\n", target.error.c_str());
      exit_code = 1;
      return;
    }
    if (::kill(static_cast<pid_t>(target.pid), SIGHUP) != 0) {
      std::fprintf(stderr, "doorman: cannot signal process %ld: %s\n", target.pid,
                   std::strerror(errno));
      exit_code = 1;
      return;
    }
    std::printf("doorman: asked process %ld to reload (SIGHUP); see its log for the outcome\n",
                target.pid);
    exit_code = 0;
  });
}

}  // namespace doorman::cli
