#include "h2/driver.h"

#include <asio/experimental/awaitable_operators.hpp>
#include <cstdio>

#include "doorman/h2_caps.h"
#include "h2/stream.h"
#include "runtime/recycling_allocator.h"
#include "runtime/worker.h"

namespace doorman::h2 {

using runtime::kNoThrow;
using runtime::Phase;

namespace {

constexpr auto kNever = std::chrono::steady_clock::time_point::max();

}  // namespace

Driver::Driver(runtime::Session& connection)
    : connection_(connection),
      core_(*this, connection.snapshot->config.limits.max_head_size),
      wake_(connection.worker.context(), kNever),
      streams_done_(connection.worker.context(), kNever) {
  out_.reserve(2 * kWriteBatch);
}

Driver::~Driver() {
  connection_.h2 = nullptr;
}

asio::awaitable<void> Driver::run(std::string_view initial) {
  using namespace asio::experimental::awaitable_operators;
  if (!core_.open()) co_return;
  opened_ = true;
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
  if (draining_ || !opened_) return;
  draining_ = true;
  core_.drain();
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

bool Driver::feed(std::string_view bytes) {
  const bool ok = core_.feed(bytes);  // on a failure, GOAWAY is queued: the writer flushes it
  // Streams whose head arrived in these bytes start now, unless the client reset them meanwhile.
  for (int32_t id : to_start_)
    if (Stream* stream = stream_of(id); stream != nullptr && ok) stream->start();
  to_start_.clear();
  wake_writer();
  return ok;
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
        co_await s.client.async_read_some(asio::buffer(s.in.data, s.in.capacity), kNoThrow);
    if (ec || n == 0) break;
    ok = feed(std::string_view(s.in.data, n));
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
    if (!core_.take_output(out_, kWriteBatch)) writing_done_ = true;
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
    if (reading_done_ || (!core_.want_read() && !core_.want_write())) break;
    wake_.expires_at(kNever);
    co_await wake_.async_wait(kNoThrow);
  }
  writing_done_ = true;
  // The reader may be waiting for bytes that will not matter any more.
  asio::error_code ignored;
  s.client.socket().cancel(ignored);
}

// --- StreamEvents: the session's reports, handed to the streams ------------------------------

Stream* Driver::stream_of(int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void Driver::on_request_begin(int32_t id) {
  // A reload since the last stream applies from this one on: the stream keeps the generation
  // it starts with, and the connection's own timeouts follow the newest one.
  connection_.adopt_current_generation();
  streams_.emplace(id, std::allocate_shared<Stream>(runtime::RecyclingAllocator<Stream>{}, *this,
                                                    id, connection_.generation));
}

FieldOutcome Driver::on_field(int32_t id, std::string_view name, std::string_view value,
                              bool trailer) {
  Stream* stream = stream_of(id);
  return stream == nullptr ? FieldOutcome::kOk : stream->on_field(name, value, trailer);
}

bool Driver::on_headers_end(int32_t id, bool end_stream) {
  Stream* stream = stream_of(id);
  if (stream == nullptr) return true;
  if (!stream->on_headers_end(end_stream)) return false;
  to_start_.push_back(id);
  return true;
}

bool Driver::on_data(int32_t id, std::span<const uint8_t> bytes) {
  Stream* stream = stream_of(id);
  if (stream == nullptr) return false;
  stream->on_data(bytes);
  return true;
}

void Driver::on_end_stream(int32_t id) {
  if (Stream* stream = stream_of(id)) stream->on_end_stream();
}

void Driver::on_closed(int32_t id, uint32_t error_code) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  std::shared_ptr<Stream> stream = std::move(it->second);
  streams_.erase(it);
  stream->on_closed(error_code);
}

}  // namespace doorman::h2
