#include "admin/collect.h"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "runtime/worker.h"

namespace doorman::admin {
namespace {

// Shared between the admin thread and the posted handlers: a handler that runs after the
// deadline writes into it harmlessly (the admin thread has moved on but the state lives on).
struct Pending {
  std::mutex mutex;
  std::condition_variable done;
  std::vector<std::unique_ptr<metrics::WorkerMetrics>> copies;
  std::size_t answered = 0;
};

}  // namespace

Collected collect(std::span<runtime::Worker* const> workers, std::chrono::milliseconds timeout) {
  auto pending = std::make_shared<Pending>();
  pending->copies.resize(workers.size());
  for (std::size_t i = 0; i < workers.size(); ++i) {
    runtime::Worker* worker = workers[i];
    asio::post(worker->context(), [pending, worker, i] {
      auto copy = std::make_unique<metrics::WorkerMetrics>(worker->metrics());
      std::lock_guard lock(pending->mutex);
      pending->copies[i] = std::move(copy);
      ++pending->answered;
      pending->done.notify_all();
    });
  }
  Collected out;
  out.workers = workers.size();
  std::unique_lock lock(pending->mutex);
  pending->done.wait_for(lock, timeout, [&] { return pending->answered == workers.size(); });
  for (auto& copy : pending->copies) {
    if (!copy) {
      ++out.missing;
      continue;
    }
    if (out.total.routes().empty())
      out.total = *copy;
    else
      out.total.merge(*copy);
    for (const metrics::RecentRequest& r : copy->recent().all()) out.recent.push_back(r);
  }
  std::sort(out.recent.begin(), out.recent.end(),
            [](const auto& a, const auto& b) { return a.unix_ms > b.unix_ms; });
  return out;
}

}  // namespace doorman::admin
