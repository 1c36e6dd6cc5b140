#include "request_path/upstream.h"

#include "builtin/echo.h"
#include "runtime/worker.h"
#include "upstream/fault.h"
#include "upstream/request_body.h"
#include "upstream/response.h"
#include "upstream/send_proxy.h"

namespace doorman::request_path {

using runtime::kNoThrow;
using runtime::Phase;
using runtime::Session;

namespace {

bool is_idempotent(Method method) {
  switch (method) {
    case Method::kGet:
    case Method::kHead:
    case Method::kOptions:
    case Method::kTrace:
    case Method::kPut:
    case Method::kDelete:
      return true;
    default:
      return false;
  }
}

// Whether the request may be sent once more, as it was, after a reused connection failed before
// any response byte: idempotent (RFC 9110 §9.2.2: a retry has the effect of one request), not an
// upgrade, and its whole body (if any) arrived with the head, so the bytes are all still in the
// client buffer (a chunked body, or one that streams after the head, is never replayed; HAProxy's
// L7 retries likewise need the whole request in one buffer).
bool replayable(const Session& s, const Exchange& x) {
  if (!is_idempotent(x.method) || x.upgrade) return false;
  const BodyFraming& framing = x.head->framing;
  if (framing.kind == BodyKind::kNone) return true;
  if (framing.kind != BodyKind::kContentLength) return false;
  const std::size_t buffered = s.in.end - (s.in.begin + x.head_size);
  return framing.content_length <= buffered;
}

asio::awaitable<bool> connect_upstream(Session& s, Exchange& x, std::size_t target) {
  upstream::Pool& pool = s.pool();
  s.upstream = pool.make(target);
  UpstreamTiming& t = x.upstream_timing;
  t = UpstreamTiming{};  // a retry's fresh connection replaces the failed attempt's times
  t.connect_started = s.arm(Phase::kUpstreamConnect, s.snapshot->config.timeouts.upstream_connect);
  auto [ec] = co_await s.upstream->socket.async_connect(pool.endpoint(target), kNoThrow);
  if (ec) {
    const bool timed_out = s.timed_out == Phase::kUpstreamConnect;
    x.reason = timed_out ? Reason::kUpstreamConnectTimeout : Reason::kUpstreamConnectFailed;
    x.reason_detail = timed_out ? std::string_view() : upstream::fault_detail(ec);
    s.close_upstream();
    co_return false;
  }
  if (!pool.is_unix(target)) {
    asio::error_code ignored;
    s.upstream->socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  }
  t.connected = std::chrono::steady_clock::now();
  co_return true;
}

}  // namespace

asio::awaitable<void> exchange_with_upstream(Session& s, Exchange& x) {
  const std::size_t target = x.route_runtime->upstream_index;
  s.timed_out = Phase::kNone;
  if (s.snapshot->upstreams[target].kind == config::SocketAddress::Kind::kBuiltinEcho) {
    co_await builtin::serve_echo(s, x);
    co_return;
  }
  const bool may_replay = replayable(s, x);
  // Where this request sits in the buffer, to replay it on a retry.
  const std::size_t request_begin = s.in.begin;
  const std::size_t request_end = s.in.end;
  for (int attempt = 0;; ++attempt) {
    // A route that sends a PROXY header never shares connections (upstream/send_proxy.h).
    const bool sends_proxy =
        x.route->edge.upstream_proxy_protocol != config::UpstreamProxyProtocol::kOff;
    if (attempt == 0 && !sends_proxy) s.upstream = s.pool().take_idle(target);
    if (s.upstream) x.upstream_timing.reused = true;  // no connect to time
    if (!s.upstream) {
      if (!co_await connect_upstream(s, x, target)) co_return;
      if (sends_proxy && !co_await upstream::send_upstream_proxy_header(s, x)) {
        s.close_upstream();
        co_return;
      }
    }
    const bool may_retry = s.upstream->reused && may_replay && attempt == 0;
    const upstream::SendStatus sent = co_await upstream::send_request(s, x, &s.upstream->socket);
    if (sent != upstream::SendStatus::kOk) {
      s.close_upstream();
      x.keep_alive = false;
      switch (sent) {
        case upstream::SendStatus::kUpstreamFailed:
          if (may_retry) break;
          if (s.timed_out != Phase::kNone) {
            x.reason = Reason::kUpstreamTimeout;
            x.reason_detail = {};
          } else {
            x.reason = Reason::kUpstreamClosed;  // x.reason_detail: how the write failed
          }
          co_return;
        case upstream::SendStatus::kBodyInvalid:
          x.reason = Reason::kBadRequestBody;
          co_return;
        case upstream::SendStatus::kBodyTooLarge:
          x.reason = Reason::kBodyTooLarge;
          co_return;
        default:  // the client is gone: nobody to answer
          co_return;
      }
    } else {
      const upstream::ResponseStatus got = co_await upstream::relay_response(s, x, may_retry);
      if (got == upstream::ResponseStatus::kDone) co_return;
      s.close_upstream();
      if (got == upstream::ResponseStatus::kBroken) {
        x.keep_alive = false;
        s.truncated = true;
        co_return;
      }
      if (got == upstream::ResponseStatus::kFailed) co_return;
    }
    // Retry: the request's bytes are still where they were (nothing was read since).
    s.in.begin = request_begin;
    s.in.end = request_end;
    x.request_consumed = false;
    x.keep_alive = x.head->keep_alive;
    x.bytes_in = 0;
    x.reason_detail = {};
    x.retried = true;
    s.timed_out = Phase::kNone;
  }
}

}  // namespace doorman::request_path
