#include "doorman/http_request.h"

#include <algorithm>
#include <cstring>

#include "head_scan.h"

namespace doorman {
namespace {

using http_internal::FieldFacts;

// Longest method accepted. Registered methods are at most 17 characters; the bound lets the
// parser reject a non-HTTP stream (a TLS ClientHello on a plain port) before the head is whole.
constexpr std::size_t kMaxMethodLength = 32;

HeadProgress invalid(ErrorCode code, std::size_t offset) {
  return HeadProgress{ParseState::kInvalid, 0, Error{code, offset}};
}

Method method_id(std::string_view m) {
  switch (m.size()) {
    case 3:
      if (m == "GET") return Method::kGet;
      if (m == "PUT") return Method::kPut;
      break;
    case 4:
      if (m == "HEAD") return Method::kHead;
      if (m == "POST") return Method::kPost;
      break;
    case 5:
      if (m == "PATCH") return Method::kPatch;
      if (m == "TRACE") return Method::kTrace;
      break;
    case 6:
      if (m == "DELETE") return Method::kDelete;
      break;
    case 7:
      if (m == "OPTIONS") return Method::kOptions;
      break;
    default:
      break;
  }
  return Method::kOther;
}

// "HTTP/1.0" / "HTTP/1.1"; another well-formed version is 505, anything else 400.
Result<HttpVersion> parse_version(std::string_view v, ErrorCode syntax_error) {
  if (v == "HTTP/1.1") return HttpVersion::k11;
  if (v == "HTTP/1.0") return HttpVersion::k10;
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (v.size() == 8 && v.starts_with("HTTP/") && digit(v[5]) && v[6] == '.' && digit(v[7]))
    return fail(ErrorCode::kHttpBadVersion);
  return fail(syntax_error);
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && http_internal::equals_ci(s.substr(0, prefix.size()), prefix);
}

// RFC 9112 §3.2: origin-form, absolute-form (http/https), asterisk-form (OPTIONS only).
// authority-form is CONNECT's, which doorman does not implement.
Result<TargetForm> classify_target(std::string_view target, Method method) {
  if (target.front() == '/') return TargetForm::kOrigin;
  if (target == "*") {
    if (method != Method::kOptions) return fail(ErrorCode::kHttpBadRequest);
    return TargetForm::kAsterisk;
  }
  for (std::string_view scheme : {"http://", "https://"}) {
    if (!starts_with_ci(target, scheme)) continue;
    // The authority must be a non-empty host[:port]; userinfo ("user@") is refused (RFC 9110
    // §4.2.4: a recipient ought to treat it as an error, it is a phishing vector).
    const std::string_view rest = target.substr(scheme.size());
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
    if (authority.empty() || !http_internal::is_valid_host_value(authority))
      return fail(ErrorCode::kHttpBadRequest);
    return TargetForm::kAbsolute;
  }
  return fail(ErrorCode::kHttpBadRequest);
}

// The length of the request-target in an incomplete or over-long request line.
std::size_t target_length_so_far(std::string_view line) {
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return 0;
  const std::size_t sp2 = line.find_first_of(" \r", sp1 + 1);
  return (sp2 == std::string_view::npos ? line.size() : sp2) - sp1 - 1;
}

}  // namespace

std::string_view RequestHead::find(HeaderId id) const {
  for (std::size_t i = 0; i < header_count; ++i)
    if (ids[i] == id) return fields[i].value;
  return {};
}

void RequestHeadParser::reset() {
  scan_ = {};
  last_ = {};
  head_.header_count = 0;
}

HeadProgress RequestHeadParser::parse(std::string_view buffer) {
  if (last_.state != ParseState::kNeedMore) return last_;
  const http_internal::ScanResult scan = http_internal::scan_head(
      scan_, buffer, std::min<std::size_t>(options_.max_head_size, UINT32_MAX),
      ErrorCode::kHttpBadRequest, true);
  if (scan.state == ParseState::kInvalid) {
    last_ = invalid(scan.error.code, scan.error.offset);
  } else if (scan.state == ParseState::kComplete) {
    last_ = finish(buffer, scan.head_start, scan.first_line_end, scan.head_end);
  } else {
    last_ = early_reject(buffer, scan.head_start, scan.at_limit);
  }
  return last_;
}

// While the head is incomplete: reject what can already be rejected, so a non-HTTP peer or an
// over-long line does not hold the connection until the head timeout.
HeadProgress RequestHeadParser::early_reject(std::string_view buffer, std::size_t head_start,
                                             bool at_limit) {
  const std::string_view line = buffer.substr(head_start);
  // The start of an empty line before the request line (RFC 9112 §2.2): wait for its LF.
  if (!line.empty() && line[0] == '\r') {
    if (line.size() > 1) return invalid(ErrorCode::kHttpBadRequest, head_start + 1);
    return HeadProgress{};
  }
  const std::size_t method_window = std::min(line.size(), kMaxMethodLength + 1);
  for (std::size_t i = 0; i < method_window; ++i) {
    if (line[i] == ' ') {
      if (i == 0) return invalid(ErrorCode::kHttpBadRequest, head_start);
      break;
    }
    if (!is_tchar(line[i]) || i == kMaxMethodLength)
      return invalid(ErrorCode::kHttpBadRequest, head_start + i);
  }
  // Only measure the target once the line is long enough for it to matter (keeps calls O(new)).
  if (at_limit || line.size() > options_.max_target_length + kMaxMethodLength) {
    const std::size_t eol = line.find('\r');
    if (target_length_so_far(line.substr(0, eol)) > options_.max_target_length)
      return invalid(ErrorCode::kHttpUriTooLong, head_start);
  }
  if (at_limit) return invalid(ErrorCode::kHttpHeadersTooLarge, options_.max_head_size);
  return HeadProgress{};
}

HeadProgress RequestHeadParser::finish(std::string_view buffer, std::size_t head_start,
                                       std::size_t line_end, std::size_t head_end) {
  RequestHead& h = head_;
  h.buffer = buffer.substr(0, head_end);
  h.head_begin = static_cast<uint32_t>(head_start);
  const std::string_view line = buffer.substr(head_start, line_end - head_start);
  h.request_line = line;

  // Request line (RFC 9112 §3): method SP request-target SP HTTP-version, single spaces.
  const std::size_t sp1 = line.find(' ');
  if (sp1 == 0 || sp1 == std::string_view::npos || sp1 > kMaxMethodLength)
    return invalid(ErrorCode::kHttpBadRequest, head_start);
  h.method = line.substr(0, sp1);
  if (!is_valid_header_name(h.method)) return invalid(ErrorCode::kHttpBadRequest, head_start);
  if (h.method == "CONNECT") return invalid(ErrorCode::kHttpNotImplemented, head_start);
  h.method_id = method_id(h.method);
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1)
    return invalid(ErrorCode::kHttpBadRequest, head_start + sp1 + 1);
  h.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (h.target.size() > options_.max_target_length)
    return invalid(ErrorCode::kHttpUriTooLong, head_start + sp1 + 1);
  for (std::size_t i = 0; i < h.target.size(); ++i) {
    const auto c = static_cast<unsigned char>(h.target[i]);
    // A fragment never travels in a request (RFC 9112 §3.2; RFC 3986 §3.5).
    if (c < 0x21 || c > 0x7e || c == '#')
      return invalid(ErrorCode::kHttpBadRequest, head_start + sp1 + 1 + i);
  }
  const auto version = parse_version(line.substr(sp2 + 1), ErrorCode::kHttpBadRequest);
  if (!version) return invalid(version.error().code, head_start + sp2 + 1);
  h.version = *version;
  const auto form = classify_target(h.target, h.method_id);
  if (!form) return invalid(form.error().code, head_start + sp1 + 1);
  h.target_form = *form;

