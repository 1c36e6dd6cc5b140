// GET /metrics: the Prometheus text exposition of the collected worker metrics (summed) and of
// the server-wide state read at scrape time (range lists, the Redis backend, readiness, build).
// docs/operations.md lists every family with its meaning; keep them in step.
//
// Extension: a component with state of its own (e.g. the Access JWKS cache) registers a
// StateWriter with the AdminServer; each one appends its families after the built-in ones.
// Thread safety: the admin thread; reads only immutable or self-synchronized state.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "admin/collect.h"
#include "metrics/text_format.h"
#include "runtime/snapshot.h"

namespace doorman::admin {

using StateWriter = std::function<void(metrics::TextWriter&)>;

struct ServerView {
  const runtime::Snapshot* snapshot = nullptr;
  int64_t started_unix = 0;
  int64_t now_unix = 0;
  bool ready = false;
  const std::vector<StateWriter>* extra = nullptr;
};

std::string render_metrics(const Collected& collected, const ServerView& view);

}  // namespace doorman::admin
