// The server: binds the listeners, starts the workers, reloads on SIGHUP, drains on
// SIGTERM/SIGINT.
//
// Contract: run_server() blocks until SIGTERM/SIGINT (or every worker stopped by itself), then
// stops accepting, closes idle keep-alive connections, lets in-flight requests finish within
// [timeouts] drain (their responses say "Connection: close"), and returns the exit code (0
// after a drain, 1 when the listeners could not be bound). It prints one line per listener to
// stdout once accepting: "doorman: listening on ADDRESS" (the real port when the config said
// :0), which is how tests find an ephemeral port. SIGHUP reloads the configuration file
// (runtime/reload.h). The pid file, when set, is written once accepting and removed at exit.
#pragma once

#include <memory>
#include <string>

#include "runtime/snapshot.h"

namespace doorman::runtime {

struct ServeOptions {
  std::string config_path;  // re-read on SIGHUP
  std::string pid_file;     // "" = none (`serve --pid-file`, else [server] pid_file)
};

// Blocks SIGTERM/SIGINT/SIGHUP in the calling thread (and so in every thread it starts later)
// and ignores SIGPIPE. Call it before starting any background thread; run_server() calls it too.
void block_shutdown_signals();

int run_server(std::shared_ptr<const Snapshot> snapshot, const ServeOptions& options);

}  // namespace doorman::runtime
