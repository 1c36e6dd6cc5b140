// collect(): the scrape-time copy of every worker's metrics. Each copy is made ON the worker's
// own thread (a handler posted onto its io_context), so the workers' counters stay plain
// integers with one writer and the data path never takes a lock or an atomic for them. The
// admin thread waits for the copies with a deadline: a worker that does not answer in time
// (stuck, or already stopped while draining) is left out and counted in `missing`.
// Thread safety: call from the admin thread; the workers must outlive the call (the server
// stops the admin listener before it destroys them).
#pragma once

#include <chrono>
#include <span>
#include <vector>

#include "metrics/worker_metrics.h"

namespace doorman::runtime {
class Worker;
}

namespace doorman::admin {

struct Collected {
  metrics::WorkerMetrics total;                // the sum over the workers that answered
  std::vector<metrics::RecentRequest> recent;  // every answering worker's ring, newest first
  std::size_t workers = 0, missing = 0;
};

Collected collect(std::span<runtime::Worker* const> workers, std::chrono::milliseconds timeout);

}  // namespace doorman::admin
