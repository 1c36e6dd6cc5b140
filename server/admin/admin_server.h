// AdminServer: the admin listener ([admin] address, docs/operations.md), its own small HTTP/1.1
// server on its own thread and io_context, apart from the data path: a slow scrape or a stuck
// status-page client never occupies a worker.
//
// Contract:
// - GET /metrics (Prometheus text), /healthz (live), /readyz (admin/health.h), / (the status
//   page) and /status.json (its data); HEAD likewise. One request per connection (Connection:
//   close), a head of at most 8 KiB within 5 s; anything else is 400/404/405.
// - Each socket peer is checked against [admin]'s allowed set (loopback, plus `allow` when
//   allow_remote = true) before any byte is read; others get a 403 and are closed.
// - Per scrape, the workers' counters are copied on their own threads (admin/collect.h).
// - start() binds (the real port when the config said :0) and starts the thread; it returns the
//   bound address ("127.0.0.1:9901") or an error sentence. stop() closes the acceptor and joins;
//   call it before the workers are destroyed. set_listening()/set_draining() feed /readyz.
// - set_snapshot(): after a reload, scrapes and the status page describe the new snapshot (its
//   ranges, rate-limit backend, readiness). The listener itself ([admin] address and allow) keeps
//   what it started with: a change to [admin] takes effect at the next restart.
// - add_state() registers a writer of extra families (e.g. the Access JWKS state) before start().
// Thread safety: start/stop/add_state on the main thread; set_* from any thread.
#pragma once

#include <asio.hpp>
#include <atomic>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "admin/exposition.h"
#include "runtime/snapshot.h"

namespace doorman::runtime {
class Worker;
}

namespace doorman::admin {

class AdminServer {
 public:
  AdminServer(std::shared_ptr<const runtime::Snapshot> snapshot,
              std::vector<runtime::Worker*> workers);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  void add_state(StateWriter writer) { extra_.push_back(std::move(writer)); }
  std::expected<std::string, std::string> start();
  void stop();

  void set_listening(bool listening) { listening_.store(listening); }
  void set_draining() { draining_.store(true); }
  void set_snapshot(std::shared_ptr<const runtime::Snapshot> snapshot);

 private:
  struct Reply {
    int status = 200;
    std::string_view content_type = "text/plain; charset=utf-8";
    std::string body;
  };
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(asio::ip::tcp::socket socket);
  Reply answer(std::string_view method, std::string_view path);
  ServerView view(const runtime::Snapshot& snapshot, bool ready) const;
  std::shared_ptr<const runtime::Snapshot> snapshot() const;

  mutable std::mutex mutex_;  // guards snapshot_ (swapped by set_snapshot)
  std::shared_ptr<const runtime::Snapshot> snapshot_;
  config::AdminSection section_;  // as started: the address and who may connect
  std::vector<runtime::Worker*> workers_;
  std::vector<StateWriter> extra_;
  int64_t started_unix_ = 0;
  std::atomic<bool> listening_{false};
  std::atomic<bool> draining_{false};
  asio::io_context context_{1};
  asio::ip::tcp::acceptor acceptor_{context_};
  std::thread thread_;
};

}  // namespace doorman::admin
