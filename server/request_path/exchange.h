// Exchange: what the request path knows about one request, filled in stage by stage
// (request_head -> route -> client_ip -> rewrite -> upstream -> access_log) and read by the
// access log at the end. Views into the client buffer are valid only until the body is
// streamed; the fields the log needs are copied (bounded) into `log` when logging is on.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "doorman/client_ip.h"
#include "doorman/http_request.h"
#include "local_reply.h"
#include "request_path/rate_limit_note.h"
#include "runtime/snapshot.h"

namespace doorman::request_path {

// Bounded copies for the access log (truncated, never allocated). Only the first *_size bytes
// of each array are ever read, so the arrays are left uninitialized: zeroing their 368 bytes
// for every request would write cache lines that capture() mostly does not need.
struct LogFields {
  std::array<char, 16> method;
  std::array<char, 96> host;
  std::array<char, 256> target;
  std::size_t method_size = 0, host_size = 0, target_size = 0;
  void capture(const RequestHead& head);
  std::string_view method_view() const { return {method.data(), method_size}; }
  std::string_view host_view() const { return {host.data(), host_size}; }
  std::string_view target_view() const { return {target.data(), target_size}; }
};

// When the upstream stage reached each step (docs/logs.md: upstream_connect_ms,
// upstream_ttfb_ms, upstream_reused). A default (zero) time point means "did not happen": a
// local reply, builtin:echo, a reused connection (no connect), a failure before the step. One
// clock read per step, no allocation. A retry on a fresh connection overwrites them.
struct UpstreamTiming {
  using TimePoint = std::chrono::steady_clock::time_point;
  TimePoint connect_started{};  // a NEW connection's connect began
  TimePoint connected{};        // ... and succeeded
  TimePoint head_sent{};        // the request head (and the body bytes read with it) was written
  TimePoint first_byte{};       // the first byte of the upstream's response arrived
  bool reused = false;          // the request went out on a pooled keep-alive connection
  // Whether a real upstream connection (new or pooled) was involved at all.
  bool used() const { return reused || connect_started != TimePoint{}; }
};

// The Cloudflare Access stage's outcome (request_path/access.h): the verified identity the app
// gets in the route's email_header / subject_header.
struct AccessIdentity {
  bool checked = false;     // the route has [route.access]
  std::string_view reason;  // access_reason_name(): "ok", "access-token-missing", ...
  std::string email;
  std::string subject;
};

struct Exchange {
  std::chrono::steady_clock::time_point started;
  const RequestHead* head = nullptr;  // valid until the body is streamed
  std::size_t head_size = 0;          // bytes of the head in the client buffer
  HttpVersion version = HttpVersion::k11;
  Method method = Method::kOther;
  bool head_request = false;

  const config::RouteSection* route = nullptr;
  const runtime::RouteRuntime* route_runtime = nullptr;
  ClientIpDecision identity;
  std::array<char, 32> request_id{};

  int status = 0;  // what the client got
  Reason reason = Reason::kNone;
  std::string_view reason_detail;  // static text (identity reason, parser code)
  uint64_t bytes_in = 0;           // request body bytes forwarded
  uint64_t bytes_out = 0;          // response body bytes sent to the client
  bool keep_alive = false;         // the client connection may serve another request
  bool upgrade = false;            // the request asked to switch protocols (Connection: upgrade)
  bool upgraded = false;
  bool request_consumed = false;  // head and body are out of the client buffer
  bool sent_continue = false;     // doorman answered Expect: 100-continue itself
  bool retried = false;
  RateLimitNote rate_limit;  // the rate_limit stage's outcome and response fields
  AccessIdentity access;
  UpstreamTiming upstream_timing;
  LogFields log;
};

}  // namespace doorman::request_path
