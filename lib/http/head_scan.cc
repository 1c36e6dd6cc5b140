#include "head_scan.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "doorman/header_field.h"

namespace doorman::http_internal {
namespace {

constexpr std::array<bool, 256> build_value_bytes() {
  std::array<bool, 256> t{};
  t['\t'] = true;
  for (int c = 0x20; c <= 0x7e; ++c) t[c] = true;
  for (int c = 0x80; c <= 0xff; ++c) t[c] = true;  // obs-text (RFC 9110 §5.5)
  return t;
}
constexpr std::array<bool, 256> kValueBytes = build_value_bytes();

constexpr std::array<bool, 256> build_host_bytes() {
  // uri-host [ ":" port ] (RFC 3986 §3.2.2): reg-name, IPv4 and IP-literal characters.
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("-._~!$&'()*+,;=%:[]")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kHostBytes = build_host_bytes();

// Most Connection options one head may list: the rewriter compares every header against them,
// so the work stays bounded (a client cannot make it quadratic).
constexpr uint32_t kMaxConnectionTokens = 32;

// Content-Length (RFC 9110 §8.6): 1*DIGIT, or a list of identical values. At most 19 digits, so
// the value always fits in uint64_t.
Result<uint64_t> parse_content_length(std::string_view value, bool& repeated) {
  std::optional<uint64_t> result;
  ListSplitter list(value);
  std::string_view element;
  while (list.next(element)) {
    if (element.empty() || element.size() > 19) return fail(ErrorCode::kHttpBadContentLength);
    uint64_t n = 0;
    for (char c : element) {
      if (c < '0' || c > '9') return fail(ErrorCode::kHttpBadContentLength);
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    if (result && *result != n) return fail(ErrorCode::kHttpBadContentLength);
    if (result) repeated = true;
    result = n;
  }
  return *result;
}

enum class Coding : uint8_t { kChunked, kKnown, kUnknown, kInvalid };

Coding classify_coding(std::string_view element) {
  if (element.empty()) return Coding::kInvalid;
  for (char c : element)
    if (!is_tchar(c)) return Coding::kInvalid;  // parameters (";q=") or junk
  if (equals_ci(element, "chunked")) return Coding::kChunked;
  for (std::string_view known : {"gzip", "x-gzip", "deflate", "compress", "x-compress"})
    if (equals_ci(element, known)) return Coding::kKnown;
  return Coding::kUnknown;
}

struct TeState {
  bool seen_chunked = false;
  bool after_chunked = false;  // a coding followed chunked
};

// Transfer-Encoding (RFC 9112 §6.1); lines combine into one list.
Result<void> add_transfer_codings(std::string_view value, TeState& te, const FieldErrors& errors,
                                  bool strict_te) {
  ListSplitter list(value);
  std::string_view element;
  while (list.next(element)) {
    const Coding coding = classify_coding(element);
    if (coding == Coding::kInvalid) return fail(errors.syntax);
    if (te.seen_chunked) {
      // chunked applied twice, or a coding after it: RFC 9112 §6.3 item 4 (requests: 400).
      if (strict_te || coding == Coding::kChunked) return fail(errors.syntax);
      te.after_chunked = true;
    }
    if (coding == Coding::kUnknown && strict_te) return fail(ErrorCode::kHttpNotImplemented);
    if (coding == Coding::kChunked) te.seen_chunked = true;
  }
  return {};
}

Result<void> add_connection_options(std::string_view value, FieldFacts& facts, uint32_t& tokens,
                                    const FieldErrors& errors) {
  ListSplitter list(value);
  std::string_view token;
  while (list.next(token)) {
    if (token.empty()) continue;  // RFC 9110 §5.6.1: empty elements are allowed
    if (!is_valid_header_name(token) || ++tokens > kMaxConnectionTokens) return fail(errors.syntax);
    if (equals_ci(token, "close")) facts.connection_close = true;
    if (equals_ci(token, "keep-alive")) facts.connection_keep_alive = true;
    if (equals_ci(token, "upgrade")) facts.connection_upgrade = true;
  }
  return {};
}

bool offers_h2c(std::string_view value) {
  ListSplitter list(value);
  std::string_view element;
  while (list.next(element))
    if (equals_ci(element, "h2c")) return true;
  return false;
}

// The offset of the first byte at or after q that is not a field-value byte (RFC 9110 §5.5:
// VCHAR, SP, HTAB, obs-text): the CR ending the line, or a byte to reject. Eight bytes at a time
// while no byte is below 0x20 or equal to 0x7f (SWAR "has less than" / "has value" tests), then
// byte by byte.
std::size_t scan_value(const char* d, std::size_t q, std::size_t end) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  while (q + 8 <= end) {
    uint64_t x;
    std::memcpy(&x, d + q, sizeof x);
    const uint64_t below_space = (x - kOnes * 0x20) & ~x & kHigh;
    const uint64_t y = x ^ (kOnes * 0x7f);
    const uint64_t del = (y - kOnes) & ~y & kHigh;
    if ((below_space | del) != 0) break;
    q += 8;
  }
  while (q < end && kValueBytes[static_cast<unsigned char>(d[q])]) ++q;
  return q;
}

}  // namespace

bool is_value_byte(unsigned char c) {
  return kValueBytes[c];
}

bool is_valid_host_value(std::string_view host) {
  for (char c : host)
    if (!kHostBytes[static_cast<unsigned char>(c)]) return false;
  return true;
}

bool equals_ci(std::string_view a, std::string_view b) {
  return header_name_equals(a, b);
}

bool ListSplitter::next(std::string_view& element) {
  if (done_) return false;
  const std::size_t comma = list_.find(',', pos_);
  element =
      list_.substr(pos_, comma == std::string_view::npos ? std::string_view::npos : comma - pos_);
  if (comma == std::string_view::npos) {
    done_ = true;
  } else {
    pos_ = comma + 1;
  }
  element = trim_ows(element);
  return true;
}

ScanResult scan_head(ScanState& state, std::string_view buffer, std::size_t limit,
                     ErrorCode syntax_error, bool skip_leading_empty_lines) {
  ScanResult result;
  const std::size_t end = std::min(buffer.size(), limit);
  const char* data = buffer.data();
  std::size_t pos = state.scanned;
  while (pos < end) {
    const void* hit = std::memchr(data + pos, '\n', end - pos);
    if (hit == nullptr) {
      pos = end;
      break;
    }
    const std::size_t lf = static_cast<std::size_t>(static_cast<const char*>(hit) - data);
    // RFC 9112 §2.2: a bare LF may be accepted; we do not (the upstream may disagree).
    if (lf == 0 || data[lf - 1] != '\r') {
      result.state = ParseState::kInvalid;
      result.error = Error{syntax_error, lf};
      return result;
    }
    const bool empty_line = lf - 1 == state.line_start;
    pos = lf + 1;
    state.line_start = pos;
    if (empty_line && state.started) {
      state.scanned = pos;
      result.state = ParseState::kComplete;
      result.head_end = pos;
      result.head_start = state.head_start;
      result.first_line_end = state.first_line_end;
      return result;
    }
    if (empty_line) {
      // RFC 9112 §2.2: empty lines before a request line are ignored.
      if (!skip_leading_empty_lines) {
        result.state = ParseState::kInvalid;
        result.error = Error{syntax_error, lf};
        return result;
      }
      state.head_start = pos;
    } else if (!state.started) {
      state.started = true;
      state.first_line_end = lf - 1;
    }
  }
  state.scanned = pos;
  result.head_start = state.head_start;
  result.first_line_end = state.first_line_end;
  result.at_limit = buffer.size() >= limit;
  return result;
}

Result<FieldFacts> parse_fields(std::string_view buffer, std::size_t begin, std::size_t end,
                                const FieldSink& sink, FieldErrors errors, bool strict_te) {
  FieldFacts facts;
  TeState te;
  uint32_t connection_tokens = 0;
  const char* d = buffer.data();
  std::size_t p = begin;
  while (p < end) {
    if (facts.count == sink.capacity) return fail(errors.too_many, p);
    // A line that starts with whitespace is obs-fold (RFC 9112 §5.2) or junk: reject.
    std::size_t q = p;
    // No bound check needed: the line ends in CR, which is not a tchar.
    while (is_tchar(d[q])) ++q;
    // Whitespace between name and colon: RFC 9112 §5.1 requires a 400.
    if (q == p || q >= end || d[q] != ':') return fail(errors.syntax, q);
    const std::string_view name(d + p, q - p);
    ++q;
    while (q < end && is_ows(d[q])) ++q;
    const std::size_t value_begin = q;
    q = scan_value(d, q, end);
    // The value must end at CRLF: NUL, a bare CR or another control is rejected (RFC 9110 §5.5).
    if (q + 1 >= end || d[q] != '\r' || d[q + 1] != '\n') return fail(errors.syntax, q);
    std::size_t value_end = q;
    while (value_end > value_begin && is_ows(d[value_end - 1])) --value_end;
    const std::string_view value(d + value_begin, value_end - value_begin);

    const HeaderId id = lookup_header(name);
    sink.fields[facts.count] = HeaderField{name, value};
    sink.ids[facts.count] = id;
    sink.lines[facts.count] = LineRange{static_cast<uint32_t>(p), static_cast<uint32_t>(q + 2)};
    ++facts.count;

    switch (id) {
      case HeaderId::kHost:
        ++facts.host_lines;
        facts.host = value;
        break;
      case HeaderId::kContentLength: {
        bool repeated = false;
        auto n = parse_content_length(value, repeated);
        if (!n || (facts.has_content_length && *n != facts.content_length))
          return fail(ErrorCode::kHttpBadContentLength, value_begin);
        facts.content_length_repeated |= repeated || facts.has_content_length;
        facts.has_content_length = true;
        facts.content_length = *n;
        break;
      }
      case HeaderId::kTransferEncoding: {
        facts.has_transfer_encoding = true;
        if (auto r = add_transfer_codings(value, te, errors, strict_te); !r)
          return fail(r.error().code, value_begin);
        break;
      }
      case HeaderId::kConnection:
        if (auto r = add_connection_options(value, facts, connection_tokens, errors); !r)
          return fail(r.error().code, value_begin);
        break;
      case HeaderId::kUpgrade:
        ++facts.upgrade_lines;
        if (facts.upgrade_lines == 1) facts.upgrade = value;
        facts.upgrade_h2c |= offers_h2c(value);
        break;
      case HeaderId::kExpect:
        ++facts.expect_lines;
        facts.expect = value;
        break;
      default:
        break;
    }
    p = q + 2;
  }
  facts.chunked_last = te.seen_chunked && !te.after_chunked;
  return facts;
}

}  // namespace doorman::http_internal
