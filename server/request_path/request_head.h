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
// - An HTTP/1.1 connection calls prepare_next_request() first. kRead: it is idle and holds no
//   workspace (runtime/workspace.h); the caller reads the first bytes into session.first_bytes
//   (a read that finds them there already costs one call, one queued while nothing arrived costs
//   none until something does) and hands them to take_first_bytes(), which takes a workspace
//   and puts them in session.in. The read is the caller's own (runtime/connection.cc waits with
//   a plain completion handler and no coroutine at all: an idle connection's frames are part of
//   what it costs). read_request_head() then parses (and reads the rest).
#pragma once

#include <asio.hpp>

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::request_path {

enum class HeadOutcome { kComplete, kClosed, kInvalid };

// kClose: a draining server with no next request in sight. kReady: bytes are there (pipelined,
// or a TLS stream, which reads for itself), workspace taken.
enum class NextRequest { kRead, kReady, kClose };
NextRequest prepare_next_request(runtime::Session& s);
// REQUIRES: prepare_next_request() said kRead and n > 0 bytes were read into s.first_bytes.
void take_first_bytes(runtime::Session& s, std::size_t n);
asio::awaitable<HeadOutcome> read_request_head(runtime::Session& s, Exchange& x);

}  // namespace doorman::request_path
