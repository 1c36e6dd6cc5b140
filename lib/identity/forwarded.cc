// RFC 7239 Forwarded: a tokenizer for the §4 grammar and the §6 node forms.
//
//   Forwarded         = 1#forwarded-element
//   forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )
//   forwarded-pair    = token "=" value
//   value             = token / quoted-string          (RFC 9110 §5.6.2, §5.6.4)
#include <algorithm>
#include <array>

#include "doorman/forwarded_headers.h"
#include "node.h"

namespace doorman {

using identity_internal::is_ows;
using identity_internal::parse_bracketed_node;
using identity_internal::parse_v4_node;
using identity_internal::trim_ows;

namespace {

// tchar, RFC 9110 §5.6.2, as a table: the tokenizer looks up every byte of every line.
constexpr std::array<bool, 256> kTchar = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();
constexpr bool is_tchar(unsigned char c) {
  return kTchar[c];
}

// qdtext, RFC 9110 §5.6.4: HTAB, SP, 0x21, 0x23-0x5B, 0x5D-0x7E, obs-text.
constexpr bool is_qdtext(unsigned char c) {
  return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
         (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}

// The escaped octet of a quoted-pair: HTAB, SP, VCHAR, obs-text.
constexpr bool is_quotable(unsigned char c) {
  return c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7e) || c >= 0x80;
}

std::size_t skip_token(std::string_view s, std::size_t i) {
  while (i < s.size() && is_tchar(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

// Index after the quoted-string starting at s[i] == '"', or npos when it is malformed.
std::size_t skip_quoted(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') return i + 1;
    if (c == '\\') {
      if (++i == s.size() || !is_quotable(static_cast<unsigned char>(s[i]))) break;
    } else if (!is_qdtext(c)) {
      break;
    }
  }
  return std::string_view::npos;
}

std::size_t skip_ows(std::string_view s, std::size_t i) {
  while (i < s.size() && is_ows(s[i])) ++i;
  return i;
}

// Index after the forwarded-pair at s[i], or npos.
std::size_t skip_pair(std::string_view s, std::size_t i) {
  const std::size_t name_end = skip_token(s, i);
  if (name_end == i || name_end == s.size() || s[name_end] != '=') return std::string_view::npos;
  i = name_end + 1;
  if (i < s.size() && s[i] == '"') return skip_quoted(s, i);
  const std::size_t value_end = skip_token(s, i);
  return value_end == i ? std::string_view::npos : value_end;
}

// Tokenizes one line; calls on_element(begin, end) for each non-empty element in order.
// Whitespace around ',' and ';' is allowed (RFC 9110 §5.6.1 lists; common in practice).
template <typename OnElement>
Result<std::size_t> tokenize_line(std::string_view s, OnElement on_element) {
  std::size_t count = 0;
  std::size_t i = 0;
  for (;;) {
    i = skip_ows(s, i);
    const std::size_t begin = i;
    std::size_t end = i;
    for (;;) {
      if (i < s.size() && s[i] != ',' && s[i] != ';') {
        const std::size_t after = skip_pair(s, i);
        if (after == std::string_view::npos) return fail(ErrorCode::kForwardedSyntax, i);
        i = end = after;
        i = skip_ows(s, i);
      }
      if (i < s.size() && s[i] == ';') {
        end = ++i;
        i = skip_ows(s, i);
        continue;
      }
      break;
    }
    if (end > begin) {
      on_element(begin, end);
      ++count;
    }
    if (i == s.size()) return count;
    if (s[i] != ',') return fail(ErrorCode::kForwardedSyntax, i);
    ++i;
  }
}

// RFC 7239 §6.3: obfport = "_" 1*(ALPHA / DIGIT / "." / "_" / "-").
bool is_obfuscated_port(std::string_view s) {
  if (s.size() < 2 || s[0] != '_') return false;
  for (char c : s.substr(1)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The address of a for= value (already unquoted). RFC 7239 §6: IPv4, "IPv4:port", "[IPv6]",
// "[IPv6]:port", where the port may be obfuscated ("_p1", §6.3): it hides the port, not the
// address, which stays usable (port 0). "unknown" and obfuscated "_x" node names are valid
// nodes that name no address: the walk cannot tell whether they are trusted, so it stops there.
Result<Endpoint> parse_for_value(std::string_view value) {
  if (value.empty()) return fail(ErrorCode::kUnparsableElement);
  if (const std::size_t colon = value.rfind(':');
      colon != std::string_view::npos && is_obfuscated_port(value.substr(colon + 1))) {
    const std::string_view node = value.substr(0, colon);
    if (!node.empty() && node[0] == '[') {
      if (node.back() != ']') return fail(ErrorCode::kUnparsableElement);
      return parse_bracketed_node(node);
    }
    if (node.find(':') != std::string_view::npos) return fail(ErrorCode::kUnparsableElement);
    return parse_v4_node(node, std::string_view::npos);
  }
  if (value[0] == '[') return parse_bracketed_node(value);
  const identity_internal::Colons colons = identity_internal::find_colons(value);
  // IPv6 without brackets (RFC 7239 §6)
  if (colons.several) return fail(ErrorCode::kUnparsableElement);
  return parse_v4_node(value, colons.first);
}

}  // namespace

Result<std::size_t> count_forwarded_elements(std::string_view line) {
  return tokenize_line(line, [](std::size_t, std::size_t) {});
}

ForwardingElement parse_forwarded_element(std::string_view element) {
  ForwardingElement out{element, fail(ErrorCode::kUnparsableElement), std::nullopt};
  enum : unsigned { kFor = 1, kProto = 2, kBy = 4, kHost = 8 };
  unsigned seen = 0;
  bool duplicate = false;
  std::string_view for_value;
  bool for_quoted = false;
  std::string_view proto_value;
  std::size_t i = skip_ows(element, 0);
  while (i < element.size()) {
    if (element[i] == ';') {
      i = skip_ows(element, i + 1);
      continue;
    }
    const std::size_t after = skip_pair(element, i);
    if (after == std::string_view::npos) {
      out.node = fail(ErrorCode::kForwardedSyntax, i);
      return out;
    }
    const std::size_t eq = element.find('=', i);
    const std::string_view name = element.substr(i, eq - i);
    const std::string_view value = element.substr(eq + 1, after - eq - 1);
    // Parameter names are case-insensitive (RFC 7239 §4); each at most once per element.
    unsigned bit = 0;
    if (header_name_equals(name, "for"))
      bit = kFor;
    else if (header_name_equals(name, "proto"))
      bit = kProto;
    else if (header_name_equals(name, "by"))
      bit = kBy;
    else if (header_name_equals(name, "host"))
      bit = kHost;
    if (seen & bit) duplicate = true;
    seen |= bit;
    if (bit == kFor) {
      for_value = value;
      for_quoted = !value.empty() && value[0] == '"';
    } else if (bit == kProto) {
      proto_value = value;
    }
    i = skip_ows(element, after);
    if (i < element.size() && element[i] != ';') {
      out.node = fail(ErrorCode::kForwardedSyntax, i);
      return out;
    }
  }
  if (duplicate) {
    out.node = fail(ErrorCode::kDuplicateParameter);
    return out;
  }
  if (!(seen & kFor)) return out;  // no for=: the element names no address

  // Unescape the quoted-string into a small buffer: the longest address form,
  // "[ffff:...:ffff]:65535", is 47 characters, so longer values are not addresses.
  char buffer[64];
  std::string_view for_text = for_value;
  if (for_quoted) {
    std::size_t n = 0;
    for (std::size_t k = 1; k + 1 < for_value.size(); ++k) {
      if (n == sizeof buffer) return out;
      if (for_value[k] == '\\') ++k;
      buffer[n++] = for_value[k];
    }
    for_text = std::string_view(buffer, n);
  }
  auto node = parse_for_value(for_text);
  out.node = node ? Result<Endpoint>(*node) : fail(node.error().code);
  if (!proto_value.empty()) {
    if (proto_value[0] == '"') proto_value = proto_value.substr(1, proto_value.size() - 2);
    if (proto_value.find_first_of("\\ \t") == proto_value.npos)
      out.proto = parse_scheme(proto_value);
  }
  return out;
}

std::optional<ForwardingElement> ForwardedReverseReader::next() {
  for (;;) {
    if (pending_ > 0) {
      const Span span = spans_[--pending_];
      return parse_forwarded_element(current_.substr(span.begin, span.end - span.begin));
    }
    if (overflow_) {
      // More elements on this line than the walk may look at (kMaxForwardingElements).
      overflow_ = false;
      return ForwardingElement{trim_ows(current_), fail(ErrorCode::kTooManyElements), std::nullopt};
    }
    while (line_ > 0 && !lines_.is_line(line_ - 1)) --line_;
    if (line_ == 0) return std::nullopt;
    current_ = lines_.value(--line_);
    saw_line_ = true;
    std::size_t total = 0;
    auto count = tokenize_line(current_, [&](std::size_t begin, std::size_t end) {
      spans_[total % kMaxForwardingElements] = {static_cast<uint32_t>(begin),
                                                static_cast<uint32_t>(end)};
      ++total;
    });
    if (!count) {
      // RFC 7239 §4 syntax error: the whole line is one unparsable element. Splitting it on
      // commas anyway would let a reflected `"` close early and inject a "for=".
      return ForwardingElement{trim_ows(current_), std::unexpected(count.error()), std::nullopt};
    }
    if (total > kMaxForwardingElements) {
      // spans_ is a ring holding the last kMaxForwardingElements elements; put it in order.
      std::rotate(spans_.begin(), spans_.begin() + total % kMaxForwardingElements, spans_.end());
      pending_ = kMaxForwardingElements;
      overflow_ = true;
    } else {
      pending_ = total;
    }
  }
}

}  // namespace doorman
