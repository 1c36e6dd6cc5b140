#include "h2/driver.h"

#include <asio/experimental/awaitable_operators.hpp>
#include <cstdio>

#include "h2/caps.h"
#include "h2/stream.h"
#include "runtime/worker.h"

namespace doorman::h2 {

using runtime::kNoThrow;
using runtime::Phase;

namespace {

constexpr auto kNever = std::chrono::steady_clock::time_point::max();

Driver& driver_of(void* user_data) {
  return *static_cast<Driver*>(user_data);
}

}  // namespace

Driver::Driver(runtime::Session& connection)
    : connection_(connection),
      wake_(connection.worker.context(), kNever),
      streams_done_(connection.worker.context(), kNever) {
  out_.reserve(2 * kWriteBatch);
}

Driver::~Driver() {
  if (ng_ != nullptr) nghttp2_session_del(ng_);
  connection_.h2 = nullptr;
}

bool Driver::open_session() {
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) return false;
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
  nghttp2_option* option = nullptr;
  if (nghttp2_option_new(&option) != 0) {
    nghttp2_session_callbacks_del(callbacks);
    return false;
  }
  // Windows reopen only as sessions read the bodies (backpressure, h2/stream.h).
  nghttp2_option_set_no_auto_window_update(option, 1);
  nghttp2_option_set_no_closed_streams(option, 1);
  nghttp2_option_set_max_continuations(option, kMaxContinuations);
  nghttp2_option_set_stream_reset_rate_limit(option, kResetBurst, kResetRate);
  nghttp2_option_set_max_outbound_ack(option, kMaxOutboundAck);
  nghttp2_option_set_max_settings(option, kMaxSettingsEntries);
  const int rv = nghttp2_session_server_new2(&ng_, callbacks, this, option);
  nghttp2_option_del(option);
  nghttp2_session_callbacks_del(callbacks);
  if (rv != 0) return false;
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, kMaxConcurrentStreams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kStreamWindow},
      {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, kHeaderTableSize},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, connection_.snapshot->config.limits.max_head_size},
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
  };
  if (nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, settings, std::size(settings)) != 0)
    return false;
  return nghttp2_session_set_local_window_size(ng_, NGHTTP2_FLAG_NONE, 0, kConnectionWindow) == 0;
}

asio::awaitable<void> Driver::run(std::string_view initial) {
  using namespace asio::experimental::awaitable_operators;
  if (!open_session()) co_return;
  connection_.h2 = this;
  idle_deadline();
  co_await (read_loop(initial) && write_loop());
  // Every stream's session points at this driver: end them and wait until they have.
  for (auto& [id, stream] : streams_) stream->abort();
  streams_.clear();
  while (running_ > 0) {
    streams_done_.expires_at(kNever);
    co_await streams_done_.async_wait(kNoThrow);
  }
}

void Driver::drain() {
  if (draining_ || ng_ == nullptr) return;
  draining_ = true;
  // RFC 9113 §6.8: the streams up to the last one processed still complete.
  nghttp2_submit_goaway(ng_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(ng_),
                        NGHTTP2_NO_ERROR, nullptr, 0);
  wake_writer();
}

void Driver::stream_started() {
  ++running_;
  if (!writing_done_) connection_.disarm();
}

void Driver::stream_finished() {
  --running_;
  if (running_ == 0) {
    streams_done_.cancel();
    idle_deadline();
  }
  wake_writer();
}

// No stream runs: the connection may stay open keepalive_idle for the next request.
void Driver::idle_deadline() {
  if (running_ == 0 && !reading_done_)
    connection_.arm(Phase::kKeepAliveIdle, connection_.snapshot->config.timeouts.keepalive_idle);
}

void Driver::fail(uint32_t error_code) {
  // nghttp2 queues GOAWAY unless it already did; the writer flushes it, then the loops end.
  nghttp2_session_terminate_session(ng_, error_code);
  wake_writer();
}

