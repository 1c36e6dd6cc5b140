// Worker: one thread, one io_context, its own acceptors (SO_REUSEPORT) and its own upstream pool.
// Nothing mutable is shared between workers; the only shared object is the immutable snapshot.
//
// Lifecycle: the server constructs the workers and their acceptors on the main thread, then
// calls run() on each worker's thread. begin_drain() may be called from any thread: it posts onto
// the worker, which closes its acceptors, closes idle keep-alive connections and lets in-flight
// requests finish (their responses say "Connection: close"). run() returns when nothing is left.
// Connection cap: each worker admits max_connections / workers (rounded up); over it a new
// connection gets a short 503 and is closed, and the others keep being served.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <memory>
#include <unordered_set>
#include <vector>

#include "runtime/listener.h"
#include "runtime/snapshot.h"
#include "upstream/pool.h"

namespace doorman::runtime {

class Connection;

class Worker {
 public:
  Worker(std::size_t index, std::shared_ptr<const Snapshot> snapshot, uint32_t max_connections);
  // Destroys what is still bound to the io_context (sockets, suspended coroutines holding
  // connections) before the members those connections point to.
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  asio::io_context& context() { return *context_; }
  void add_acceptor(Acceptor acceptor, const BoundListener& listener);
  void run();
  void begin_drain();  // thread-safe

  // For connections, on this worker's thread only.
  const Snapshot& snapshot() const { return *snapshot_; }
  upstream::Pool& pool() { return pool_; }
  bool draining() const { return draining_; }
  void attach(Connection* connection) { connections_.insert(connection); }
  void detach(Connection* connection) { connections_.erase(connection); }

 private:
  asio::awaitable<void> accept_loop(std::size_t acceptor_index);
  void refuse(Protocol::socket socket);

  std::size_t index_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::unique_ptr<asio::io_context> context_;
  upstream::Pool pool_;
  uint32_t max_connections_;
  bool draining_ = false;
  std::vector<Acceptor> acceptors_;
  std::vector<const BoundListener*> listeners_;
  std::unordered_set<Connection*> connections_;
};

}  // namespace doorman::runtime
