// Receiving the upstream's response and streaming it to the client.
//
// Contract:
// - Reads the response head into session.out (timeout: upstream_response_head) with the strict
//   response parser. Interim 1xx heads are forwarded to HTTP/1.1 clients (RFC 9110 §15.2) and
//   skipped for HTTP/1.0 ones; an upstream "100 Continue" is dropped when doorman already sent
//   its own.
// - No response byte before the upstream closed or reset: kRetry when `may_retry` (the caller's
//   rule: idempotent, replayable, reused connection, first attempt), else 502 upstream-closed,
//   or 504 upstream-timeout when the deadline closed it. A head cut short by a close or reset is
//   upstream-closed too (never retried: bytes came); a malformed head is upstream-bad-response.
//   x.reason_detail says eof or reset (upstream/fault.h).
// - A body the upstream breaks after the head went out (reset, early close, body_idle, bad
//   chunked framing) is kBroken with x.reason = upstream-truncated (detail reset, eof, timeout,
//   bad-framing) beside the status the client already got; a client that went away is kBroken
//   with no reason.
// - The head is rewritten for the client (hop-by-hop headers removed; "Connection: close" when
//   doorman will close; "Connection: keep-alive" for an HTTP/1.0 client that keeps it) and goes
//   out with the body bytes already read in one gather write; the body then streams with
//   backpressure (timeout: body_idle). Content-Length and chunked bodies keep their framing;
//   an HTTP/1.0 client gets a chunked body de-chunked and the connection closed.
// - 101 Switching Protocols to an upgrade request: the connection becomes a byte tunnel both
//   ways (upstream/tunnel.h), then closes.
// - The upstream connection is returned to the pool only after a complete response that allows
//   reuse, with no stray bytes after it.
#pragma once

#include <asio.hpp>

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::upstream {

enum class ResponseStatus {
  kDone,    // the response was relayed (x.status set)
  kRetry,   // nothing was received: try once more on a fresh connection
  kFailed,  // nothing was sent to the client: x.reason says which local reply to send
  kBroken,  // failed after the head went out: the client connection must close
};

asio::awaitable<ResponseStatus> relay_response(runtime::Session& s, request_path::Exchange& x,
                                               bool may_retry);

}  // namespace doorman::upstream