  // Header fields.
  h.headers_begin = static_cast<uint32_t>(line_end + 2);
  const http_internal::FieldSink sink{h.fields.data(), h.ids.data(), h.lines.data(),
                                      std::min(options_.max_headers, kMaxHeaderLines)};
  const auto facts = http_internal::parse_fields(
      buffer, line_end + 2, head_end - 2, sink,
      {ErrorCode::kHttpBadRequest, ErrorCode::kHttpHeadersTooLarge}, /*strict_te=*/true);
  if (!facts) return invalid(facts.error().code, facts.error().offset);
  const FieldFacts& f = *facts;
  h.header_count = f.count;

  // RFC 9112 §3.2: exactly one valid Host on HTTP/1.1, at most one on HTTP/1.0.
  if (f.host_lines > 1 || (f.host_lines == 0 && h.version == HttpVersion::k11) ||
      !http_internal::is_valid_host_value(f.host))
    return invalid(ErrorCode::kHttpBadRequest, h.headers_begin);
  h.host = f.host;
  h.has_host = f.host_lines == 1;
  h.absolute_path = {};
  if (h.target_form == TargetForm::kAbsolute) {
    // RFC 9112 §3.2.2: the target's authority replaces the received Host, so doorman routes on
    // the same name the app is told (classify_target checked it is host[:port] characters).
    const std::string_view rest = h.target.substr(h.target.find("//") + 2);
    const std::size_t end = rest.find_first_of("/?");
    h.host = rest.substr(0, end);
    if (end != std::string_view::npos) h.absolute_path = rest.substr(end);
  }

  // Framing (RFC 9112 §6.3).
  h.content_length_repeated = false;
  if (f.has_transfer_encoding) {
    // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
    if (h.version == HttpVersion::k10) return invalid(ErrorCode::kHttpBadRequest, h.headers_begin);
    // RFC 9112 §6.3 item 3: both present "ought to be handled as an error"; we always do.
    if (f.has_content_length) return invalid(ErrorCode::kHttpAmbiguousLength, h.headers_begin);
    if (!f.chunked_last) return invalid(ErrorCode::kHttpBadRequest, h.headers_begin);
    h.framing = BodyFraming{BodyKind::kChunked, 0};
  } else if (f.has_content_length) {
    h.framing = BodyFraming{BodyKind::kContentLength, f.content_length};
    h.content_length_repeated = f.content_length_repeated;
  } else {
    h.framing = BodyFraming{};
  }

  const bool v11 = h.version == HttpVersion::k11;
  h.keep_alive = v11 ? !f.connection_close : (f.connection_keep_alive && !f.connection_close);
  // RFC 9110 §7.8: Upgrade in an HTTP/1.0 request is ignored. h2c is refused (see contract).
  h.upgrade =
      v11 && f.connection_upgrade && f.upgrade_lines > 0 && !f.upgrade.empty() && !f.upgrade_h2c;
  h.upgrade_protocol = h.upgrade ? f.upgrade : std::string_view();
  // RFC 9110 §10.1.1: a server ignores 100-continue from HTTP/1.0.
  h.expect_continue =
      v11 && f.expect_lines == 1 && http_internal::equals_ci(f.expect, "100-continue");
  return HeadProgress{ParseState::kComplete, head_end, {}};
}

}  // namespace doorman
