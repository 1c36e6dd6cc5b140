#include "doorman/http_response.h"

#include <algorithm>

#include "head_scan.h"

namespace doorman {
namespace {

HeadProgress bad_response(std::size_t offset) {
  return HeadProgress{ParseState::kInvalid, 0, Error{ErrorCode::kHttpBadResponse, offset}};
}

bool is_reason_byte(unsigned char c) {
  return http_internal::is_value_byte(c);
}

}  // namespace

std::string_view ResponseHead::find(HeaderId id) const {
  for (std::size_t i = 0; i < header_count; ++i)
    if (ids[i] == id) return fields[i].value;
  return {};
}

void ResponseHeadParser::reset() {
  scan_ = {};
  last_ = {};
  head_.header_count = 0;
}

HeadProgress ResponseHeadParser::parse(std::string_view buffer, Method request_method) {
  if (last_.state != ParseState::kNeedMore) return last_;
  const http_internal::ScanResult scan = http_internal::scan_head(
      scan_, buffer, std::min<std::size_t>(options_.max_head_size, UINT32_MAX),
      ErrorCode::kHttpBadResponse, false);
  if (scan.state == ParseState::kInvalid) {
    last_ = bad_response(scan.error.offset);
  } else if (scan.state == ParseState::kComplete) {
    last_ = finish(buffer, scan.first_line_end, scan.head_end, request_method);
  } else if (scan.at_limit) {
    last_ = bad_response(options_.max_head_size);
  } else if (buffer.size() >= 5 && !buffer.starts_with("HTTP/")) {
    last_ = bad_response(0);  // not an HTTP/1 response at all: fail now, not at the timeout
  } else {
    last_ = HeadProgress{};
  }
  return last_;
}

HeadProgress ResponseHeadParser::finish(std::string_view buffer, std::size_t line_end,
                                        std::size_t head_end, Method request_method) {
  ResponseHead& h = head_;
  h.buffer = buffer.substr(0, head_end);
  const std::string_view line = buffer.substr(0, line_end);
  h.status_line = line;

  // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4).
  if (line.size() < 12 || line[8] != ' ') return bad_response(0);
  if (line.substr(0, 8) == "HTTP/1.1") {
    h.version = HttpVersion::k11;
  } else if (line.substr(0, 8) == "HTTP/1.0") {
    h.version = HttpVersion::k10;
  } else {
    return bad_response(0);
  }
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return bad_response(i);
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100 || status > 599) return bad_response(9);
  h.status = status;
  if (line.size() > 12 && line[12] != ' ') return bad_response(12);
  h.reason = line.size() > 13 ? line.substr(13) : std::string_view();
  for (std::size_t i = 0; i < h.reason.size(); ++i)
    if (!is_reason_byte(static_cast<unsigned char>(h.reason[i]))) return bad_response(13 + i);

  h.headers_begin = static_cast<uint32_t>(line_end + 2);
  const http_internal::FieldSink sink{h.fields.data(), h.ids.data(), h.lines.data(),
                                      std::min(options_.max_headers, kMaxHeaderLines)};
  const auto facts = http_internal::parse_fields(
      buffer, line_end + 2, head_end - 2, sink,
      {ErrorCode::kHttpBadResponse, ErrorCode::kHttpBadResponse}, /*strict_te=*/false);
  // Every fault of an upstream's head is one code: the server answers 502 for all of them.
  if (!facts) return bad_response(facts.error().offset);
  const http_internal::FieldFacts& f = *facts;
  h.header_count = f.count;

  h.switching_protocols = status == 101;
  h.interim = status >= 100 && status < 200 && status != 101;
  h.content_length_repeated = false;
  // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing; with
  // Content-Length (§6.3 item 3) an upstream is broken or splitting responses. Checked before
  // the no-body cases so a bad upstream is caught even on a 204.
  if (f.has_transfer_encoding && (h.version == HttpVersion::k10 || f.has_content_length))
    return bad_response(h.headers_begin);

  // RFC 9112 §6.3 items 1-7, in order.
  if (request_method == Method::kHead || status < 200 || status == 204 || status == 304) {
    h.framing = BodyFraming{};
  } else if (f.has_transfer_encoding) {
    h.framing =
        f.chunked_last ? BodyFraming{BodyKind::kChunked, 0} : BodyFraming{BodyKind::kUntilClose, 0};
  } else if (f.has_content_length) {
    h.framing = BodyFraming{BodyKind::kContentLength, f.content_length};
    h.content_length_repeated = f.content_length_repeated;
  } else {
    h.framing = BodyFraming{BodyKind::kUntilClose, 0};
  }
  const bool v11 = h.version == HttpVersion::k11;
  h.keep_alive = (v11 ? !f.connection_close : (f.connection_keep_alive && !f.connection_close)) &&
                 h.framing.kind != BodyKind::kUntilClose;
  return HeadProgress{ParseState::kComplete, head_end, {}};
}

}  // namespace doorman
