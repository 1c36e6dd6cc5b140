// Session: the state of one client connection that the request path stages share, and Exchange:
// the record of one request on it.
//
// Contract:
// - A Session belongs to one Connection on one worker thread; its buffers, parsers and rewrite
//   pieces are allocated once per connection and reused for every request on it (no per-request
//   heap churn on the hot path).
// - `in` holds client bytes: [in.begin, in.end) starts at the current request's first byte until
//   its head has been forwarded; leftover bytes after a request are the next pipelined one.
//   `out` holds upstream response bytes the same way.
// - Timeouts are one deadline per connection, checked by a watchdog coroutine (Asio's
//   cpp20 examples): arm() moves the deadline (a clock read, no syscall unless the deadline moves
//   earlier than the watchdog's next wake-up). When it passes, the watchdog closes the sockets the
//   phase is waiting on and records the phase in timed_out, so the stage that was waiting sees
//   an error and can answer 504 (upstream phases) or give up (client phases).
// Thread safety: the owning worker's thread only.
#pragma once

#include <array>
#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <chrono>
#include <cstring>
#include <memory>

#include "doorman/http_request.h"
#include "doorman/http_response.h"
#include "doorman/http_rewrite.h"
#include "doorman/ip_address.h"
#include "doorman/proxy_protocol.h"
#include "runtime/client_stream.h"
#include "runtime/snapshot.h"
#include "upstream/pool.h"

namespace doorman::h2 {
class Driver;  // h2/driver.h
}

namespace doorman::runtime {

class Worker;
using Protocol = asio::generic::stream_protocol;
inline constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);

// A fixed-capacity byte buffer with a window [begin, end) of unconsumed bytes.
struct ByteBuffer {
  std::unique_ptr<char[]> data;
  std::size_t capacity = 0;
  std::size_t begin = 0;
  std::size_t end = 0;

  void allocate(std::size_t n) {
    data.reset(new char[n]);  // not make_unique: no need to zero what reads overwrite
    capacity = n;
  }
  std::size_t size() const { return end - begin; }
  bool empty() const { return begin == end; }
  std::string_view view() const { return {data.get() + begin, end - begin}; }
  void consume(std::size_t n) {
    begin += n;
    if (begin == end) begin = end = 0;
  }
  // Moves the window to the front so a read has room; views into the old place die.
  void compact() {
    if (begin == 0) return;
    std::memmove(data.get(), data.get() + begin, end - begin);
    end -= begin;
    begin = 0;
  }
  asio::mutable_buffer free_space() { return {data.get() + end, capacity - end}; }
  bool full() const { return end == capacity; }
};

enum class Phase : uint8_t {
  kNone,
  kRequestHead,    // first byte to end of head (slowloris), also a new connection's first byte
  kKeepAliveIdle,  // between requests
  kUpstreamConnect,
  kUpstreamHead,  // request sent, waiting for the response head
  kBodyIdle,      // streaming a body either way
};

struct Session {
  Session(Worker& w, const Snapshot& s, Protocol::socket socket, asio::io_context& context)
      : worker(w), snapshot(s), client(std::move(socket)), watchdog(context) {}

  Worker& worker;
  const Snapshot& snapshot;
  ClientStream client;  // plain, or TLS after request_path/tls.cc
  IpAddress peer;       // IPv4-mapped normalized; 127.0.0.1 for a unix listener
  bool unix_listener = false;
  // PROXY protocol listeners (request_path/proxy_header.h): the TCP peer, kept for logs when the
  // header's source became `peer`, and the header itself with its TLVs.
  IpAddress socket_peer;
  const config::ListenerSection* listener = nullptr;  // set by Connection::start
  bool peer_from_proxy_protocol = false;
  std::unique_ptr<ProxyHeader> proxy_header;
  // HTTP/2 (h2/): on the connection's session, its driver while it serves h2 (drain() goes
  // there); on a stream's session, the stream id (the logs' "protocol": "h2").
  h2::Driver* h2 = nullptr;
  uint32_t h2_stream_id = 0;

  ByteBuffer in;
  ByteBuffer out;
  RequestHeadParser request_parser;
  ResponseHeadParser response_parser;
  HeadPieces request_pieces;
  HeadPieces response_pieces;
  std::array<char, kRewriteScratchSize> scratch;
  std::array<char, 512> reply;  // local replies and small heads doorman writes
  std::array<asio::const_buffer, HeadPieces::kMaxPieces + 1> gather;  // one writev per head
  std::unique_ptr<upstream::UpstreamConnection> upstream;

  asio::steady_timer watchdog;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point watchdog_wakes =
      std::chrono::steady_clock::time_point::max();
  Phase phase = Phase::kNone;
  Phase timed_out = Phase::kNone;
  bool first_request = true;  // its head timer started at accept
  bool idle = false;          // waiting for the first byte of a request: drain may close now
  bool closing = false;       // draining: answer "Connection: close" and stop after this request
  bool done = false;
  // A response broke after its head went out: the client connection is reset (no FIN, no TLS
  // close_notify), so even a close-delimited body cannot look complete.
  bool truncated = false;

  // Returns the clock reading it used, so a stage that also times itself (the upstream connect,
  // request_path/upstream.cc) needs no second read.
  std::chrono::steady_clock::time_point arm(Phase p, std::chrono::milliseconds d) {
    phase = p;
    const auto now = std::chrono::steady_clock::now();
    deadline = now + d;
    // The watchdog sleeps until watchdog_wakes; wake it only if the deadline moved earlier.
    if (deadline < watchdog_wakes) watchdog.cancel();
    return now;
  }
  void disarm() { phase = Phase::kNone; }
  void close_upstream() {
    if (!upstream) return;
    asio::error_code ignored;
    upstream->socket.close(ignored);
    upstream.reset();
  }
  void reset_client() {
    asio::error_code ignored;
    client.socket().set_option(asio::socket_base::linger(true, 0), ignored);
    client.close(ignored);
  }
  void close_client() {
    asio::error_code ignored;
    client.shutdown(Protocol::socket::shutdown_both, ignored);
    client.close(ignored);
  }
};

}  // namespace doorman::runtime
