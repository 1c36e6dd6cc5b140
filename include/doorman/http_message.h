// Types shared by the HTTP/1 head parsers, the chunked decoder and the rewriter.
//
// Contract:
// - Everything here is a plain value or a view into a caller-owned buffer; nothing allocates.
// - A parse call has three outcomes (STYLE.md habit 2): complete (with the number of bytes the
//   head took), need more bytes, or invalid (a named ErrorCode plus the HTTP status a server
//   should answer with). Invalid is final: the connection should get that status and be closed.
// - http_status_for() is the one place that maps the library's HTTP error codes to statuses.
// Thread safety: plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "doorman/header_field.h"
#include "doorman/result.h"

namespace doorman {

enum class HttpVersion : uint8_t { k10, k11 };
// "HTTP/1.0" | "HTTP/1.1"
std::string_view http_version_text(HttpVersion version);

// How the body of a message is delimited (RFC 9112 §6.3).
enum class BodyKind : uint8_t {
  kNone,           // no body (a request without framing headers, HEAD/1xx/204/304 responses)
  kContentLength,  // exactly `content_length` bytes (which may be 0)
  kChunked,        // chunked transfer coding: feed the body through a ChunkedDecoder
  kUntilClose,     // responses only: the body ends when the upstream closes the connection
};

struct BodyFraming {
  BodyKind kind = BodyKind::kNone;
  uint64_t content_length = 0;  // meaningful for kContentLength only
  friend bool operator==(const BodyFraming&, const BodyFraming&) = default;
};

enum class ParseState : uint8_t { kComplete, kNeedMore, kInvalid };

// The outcome of one call to a head parser.
struct HeadProgress {
  ParseState state = ParseState::kNeedMore;
  std::size_t consumed = 0;  // kComplete: bytes of the head, request/status line to final CRLF
  Error error{};             // kInvalid: why; error.offset is where in the buffer

  bool complete() const { return state == ParseState::kComplete; }
  bool need_more() const { return state == ParseState::kNeedMore; }
  bool invalid() const { return state == ParseState::kInvalid; }
};

// The status a server answers an invalid request with: 400 (syntax, framing, bad chunk),
// 414 (kHttpUriTooLong), 431 (kHttpHeadersTooLarge), 501 (kHttpNotImplemented), 505
// (kHttpBadVersion), 502 (kHttpBadResponse: an upstream's fault). Unknown codes give 400.
int http_status_for(ErrorCode code);

// Where one header line sits in the parsed buffer: [begin, end) covers "Name: value\r\n"
// including its CRLF, so an unchanged line can be forwarded byte for byte.
struct LineRange {
  uint32_t begin = 0;
  uint32_t end = 0;
};

// Most header lines one head may carry; more is a 431 (requests) or a bad response.
inline constexpr std::size_t kMaxHeaderLines = 100;

namespace http_internal {
// Implementation detail of the head parsers: where the search for the blank line that ends a
// head resumes on the next call.
struct ScanState {
  std::size_t scanned = 0;
  std::size_t line_start = 0;
  std::size_t head_start = 0;
  std::size_t first_line_end = 0;
  bool started = false;
};
}  // namespace http_internal

}  // namespace doorman
