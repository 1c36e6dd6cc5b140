// h2::ServerSession: the server side of one HTTP/2 connection (RFC 9113) without a socket. It
// owns the nghttp2_session (framing, HPACK, flow control, SETTINGS), configured with the caps of
// h2_caps.h; it takes the client's bytes (feed) and hands out the bytes to send (take_output),
// and reports each request stream to a StreamEvents. The socket driver (server/h2/driver.h) and
// the fuzz target (fuzz/h2_session_fuzz.cc) both drive this class, so the fuzzer exercises the
// code that runs in production.
//
// Contract:
// - open() queues our SETTINGS (the caps, SETTINGS_MAX_HEADER_LIST_SIZE = max_header_list) and
//   the connection window; false only when nghttp2 cannot allocate. Call it once, first.
// - feed() hands every byte to nghttp2. False when the connection must end: a protocol error
//   (GOAWAY PROTOCOL_ERROR), a flood (too many ACKs owed to a client that does not read, too many
//   CONTINUATION frames: GOAWAY ENHANCE_YOUR_CALM); the GOAWAY is queued for take_output and
//   failure() names its code. Feed no more after a false.
// - Caps nghttp2 enforces once configured: concurrent streams (excess HEADERS are refused),
//   CONTINUATION frames per header block, RST_STREAMs received (a token bucket: past it nghttp2
//   queues GOAWAY INTERNAL_ERROR and feed() keeps returning true), ACKs owed, SETTINGS entries.
// - Header validation: nghttp2's HTTP messaging rules run first (RFC 9113 §8.2); each field that
//   passes goes to StreamEvents::on_field. kTooLarge resets the stream (ENHANCE_YOUR_CALM),
//   kMalformed resets it (PROTOCOL_ERROR); nghttp2 then drops the rest of that header block and
//   on_headers_end is not called. on_headers_end returning false resets it (PROTOCOL_ERROR).
// - Request bodies: windows are not reopened automatically. The handler gives bytes back with
//   nghttp2_session_consume() (get()) as it forwards them; on_data returning false (nobody
//   wants the bytes) gives them back at once.
// - take_output() appends what nghttp2 has queued, up to about `batch` bytes; false when the
//   session cannot write any more (it is over). want_read()/want_write() say whether the
//   connection still has a use.
// Thread safety: one thread; StreamEvents are called from inside feed() and take_output().
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "doorman/h2_block_cache.h"
#include "doorman/h2_request_head.h"

namespace doorman::h2 {

// What the session reports about request streams. Stream ids are the client's (odd).
class StreamEvents {
 public:
  virtual ~StreamEvents() = default;
  // A request's HEADERS frame begins a new stream.
  virtual void on_request_begin(int32_t id) = 0;
  // A header field of a request (trailer = false) or of its trailer section (trailer = true).
  virtual FieldOutcome on_field(int32_t id, std::string_view name, std::string_view value,
                                bool trailer) = 0;
  // The request's header block is complete. False: the request is malformed.
  virtual bool on_headers_end(int32_t id, bool end_stream) = 0;
  // DATA for the stream. False: nobody reads it (the session gives the window back).
  virtual bool on_data(int32_t id, std::span<const uint8_t> bytes) = 0;
  // The client ended its side (END_STREAM on DATA or on trailers).
  virtual void on_end_stream(int32_t id) = 0;
  // nghttp2 forgot the stream: both sides ended, or a reset (error_code != NO_ERROR).
  virtual void on_closed(int32_t id, uint32_t error_code) = 0;
  // Every frame header received, before its payload (observation: tests and the fuzzer).
  virtual void on_frame_begin(const nghttp2_frame_hd&) {}
  // Every frame received whole (observation: tests and the fuzzer).
  virtual void on_frame(const nghttp2_frame&) {}
};

class ServerSession {
 public:
  ServerSession(StreamEvents& events, uint32_t max_header_list);
  ~ServerSession();
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  bool open();
  bool feed(std::string_view bytes);
  // The code of the GOAWAY queued when feed() failed (NO_ERROR until then).
  uint32_t failure() const { return failure_; }
  bool take_output(std::string& out, std::size_t batch);
  // Ends the connection with GOAWAY(error_code).
  void terminate(uint32_t error_code);
  // Graceful GOAWAY (NO_ERROR, the last stream processed): those streams finish, no new ones.
  void drain();
  bool want_read() const;
  bool want_write() const;
  // For streams: submit responses, consume windows, resume data.
  nghttp2_session* get() const { return ng_; }

 private:
  static int on_begin_frame(nghttp2_session*, const nghttp2_frame_hd*, void*);
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame*, void*);
  static int on_header(nghttp2_session*, const nghttp2_frame*, const uint8_t*, size_t,
                       const uint8_t*, size_t, uint8_t, void*);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame*, void*);
  static int on_data_chunk(nghttp2_session*, uint8_t, int32_t, const uint8_t*, size_t, void*);
  static int on_stream_close(nghttp2_session*, int32_t, uint32_t, void*);

  StreamEvents& events_;
  uint32_t max_header_list_;
  BlockCache blocks_;  // the session's allocator: outlives ng_ (deleted in the destructor)
  nghttp2_session* ng_ = nullptr;
  uint32_t failure_ = NGHTTP2_NO_ERROR;
  bool draining_ = false;
};

}  // namespace doorman::h2
