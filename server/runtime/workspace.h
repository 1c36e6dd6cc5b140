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
// - The pool keeps at most kMaxFree workspaces (a burst's extra ones are freed), so what an idle
//   worker holds is bounded whatever its peak concurrency was.
// Thread safety: the owning worker's thread only.
#pragma once

#include <array>
#include <asio.hpp>
#include <memory>
#include <vector>

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
  static constexpr std::size_t kMaxFree = 64;

  WorkspacePool() { free_.reserve(kMaxFree); }

  std::unique_ptr<Workspace> take(const config::LimitsSection& limits);
  void give(std::unique_ptr<Workspace> workspace);

 private:
  std::vector<std::unique_ptr<Workspace>> free_;
};

}  // namespace doorman::runtime
