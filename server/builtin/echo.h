// builtin:echo, an in-process upstream for demos and tests: it answers with JSON describing
// exactly what an app behind doorman would receive.
//
// Contract: the echo receives the rewritten head as bytes (session.request_pieces, joined),
// parses them again with the same strict parser an upstream would face, and reads the request
// body to its end like an app (discarding it, counting bytes). It answers 200 with
// application/json:
//   {"method", "path", "version", "headers": {lowercase name: value, repeated lines joined
//    with ", "}, "header_lines": [[name, value], ...] (in order, as received),
//    "client_ip", "client_ip_source", "client_ip_reason", "peer", "route", "request_id",
//    "body_bytes", "proxy_protocol" (builtin/proxy_json.h; null without a PROXY header)}
// It allocates (JSON): it is a diagnostic upstream, not a hot path.
#pragma once

#include <asio.hpp>

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::builtin {

asio::awaitable<void> serve_echo(runtime::Session& s, request_path::Exchange& x);

}  // namespace doorman::builtin
