#include "upstream/request_body.h"

#include "doorman/http_chunked.h"
#include "runtime/reply.h"
#include "upstream/fault.h"

namespace doorman::upstream {

using runtime::kNoThrow;
using runtime::Phase;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// How many of `bytes` belong to the body, given what is left of it.
struct BodyStep {
  std::size_t take = 0;
  bool done = false;
  SendStatus error = SendStatus::kOk;
};

BodyStep step_body(const BodyFraming& framing, uint64_t& remaining, ChunkedDecoder& decoder,
                   std::string_view bytes, uint64_t limit) {
  BodyStep step;
  if (framing.kind == BodyKind::kContentLength) {
    step.take = static_cast<std::size_t>(std::min<uint64_t>(remaining, bytes.size()));
    remaining -= step.take;
    step.done = remaining == 0;
    return step;
  }
  auto progress = decoder.feed(bytes);
  if (!progress) {
    step.error = SendStatus::kBodyInvalid;
    return step;
  }
  if (limit != 0 && decoder.total_data_bytes() > limit) {
    step.error = SendStatus::kBodyTooLarge;
    return step;
  }
  step.take = progress->consumed;
  step.done = progress->done;
  return step;
}

}  // namespace

asio::awaitable<SendStatus> send_request(runtime::Session& s, request_path::Exchange& x,
                                         runtime::Protocol::socket* upstream) {
  const RequestHead& head = *x.head;
  const BodyFraming framing = head.framing;
  const bool expect_continue = head.expect_continue;
  const uint64_t limit = x.route_runtime->max_body_size;
  uint64_t remaining = framing.kind == BodyKind::kContentLength ? framing.content_length : 0;
  ChunkedDecoder decoder;

  // The head and whatever body bytes arrived with it.
  const std::size_t body_start = s.in.begin + x.head_size;
  const std::string_view buffered(s.in.data + body_start, s.in.end - body_start);
  BodyStep step;
  if (framing.kind == BodyKind::kNone || (framing.kind == BodyKind::kContentLength && !remaining))
    step.done = true;
  else
    step = step_body(framing, remaining, decoder, buffered, limit);
  if (step.error != SendStatus::kOk) co_return step.error;
  if (upstream != nullptr) {
    const std::size_t n = runtime::gather_pieces(s.ws->gather, s.ws->request_pieces,
                                                 buffered.substr(0, step.take), s.in.free_space());
    auto [ec, written] = co_await runtime::write_gathered(*upstream, s.ws->gather, n);
    if (ec) {
      x.reason_detail = fault_detail(ec);
      co_return SendStatus::kUpstreamFailed;
    }
    // upstream_ttfb_ms counts from here (docs/logs.md); builtin:echo (no socket) is not timed.
    x.upstream_timing.head_sent = std::chrono::steady_clock::now();
  }
  x.bytes_in += step.take;
  if (step.done) {
    s.in.consume(x.head_size + step.take);
    x.request_consumed = true;
    co_return SendStatus::kOk;
  }

  // The rest of the body: everything left in the buffer was forwarded, so reuse all of it.
  if (expect_continue && step.take == 0 && x.version == HttpVersion::k11) {
    auto [ec, n] = co_await asio::async_write(s.client, asio::buffer(kContinue), kNoThrow);
    if (ec) co_return SendStatus::kClientFailed;
    x.sent_continue = true;
  }
  s.in.begin = s.in.end = 0;
  const auto body_idle = s.snapshot->config.timeouts.body_idle;
  while (!step.done) {
    s.arm(Phase::kBodyIdle, body_idle);
    auto [rec, n] = co_await s.client.async_read_some(s.in.free_space(), kNoThrow);
    if (rec || n == 0) co_return SendStatus::kClientFailed;
    s.in.end = n;
    step = step_body(framing, remaining, decoder, s.in.view(), limit);
    if (step.error != SendStatus::kOk) co_return step.error;
    if (upstream != nullptr) {
      auto [wec, written] =
          co_await asio::async_write(*upstream, asio::buffer(s.in.data, step.take), kNoThrow);
      if (wec) {
        x.reason_detail = fault_detail(wec);
        co_return SendStatus::kUpstreamFailed;
      }
    }
    x.bytes_in += step.take;
    // Bytes after the body's end are the next pipelined request: they stay.
    s.in.consume(step.take);
    if (!step.done) s.in.begin = s.in.end = 0;
  }
  x.request_consumed = true;
  co_return SendStatus::kOk;
}

}  // namespace doorman::upstream
