// The life of a connection: the request path stages in order, once per request.
#include "runtime/connection.h"

#include "h2/driver.h"
#include "h2/serve_h2.h"
#include "request_path/exchange.h"
#include "request_path/proxy_header.h"
#include "request_path/request_head.h"
#include "request_path/tls.h"
#include "runtime/serve_request.h"
#include "runtime/tcp_relay.h"
#include "runtime/watchdog.h"
#include "runtime/worker.h"

namespace doorman::runtime {
namespace {

// The peer as an IpAddress. A client on a unix listener is a local process: it counts as the
// loopback peer 127.0.0.1 (trusted only while trust_loopback = true).
IpAddress peer_of(const Protocol::endpoint& ep, bool unix_listener) {
  if (unix_listener) return IpAddress::from_v4(0x7f000001);
  const auto* sa = static_cast<const sockaddr*>(ep.data());
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    return IpAddress::from_v4(ntohl(in->sin_addr.s_addr));
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    // from_v6 normalizes ::ffff:a.b.c.d to IPv4; a zone id is simply not carried over.
    return IpAddress::from_v6(std::span<const uint8_t, 16>(in6->sin6_addr.s6_addr, 16));
  }
  return IpAddress();
}

// The stages before HTTP/1.1 requests; true when requests are to be served. A coroutine of its
// own so that serve()'s frame, which an idle keep-alive connection keeps, does not hold these
// stages' awaiters.
asio::awaitable<bool> open_connection(Session& s) {
  using namespace request_path;
  const config::ListenerEdge& edge = s.listener->edge;
  // 0. proxy_header: the PROXY header before anything else (closed on any failure).
  bool serving = co_await read_proxy_header(s, edge);
  // 0b. tls: the handshake on TLS listeners (closed on failure; not begun once draining).
  if (serving) serving = !(s.closing && edge.tls) && co_await accept_tls(s, edge);
  // tcp listeners relay bytes instead of serving HTTP (runtime/tcp_relay.h).
  if (serving && edge.tcp.enabled) {
    if (!s.closing) co_await relay_tcp(s);
    serving = false;
  }
  // HTTP/2 (ALPN h2, or h2c prior knowledge): each stream runs serve_request (h2/serve_h2.h).
  // A drain that began meanwhile is passed on: the driver sends GOAWAY at once.
  if (serving && co_await h2::serve_if_h2(s)) serving = false;
  co_return serving;
}

}  // namespace

Connection::Connection(Worker& worker, Protocol::socket socket, const Protocol::endpoint& peer,
                       bool unix_listener)
    : session_(worker, worker.current(), std::move(socket), worker.context()) {
  session_.unix_listener = unix_listener;
  session_.peer = peer_of(peer, unix_listener);
  session_.socket_peer = session_.peer;
  // The workspace (buffers, parsers) comes with the first bytes of the first request
  // (Session::ensure_buffers).
  worker.attach(this);
}

Connection::~Connection() {
  if (session_.listener != nullptr) session_.worker.metrics().connection_closed(listener_slot_);
  session_.worker.detach(this);
}

void Connection::start(const config::ListenerSection& listener, uint64_t listener_id) {
  session_.listener = &listener;
  listener_id_ = listener_id;
  listener_slot_ = session_.worker.metrics().connection_opened(listener.address.text);
  session_.arm(Phase::kRequestHead, session_.snapshot->config.timeouts.request_head);
  watch_session(session_, shared_from_this());
  spawn_serve(true);
}

void Connection::spawn_serve(bool opening) {
  asio::co_spawn(
      session_.worker.context(),
      [self = shared_from_this(), opening] { return self->serve(opening); }, asio::detached);
}

void Connection::drain() {
  session_.closing = true;
  if (session_.h2 != nullptr) return session_.h2->drain();  // GOAWAY, streams finish
  // Idle (waiting for a request's first byte, a PROXY header or the TLS handshake): the wait is
  // cancelled and the waiting read's handler (or serve()) ends the connection. Never closed from
  // here: a read may have completed already (its bytes taken from the socket, its handler or
  // coroutine not run yet), and closing would lose that request; a request already in the
  // socket is served ("Connection: close").
  if (session_.idle) {
    asio::error_code ignored;
    session_.client.socket().cancel(ignored);
  }
}

asio::awaitable<void> Connection::serve(bool opening) {
  using namespace request_path;
  Session& s = session_;
  bool serving = !opening || co_await open_connection(s);
  // A draining server still serves a request already sent (read_request_head).
  while (serving) {
    // 1. request_head: wait for the request's first bytes (holding no workspace and no
    // coroutine while idle: this one ends here and the read starts the next), then read and
    // parse the head (timeouts: request_head, keepalive_idle); the request's snapshot is the
    // worker's current one from here on.
    const NextRequest next = prepare_next_request(s);
    if (next == NextRequest::kClose) break;
    if (next == NextRequest::kRead) {
      wait_for_request();
      co_return;
    }
    Exchange& x = s.ws->fresh_exchange();
    const HeadOutcome head = co_await read_request_head(s, x);
    if (head == HeadOutcome::kClosed) break;
    // 2-6. route, client_ip, redirect, rate_limit, rewrite, upstream, logs.
    co_await serve_request(s, x, head);
    if (head == HeadOutcome::kInvalid || !x.keep_alive || s.closing) break;
  }
  s.close_upstream();
  if (s.truncated) {
    s.reset_client();
  } else {
    co_await send_close_notify(s);
  }
  finish();
}

void Connection::wait_for_request() {
  // The same read a coroutine would make (one call when the bytes are there already, none
  // until they arrive otherwise), completing into a plain handler.
  session_.client.socket().async_read_some(
      asio::buffer(session_.first_bytes),
      [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
        if (ec || n == 0) {  // closed, idle timeout, or a drain cancelled the wait
          self->session_.close_upstream();
          return self->finish();
        }
        request_path::take_first_bytes(self->session_, n);
        self->spawn_serve(false);
      });
}

void Connection::finish() {
  Session& s = session_;
  s.done = true;
  s.close_client();
  s.watchdog.cancel();
}

// A TLS connection ends with close_notify (RFC 8446 §6.1), so a client reading to the end can
// tell a complete response from a truncated one (OpenSSL 3 reports a bare TCP close as
// "unexpected eof"). The client's own close_notify is not awaited (§6.1 lets the closer go at
// once): marking it received makes SSL_shutdown complete as soon as ours is written. A client
// that stops reading is bounded by body_idle; a socket already closed fails at once.
asio::awaitable<void> Connection::send_close_notify(Session& s) {
  ClientStream::Tls* tls = s.client.tls();
  if (!tls || !s.client.socket().is_open() || !SSL_is_init_finished(tls->native_handle()))
    co_return;
  SSL_set_shutdown(tls->native_handle(), SSL_RECEIVED_SHUTDOWN);
  s.arm(Phase::kBodyIdle, s.snapshot->config.timeouts.body_idle);
  co_await tls->async_shutdown(kNoThrow);
  s.disarm();
}

}  // namespace doorman::runtime
