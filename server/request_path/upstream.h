// Stage 5 of the request path: hand the request to the route's upstream and stream the answer
// back.
//
// Contract:
// - Connection: an idle pooled connection to the target when there is one (newest first), else
//   a new one (timeout: upstream_connect; refused/unreachable -> 502, timeout -> 504).
// - Retry: a request that failed on a REUSED connection before any response byte (the upstream
//   closed an idle keep-alive connection just as it was reused: RFC 9112 §9.3.1) is sent once
//   more on a fresh connection when it is idempotent (RFC 9110 §9.2.2), is no upgrade, and its
//   body (if any) came whole with the head, so replaying it is harmless and its bytes are still
//   in the buffer. Never after a response byte arrived, never on a new connection, never after
//   a timeout, never twice: x.retried records it.
// - Failures set x.reason and, for network errors, x.reason_detail (upstream/fault.h).
// - Bodies both ways: upstream/request_body.h and upstream/response.h. Upgrade: upstream/tunnel.h.
// - builtin:echo is an in-process upstream (builtin/echo.h) that receives the same rewritten
//   head bytes an app would.
// - On failure x.reason is set and nothing was sent to the client: connection.cc answers with
//   the local reply.
#pragma once

#include <asio.hpp>

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::request_path {

asio::awaitable<void> exchange_with_upstream(runtime::Session& s, Exchange& x);

}  // namespace doorman::request_path
