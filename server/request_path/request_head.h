// Stage 1 of the request path: read the request head from the client and parse it.
//
// Contract:
// - Reads into session.in until the strict parser (doorman/http_request.h) says complete or
//   invalid. Complete: x.head points at the parsed head (views into session.in), x.head_size is
//   its size, the body or next pipelined request follows it in the buffer.
// - Timeouts: a connection's first request and any request whose first byte has arrived must
//   complete its head within [timeouts] request_head, counted from that first byte (a slowloris
//   client cannot extend it by trickling bytes); an idle keep-alive connection waits
//   keepalive_idle for the next request's first byte. A draining server closes idle connections.
// - kInvalid sets x.reason (400/414/431/501/505 via local_reply.h); the connection is then
//   answered and closed.
#pragma once

#include <asio.hpp>

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::request_path {

enum class HeadOutcome { kComplete, kClosed, kInvalid };

asio::awaitable<HeadOutcome> read_request_head(runtime::Session& s, Exchange& x);

}  // namespace doorman::request_path
