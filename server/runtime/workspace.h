// Workspace: the memory one request in flight works in (the head parsers, the rewrite pieces and
// their scratch, the gather array, small replies, the client and upstream byte buffers, and the
// request's Exchange record), and WorkspacePool, a worker's free list of them.
//
// Contract:
// - A Session takes a workspace when a request's first bytes are there (Session::ensure_buffers)
//   and gives it back while it waits idle for the next one (Session::release_buffers) or ends: an
//   idle keep-alive connection holds none, and a new connection reuses a warm one instead of
//   allocating and clearing ~90 KiB.
// - take() returns a workspace whose parsers and buffers fit the given [limits] (a reload may
//   change them: a free one that does not fit is rebuilt). Its buffers' contents, the parsers'
//   state and the pieces are whatever the last user left: every stage resets what it uses.
// - The pool keeps kMaxFree free workspaces however long they sit. Above that it keeps the ones
//   it handed out within the last excess_grace (1 s), so a worker whose requests in flight swing
//   between a few and a few hundred (HTTP/2 streams finishing a batch at a time) reuses them
//   instead of freeing and rebuilding the difference on every swing; older ones are freed,
//   least recently used first, whenever a workspace is given back or trim() runs. The worker runs
//   trim() a grace period after a give() leaves some above kMaxFree (runtime/worker.h), so what
//   an idle worker holds falls back to kMaxFree whatever its peak concurrency was.
// Thread safety: the owning worker's thread only.
#pragma once

#include <array>
#include <asio.hpp>
#include <chrono>
#include <deque>
#include <memory>

#include "config/config.h"
#include "doorman/http_request.h"
#include "doorman/http_response.h"
#include "doorman/http_rewrite.h"
#include "request_path/exchange.h"

namespace doorman::runtime {

struct Workspace {
  explicit Workspace(const config::LimitsSection& limits);
  // Whether the parsers were made for these limits and the buffers are large enough.
  bool fits(const config::LimitsSection& limits) const {
    return limits.max_head_size == max_head_size && limits.max_uri_length == max_uri_length &&
           buffer_bytes >= buffer_size(limits);
  }
  // Remakes the parsers for these limits (the caller sees to the buffers' size).
  void refit(const config::LimitsSection& limits);
  // The byte buffers' size for these limits: the head with room to spare for the body bytes
  // that arrive with it.
  static std::size_t buffer_size(const config::LimitsSection& limits) {
    return std::size_t{limits.max_head_size} + 16384;
  }
  // The exchange, made afresh for the next request (default-initialized, as a local would be).
  // It lives here, not in the serving coroutine's frame: a frame that large would cost one more
  // heap allocation per request.
  request_path::Exchange& fresh_exchange() {
    std::destroy_at(&exchange);
    return *::new (static_cast<void*>(&exchange)) request_path::Exchange;
  }

  uint32_t max_head_size;
  uint32_t max_uri_length;
  std::size_t buffer_bytes;
  std::unique_ptr<char[]> in_bytes;   // Session::in's storage
  std::unique_ptr<char[]> out_bytes;  // Session::out's storage
  RequestHeadParser request_parser;
  ResponseHeadParser response_parser;
  HeadPieces request_pieces;
  HeadPieces response_pieces;
  std::array<char, kRewriteScratchSize> scratch;
  std::array<char, 512> reply;  // local replies and small heads doorman writes
  std::array<asio::const_buffer, HeadPieces::kMaxPieces + 1> gather;  // one writev per head
  request_path::Exchange
      exchange;  // the request in flight (an HTTP/1.1 connection's or an h2 stream's)
};

class WorkspacePool {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kMaxFree = 64;
  static constexpr std::chrono::milliseconds kExcessGrace{1000};

  explicit WorkspacePool(Clock::duration excess_grace = kExcessGrace)
      : excess_grace_(excess_grace) {}

  // The most recently given back workspace that fits (the warmest), or a new one.
  std::unique_ptr<Workspace> take(const config::LimitsSection& limits);
  // Keeps `workspace` for reuse. True when more than kMaxFree are free afterwards: the caller
  // runs trim() once they may have aged (the worker arms a timer).
  bool give(std::unique_ptr<Workspace> workspace, Clock::time_point now = Clock::now());
  // Frees the free workspaces above kMaxFree that have not been handed out for excess_grace.
  // True when some above kMaxFree remain (younger ones).
  bool trim(Clock::time_point now = Clock::now());
  // Frees every free workspace above kMaxFree now (a draining worker keeps no burst's worth).
  void drop_excess();
  std::size_t free_count() const { return free_.size(); }

 private:
  struct Free {
    std::unique_ptr<Workspace> workspace;
    Clock::time_point given_at;
  };
  Clock::duration excess_grace_;
  std::deque<Free> free_;  // back: most recently given back; front: idle the longest
};

}  // namespace doorman::runtime
