// The server: binds the listeners, starts the workers, waits for SIGTERM/SIGINT and drains.
//
// Contract: run_server() blocks until a signal arrives (or every worker stopped by itself), then
// stops accepting, lets in-flight requests finish within [timeouts] drain, and returns the exit
// code (0 after a drain, 1 when the listeners could not be bound). It prints one line per
// listener to stdout once accepting: "doorman: listening on ADDRESS" (the real port when the
// config said :0), which is how tests find an ephemeral port.
#pragma once

#include <memory>

#include "runtime/snapshot.h"

namespace doorman::runtime {

// Blocks SIGTERM/SIGINT in the calling thread (and so in every thread it starts later) and
// ignores SIGPIPE. Call it before starting any background thread; run_server() calls it too.
void block_shutdown_signals();

int run_server(std::shared_ptr<const Snapshot> snapshot);

}  // namespace doorman::runtime
