// Session: the state of one client connection that the request path stages share, and Exchange:
// the record of one request on it.
//
// Contract:
// - A Session belongs to one Connection on one worker thread. The memory a request works in
//   (parsers, rewrite pieces, byte buffers: runtime/workspace.h) is taken from the worker's pool
//   when a request's first bytes are there (ensure_buffers) and given back while a plain
//   connection waits idle for the next one (release_buffers), so an idle keep-alive connection
//   holds its socket, this Session and its coroutine frames only.
// - `generation` is the snapshot (and upstream pool) of the request in flight; `snapshot` points
//   into it. start_request() picks up the worker's current generation at a request boundary, so
//   a reload never changes the configuration under a request (runtime/generation.h). An HTTP/2
//   stream's session (client.is_pipe()) keeps the generation its stream started with: it serves
//   one request; the connection's session adopts the current one as each stream starts.
// - `in` holds client bytes: [in.begin, in.end) starts at the current request's first byte until
//   its head has been forwarded; leftover bytes after a request are the next pipelined one.
//   `out` holds upstream response bytes the same way.
// - Timeouts are one deadline per connection, checked by a watchdog (Asio's
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
#include "runtime/generation.h"
#include "runtime/snapshot.h"
#include "runtime/workspace.h"
#include "upstream/pool.h"

namespace doorman::h2 {
class Driver;  // h2/driver.h
}
namespace doorman::tls {
struct ClientCertificate;  // tls/client_certificate.h
}

namespace doorman::runtime {

class Worker;
using Protocol = asio::generic::stream_protocol;
inline constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
using WatchdogTimer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                                 asio::wait_traits<std::chrono::steady_clock>,
                                                 asio::io_context::executor_type>;
// Bytes an idle connection reads before it takes a workspace (a typical API request's head).
inline constexpr std::size_t kFirstReadSize = 256;

// A fixed-capacity byte buffer with a window [begin, end) of unconsumed bytes. Its storage is
// the session's workspace's (runtime/workspace.h): unbound (null, capacity 0) while it has none.
struct ByteBuffer {
  char* data = nullptr;
  std::size_t capacity = 0;
  std::size_t begin = 0;
  std::size_t end = 0;

  void bind(char* storage, std::size_t n) {
    data = storage;
    capacity = n;
    begin = end = 0;
  }
  void unbind() { bind(nullptr, 0); }
  std::size_t size() const { return end - begin; }
  bool empty() const { return begin == end; }
  std::string_view view() const { return {data + begin, end - begin}; }
  void consume(std::size_t n) {
    begin += n;
    if (begin == end) begin = end = 0;
  }
  // Moves the window to the front so a read has room; views into the old place die.
  void compact() {
    if (begin == 0) return;
    std::memmove(data, data + begin, end - begin);
    end -= begin;
    begin = 0;
  }
  asio::mutable_buffer free_space() { return {data + end, capacity - end}; }
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
  Session(Worker& w, std::shared_ptr<Generation> g, Protocol::socket socket,
          asio::io_context& context)
      : worker(w),
        generation(std::move(g)),
        snapshot(generation->snapshot.get()),
        accepted_with(generation->snapshot),
        client(std::move(socket)),
        watchdog(context) {}
  ~Session();  // gives the workspace back
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Worker& worker;
  std::shared_ptr<Generation> generation;  // of the request in flight
  const Snapshot* snapshot;                // generation->snapshot
  // The snapshot `listener` points into (the one current at accept), kept for the connection's
  // life: its TLS context and PROXY settings stay those the connection was accepted with.
  std::shared_ptr<const Snapshot> accepted_with;
  ClientStream client;  // plain, or TLS after request_path/tls.cc
  IpAddress peer;       // IPv4-mapped normalized; 127.0.0.1 for a unix listener
  bool unix_listener = false;
  // PROXY protocol listeners (request_path/proxy_header.h): the TCP peer, kept for logs when the
  // header's source became `peer`, and the header itself with its TLVs.
  IpAddress socket_peer;
  const config::ListenerSection* listener = nullptr;  // set by Connection::start
  bool peer_from_proxy_protocol = false;
  std::unique_ptr<ProxyHeader> proxy_header;
  // TLS listeners with client_ca / client_auth (request_path/tls.h): the connection's client
  // certificate as verified once after the handshake; shared with its HTTP/2 streams. Null when
  // no certificate was requested.
  std::shared_ptr<const tls::ClientCertificate> client_certificate;
  // HTTP/2 (h2/): on the connection's session, its driver while it serves h2 (drain() goes
  // there); on a stream's session, the stream id (the logs' "protocol": "h2").
  h2::Driver* h2 = nullptr;
  uint32_t h2_stream_id = 0;

  ByteBuffer in;
  ByteBuffer out;
  // The parsers, rewrite pieces, scratch, gather array and in/out's storage: held from a
  // request's first bytes until the connection waits idle again (ensure_buffers).
  std::unique_ptr<Workspace> ws;
  // An idle plain connection reads the next request's first bytes here, holding no workspace:
  // a small request arrives with one read and no extra call to ask whether bytes are there.
  std::array<char, kFirstReadSize> first_bytes;
  std::unique_ptr<upstream::UpstreamConnection> upstream;

  // Bound to the worker's io_context executor type, not the polymorphic any_io_executor: the
  // timer and its pending wait are ~100 bytes smaller, which every idle connection pays.
  WatchdogTimer watchdog;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point watchdog_wakes =
      std::chrono::steady_clock::time_point::max();
  Phase phase = Phase::kNone;
  Phase timed_out = Phase::kNone;
  bool first_request = true;  // its head timer started at accept
  bool idle = false;          // waiting for the first byte of a request: drain cancels the wait
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
  upstream::Pool& pool() { return generation->pool; }
  // A workspace (buffers, parsers) for the generation's [limits]: taken from the worker's pool
  // if the session has none; refitted, keeping unread bytes, if a reload changed the limits.
  void ensure_buffers();
  // Gives the workspace back to the worker's pool unless client bytes wait unread in `in`
  // (what `out` holds then belongs to a finished response).
  void release_buffers();
  // At a request boundary: adopt the worker's current generation (a reload since the last
  // request takes effect here) and make sure the buffers are there.
  void start_request();
  // Adopts the worker's current generation; false when it was current already.
  bool adopt_current_generation();
  void close_upstream() {
    if (!upstream) return;
    asio::error_code ignored;
    upstream->socket.close(ignored);
    upstream.reset();
  }
  // A reset for the client connection. An HTTP/2 stream's client is a pipe whose socket() is the
  // carrying connection's: only the pipe closes (the stream is reset, h2/stream.h), never the
  // connection that other streams share.
  void reset_client() {
    asio::error_code ignored;
    if (client.is_pipe()) return client.close(ignored);
    client.socket().set_option(asio::socket_base::linger(true, 0), ignored);
    client.close(ignored);
  }
  // close() alone sends the FIN (or the RST when unread bytes remain) as shutdown() would: no
  // process shares the descriptor.
  void close_client() {
    asio::error_code ignored;
    client.close(ignored);
  }
};

}  // namespace doorman::runtime
