#include "request_path/tls.h"

#include <cstdio>

#include "request_path/metrics_hook.h"
#include "tls/client_certificate.h"
#include "tls/tls_context.h"

namespace doorman::request_path {

asio::awaitable<bool> accept_tls(runtime::Session& s, const config::ListenerEdge& edge) {
  if (!edge.tls || !edge.tls_context) co_return true;
  runtime::ClientStream::Tls& tls = s.client.start_tls(edge.tls_context->context());
  // The head timer armed at accept (or after the PROXY header) bounds the handshake too.
  s.idle = true;  // a drain may close a connection that has not finished its handshake
  auto [ec] = co_await tls.async_handshake(asio::ssl::stream_base::server, runtime::kNoThrow);
  s.idle = false;
  if (s.closing) co_return false;
  if (ec) {
    char peer[IpAddress::kMaxTextLength + 1];
    peer[s.peer.format_to(peer)] = '\0';
    const bool timed_out = s.timed_out == runtime::Phase::kRequestHead;
    count_refusal(s, "tls-handshake", timed_out ? "timeout" : "failed");
    std::fprintf(stderr, "doorman: tls: handshake with %s failed: %s\n",
                 s.unix_listener ? "unix" : peer, timed_out ? "timeout" : ec.message().c_str());
    co_return false;
  }
  // A TLS-ALPN-01 validation (RFC 8737 §3) ends with the handshake: no HTTP follows.
  if (edge.acme && tls::is_acme_tls_alpn(tls.native_handle())) co_return false;
  // Recorded once: every request (and HTTP/2 stream) on the connection reads the same verdict.
  if (edge.client_auth.enabled())
    s.client_certificate = tls::read_client_certificate(tls.native_handle());
  co_return true;
}

}  // namespace doorman::request_path
