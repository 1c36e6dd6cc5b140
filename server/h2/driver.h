// Driver: one HTTP/2 connection (RFC 9113) on a client connection whose ALPN chose "h2", or a
// plain one that opened with the h2c preface: a ServerSession (doorman/h2_session.h, libnghttp2)
// does the framing, HPACK, flow control, SETTINGS and caps; the driver moves bytes between the
// socket and it and gives each request stream to a Stream (h2/stream.h), which runs the same
// request-path stages as HTTP/1.1.
//
// Contract:
// - run() serves until the connection ends: the client closes, a protocol error or a flood
//   (nghttp2 sends GOAWAY and the connection closes), a timeout, or a drain. It returns after
//   every stream's session has ended (the streams point at the driver).
// - One reader coroutine feeds nghttp2; one writer coroutine sends what nghttp2 has queued in
//   batches of kWriteBatch and sleeps when there is nothing (streams wake it).
// - Timeouts use the connection session's watchdog: while no stream runs, keepalive_idle; a
//   write that does not complete within body_idle (a client that stopped reading) closes the
//   connection. Each stream's session has its own watchdog for the request phases.
// - drain() (the worker's drain, a reload) sends GOAWAY with the last stream id processed:
//   streams already accepted finish, new ones are refused, then the connection closes.
// - Caps (doorman/h2_caps.h, enforced by the ServerSession): concurrent streams, header list
//   size, HPACK table, CONTINUATION frames, RST_STREAM rate (rapid reset), SETTINGS/PING ACK
//   backlog; past a connection cap the session queues GOAWAY and the connection closes.
// Thread safety: the connection's worker thread only.
#pragma once

#include <asio.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "doorman/h2_session.h"
#include "h2/response_fields.h"
#include "runtime/session.h"

namespace doorman::h2 {

class Stream;

class Driver : private StreamEvents {
 public:
  explicit Driver(runtime::Session& connection);
  ~Driver();
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // `initial`: bytes already read from the client (the h2c preface and what followed it).
  asio::awaitable<void> run(std::string_view initial);
  void drain();

  // For streams.
  runtime::Session& connection() { return connection_; }
  nghttp2_session* session() { return core_.get(); }
  void wake_writer() { wake_.cancel(); }
  void stream_started();
  void stream_finished();
  // Scratch for a stream's response fields between converting and submitting them (nghttp2
  // copies them): one per connection, so a stream costs no allocation for them.
  Fields& fields() { return fields_; }

 private:
  asio::awaitable<void> read_loop(std::string_view initial);
  asio::awaitable<void> write_loop();
  bool feed(std::string_view bytes);
  void idle_deadline();

  // StreamEvents: nghttp2's reports, handed to the streams.
  void on_request_begin(int32_t id) override;
  FieldOutcome on_field(int32_t id, std::string_view name, std::string_view value,
                        bool trailer) override;
  bool on_headers_end(int32_t id, bool end_stream) override;
  bool on_data(int32_t id, std::span<const uint8_t> bytes) override;
  void on_end_stream(int32_t id) override;
  void on_closed(int32_t id, uint32_t error_code) override;
  Stream* stream_of(int32_t id);

  runtime::Session& connection_;
  ServerSession core_;
  bool opened_ = false;
  std::unordered_map<int32_t, std::shared_ptr<Stream>> streams_;
  asio::steady_timer wake_;          // the writer sleeps here
  asio::steady_timer streams_done_;  // run() waits here for the last stream to end
  std::string out_;
  Fields fields_;
  std::vector<int32_t> to_start_;  // heads complete in the bytes being fed
  std::size_t running_ = 0;        // streams whose session is alive
  bool reading_done_ = false;
  bool writing_done_ = false;
  bool draining_ = false;
};

}  // namespace doorman::h2
