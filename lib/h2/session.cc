#include "doorman/h2_session.h"

#include <iterator>

#include "doorman/h2_caps.h"

namespace doorman::h2 {
namespace {

StreamEvents& events_of(void* user) {
  return *static_cast<StreamEvents*>(user);
}

std::string_view view(const uint8_t* p, size_t n) {
  return std::string_view(reinterpret_cast<const char*>(p), n);
}

}  // namespace

ServerSession::ServerSession(StreamEvents& events, uint32_t max_header_list)
    : events_(events), max_header_list_(max_header_list) {}

ServerSession::~ServerSession() {
  if (ng_ != nullptr) nghttp2_session_del(ng_);
}

bool ServerSession::open() {
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) return false;
  nghttp2_session_callbacks_set_on_begin_frame_callback(callbacks, on_begin_frame);
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
  // Windows reopen only as the streams forward the bodies (backpressure).
  nghttp2_option_set_no_auto_window_update(option, 1);
  nghttp2_option_set_no_closed_streams(option, 1);
  nghttp2_option_set_max_continuations(option, kMaxContinuations);
  nghttp2_option_set_stream_reset_rate_limit(option, kResetBurst, kResetRate);
  nghttp2_option_set_max_outbound_ack(option, kMaxOutboundAck);
  nghttp2_option_set_max_settings(option, kMaxSettingsEntries);
  // The StreamEvents is the user data: the callbacks need nothing else of this class.
  const int rv = nghttp2_session_server_new3(&ng_, callbacks, &events_, option, blocks_.mem());
  nghttp2_option_del(option);
  nghttp2_session_callbacks_del(callbacks);
  if (rv != 0) {
    ng_ = nullptr;
    return false;
  }
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, kMaxConcurrentStreams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kStreamWindow},
      {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, kHeaderTableSize},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, max_header_list_},
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
  };
  if (nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, settings, std::size(settings)) != 0)
    return false;
  return nghttp2_session_set_local_window_size(ng_, NGHTTP2_FLAG_NONE, 0, kConnectionWindow) == 0;
}

bool ServerSession::feed(std::string_view bytes) {
  const ssize_t rv =
      nghttp2_session_mem_recv(ng_, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (rv >= 0) return true;
  // A flood (ACKs owed, CONTINUATION frames) is the client's abuse; anything else, a protocol
  // error. nghttp2 queues GOAWAY unless it already did.
  failure_ = rv == NGHTTP2_ERR_FLOODED || rv == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS
                 ? NGHTTP2_ENHANCE_YOUR_CALM
                 : NGHTTP2_PROTOCOL_ERROR;
  nghttp2_session_terminate_session(ng_, failure_);
  return false;
}

bool ServerSession::take_output(std::string& out, std::size_t batch) {
  const std::size_t limit = out.size() + batch;
  while (out.size() < limit) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(ng_, &data);
    if (n < 0) return false;
    if (n == 0) break;
    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
  return true;
}

void ServerSession::terminate(uint32_t error_code) {
  nghttp2_session_terminate_session(ng_, error_code);
}

void ServerSession::drain() {
  if (draining_) return;
  draining_ = true;
  // RFC 9113 §6.8: the streams up to the last one processed still complete.
  nghttp2_submit_goaway(ng_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(ng_),
                        NGHTTP2_NO_ERROR, nullptr, 0);
}

bool ServerSession::want_read() const {
  return nghttp2_session_want_read(ng_) != 0;
}

bool ServerSession::want_write() const {
  return nghttp2_session_want_write(ng_) != 0;
}

// --- nghttp2 callbacks ----------------------------------------------------------------------

int ServerSession::on_begin_frame(nghttp2_session*, const nghttp2_frame_hd* hd, void* user) {
  events_of(user).on_frame_begin(*hd);
  return 0;
}

int ServerSession::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
    events_of(user).on_request_begin(frame->hd.stream_id);
  return 0;
}

int ServerSession::on_header(nghttp2_session* ng, const nghttp2_frame* frame, const uint8_t* name,
                             size_t name_len, const uint8_t* value, size_t value_len, uint8_t,
                             void* user) {
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  const bool trailer = frame->headers.cat == NGHTTP2_HCAT_HEADERS;
  const FieldOutcome outcome = events_of(user).on_field(frame->hd.stream_id, view(name, name_len),
                                                        view(value, value_len), trailer);
  if (outcome == FieldOutcome::kOk) return 0;
  // Over the header cap: refuse the stream (its bytes are not worth a reply); malformed:
  // RFC 9113 §8.1.1, a stream error of type PROTOCOL_ERROR.
  nghttp2_submit_rst_stream(
      ng, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
      outcome == FieldOutcome::kTooLarge ? NGHTTP2_ENHANCE_YOUR_CALM : NGHTTP2_PROTOCOL_ERROR);
  return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

int ServerSession::on_frame_recv(nghttp2_session* ng, const nghttp2_frame* frame, void* user) {
  StreamEvents& events = events_of(user);
  events.on_frame(*frame);
  const int32_t id = frame->hd.stream_id;
  const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    if (!events.on_headers_end(id, end_stream))
      nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, id, NGHTTP2_PROTOCOL_ERROR);
    return 0;
  }
  if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) && end_stream)
    events.on_end_stream(id);
  return 0;
}

int ServerSession::on_data_chunk(nghttp2_session* ng, uint8_t, int32_t id, const uint8_t* data,
                                 size_t len, void* user) {
  if (!events_of(user).on_data(id, std::span(data, len))) nghttp2_session_consume(ng, id, len);
  return 0;
}

int ServerSession::on_stream_close(nghttp2_session*, int32_t id, uint32_t error_code, void* user) {
  events_of(user).on_closed(id, error_code);
  return 0;
}

}  // namespace doorman::h2