bool Driver::feed(std::string_view bytes) {
  const ssize_t rv =
      nghttp2_session_mem_recv(ng_, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (rv < 0) {
    fail(rv == NGHTTP2_ERR_FLOODED ? NGHTTP2_ENHANCE_YOUR_CALM : NGHTTP2_PROTOCOL_ERROR);
    return false;
  }
  wake_writer();
  return true;
}

asio::awaitable<void> Driver::read_loop(std::string_view initial) {
  runtime::Session& s = connection_;
  bool ok = initial.empty() || feed(initial);
  // A drain that began before the driver existed (the preface was still arriving): the streams
  // of the first flight are served, no more.
  if (s.closing) drain();
  s.in.begin = s.in.end = 0;
  while (ok && !writing_done_) {
    auto [ec, n] =
        co_await s.client.async_read_some(asio::buffer(s.in.data.get(), s.in.capacity), kNoThrow);
    if (ec || n == 0) break;
    ok = feed(std::string_view(s.in.data.get(), n));
  }
  reading_done_ = true;
  // A client that is gone cannot read a GOAWAY either: end the writer too.
  if (ok) writing_done_ = true;
  wake_writer();
}

asio::awaitable<void> Driver::write_loop() {
  runtime::Session& s = connection_;
  const auto body_idle = s.snapshot->config.timeouts.body_idle;
  while (!writing_done_) {
    out_.clear();
    while (out_.size() < kWriteBatch) {
      const uint8_t* data = nullptr;
      const ssize_t n = nghttp2_session_mem_send(ng_, &data);
      if (n < 0) {
        writing_done_ = true;
        break;
      }
      if (n == 0) break;
      out_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
    if (!out_.empty()) {
      // A client that stops reading holds this write: body_idle bounds it.
      s.arm(Phase::kBodyIdle, body_idle);
      auto [ec, written] = co_await asio::async_write(s.client, asio::buffer(out_), kNoThrow);
      if (running_ == 0)
        idle_deadline();
      else
        s.disarm();
      if (ec) break;
      continue;
    }
    if (reading_done_ || (!nghttp2_session_want_read(ng_) && !nghttp2_session_want_write(ng_)))
      break;
    wake_.expires_at(kNever);
    co_await wake_.async_wait(kNoThrow);
  }
  writing_done_ = true;
  // The reader may be waiting for bytes that will not matter any more.
  asio::error_code ignored;
  s.client.socket().cancel(ignored);
}

// --- nghttp2 callbacks ----------------------------------------------------------------------

Stream* Driver::stream_of(int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

int Driver::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  Driver& d = driver_of(user);
  if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  // A reload since the last stream applies from this one on: the stream keeps the generation
  // it starts with, and the connection's own timeouts follow the newest one.
  d.connection_.adopt_current_generation();
  d.streams_.emplace(frame->hd.stream_id,
                     std::make_shared<Stream>(d, frame->hd.stream_id, d.connection_.generation));
  return 0;
}

int Driver::on_header(nghttp2_session* ng, const nghttp2_frame* frame, const uint8_t* name,
                      size_t name_len, const uint8_t* value, size_t value_len, uint8_t,
                      void* user) {
  Stream* stream = driver_of(user).stream_of(frame->hd.stream_id);
  if (stream == nullptr || frame->hd.type != NGHTTP2_HEADERS) return 0;
  const bool trailer = frame->headers.cat == NGHTTP2_HCAT_HEADERS;
  const FieldOutcome outcome =
      stream->on_field(std::string_view(reinterpret_cast<const char*>(name), name_len),
                       std::string_view(reinterpret_cast<const char*>(value), value_len), trailer);
  if (outcome == FieldOutcome::kOk) return 0;
  // Over the header cap: refuse the stream (its bytes are not worth a reply); malformed:
  // RFC 9113 §8.1.1, a stream error of type PROTOCOL_ERROR.
  nghttp2_submit_rst_stream(
      ng, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
      outcome == FieldOutcome::kTooLarge ? NGHTTP2_ENHANCE_YOUR_CALM : NGHTTP2_PROTOCOL_ERROR);
  return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

int Driver::on_frame_recv(nghttp2_session* ng, const nghttp2_frame* frame, void* user) {
  Driver& d = driver_of(user);
  Stream* stream = d.stream_of(frame->hd.stream_id);
  if (stream == nullptr) return 0;
  const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    if (!stream->on_headers_end(end_stream))
      nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_PROTOCOL_ERROR);
    return 0;
  }
  if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) && end_stream)
    stream->on_end_stream();
  return 0;
}

int Driver::on_data_chunk(nghttp2_session* ng, uint8_t, int32_t id, const uint8_t* data, size_t len,
                          void* user) {
  Stream* stream = driver_of(user).stream_of(id);
  if (stream == nullptr) {
    nghttp2_session_consume(ng, id, len);
    return 0;
  }
  stream->on_data(std::span(data, len));
  return 0;
}

int Driver::on_stream_close(nghttp2_session*, int32_t id, uint32_t error_code, void* user) {
  Driver& d = driver_of(user);
  auto it = d.streams_.find(id);
  if (it == d.streams_.end()) return 0;
  std::shared_ptr<Stream> stream = std::move(it->second);
  d.streams_.erase(it);
  stream->on_closed(error_code);
  return 0;
}

}  // namespace doorman::h2
