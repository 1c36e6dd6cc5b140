#include "request_path/request_head.h"

namespace doorman::request_path {

using runtime::kNoThrow;
using runtime::Phase;

asio::awaitable<HeadOutcome> read_request_head(runtime::Session& s, Exchange& x) {
  const config::TimeoutsSection& timeouts = s.snapshot.config.timeouts;
  s.request_parser.reset();
  bool head_timer_armed = s.first_request;  // armed at accept: a silent client is closed too
  s.first_request = false;
  if (!head_timer_armed && s.in.empty()) s.arm(Phase::kKeepAliveIdle, timeouts.keepalive_idle);
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
    } else if (s.closing) {
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
