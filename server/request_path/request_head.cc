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

// Waits, holding no buffer, until the next request's first byte can be read: an idle keep-alive
// connection costs its socket and its Session only. Plain sockets only: a TLS stream may hold
// bytes already taken from the socket, so it goes straight to its read.
asio::awaitable<bool> wait_for_first_byte(runtime::Session& s) {
  if (s.client.is_tls()) co_return true;
  asio::error_code ec;
  // Bytes already there (the client sent at once, or pipelined): no wait, no buffer churn.
  if (s.client.socket().available(ec) > 0 || ec) co_return !ec;
  s.release_buffers();
  s.idle = true;
  auto [wait_error] =
      co_await s.client.socket().async_wait(runtime::Protocol::socket::wait_read, kNoThrow);
  s.idle = false;
  co_return !wait_error;
}

}  // namespace

asio::awaitable<HeadOutcome> read_request_head(runtime::Session& s, Exchange& x) {
  bool head_timer_armed = s.first_request;  // armed at accept: a silent client is closed too
  s.first_request = false;
  if (!head_timer_armed && s.in.empty())
    s.arm(Phase::kKeepAliveIdle, s.snapshot->config.timeouts.keepalive_idle);
  // An HTTP/2 stream's head is in its pipe already; socket() is the carrying connection's.
  if (s.in.empty() && !s.client.is_pipe()) {
    if (s.closing && !bytes_arrived(s)) co_return HeadOutcome::kClosed;
    if (!co_await wait_for_first_byte(s)) co_return HeadOutcome::kClosed;
  }
  // A reload completed before this request's first byte applies to it.
  s.start_request();
  const config::TimeoutsSection& timeouts = s.snapshot->config.timeouts;
  s.request_parser.reset();
  for (;;) {
    if (!s.in.empty()) {
      const HeadProgress p = s.request_parser.parse(s.in.view());
      if (p.complete()) {
        const RequestHead& head = s.request_parser.head();
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
