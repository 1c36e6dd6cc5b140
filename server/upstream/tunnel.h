// The byte tunnel after an upgrade (RFC 9110 §7.8, "101 Switching Protocols"): from then on
// doorman copies bytes both ways without looking at them until both sides have closed.
//
// Contract: client bytes that arrived after the request head (sent early, before the 101) are
// forwarded first. Each direction ends on EOF by shutting down the other side's write half
// (half-close passes through); an error in either direction closes both. [timeouts] body_idle
// applies to the tunnel as a whole: no byte either way for that long closes it.
#pragma once

#include <asio.hpp>

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::upstream {

asio::awaitable<void> run_tunnel(runtime::Session& s, request_path::Exchange& x);

}  // namespace doorman::upstream
