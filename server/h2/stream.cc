#include "h2/stream.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "doorman/h2_caps.h"
#include "h2/driver.h"
#include "request_path/request_head.h"
#include "runtime/serve_request.h"
#include "runtime/watchdog.h"
#include "runtime/worker.h"

namespace doorman::h2 {

using runtime::Phase;
using runtime::Session;

namespace {

// Header bytes one stream may send before it is refused outright: room beyond max_head_size
// so that a head slightly over it still reaches the parser and gets the HTTP/1.1 answer (431).
std::size_t builder_cap(const runtime::Generation& g) {
  return g.snapshot->config.limits.max_head_size + 4096;
}

}  // namespace

Stream::Stream(Driver& driver, int32_t id, std::shared_ptr<runtime::Generation> generation)
    : StreamPipe(driver.connection().worker.context().get_executor()),
      driver_(driver),
      id_(id),
      generation_(std::move(generation)),
      request_(builder_cap(*generation_)) {}

Stream::~Stream() = default;

FieldOutcome Stream::on_field(std::string_view name, std::string_view value, bool trailer) {
  return trailer ? request_.add_trailer(name, value) : request_.add(name, value);
}

bool Stream::on_headers_end(bool end_stream) {
  if (request_.build(end_stream, head_) != FieldOutcome::kOk) return false;
  method_ = request_.method() == "HEAD" ? Method::kHead : Method::kGet;
  if (end_stream) end_stream_ = true;
  return true;
}

void Stream::start() {
  if (ng_closed_ || session_) return;  // reset before it started: no work at all
  Session& c = driver_.connection();
  asio::io_context& context = c.worker.context();
  session_.emplace(c.worker, generation_, runtime::Protocol::socket(context), context);
  Session& s = *session_;
  s.client.attach_pipe(*this, c.client);
  s.unix_listener = c.unix_listener;
  s.peer = c.peer;
  s.socket_peer = c.socket_peer;
  s.listener = c.listener;
  s.peer_from_proxy_protocol = c.peer_from_proxy_protocol;
  if (c.proxy_header) s.proxy_header = std::make_unique<ProxyHeader>(*c.proxy_header);
  s.client_certificate = c.client_certificate;  // origin pull: the connection's verdict
  s.h2_stream_id = static_cast<uint32_t>(id_);
  s.ensure_buffers();  // with parsers for the generation's [limits]
  if (head_.size() <= s.in.capacity) {
    // The head stage finds the whole head there and parses it without a read.
    std::memcpy(s.in.data, head_.data(), head_.size());
    s.in.begin = 0;
    s.in.end = head_.size();
    head_taken_ = true;
    head_.clear();
  }
  // The whole head is here already; the timer bounds the stages up to the upstream.
  s.first_request = true;
  s.arm(Phase::kRequestHead, s.snapshot->config.timeouts.request_head);
  running_ = true;
  driver_.stream_started();
  auto self = shared_from_this();
  runtime::watch_session(*session_, self);
  asio::co_spawn(
      context, [self] { return self->serve(); }, asio::detached);
}

asio::awaitable<void> Stream::serve() {
  Session& s = *session_;
  request_path::Exchange& x = s.ws->fresh_exchange();
  const request_path::HeadOutcome head = co_await request_path::read_request_head(s, x);
  if (head != request_path::HeadOutcome::kClosed) co_await runtime::serve_request(s, x, head);
  s.close_upstream();
  s.done = true;
  s.watchdog.cancel();
  close();  // the end of the response (or an abort: on_close decides)
  running_ = false;
  driver_.stream_finished();
}

// --- request side ---------------------------------------------------------------------------

void Stream::on_data(std::span<const uint8_t> bytes) {
  if (closed() || ng_closed_) {
    // Nobody will read it (the response is done or the stream is gone): give the window back.
    nghttp2_session_consume(driver_.session(), id_, bytes.size());
    return;
  }
  if (body_off_ > 0 && body_off_ == body_.size()) body_.clear(), body_off_ = 0;
  body_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  wake_reader();
}

void Stream::on_end_stream() {
  end_stream_ = true;
  wake_reader();
}

void Stream::consume(std::size_t n) {
  if (n == 0) return;
  if (ng_closed_) return;  // on_closed gave the connection window back already
  nghttp2_session_consume(driver_.session(), id_, n);
  driver_.wake_writer();  // WINDOW_UPDATE
}

// The next run of HTTP/1.1 request bytes into pending_.
void Stream::refill() {
  pending_.clear();
  pending_off_ = 0;
  if (!head_taken_) {
    head_taken_ = true;
    pending_.swap(head_);
    return;
  }
  const std::size_t unread = body_.size() - body_off_;
  if (unread > 0) {
    const std::size_t take = std::min<std::size_t>(unread, 16384);
    if (request_.chunked()) {
      char size_line[24];
      const int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", take);
      pending_.append(size_line, static_cast<std::size_t>(n));
    }
    pending_.append(body_, body_off_, take);
    if (request_.chunked()) pending_.append("\r\n");
    body_off_ += take;
    if (body_off_ == body_.size()) body_.clear(), body_off_ = 0;
    consume(take);
    return;
  }
  if (end_stream_ && !tail_taken_) {
    tail_taken_ = true;
    // The last chunk and the trailer section (RFC 9112 §7.1.2).
    if (request_.chunked()) pending_.append("0\r\n").append(request_.trailers()).append("\r\n");
  }
}

runtime::StreamPipe::Pulled Stream::pull(std::span<char> into) {
  if (pending_off_ == pending_.size()) refill();
  const std::size_t n = std::min(into.size(), pending_.size() - pending_off_);
  std::memcpy(into.data(), pending_.data() + pending_off_, n);
  pending_off_ += n;
  const bool eof = n == 0 && tail_taken_ && body_off_ == body_.size();
  return {n, eof};
}

// --- response side --------------------------------------------------------------------------

std::size_t Stream::push(std::span<const char> bytes) {
  if (ng_closed_) return bytes.size();  // the client is gone; the pipe closes next
  if (response_off_ > 0 && response_off_ * 2 >= response_.size()) {
    response_.erase(0, response_off_);
    response_off_ = 0;
  }
  const std::size_t held = response_.size() - response_off_;
  const std::size_t cap = head_submitted_
                              ? kResponseBuffer
                              : generation_->snapshot->config.limits.max_head_size + 16384;
  if (held >= cap) return 0;
  const std::size_t take = std::min(bytes.size(), cap - held);
  response_.append(bytes.data(), take);
  if (!head_submitted_ && !take_response_head()) {
    // The stages always write a valid head; anything else is a bug: reset, never guess.
    nghttp2_submit_rst_stream(driver_.session(), NGHTTP2_FLAG_NONE, id_, NGHTTP2_INTERNAL_ERROR);
    ng_closed_ = true;
    driver_.wake_writer();
    return take;
  }
  if (head_submitted_ && has_body_) {
    nghttp2_session_resume_data(driver_.session(), id_);
    driver_.wake_writer();
  }
  return take;
}

// Parses what the session wrote; submits interim heads and the final head. False on an
// invalid head.
bool Stream::take_response_head() {
  for (;;) {
    const std::string_view view = std::string_view(response_).substr(response_off_);
    if (!response_parser_)
      response_parser_ = std::make_unique<ResponseHeadParser>(ResponseParseOptions{
          .max_head_size = generation_->snapshot->config.limits.max_head_size});
    const HeadProgress p = response_parser_->parse(view, method_);
    if (p.need_more()) return true;
    if (p.invalid()) return false;
    const ResponseHead& rh = response_parser_->head();
    Fields& fields = driver_.fields();
    convert_response_head(rh, fields);
    if (rh.interim || rh.switching_protocols) {
      // 1xx (100 Continue, 103 Early Hints) pass as interim HEADERS; 101 cannot happen (h2 has
      // no Upgrade) and is dropped.
      if (rh.interim)
        nghttp2_submit_headers(driver_.session(), NGHTTP2_FLAG_NONE, id_, nullptr, fields.nv.data(),
                               fields.nv.size(), nullptr);
      response_off_ += p.consumed;
      response_parser_->reset();
      driver_.wake_writer();
      continue;
    }
    response_off_ += p.consumed;
    submit_final_head(rh);
    return true;
  }
}

bool Stream::take_final_head(const ResponseHead& head, std::string_view extra) {
  // Bytes of a head written before (never: interim heads are written whole) keep the text path.
  if (head_submitted_ || response_off_ != response_.size()) return false;
  if (ng_closed_) return true;  // the client is gone; the pipe closes next
  convert_final_head(head, response_fields_kept(head, {}), extra, driver_.fields());
  submit_final_head(head);
  return true;
}

// REQUIRES: driver_.fields() holds the head's fields.
void Stream::submit_final_head(const ResponseHead& head) {
  const Fields& fields = driver_.fields();
  body_kind_ = head.framing.kind;
  remaining_ = head.framing.content_length;
  has_body_ =
      body_kind_ != BodyKind::kNone && !(body_kind_ == BodyKind::kContentLength && remaining_ == 0);
  head_submitted_ = true;
  nghttp2_data_provider provider{};
  provider.source.ptr = this;
  provider.read_callback = read_body_cb;
  nghttp2_submit_response(driver_.session(), id_, fields.nv.data(), fields.nv.size(),
                          has_body_ ? &provider : nullptr);
  if (!has_body_) body_done_ = true;
  driver_.wake_writer();
}

ssize_t Stream::read_body_cb(nghttp2_session*, int32_t, uint8_t* buf, size_t length,
                             uint32_t* flags, nghttp2_data_source* source, void*) {
  return static_cast<Stream*>(source->ptr)->read_body(buf, length, flags);
}

ssize_t Stream::read_body(uint8_t* buf, std::size_t length, uint32_t* flags) {
  std::size_t copied = 0;
  while (copied < length && !body_done_ && response_off_ < response_.size()) {
    const std::string_view avail = std::string_view(response_).substr(response_off_);
    const std::size_t room = length - copied;
    if (body_kind_ == BodyKind::kChunked) {
      auto seg = decoder_.next_segment(avail.substr(0, room));
      if (!seg) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
      if (seg->data_length != 0) {
        std::memcpy(buf + copied, avail.data() + seg->data_offset, seg->data_length);
        copied += seg->data_length;
        tail_.clear();
      } else if (tail_.size() < 16384) {
        tail_.append(avail.substr(0, seg->consumed));
      }
      response_off_ += seg->consumed;
      body_done_ = seg->done;
      if (seg->consumed == 0) break;
      continue;
    }
    std::size_t take = std::min(room, avail.size());
    if (body_kind_ == BodyKind::kContentLength) take = std::min<uint64_t>(take, remaining_);
    std::memcpy(buf + copied, avail.data(), take);
    copied += take;
    response_off_ += take;
    if (body_kind_ == BodyKind::kContentLength) {
      remaining_ -= take;
      body_done_ = remaining_ == 0;
    }
  }
  if (copied > 0 || body_done_) wake_writer();  // room for the session's next write
  if (body_done_) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    if (body_kind_ == BodyKind::kChunked) {
      Fields& fields = driver_.fields();
      parse_trailer_section(tail_, fields);
      if (!fields.nv.empty() &&
          nghttp2_submit_trailer(driver_.session(), id_, fields.nv.data(), fields.nv.size()) == 0)
        *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
    }
    return static_cast<ssize_t>(copied);
  }
  if (copied > 0) return static_cast<ssize_t>(copied);
  if (closed()) {
    // The session ended. A body delimited by the close is complete; any other is cut short.
    if (body_kind_ == BodyKind::kUntilClose) {
      body_done_ = true;
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      return 0;
    }
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // RST_STREAM(INTERNAL_ERROR)
  }
  return NGHTTP2_ERR_DEFERRED;
}

