// ResponseHeadParser: the incremental, zero-copy HTTP/1 parser for upstream response heads.
//
// Contract:
// - Buffer handling is as for RequestHeadParser (http_request.h): pass the bytes received so far
//   from the response's first byte, call again with the grown buffer on need-more; head() views
//   point into the last buffer; reset() before the next response (also after a 1xx).
// - Status line: HTTP-version SP 3DIGIT [SP reason] CRLF (the SP before an empty reason may be
//   missing: common in the wild and harmless). Versions HTTP/1.0 and HTTP/1.1 only.
// - Header lines follow the request rules (CRLF only, no obs-fold, no whitespace before the
//   colon, no NUL/CR/LF/controls in values, token names); Content-Length and
//   Transfer-Encoding are validated the same way, and both together are rejected (an upstream
//   sending both is either broken or being used to split responses). Every error is
//   kHttpBadResponse or a framing code; http_status_for() maps kHttpBadResponse to 502 and the
//   server should answer 502 for any invalid response.
// - Framing (RFC 9112 §6.3), given the request's method: a response to HEAD, any 1xx, 204 and
//   304 has no body whatever its headers say; CONNECT is never sent upstream by doorman; chunked
//   last -> kChunked; a Transfer-Encoding without chunked last -> kUntilClose; Content-Length ->
//   kContentLength; otherwise kUntilClose. keep_alive is false for kUntilClose.
// - 101 Switching Protocols: switching_protocols is set; after it the connection is a tunnel.
//   Other 1xx are interim: forward (to an HTTP/1.1 client), reset() and parse the next head.
// Thread safety: one parser per upstream connection; not shared.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "doorman/header_field.h"
#include "doorman/http_header_table.h"
#include "doorman/http_message.h"
#include "doorman/http_request.h"

namespace doorman {

struct ResponseParseOptions {
  std::size_t max_head_size = 16384;
  std::size_t max_headers = kMaxHeaderLines;
};

struct ResponseHead {
  HttpVersion version = HttpVersion::k11;
  int status = 0;  // 100-599
  std::string_view reason;
  std::string_view status_line;  // without the CRLF

  BodyFraming framing;
  bool content_length_repeated = false;
  bool keep_alive = true;
  bool interim = false;              // 1xx other than 101
  bool switching_protocols = false;  // 101

  std::size_t header_count = 0;
  std::array<HeaderField, kMaxHeaderLines> fields;
  std::array<HeaderId, kMaxHeaderLines> ids;
  std::array<LineRange, kMaxHeaderLines> lines;
  uint32_t headers_begin = 0;
  std::string_view buffer;

  std::span<const HeaderField> headers() const { return {fields.data(), header_count}; }
  std::string_view line(std::size_t i) const {
    return buffer.substr(lines[i].begin, lines[i].end - lines[i].begin);
  }
  std::string_view find(HeaderId id) const;
};

class ResponseHeadParser {
 public:
  explicit ResponseHeadParser(ResponseParseOptions options = {}) : options_(options) {}

  // request_method is the method of the request this response answers (HEAD means no body).
  HeadProgress parse(std::string_view buffer, Method request_method);
  const ResponseHead& head() const { return head_; }
  void reset();

 private:
  HeadProgress finish(std::string_view buffer, std::size_t line_end, std::size_t head_end,
                      Method request_method);

  ResponseParseOptions options_;
  ResponseHead head_;
  http_internal::ScanState scan_;
  HeadProgress last_;
};

}  // namespace doorman
