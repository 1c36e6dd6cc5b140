// serve_request: one request through the request-path stages after its head was read (stages 2
// to 6 of server/request_path/, in order). HTTP/1.1 connections (runtime/connection.cc) call it
// once per request on the connection; HTTP/2 calls it once per stream (h2/stream.h), whose
// session reads and writes through a StreamPipe: both framings share every stage.
//
// Contract: `head` is read_request_head's outcome, kComplete or kInvalid (an invalid head gets
// its local reply and log lines). On return x.status/x.reason say what the client got and
// x.keep_alive whether the connection may serve another request.
// Thread safety: the session's worker thread only.
#pragma once

#include <asio.hpp>

#include "request_path/exchange.h"
#include "request_path/request_head.h"
#include "runtime/session.h"

namespace doorman::runtime {

asio::awaitable<void> serve_request(Session& s, request_path::Exchange& x,
                                    request_path::HeadOutcome head);

}  // namespace doorman::runtime
