#include "request_path/request_head.h"

namespace doorman::request_path {

using runtime::kNoThrow;
using runtime::Phase;

namespace {

// Bytes of a next request are in the socket (a draining connection serves them). Never for an
// HTTP/2 stream: socket() is the carrying connection's.
bool bytes_arrived(runtime::Session& s) {
  if (s.client.is_pipe()) return false;
  asio::error_code ec;
  return s.client.socket().available(ec) > 0 && !ec;
}

}  // namespace

NextRequest prepare_next_request(runtime::Session& s) {
  // A connection's first request: its head timer was armed at accept (a silent client is
  // closed too); later ones wait keepalive_idle for their first byte.
  if (!s.first_request && s.in.empty())
    s.arm(Phase::kKeepAliveIdle, s.snapshot->config.timeouts.keepalive_idle);
  if (s.in.empty() && s.closing && !bytes_arrived(s)) return NextRequest::kClose;
  // Pipelined bytes are there already; a TLS stream may hold bytes already taken from the
  // socket, so it goes straight to its read, workspace in hand.
  if (!s.in.empty() || s.client.is_tls()) {
    s.start_request();
    return NextRequest::kReady;
  }
  // Idle: the workspace goes back to the pool while the first bytes are awaited (a drain
  // cancels the read: s.idle).
  s.release_buffers();
  s.idle = true;
  return NextRequest::kRead;
}

void take_first_bytes(runtime::Session& s, std::size_t n) {
  s.idle = false;
  // A reload completed before this request's first byte applies to it.
  s.start_request();
  std::memcpy(s.in.data, s.first_bytes.data(), n);
  s.in.end = n;
}

asio::awaitable<HeadOutcome> read_request_head(runtime::Session& s, Exchange& x) {
  bool head_timer_armed = s.first_request;  // armed at accept: a silent client is closed too
  s.first_request = false;
  s.start_request();  // (done already by await_next_request; an HTTP/2 stream's comes here)
  const config::TimeoutsSection& timeouts = s.snapshot->config.timeouts;
  s.ws->request_parser.reset();
  for (;;) {
    if (!s.in.empty()) {
      const HeadProgress p = s.ws->request_parser.parse(s.in.view());
      if (p.complete()) {
        const RequestHead& head = s.ws->request_parser.head();
        x.started = std::chrono::steady_clock::now();
        x.head = &head;
        x.head_size = p.consumed;
        x.version = head.version;
        x.method = head.method_id;
        x.head_request = head.method_id == Method::kHead;
        x.keep_alive = head.keep_alive;
        x.upgrade = head.upgrade;
        co_return HeadOutcome::kComplete;
      }
      if (p.invalid()) {
        x.reason = reason_for_parse_error(p.error.code);
        x.reason_detail = error_code_name(p.error.code);
        x.keep_alive = false;
        co_return HeadOutcome::kInvalid;
      }
      if (!head_timer_armed) {
        // The clock for the head starts with its first byte (slowloris).
        s.arm(Phase::kRequestHead, timeouts.request_head);
        head_timer_armed = true;
      }
    } else if (s.closing && !bytes_arrived(s)) {
      // (The request's first byte may have arrived as the drain began: it is served.)
      co_return HeadOutcome::kClosed;
    }
    if (s.in.full()) {
      if (s.in.begin == 0) {
        // Cannot happen while capacity > max_head_size (the parser says 431 first); be safe.
        x.reason = Reason::kHeadersTooLarge;
        x.keep_alive = false;
        co_return HeadOutcome::kInvalid;
      }
      s.in.compact();  // the parser keeps offsets only: moving the bytes is allowed
    }
    s.idle = s.in.empty();
    auto [ec, n] = co_await s.client.async_read_some(s.in.free_space(), kNoThrow);
    s.idle = false;
    if (ec || n == 0) co_return HeadOutcome::kClosed;
    s.in.end += n;
  }
}

}  // namespace doorman::request_path
