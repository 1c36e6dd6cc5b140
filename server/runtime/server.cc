#include "runtime/server.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <thread>

#include "admin/admin_server.h"
#include "ranges/ranges_runtime.h"
#include "runtime/listener.h"
#include "runtime/reload.h"
#include "runtime/service_notify.h"
#include "runtime/worker.h"

namespace doorman::runtime {
namespace {

std::size_t worker_count(const config::Config& config) {
  if (config.server.workers > 0) return static_cast<std::size_t>(config.server.workers);
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

sigset_t server_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  return signals;
}

// Written whole under a temporary name, then renamed: a reader never sees half a number.
bool write_pid_file(const std::string& path) {
  const std::string temporary = path + ".tmp";
  FILE* f = std::fopen(temporary.c_str(), "w");
  if (!f) return false;
  const bool ok = std::fprintf(f, "%ld\n", static_cast<long>(::getpid())) > 0;
  if (std::fclose(f) != 0 || !ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

// Binds every listener on every worker (start-up: any failure refuses to start).
bool bind_all(ServerState& state) {
  for (const config::ListenerSection& section : state.current->config.listeners) {
    auto first = bind_listener(section, state.workers[0]->context());
    if (!first) {
      std::fprintf(stderr, "doorman: %s\n", first.error().c_str());
      return false;
    }
    LiveListener live{state.next_listener_id++, std::move(first->first)};
    state.workers[0]->add_acceptor(live.id, std::move(first->second), live.bound);
    for (std::size_t i = 1; i < state.workers.size(); ++i) {
      auto acceptor = open_acceptor(live.bound, state.workers[i]->context());
      if (!acceptor) {
        std::fprintf(stderr, "doorman: cannot listen on %s: %s\n", live.bound.display.c_str(),
                     acceptor.error().c_str());
        return false;
      }
      state.workers[i]->add_acceptor(live.id, std::move(*acceptor), live.bound);
    }
    state.listeners.push_back(std::move(live));
  }
  return true;
}

// Every Redis backend a snapshot still alive uses (stop() is idempotent).
void stop_rate_limit_backends(ServerState& state) {
  stop_rate_limit_backend(*state.current);
  for (const auto& s : state.retired) stop_rate_limit_backend(*s);
}

}  // namespace

void block_shutdown_signals() {
  // Signals are taken synchronously by run_server's thread (sigtimedwait); every thread started
  // after this inherits the mask, so none of them is interrupted. A peer closing mid-write must
  // be an error code, not SIGPIPE.
  const sigset_t signals = server_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

int run_server(std::shared_ptr<const Snapshot> snapshot, const ServeOptions& options) {
  block_shutdown_signals();
  const sigset_t signals = server_signals();

  ServerState state;
  state.config_path = options.config_path;
  state.current = std::move(snapshot);
  const std::size_t n = worker_count(state.current->config);
  for (std::size_t i = 0; i < n; ++i)
    state.workers.push_back(std::make_unique<Worker>(
        i, state.current, per_worker_connections(state.current->config, n)));
  if (!bind_all(state)) return 1;

  // After the mask: the diagnostics writer, the Redis thread, the range refresher and the admin
  // listener never take a signal themselves. The range lists are filled from their cache before
  // any request.
  start_background_threads(*state.current);
  state.ranges = ranges::start_ranges(*state.current);
  update_acme(state, state.current->config);  // after bind_all: validations reach listeners
  std::unique_ptr<admin::AdminServer> admin_server;
  std::string admin_address;
  if (state.current->config.admin.enabled) {
    std::vector<Worker*> view;
    for (auto& worker : state.workers) view.push_back(worker.get());
    admin_server = std::make_unique<admin::AdminServer>(state.current, std::move(view));
    auto address = admin_server->start();
    if (!address) {
      std::fprintf(stderr, "doorman: admin: %s\n", address.error().c_str());
      state.ranges.reset();
      stop_rate_limit_backends(state);
      stop_diagnostics_log(*state.current);
      return 1;
    }
    admin_address = std::move(*address);
  }

  std::mutex mutex;
  std::condition_variable finished_cv;
  std::size_t finished = 0;
  std::vector<std::thread> threads;
  for (auto& worker : state.workers) {
    threads.emplace_back([&, w = worker.get()] {
      w->run();
      std::lock_guard lock(mutex);
      ++finished;
      finished_cv.notify_all();
    });
  }
  const config::Config& config = state.current->config;
  for (const LiveListener& l : state.listeners)
    std::printf("doorman: listening on %s\n", l.bound.display.c_str());
  std::printf("doorman: %zu worker%s, %zu route%s\n", n, n == 1 ? "" : "s", config.routes.size(),
              config.routes.size() == 1 ? "" : "s");
  // After the "listening on" lines, which tests wait for first.
  if (admin_server) std::printf("doorman: admin on %s\n", admin_address.c_str());
  std::fflush(stdout);
  if (!options.pid_file.empty() && !write_pid_file(options.pid_file))
    std::fprintf(stderr, "doorman: cannot write the pid file %s\n", options.pid_file.c_str());
  if (admin_server) admin_server->set_listening(true);
  notify_ready("serving");

  // The main thread's loop: a reload per SIGHUP, the end at SIGTERM/SIGINT; once a second it
  // releases the retired snapshots no request uses any more.
  int signal_number = 0;
  for (;;) {
    const timespec second{1, 0};
    signal_number = sigtimedwait(&signals, nullptr, &second);
    if (signal_number == SIGTERM || signal_number == SIGINT) break;
    if (signal_number == SIGHUP) {
      // systemd (Type=notify): RELOADING=1 then READY=1 once the reload is done, applied or not
      // (a refused configuration leaves the old one serving: still ready).
      notify_reloading();
      if (reload_config(state) && admin_server) admin_server->set_snapshot(state.current);
      notify_ready("serving");
    }
    release_retired(state);
  }
  notify_stopping();
  if (admin_server) admin_server->set_draining();
  const auto drain = state.current->config.timeouts.drain;
  std::fprintf(stderr, "doorman: %s, draining (up to %lld ms)\n",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM",
               static_cast<long long>(drain.count()));
  for (auto& worker : state.workers) worker->begin_drain();
  {
    std::unique_lock lock(mutex);
    const bool drained =
        finished_cv.wait_for(lock, drain, [&] { return finished == state.workers.size(); });
    if (!drained) std::fprintf(stderr, "doorman: drain timeout, closing what is left\n");
  }
  // The admin listener posts onto the workers' io_contexts: stop it while they are alive.
  admin_server.reset();
  // The Redis threads post their answers onto the workers' io_contexts: stop them (every
  // question answered or failed, the threads joined) while they are all alive. A worker still
  // serving after a drain timeout falls back at once from here on.
  stop_rate_limit_backends(state);
  for (auto& worker : state.workers) worker->context().stop();
  for (std::thread& t : threads) t.join();
  state.acme.reset();                    // an order in progress is abandoned at its next poll
  stop_diagnostics_log(*state.current);  // every worker has written its last line
  state.ranges.reset();
  for (const LiveListener& l : state.listeners)
    if (l.bound.unix_fd >= 0) ::unlink(l.bound.section->address.path.c_str());
  if (!options.pid_file.empty()) ::unlink(options.pid_file.c_str());
  std::fprintf(stderr, "doorman: stopped\n");
  return 0;
}

}  // namespace doorman::runtime
