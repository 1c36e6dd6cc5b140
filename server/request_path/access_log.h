// Stage 6 of the request path: one access log line per request, when [log] access is "stdout"
// or "stderr" (off by default; the structured diagnostics log is separate work). Format, one line:
//   TIME PEER CLIENT_IP SOURCE "METHOD TARGET" HOST ROUTE STATUS REASON BYTES_IN BYTES_OUT MS RID
// Fields the request head held are copied (bounded) when the head is parsed, because the body
// may overwrite the buffer they pointed into. A line is written with one fwrite (atomic on a
// pipe for lines under PIPE_BUF), not from the data path's buffers.
#pragma once

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::request_path {

void log_access(const runtime::Session& s, const Exchange& x);

}  // namespace doorman::request_path
