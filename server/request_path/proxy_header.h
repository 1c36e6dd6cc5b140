// Stage 0 of the request path: the PROXY protocol header (DESIGN.md "PROXY protocol"), read
// before TLS and HTTP on listeners with `proxy_protocol = "v1" | "v2" | "any"`.
//
// Contract:
// - A socket peer outside `proxy_protocol_from` (when set) is closed before any byte is read.
// - The whole header must arrive within `proxy_header_timeout` of accept, measured by the
//   session's watchdog (a sender dribbling bytes cannot extend it; a stalled one pins one
//   descriptor for that long and no worker time).
// - The socket is peeked (MSG_PEEK) and only the header's own bytes are taken from it, so the
//   first payload byte is the first byte TLS or the HTTP parser sees (a header split over any
//   number of segments decodes as in one).
// - Malformed, wrong version, too long, CRC32C mismatch (spec §2.2.3 "MUST treat as invalid"),
//   closed early or late: the connection is closed and one line names the reason on stderr;
//   never fall through to HTTP (spec §2: a receiver "MUST not try to guess").
// - PROXY command with INET/INET6 addresses: the header's source becomes session.peer and
//   peer_from_proxy_protocol is set (the identity rules then apply on top of it); the socket
//   peer stays in session.socket_peer for logs. LOCAL, UNKNOWN/UNSPEC and UNIX: the socket peer
//   stays the peer. The header (with its TLVs) is kept in session.proxy_header.
// Thread safety: the connection's worker thread only.
#pragma once

#include <asio.hpp>
#include <string_view>

#include "config/config.h"
#include "runtime/session.h"

namespace doorman::request_path {

// Returns true when the connection may go on (no header required, or a valid one read).
asio::awaitable<bool> read_proxy_header(runtime::Session& s, const config::ListenerEdge& edge);

// What the header did to the peer, as applied by read_proxy_header (pure; tests).
// Returns true when `header` replaces the peer.
bool proxy_header_names_peer(const ProxyHeader& header);

}  // namespace doorman::request_path
