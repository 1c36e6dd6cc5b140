// The end of the request path, beside the access and diagnostics logs: the request counted in
// its worker's metrics (metrics/worker_metrics.h) and, when the admin listener is on, kept in
// the worker's recent-requests ring and top-clients table for the status page.
//
// Contract: a handful of plain increments and one clock read per request (two fixed-size
// copies more with [admin] on); no allocation after a route's first refusal, no lock, no
// atomic. Connection-level events (PROXY header and TLS refusals) are counted by
// count_refusal() where they happen.
// Thread safety: the session's worker thread only.
#pragma once

#include <string_view>

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::request_path {

void record_metrics(runtime::Session& s, const Exchange& x);

// A connection closed before HTTP: reason "proxy-header" or "tls-handshake", detail a static
// code name ("crc_mismatch", "timeout").
void count_refusal(runtime::Session& s, std::string_view reason, std::string_view detail);

}  // namespace doorman::request_path