// --- ends -----------------------------------------------------------------------------------

// Whether the response bytes held (not yet framed) finish the body, so that the stream
// completes as the client's window opens. A session that timed out (body_idle: the client's
// window stayed shut) never finished it, whatever the framing.
bool Stream::body_complete_in_buffer() {
  if (session_ && session_->timed_out != Phase::kNone) return false;
  std::string_view held = std::string_view(response_).substr(response_off_);
  switch (body_kind_) {
    case BodyKind::kContentLength:
      return held.size() >= remaining_;
    case BodyKind::kChunked: {
      ChunkedDecoder probe = decoder_;
      while (!held.empty()) {
        auto seg = probe.next_segment(held);
        if (!seg || seg->consumed == 0) return false;
        if (seg->done) return true;
        held.remove_prefix(seg->consumed);
      }
      return false;
    }
    default:
      return true;  // until close: the close is its end
  }
}

void Stream::on_close() {
  if (ng_closed_) return;
  if (!head_submitted_) {
    // The session ended without a response (the client went away mid-request, a timeout).
    nghttp2_submit_rst_stream(driver_.session(), NGHTTP2_FLAG_NONE, id_, NGHTTP2_INTERNAL_ERROR);
  } else if (has_body_ && !body_done_) {
    if (body_complete_in_buffer()) {
      nghttp2_session_resume_data(driver_.session(), id_);  // the rest goes as windows open
    } else {
      // Cut short (the upstream failed, or a timeout). Reset now: nghttp2 asks read_body for
      // more only when the client's window is open, and a client that keeps it shut (a
      // zero-window stall) would otherwise hold the stream forever.
      nghttp2_submit_rst_stream(driver_.session(), NGHTTP2_FLAG_NONE, id_, NGHTTP2_INTERNAL_ERROR);
    }
  }
  driver_.wake_writer();
}

void Stream::on_closed(uint32_t error_code) {
  // Body bytes the session never read still hold the connection window.
  const std::size_t unread = body_.size() - body_off_;
  if (unread > 0 && !ng_closed_) nghttp2_session_consume_connection(driver_.session(), unread);
  body_.clear();
  body_off_ = 0;
  ng_closed_ = true;
  end_stream_ = true;
  const bool complete = error_code == NGHTTP2_NO_ERROR && body_done_;
  if (!complete && session_ && session_->upstream) {
    // The client reset the stream: stop the upstream exchange (its socket errors; the
    // connection is not pooled).
    asio::error_code ignored;
    session_->upstream->socket.close(ignored);
  }
  if (!complete) close();
  wake_reader();
}

void Stream::abort() {
  ng_closed_ = true;
  end_stream_ = true;
  if (session_ && session_->upstream) {
    asio::error_code ignored;
    session_->upstream->socket.close(ignored);
  }
  close();
}

}  // namespace doorman::h2
