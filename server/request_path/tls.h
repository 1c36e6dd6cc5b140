// Stage 0b of the request path: TLS termination on listeners with `tls = true`, once per
// connection, after the PROXY header (whose bytes precede the ClientHello) and before HTTP.
//
// Contract:
// - The handshake (tls/tls_context.h: TLS 1.2/1.3, ALPN http/1.1, SNI picks the certificate,
//   resumption) must finish within `timeouts.request_head` of accept, enforced by the session's
//   watchdog like a slow head.
// - A failed handshake (no shared version or cipher, unknown SNI without a default, a client
//   that is not speaking TLS, timeout) closes the connection with one stderr line naming the
//   peer and OpenSSL's reason; nothing reaches HTTP.
// - A handshake that negotiated acme-tls/1 (an ACME TLS-ALPN-01 validation on a listener with
//   certificates = "acme") ends the connection: the validation server reads nothing more.
// - On success session.client reads and writes through TLS and the resolver is told
//   tls_terminated (X-Forwarded-Proto: https, no HTTPS redirect).
// - On a listener with client_ca / client_auth the client certificate's verdict (absent,
//   verified, unverified) is recorded in session.client_certificate for the origin-pull step
//   of request_path/client_ip.h. With client_auth_required = true a missing or bad
//   certificate already failed the handshake (an alert, one stderr line).
// Thread safety: the connection's worker thread only.
#pragma once

#include <asio.hpp>

#include "config/config.h"
#include "runtime/session.h"

namespace doorman::request_path {

// Returns true when the connection may go on (no TLS on this listener, or a handshake done).
asio::awaitable<bool> accept_tls(runtime::Session& s, const config::ListenerEdge& edge);

}  // namespace doorman::request_path
