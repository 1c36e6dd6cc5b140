#include "runtime/server.h"

#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "runtime/listener.h"
#include "runtime/worker.h"

namespace doorman::runtime {
namespace {

std::size_t worker_count(const config::Config& config) {
  if (config.server.workers > 0) return static_cast<std::size_t>(config.server.workers);
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

sigset_t shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

}  // namespace

void block_shutdown_signals() {
  // Signals are taken synchronously by run_server's thread (sigwait); every thread started
  // after this inherits the mask, so none of them is interrupted. A peer closing mid-write must
  // be an error code, not SIGPIPE.
  const sigset_t signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

int run_server(std::shared_ptr<const Snapshot> snapshot) {
  const config::Config& config = snapshot->config;
  block_shutdown_signals();
  const sigset_t signals = shutdown_signals();

  const std::size_t n = worker_count(config);
  const uint32_t per_worker = static_cast<uint32_t>((config.limits.max_connections + n - 1) / n);
  std::vector<std::unique_ptr<Worker>> workers;
  for (std::size_t i = 0; i < n; ++i)
    workers.push_back(std::make_unique<Worker>(i, snapshot, per_worker));

  std::vector<Acceptor> first;
  auto bound = bind_listeners(config.listeners, workers[0]->context(), first);
  if (!bound) {
    std::fprintf(stderr, "doorman: %s\n", bound.error().c_str());
    return 1;
  }
  for (std::size_t l = 0; l < bound->size(); ++l) {
    workers[0]->add_acceptor(std::move(first[l]), (*bound)[l]);
    for (std::size_t i = 1; i < n; ++i) {
      auto acceptor = open_acceptor((*bound)[l], workers[i]->context());
      if (!acceptor) {
        std::fprintf(stderr, "doorman: cannot listen on %s: %s\n", (*bound)[l].display.c_str(),
                     acceptor.error().c_str());
        return 1;
      }
      workers[i]->add_acceptor(std::move(*acceptor), (*bound)[l]);
    }
  }

  // After the mask: the diagnostics writer and the Redis thread never take SIGTERM themselves.
  start_background_threads(*snapshot);

  std::mutex mutex;
  std::condition_variable finished_cv;
  std::size_t finished = 0;
  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back([&, w = worker.get()] {
      w->run();
      std::lock_guard lock(mutex);
      ++finished;
      finished_cv.notify_all();
    });
  }
  for (const BoundListener& b : *bound)
    std::printf("doorman: listening on %s\n", b.display.c_str());
  std::printf("doorman: %zu worker%s, %zu route%s\n", n, n == 1 ? "" : "s", config.routes.size(),
              config.routes.size() == 1 ? "" : "s");
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::fprintf(stderr, "doorman: %s, draining (up to %lld ms)\n",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM",
               static_cast<long long>(config.timeouts.drain.count()));
  for (auto& worker : workers) worker->begin_drain();
  {
    std::unique_lock lock(mutex);
    const bool drained = finished_cv.wait_for(lock, config.timeouts.drain,
                                              [&] { return finished == workers.size(); });
    if (!drained) std::fprintf(stderr, "doorman: drain timeout, closing what is left\n");
  }
  // The Redis thread posts its answers onto the workers' io_contexts: stop it (every question
  // answered or failed, the thread joined) while they are all alive. A worker still serving
  // after a drain timeout falls back at once from here on.
  stop_rate_limit_backend(*snapshot);
  for (auto& worker : workers) worker->context().stop();
  for (std::thread& t : threads) t.join();
  stop_diagnostics_log(*snapshot);  // every worker has written its last line
  for (const BoundListener& b : *bound)
    if (b.unix_fd >= 0) ::unlink(b.section->address.path.c_str());
  std::fprintf(stderr, "doorman: stopped\n");
  return 0;
}

}  // namespace doorman::runtime
