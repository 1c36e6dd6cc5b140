#include "upstream/response.h"

#include "doorman/http_chunked.h"
#include "request_path/rate_limit.h"
#include "runtime/reply.h"
#include "runtime/worker.h"
#include "upstream/fault.h"
#include "upstream/tunnel.h"

namespace doorman::upstream {

using runtime::kNoThrow;
using runtime::Phase;
using runtime::Session;

namespace {

// kClosedEarly: not one byte came (the retry case); kCutShort: the head began, then the upstream
// closed or reset; kInvalid: the bytes are not a response head (or one over max_head_size).
enum class HeadRead { kComplete, kClosedEarly, kCutShort, kInvalid, kClientGone };

// Reads until a final (non-1xx) head is parsed; forwards or drops interim heads on the way. On a
// close or reset x.reason_detail says which (upstream/fault.h).
asio::awaitable<HeadRead> read_final_head(Session& s, request_path::Exchange& x,
                                          std::size_t& head_size, bool& any_byte) {
  s.out.begin = s.out.end = 0;
  s.ws->response_parser.reset();
  s.arm(Phase::kUpstreamHead, s.snapshot->config.timeouts.upstream_response_head);
  for (;;) {
    if (!s.out.empty()) {
      const HeadProgress p = s.ws->response_parser.parse(s.out.view(), x.method);
      if (p.invalid()) co_return HeadRead::kInvalid;
      if (p.complete()) {
        const ResponseHead& rh = s.ws->response_parser.head();
        if (!rh.interim) {
          head_size = p.consumed;
          co_return HeadRead::kComplete;
        }
        const bool own_continue = rh.status == 100 && x.sent_continue;
        if (x.version == HttpVersion::k11 && !own_continue) {
          auto [ec, n] = co_await asio::async_write(
              s.client, asio::buffer(s.out.data + s.out.begin, p.consumed), kNoThrow);
          if (ec) co_return HeadRead::kClientGone;
        }
        s.out.consume(p.consumed);
        s.ws->response_parser.reset();
        continue;
      }
      if (s.out.full()) {
        if (s.out.begin == 0) co_return HeadRead::kInvalid;  // head over max_head_size
        s.out.compact();
      }
    }
    auto [ec, n] = co_await s.upstream->socket.async_read_some(s.out.free_space(), kNoThrow);
    if (ec || n == 0) {
      x.reason_detail = fault_detail(ec ? ec : asio::error::eof);
      co_return any_byte ? HeadRead::kCutShort : HeadRead::kClosedEarly;
    }
    if (!any_byte) x.upstream_timing.first_byte = std::chrono::steady_clock::now();
    any_byte = true;
    s.out.end += n;
  }
}

// Writes `bytes` to the client; false when the client is gone.
asio::awaitable<bool> write_to_client(Session& s, std::string_view bytes) {
  auto [ec, n] = co_await asio::async_write(s.client, asio::buffer(bytes), kNoThrow);
  co_return !ec;
}

// True when `bytes` went to the client without an operation: an HTTP/2 stream's pipe takes what
// fits at once (most bodies whole), which saves a coroutine, a write operation and a post per
// write. What it did not take stays in `bytes` for write_to_client().
bool written_at_once(Session& s, std::string_view& bytes) {
  runtime::StreamPipe* pipe = s.client.pipe();
  if (pipe != nullptr) bytes.remove_prefix(pipe->write_now(bytes));
  return bytes.empty();
}

// The response broke after its head went out: the upstream is at fault (the client gets a
// reset, the logs this reason beside the status it already has).
void note_truncated(Session& s, request_path::Exchange& x, std::string_view detail) {
  x.reason = Reason::kUpstreamTruncated;
  x.reason_detail = s.timed_out == Phase::kBodyIdle ? "timeout" : detail;
}

// Streams the rest of a body after the head: reads from the upstream, writes to the client.
// Returns whether the body ended cleanly; `stray` tells whether bytes followed it. When the
// upstream broke it (not the client going away) x.reason is upstream-truncated.
asio::awaitable<bool> stream_body(Session& s, request_path::Exchange& x, BodyFraming framing,
                                  uint64_t remaining, ChunkedDecoder& decoder, bool dechunk,
                                  bool& stray) {
  const auto body_idle = s.snapshot->config.timeouts.body_idle;
  for (;;) {
    s.out.begin = s.out.end = 0;
    s.arm(Phase::kBodyIdle, body_idle);
    auto [ec, n] = co_await s.upstream->socket.async_read_some(s.out.free_space(), kNoThrow);
    // Only a clean close (EOF) ends a close-delimited body; a reset or a timeout truncates it.
    if (ec || n == 0) {
      const asio::error_code why = ec ? ec : asio::error::eof;
      if (framing.kind == BodyKind::kUntilClose && why == asio::error::eof &&
          s.timed_out == Phase::kNone)
        co_return true;
      note_truncated(s, x, fault_detail(why));
      co_return false;
    }
    s.out.end = n;
    std::string_view bytes = s.out.view();
    if (framing.kind == BodyKind::kContentLength) {
      const std::size_t take = static_cast<std::size_t>(std::min<uint64_t>(remaining, n));
      remaining -= take;
      stray = take < n;
      std::string_view out = bytes.substr(0, take);
      if (!written_at_once(s, out) && !co_await write_to_client(s, out)) co_return false;
      x.bytes_out += take;
      if (remaining == 0) co_return true;
    } else if (framing.kind == BodyKind::kChunked && !dechunk) {
      auto progress = decoder.feed(bytes);
      if (!progress) {
        note_truncated(s, x, "bad-framing");
        co_return false;
      }
      stray = progress->consumed < n;
      std::string_view out = bytes.substr(0, progress->consumed);
      if (!written_at_once(s, out) && !co_await write_to_client(s, out)) co_return false;
      x.bytes_out += progress->consumed;
      if (progress->done) co_return true;
    } else if (framing.kind == BodyKind::kChunked) {
      // De-chunk for an HTTP/1.0 client: write only the data runs.
      while (!bytes.empty()) {
        auto seg = decoder.next_segment(bytes);
        if (!seg) {
          note_truncated(s, x, "bad-framing");
          co_return false;
        }
        if (seg->data_length != 0) {
          if (!co_await write_to_client(s, bytes.substr(seg->data_offset, seg->data_length)))
            co_return false;
          x.bytes_out += seg->data_length;
        }
        bytes.remove_prefix(seg->consumed);
        if (seg->done) {
          stray = !bytes.empty();
          co_return true;
        }
      }
    } else {
      if (!written_at_once(s, bytes) && !co_await write_to_client(s, bytes)) co_return false;
      x.bytes_out += n;
    }
  }
}

}  // namespace

asio::awaitable<ResponseStatus> relay_response(Session& s, request_path::Exchange& x,
                                               bool may_retry) {
  std::size_t head_size = 0;
  bool any_byte = false;
  const HeadRead read = co_await read_final_head(s, x, head_size, any_byte);
  if (read != HeadRead::kComplete) {
    if (read == HeadRead::kClientGone) co_return ResponseStatus::kBroken;
    if (read == HeadRead::kClosedEarly && may_retry && s.timed_out == Phase::kNone)
      co_return ResponseStatus::kRetry;
    if (s.timed_out == Phase::kUpstreamHead) {
      x.reason = Reason::kUpstreamTimeout;
      x.reason_detail = {};
    } else {
      x.reason =
          read == HeadRead::kInvalid ? Reason::kUpstreamBadResponse : Reason::kUpstreamClosed;
    }
    co_return ResponseStatus::kFailed;
  }
  const ResponseHead& rh = s.ws->response_parser.head();
  const bool tunnel = rh.switching_protocols;
  if (tunnel && !x.upgrade) {
    x.reason = Reason::kUpstreamBadResponse;  // 101 to a request that did not ask for it
    co_return ResponseStatus::kFailed;
  }
  BodyFraming framing = rh.framing;
  const bool dechunk = framing.kind == BodyKind::kChunked && x.version == HttpVersion::k10;
  x.keep_alive =
      x.keep_alive && !s.closing && !tunnel && !dechunk && framing.kind != BodyKind::kUntilClose;
  const bool upstream_keep_alive = rh.keep_alive;

  // Body bytes that came with the head go out in the same write.
  std::string_view buffered(s.out.data + s.out.begin + head_size, s.out.size() - head_size);
  uint64_t remaining = framing.kind == BodyKind::kContentLength ? framing.content_length : 0;
  ChunkedDecoder decoder;
  std::string_view first;
  bool done = false;
  bool stray = false;
  switch (framing.kind) {
    case BodyKind::kNone:
      done = true;
      stray = !buffered.empty() && !tunnel;
      break;
    case BodyKind::kContentLength:
      first = buffered.substr(
          0, static_cast<std::size_t>(std::min<uint64_t>(remaining, buffered.size())));
      remaining -= first.size();
      done = remaining == 0;
      stray = first.size() < buffered.size();
      break;
    case BodyKind::kChunked:
      if (!dechunk) {
        auto progress = decoder.feed(buffered);
        if (!progress) {
          x.reason = Reason::kUpstreamBadResponse;
          x.status = 0;
          co_return ResponseStatus::kFailed;
        }
        first = buffered.substr(0, progress->consumed);
        done = progress->done;
        stray = progress->consumed < buffered.size();
      }
      break;
    case BodyKind::kUntilClose:
      first = buffered;
      break;
  }
  if (tunnel) first = buffered;  // early tunnel bytes from the upstream
  runtime::StreamPipe* pipe = tunnel ? nullptr : s.client.pipe();
  if (pipe != nullptr && pipe->take_final_head(rh, x.rate_limit.fields_view())) {
    // An HTTP/2 stream framed the head from the parsed fields: only the body goes as bytes.
    x.status = rh.status;
    std::string_view out = first;
    if (!written_at_once(s, out) && !co_await write_to_client(s, out))
      co_return ResponseStatus::kBroken;
  } else {
    ResponseRewriteOptions options;
    options.close = !x.keep_alive && !tunnel;
    options.keep_alive_http10 = x.keep_alive && x.version == HttpVersion::k10;
    options.drop_transfer_encoding = dechunk;
    std::array<char, 128> scratch;
    if (!plan_response_rewrite(rh, options, scratch, s.ws->response_pieces)) {
      x.status = 0;
      x.reason = Reason::kUpstreamBadResponse;
      co_return ResponseStatus::kFailed;
    }
    request_path::add_rate_limit_fields(s.ws->response_pieces, x.rate_limit);
    x.status = rh.status;
    const std::size_t n =
        runtime::gather_pieces(s.ws->gather, s.ws->response_pieces, first, s.out.free_space());
    auto [ec, written] = co_await runtime::write_gathered(s.client, s.ws->gather, n);
    if (ec) co_return ResponseStatus::kBroken;
  }
  x.bytes_out += first.size();
  if (tunnel) {
    x.upgraded = true;
    x.keep_alive = false;
    co_await run_tunnel(s, x);
    co_return ResponseStatus::kDone;
  }
  if (dechunk) {
    // Feed what came with the head through the de-chunker, then stream the rest.
    std::string_view bytes = buffered;
    while (!bytes.empty() && !done) {
      auto seg = decoder.next_segment(bytes);
      if (!seg) {
        note_truncated(s, x, "bad-framing");
        co_return ResponseStatus::kBroken;
      }
      if (seg->data_length != 0) {
        if (!co_await write_to_client(s, bytes.substr(seg->data_offset, seg->data_length)))
          co_return ResponseStatus::kBroken;
        x.bytes_out += seg->data_length;
      }
      bytes.remove_prefix(seg->consumed);
      done = seg->done;
    }
    stray = done && !bytes.empty();
  }
  if (!done && !co_await stream_body(s, x, framing, remaining, decoder, dechunk, stray))
    co_return ResponseStatus::kBroken;
  if (framing.kind == BodyKind::kUntilClose) {
    s.close_upstream();
    co_return ResponseStatus::kDone;
  }
  // A connection opened with a PROXY header names one client: never pooled (send_proxy.h).
  if (upstream_keep_alive && !stray && x.request_consumed && s.timed_out == Phase::kNone &&
      x.route->edge.upstream_proxy_protocol == config::UpstreamProxyProtocol::kOff)
    s.pool().put_idle(std::move(s.upstream));
  else
    s.close_upstream();
  co_return ResponseStatus::kDone;
}

}  // namespace doorman::upstream
