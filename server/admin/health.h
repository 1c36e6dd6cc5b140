// /healthz and /readyz answers.
// - live: the admin thread answered, so the process runs (an orchestrator restarts it if not).
// - ready: the listeners are open and accepting (not draining), the configuration is loaded
//   (a snapshot exists: the server never runs without one) and each range list the routes
//   consult is usable (non-empty). A load balancer takes an instance that is not ready out of
//   rotation; a draining one says so before its listeners close.
// Thread safety: pure over its arguments; the snapshot is immutable.
#pragma once

#include <string>

#include "runtime/snapshot.h"

namespace doorman::admin {

struct Readiness {
  bool ready = false;
  std::string text;  // one "check: ok|why" line per check
};

Readiness check_ready(const runtime::Snapshot& snapshot, bool listening, bool draining);

}  // namespace doorman::admin
