// The L4 relay of a `[[listener]] mode = "tcp"`: after the PROXY header and TLS stages (either
// optional), the client's bytes go to the listener's `upstream` and back, unparsed.
//
// Contract:
// - One upstream connection per client connection, connected under timeouts.upstream_connect
//   (failure or timeout: the client is closed, one stderr line). With `upstream_proxy_protocol`
//   on the listener it opens with a PROXY header naming the client: the PROXY source when the
//   listener took one, else the socket peer (port 0).
// - Bytes flow both ways with backpressure through the session's two buffers (no other
//   allocation); timeouts.body_idle without a byte in either direction closes both sides (the
//   watchdog); EOF on one side is passed on as a half-close (shutdown of the write side).
// - The listener's connection cap (limits.max_connections) and drain apply as for HTTP: a drain
//   closes relays after timeouts.drain with everything else.
// Thread safety: the connection's worker thread only.
#pragma once

#include <asio.hpp>

#include "runtime/session.h"

namespace doorman::runtime {

asio::awaitable<void> relay_tcp(Session& s);

}  // namespace doorman::runtime
