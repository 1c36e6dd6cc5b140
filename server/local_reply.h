// Local replies: every response doorman writes itself, and the ONE place where a failure maps to
// an HTTP status (STYLE.md habit 4).
//
// Contract:
// - Each Reason has a stable reason code (kebab-case, printed by the access log and in the short
//   text body), a status and the party at fault (Pingora's ErrorSource idea): the client
//   (malformed or over-limit requests), policy (no route, identity), the upstream (refused,
//   reset, timed out, malformed), or doorman itself (capacity).
// - Upstream faults carry a detail word (upstream/fault.h: refused, unreachable, reset, eof,
//   ...) in Exchange::reason_detail; the reason code itself never changes with it.
// - upstream-truncated is no reply: the upstream's response broke after its head went to the
//   client (reset, early close, body_idle passed, bad chunked framing), so the client has the
//   upstream's status and its connection (or HTTP/2 stream) is reset; the reason names the
//   fault in the logs and metrics beside that status.
// - render_local_reply() writes the whole response (head and short text body) into `out` and
//   returns the bytes; no allocation. A HEAD request gets the head only (RFC 9110 §9.3.2).
// Thread safety: pure functions over constant tables.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "doorman/result.h"

namespace doorman {

enum class Reason : uint8_t {
  kNone,                    // not a local reply
  kNoRoute,                 // 404 no-route
  kForbidden,               // 403 (detail: the identity reason, e.g. untrusted-peer)
  kBadRequest,              // 400 bad-request (detail: the parser's error code)
  kBadRequestBody,          // 400 bad-request-body (a malformed chunked body)
  kBodyTooLarge,            // 413 body-too-large
  kUriTooLong,              // 414 uri-too-long
  kHeadersTooLarge,         // 431 headers-too-large
  kNotImplemented,          // 501 not-implemented (unknown transfer coding, CONNECT)
  kVersionNotSupported,     // 505 version-not-supported
  kUpstreamConnectFailed,   // 502 upstream-connect-failed (refused, unreachable)
  kUpstreamClosed,          // 502 upstream-closed (closed or reset before a complete head)
  kUpstreamBadResponse,     // 502 upstream-bad-response
  kUpstreamConnectTimeout,  // 504 upstream-connect-timeout
  kUpstreamTimeout,         // 504 upstream-timeout (no response head in time)
  kUpstreamTruncated,       // upstream-truncated (never rendered: see above)
  kOverCapacity,            // 503 over-capacity (the connection cap)
  kInternal,                // 500 internal (a doorman bug: never expected)
  kHttpsRedirect,  // 301/308 https-redirect (request_path/redirect.h writes it; x.status is exact)
  kRateLimited,             // 429 rate-limited (request_path/rate_limit.h; with Retry-After)
  kRateLimitUnavailable,    // 503 rate-limit-unavailable (shared backend down, on_backend_error = deny)
  kAcmeChallenge,           // 200 acme-challenge (request_path/acme_challenge.h writes it)
};

enum class Fault : uint8_t { kNone, kClient, kPolicy, kUpstream, kDoorman };

struct LocalReply {
  int status;
  std::string_view status_text;  // "Not Found"
  std::string_view code;         // "no-route"
  Fault fault;
};

const LocalReply& local_reply_for(Reason reason);
// The reason for an invalid request head or body as reported by the HTTP parsers.
Reason reason_for_parse_error(ErrorCode code);
std::string_view fault_name(Fault fault);

// Bytes a rendered reply may need: the head, a detail up to 64 bytes, the body.
inline constexpr std::size_t kLocalReplyBufferSize = 512;

// "HTTP/1.1 404 Not Found\r\n...\r\n\r\nno-route\n" (the body is "<code>[: <detail>]\n"; an
// upstream fault's body is its code alone).
// `close` adds "Connection: close"; `keep_alive_http10` adds "Connection: keep-alive".
std::string_view render_local_reply(Reason reason, std::string_view detail, bool head_request,
                                    bool close, bool keep_alive_http10, std::span<char> out);

}  // namespace doorman
