// Worker: one thread, one io_context, its own acceptors (SO_REUSEPORT) and its own upstream pool.
// Nothing mutable is shared between workers; the only shared object is the immutable snapshot.
//
// Lifecycle: the server constructs the workers and their acceptors on the main thread, then
// calls run() on each worker's thread. begin_drain() may be called from any thread: it posts onto
// the worker, which takes the connections already waiting in its listen backlog, closes its
// acceptors, closes idle keep-alive connections (those with no byte of a next request) and lets
// in-flight requests finish (their responses say "Connection: close"). run() returns when
// nothing is left.
// Reload: apply() (any thread) posts a new snapshot onto the worker: new connections and new
// requests use it from then on (runtime/generation.h), acceptors are added and removed, and the
// connections accepted on a removed listener drain like a SIGTERM's.
// Connection cap: each worker admits max_connections / workers (rounded up); over it a new
// connection is accepted, gets a short 503 written without waiting, and is closed; the others
// keep being served.
// Out of descriptors (or kernel memory): accept pauses 50 ms, growing to 200 ms while it keeps
// failing, and logs at most one line a second for the whole server (runtime/accept_backoff.h);
// the pending connections wait in the listen backlog and are served once descriptors free up.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

#include "metrics/worker_metrics.h"
#include "runtime/generation.h"
#include "runtime/listener.h"
#include "runtime/snapshot.h"
#include "runtime/workspace.h"

namespace doorman::runtime {

class Connection;

// What a reload changes on one worker (runtime/reload.cc builds one per worker).
struct WorkerUpdate {
  struct Added {
    uint64_t id = 0;
    Acceptor acceptor;
    const config::ListenerSection* section = nullptr;
    bool is_unix = false;
  };
  std::shared_ptr<const Snapshot> snapshot;
  uint32_t max_connections = 0;
  std::vector<Added> added;
  std::vector<uint64_t> removed;
  // Listeners kept: their section in the new snapshot (TLS certificates, PROXY settings).
  std::vector<std::pair<uint64_t, const config::ListenerSection*>> kept;
};

class Worker {
 public:
  Worker(std::size_t index, std::shared_ptr<const Snapshot> snapshot, uint32_t max_connections);
  // Destroys what is still bound to the io_context (sockets, suspended coroutines holding
  // connections) before the members those connections point to.
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  asio::io_context& context() { return *context_; }
  // Before run(): listener `id` (the server's numbering, stable across reloads).
  void add_acceptor(uint64_t id, Acceptor acceptor, const BoundListener& listener);
  void run();
  void begin_drain();  // thread-safe
  // Thread-safe: posts the update; `applied` runs on the worker's thread once new connections
  // and requests get the new snapshot.
  void apply(std::shared_ptr<WorkerUpdate> update, std::function<void()> applied);

  // For connections, on this worker's thread only.
  const std::shared_ptr<Generation>& current() const { return current_; }
  // This worker's counters (metrics/worker_metrics.h); the admin listener copies them by
  // posting onto context(), never by reading them from its own thread.
  metrics::WorkerMetrics& metrics() { return metrics_; }
  // Request workspaces (runtime/workspace.h), reused by this worker's connections. Give them
  // back through give_workspace(), which trims a burst's extra ones a grace period later.
  WorkspacePool& workspaces() { return workspaces_; }
  void give_workspace(std::unique_ptr<Workspace> workspace);
  bool draining() const { return draining_; }
  void attach(Connection* connection) { connections_.insert(connection); }
  void detach(Connection* connection) { connections_.erase(connection); }

 private:
  // Whether accepted TCP sockets come with TCP_NODELAY from the listener (Linux copies it), seen
  // on the first one; if not, it is set on each.
  enum class NoDelay : uint8_t { kUnknown, kInherited, kPerSocket };
  struct Slot {
    uint64_t id = 0;
    Acceptor acceptor;
    const config::ListenerSection* section = nullptr;  // in current_'s snapshot
    bool is_unix = false;
    bool closed = false;
    NoDelay no_delay = NoDelay::kUnknown;
  };
  asio::awaitable<void> accept_loop(std::shared_ptr<Slot> slot);
  void take_backlog(Slot& slot);
  void admit(Slot& slot, Protocol::socket socket, const Protocol::endpoint& peer);
  void refuse(Protocol::socket socket);
  void apply_now(WorkerUpdate& update);
  void trim_workspaces_later();

  std::size_t index_;
  WorkspacePool workspaces_;  // outlives context_ (the connections give theirs back)
  std::unique_ptr<asio::io_context> context_;
  std::shared_ptr<Generation> current_;
  metrics::WorkerMetrics metrics_;
  uint32_t max_connections_;
  bool draining_ = false;
  bool running_ = false;
  std::vector<std::shared_ptr<Slot>> slots_;
  std::unordered_set<Connection*> connections_;
  // Armed while more than WorkspacePool::kMaxFree workspaces are free, never while draining (a
  // pending wait would hold run() open). Optional only so that ~Worker can destroy it before
  // context_ (made in the constructor, reset there).
  std::optional<asio::steady_timer> workspace_trim_;
  bool workspace_trim_armed_ = false;
};

}  // namespace doorman::runtime
