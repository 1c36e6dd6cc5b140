// Sending a request upstream: the planned head (session.request_pieces) and the request body,
// streamed with backpressure. Nothing is buffered beyond session.in: a read from the client
// happens only after the previous bytes were written upstream, so a 1 GiB upload costs one
// buffer per connection.
//
// Contract:
// - The head and the body bytes already in the buffer go out in one gather write (writev).
// - Content-Length bodies are forwarded byte-exact; chunked bodies are validated by the
//   library's ChunkedDecoder and forwarded unchanged, their data counted against the route's
//   max_body_size (413). Bytes after the body stay in session.in: the next pipelined request.
// - Expect: 100-continue: doorman answers "100 Continue" itself before reading the body (the
//   upstream may send its own interim 100 too; request_path/upstream.cc drops it).
// - `upstream` may be nullptr: the body is read and discarded (builtin:echo consumes it like
//   an app would). On success x.request_consumed is true and x.bytes_in counts body bytes.
#pragma once

#include <asio.hpp>

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::upstream {

enum class SendStatus {
  kOk,
  kUpstreamFailed,  // writing upstream failed (maybe a stale pooled connection); x.reason_detail
                    // says how (upstream/fault.h)
  kClientFailed,    // the client went away or timed out mid-body
  kBodyInvalid,     // malformed chunked body: 400
  kBodyTooLarge,    // chunked data over max_body_size: 413
};

asio::awaitable<SendStatus> send_request(runtime::Session& s, request_path::Exchange& x,
                                         runtime::Protocol::socket* upstream);

}  // namespace doorman::upstream
