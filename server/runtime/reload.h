// Reload: SIGHUP (and `doorman reload`) re-reads the configuration file and swaps a new snapshot
// in under load, without dropping a request.
//
// Contract of reload_config(), the one entry point (a service manager's "reloading"/"ready"
// notifications belong around it):
// - Loads and validates the file and compiles it (compile_snapshot, with the current snapshot as
//   `previous` so rate-limit budgets, the diagnostics writer and live range lists carry over).
//   Any error is printed as "FILE:LINE: key: message" and the current configuration keeps
//   serving, untouched; so does a listener that cannot be bound.
// - A good configuration becomes a NEW immutable snapshot (none is ever mutated): listeners it
//   adds are bound first, then every worker is handed the snapshot and returns only once new
//   connections and new requests use it. A request already in flight finishes on the snapshot it
//   started with (a connection adopts the new one when its next request's first byte arrives).
//   Listeners it removes stop accepting at once; their open connections drain (idle ones close,
//   busy ones answer "Connection: close"). It prints "doorman: listening on ADDRESS" (stdout)
//   for each added listener and "doorman: reloaded" (stderr) when done.
// - Not reloadable (they need a restart; a reload keeps the old value and says so): [server]
//   workers and pid_file, and [admin] (the admin listener's address and allow list).
// - ACME (acme/service.h): the running service gets the new [acme] settings and host names; a
//   configuration that starts using ACME starts it, one that stops using it stops it.
// - The replaced snapshot is retired: release_retired() drops it, on this thread, once no worker
//   or connection holds it any more; what only it owned (a Redis backend, a diagnostics writer)
//   stops then, while the workers' event loops are still alive.
// Thread safety: the server's main thread only (the one that takes the signals).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "acme/service.h"
#include "ranges/refresher.h"
#include "runtime/listener.h"
#include "runtime/snapshot.h"
#include "runtime/worker.h"

namespace doorman::runtime {

// One [[listener]] as the server runs it; `bound.section` points into `current`'s config.
struct LiveListener {
  uint64_t id = 0;
  BoundListener bound;
};

// What run_server owns and a reload changes.
struct ServerState {
  std::string config_path;
  std::shared_ptr<const Snapshot> current;
  std::vector<std::shared_ptr<const Snapshot>> retired;  // replaced, maybe still in use
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<LiveListener> listeners;
  uint64_t next_listener_id = 1;
  std::unique_ptr<ranges::RangesService> ranges;  // fills current's range stores
  // Keeps the ACME certificates (certificates = "acme"); they outlive snapshots (a reload only
  // hands it the new settings and names).
  std::unique_ptr<acme::AcmeService> acme;
};

// Connections each worker admits: [limits] max_connections split evenly, rounded up.
uint32_t per_worker_connections(const config::Config& config, std::size_t workers);

// Starts, updates or stops the ACME service for `config` (start-up and reloads).
void update_acme(ServerState& state, const config::Config& config);

// Returns true when the new configuration is in use.
bool reload_config(ServerState& state);

// Drops retired snapshots nothing uses any more (call it now and then, and before exiting).
void release_retired(ServerState& state);

}  // namespace doorman::runtime
