// StreamPipe: an in-process byte stream that stands in for the client socket of a Session, so
// one HTTP/2 stream runs through the very same request-path stages as an HTTP/1.1 connection
// (h2/stream.h feeds it an HTTP/1.1 request and turns what the stages write back into HTTP/2).
//
// Contract:
// - The owner implements pull() (bytes the session may read now) and push() (bytes the session
//   writes; the owner takes what fits). Both return 0 for "not now"; the waiting side sleeps
//   until the owner calls wake_reader() / wake_writer(). That is the backpressure: a session
//   writing a response waits for the HTTP/2 flow-control window, a session reading a body waits
//   for DATA frames, and nothing is buffered beyond the owner's bounded buffers.
// - close() ends the pipe for the session: a read returns EOF, a write fails with
//   broken_pipe, and waiting operations wake. The session's watchdog closes it on a timeout
//   (ClientStream::close), the owner on a stream reset.
// - take_final_head(): the stages hand over the upstream's final response head as they parsed
//   and checked it, instead of writing it as text; the owner frames it itself (h2: HEADERS from
//   the parsed fields, no HTTP/1.1 text made and parsed again). The body bytes follow through
//   async_write_some (or write_now()). An owner that cannot take it says false and the head is
//   written.
// - async_read_some/async_write_some accept any Asio completion token; an operation that can
//   complete at once is posted (never completed inside its initiation, which would recurse
//   through asio::async_write). A write takes as much of the whole buffer sequence as push()
//   takes (a gather write is one operation, not one per buffer).
// Thread safety: the worker's thread only.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstddef>
#include <span>
#include <string_view>
#include <utility>

#include "doorman/http_response.h"

namespace doorman::runtime {

class StreamPipe {
 public:
  explicit StreamPipe(const asio::any_io_executor& executor)
      : readable_(executor, std::chrono::steady_clock::time_point::max()),
        writable_(executor, std::chrono::steady_clock::time_point::max()) {}
  virtual ~StreamPipe() = default;
  StreamPipe(const StreamPipe&) = delete;
  StreamPipe& operator=(const StreamPipe&) = delete;

  // What pull() found: bytes copied, or the end of the input.
  struct Pulled {
    std::size_t size = 0;
    bool eof = false;
  };

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    const asio::mutable_buffer first = *asio::buffer_sequence_begin(buffers);
    return asio::async_compose<Token, void(asio::error_code, std::size_t)>(
        [this, first, result = Result{}](auto& self, asio::error_code = {}) mutable {
          if (result.ready) return self.complete(result.ec, result.n);
          if (closed_) {
            result = {true, asio::error::eof, 0};
          } else {
            const Pulled p = pull(std::span(static_cast<char*>(first.data()), first.size()));
            if (p.size == 0 && !p.eof && first.size() != 0)
              return readable_.async_wait(std::move(self));
            result = {true, p.size == 0 ? asio::error_code(asio::error::eof) : asio::error_code(),
                      p.size};
          }
          asio::post(std::move(self));
        },
        token, readable_);
  }

  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return asio::async_compose<Token, void(asio::error_code, std::size_t)>(
        [this, buffers, result = Result{}](auto& self, asio::error_code = {}) mutable {
          if (result.ready) return self.complete(result.ec, result.n);
          if (closed_) {
            result = {true, asio::error::broken_pipe, 0};
          } else {
            std::size_t n = 0;
            bool empty = true;
            for (auto it = asio::buffer_sequence_begin(buffers);
                 it != asio::buffer_sequence_end(buffers); ++it) {
              const asio::const_buffer b = *it;
              if (b.size() == 0) continue;
              empty = false;
              const std::size_t took =
                  push(std::span(static_cast<const char*>(b.data()), b.size()));
              n += took;
              if (took < b.size()) break;
            }
            if (n == 0 && !empty) return writable_.async_wait(std::move(self));
            result = {true, {}, n};
          }
          asio::post(std::move(self));
        },
        token, writable_);
  }

  // Takes at once what push() takes of `bytes`, with no operation and no post (a small body
  // fits whole); the caller writes the rest with async_write_some. 0 once closed (the async
  // write then reports it). REQUIRES: no async write of this pipe is in progress.
  std::size_t write_now(std::string_view bytes) {
    if (closed_ || bytes.empty()) return 0;
    return push(std::span(bytes.data(), bytes.size()));
  }

  // See the contract. REQUIRES: `head` is a final (non-1xx, non-101) head.
  virtual bool take_final_head(const ResponseHead& head, std::string_view extra) {
    (void)head, (void)extra;
    return false;
  }

  void wake_reader() { readable_.cancel(); }
  void wake_writer() { writable_.cancel(); }
  void close() {
    if (closed_) return;
    closed_ = true;
    wake_reader();
    wake_writer();
    on_close();
  }
  bool closed() const { return closed_; }

 protected:
  virtual Pulled pull(std::span<char> into) = 0;
  virtual std::size_t push(std::span<const char> bytes) = 0;
  virtual void on_close() {}

 private:
  struct Result {
    bool ready = false;
    asio::error_code ec;
    std::size_t n = 0;
  };
  // Timers that never expire, used as wait queues: cancel() wakes the waiter.
  asio::steady_timer readable_;
  asio::steady_timer writable_;
  bool closed_ = false;
};

}  // namespace doorman::runtime
