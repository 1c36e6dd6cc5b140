// Stream: one HTTP/2 request/response exchange, served by the same request-path stages as an
// HTTP/1.1 request (runtime/serve_request.h) through a session of its own whose client is this
// pipe (runtime/stream_pipe.h).
//
// Contract:
// - Request side: the driver (h2/driver.h) hands over header fields, DATA and the end of the
//   stream as nghttp2 reports them. The session reads the request as HTTP/1.1 bytes: the head
//   built by RequestHeadBuilder, then the body raw (content-length) or as chunks with the
//   trailers at the end. Body bytes are consumed from the flow-control windows only when the
//   session has read them, so a slow upstream slows the client: at most one stream window
//   (doorman/h2_caps.h) is buffered per stream.
// - The request head is put straight into the session's input buffer before it starts, so the
//   head stage parses it at once (no pipe read); the body goes through the pipe.
// - Response side: the upstream's final head arrives parsed (take_final_head) and becomes
//   HEADERS from its fields (response_fields.h). What the session writes as bytes (a local
//   reply's head, interim heads, the body framed by content-length, chunks or close) is parsed
//   with the strict response parser where it is a head; 1xx other than 101 become interim
//   HEADERS, the body becomes DATA frames through an nghttp2 data provider that defers while
//   the buffer is empty, and chunked trailers become a trailing HEADERS frame. The buffer is
//   bounded (kResponseBuffer beyond a head): the session's writes wait for the client's
//   windows.
// - A session that ends before its response is complete resets the stream (INTERNAL_ERROR) at
//   once, even while the client's window is shut (a zero-window stall ends at body_idle);
//   a client that resets the stream closes the pipe and aborts the upstream exchange.
// Thread safety: the worker's thread only. Lifetime: shared by the driver's stream map (until
// nghttp2 closes the stream) and the session's coroutines (until they end).
#pragma once

#include <nghttp2/nghttp2.h>

#include <asio.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "doorman/h2_request_head.h"
#include "doorman/http_chunked.h"
#include "doorman/http_response.h"
#include "h2/response_fields.h"
#include "runtime/session.h"
#include "runtime/stream_pipe.h"

namespace doorman::h2 {

class Driver;

class Stream : public runtime::StreamPipe, public std::enable_shared_from_this<Stream> {
 public:
  // `generation`: the worker's current one when the stream began (its HEADERS arrived); the
  // stream's whole exchange uses it, even if a reload happens meanwhile.
  Stream(Driver& driver, int32_t id, std::shared_ptr<runtime::Generation> generation);
  ~Stream() override;

  int32_t id() const { return id_; }
  // From the driver's nghttp2 callbacks.
  FieldOutcome on_field(std::string_view name, std::string_view value, bool trailer);
  // The request's header block ended: build the head. False when the request is malformed
  // (the driver resets the stream).
  bool on_headers_end(bool end_stream);
  // Starts the session, unless the stream is gone already. The driver calls it once the bytes
  // that carried the HEADERS are all processed, so a stream the client reset in the same read
  // (rapid reset) costs no session and no upstream work.
  void start();
  void on_data(std::span<const uint8_t> bytes);
  void on_end_stream();
  // nghttp2 closed the stream (sent or received END_STREAM both ways, or a reset).
  void on_closed(uint32_t error_code);
  // The connection is going away: stop everything, touch nghttp2 no more.
  void abort();
  bool running() const { return running_; }

 private:
  Pulled pull(std::span<char> into) override;
  std::size_t push(std::span<const char> bytes) override;
  bool take_final_head(const ResponseHead& head, std::string_view extra) override;
  void on_close() override;
  // REQUIRES: driver_.fields() holds the head's fields.
  void submit_final_head(const ResponseHead& head);

  asio::awaitable<void> serve();
  void refill();
  bool take_response_head();
  bool body_complete_in_buffer();
  void consume(std::size_t n);
  static ssize_t read_body_cb(nghttp2_session*, int32_t, uint8_t* buf, size_t length,
                              uint32_t* flags, nghttp2_data_source* source, void*);
  ssize_t read_body(uint8_t* buf, std::size_t length, uint32_t* flags);

  Driver& driver_;
  int32_t id_;
  std::shared_ptr<runtime::Generation> generation_;
  bool ng_closed_ = false;                   // nghttp2 forgot the stream: no more calls about it
  bool running_ = false;                     // the session's coroutine is alive
  std::optional<runtime::Session> session_;  // in place: one allocation less per stream

  // Request: head, then body bytes as HTTP/1.1 (pending_ is what pull() hands out next).
  RequestHeadBuilder request_;
  std::string head_;
  std::string body_;  // DATA received, not yet read by the session (bounded by the window)
  std::size_t body_off_ = 0;
  std::string pending_;
  std::size_t pending_off_ = 0;
  bool head_taken_ = false;
  bool end_stream_ = false;
  bool tail_taken_ = false;

  // Response: the HTTP/1.1 bytes the session wrote, not yet turned into frames.
  std::string response_;
  std::size_t response_off_ = 0;
  std::unique_ptr<ResponseHeadParser> response_parser_;  // for heads written as bytes only
  Method method_ = Method::kGet;
  bool head_submitted_ = false;
  bool has_body_ = false;
  bool body_done_ = false;
  BodyKind body_kind_ = BodyKind::kNone;
  uint64_t remaining_ = 0;
  ChunkedDecoder decoder_;
  std::string tail_;  // chunked framing after the last data run: the trailer section
};

}  // namespace doorman::h2
