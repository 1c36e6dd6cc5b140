// CF-Connecting-IP and the scheme headers: single values, strictly one line each.
#include "doorman/forwarded_headers.h"
#include "node.h"

namespace doorman {

using identity_internal::trim_ows;

std::string_view scheme_name(Scheme scheme) {
  return scheme == Scheme::kHttps ? "https" : "http";
}

Result<IpAddress> parse_single_ip(std::string_view value) {
  value = trim_ows(value);
  if (value.empty()) return fail(ErrorCode::kEmpty);
  // Never "the first element" of a list: Cloudflare writes one address, so anything else was
  // written (or appended to) by someone else.
  for (char c : value) {
    if (c == ',' || c == ' ' || c == '\t' || c == '[' || c == ']')
      return fail(ErrorCode::kNotASingleAddress);
  }
  auto address = IpAddress::parse(value);
  if (!address) {
    const std::size_t colon = value.find(':');
    // "192.0.2.1:443": an address with a port.
    if (colon != std::string_view::npos && value.find(':', colon + 1) == value.npos)
      return fail(ErrorCode::kNotASingleAddress, colon);
    return address;
  }
  if (identity_internal::is_unspecified(*address)) return fail(ErrorCode::kUnspecifiedAddress);
  return address;
}

std::optional<Result<IpAddress>> read_single_ip_header(HeaderLines lines) {
  std::optional<std::string_view> value;
  for (std::size_t i = 0; i < lines.end_index(); ++i) {
    if (!lines.is_line(i)) continue;
    // Two lines mean two writers; one of them is not the proxy we trust.
    if (value) return Result<IpAddress>(fail(ErrorCode::kMultipleHeaderLines));
    value = lines.value(i);
  }
  if (!value) return std::nullopt;
  return parse_single_ip(*value);
}

std::optional<Scheme> parse_scheme(std::string_view value) {
  value = trim_ows(value);
  if (value.size() != 4 && value.size() != 5) return std::nullopt;
  // "http" and "https" are all letters: setting the case bit (0x20) of a byte equals a
  // lowercase letter exactly when the byte is that letter in either case.
  auto is = [&](std::size_t i, char lower) { return (value[i] | 0x20) == lower; };
  if (!is(0, 'h') || !is(1, 't') || !is(2, 't') || !is(3, 'p')) return std::nullopt;
  if (value.size() == 4) return Scheme::kHttp;
  return is(4, 's') ? std::optional(Scheme::kHttps) : std::nullopt;
}

namespace {

// The value of the only line of a header, or nullopt when absent or repeated.
std::optional<std::string_view> only_line(HeaderLines lines) {
  std::optional<std::string_view> value;
  for (std::size_t i = 0; i < lines.end_index(); ++i) {
    if (!lines.is_line(i)) continue;
    if (value) return std::nullopt;
    value = lines.value(i);
  }
  return value;
}

// Consumes `token` after optional JSON whitespace (RFC 8259 §2).
bool consume(std::string_view& s, std::string_view token) {
  while (!s.empty() && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n'))
    s.remove_prefix(1);
  if (!s.starts_with(token)) return false;
  s.remove_prefix(token.size());
  return true;
}

}  // namespace

std::optional<Scheme> read_x_forwarded_proto(HeaderLines lines) {
  const auto value = only_line(lines);
  if (!value) return std::nullopt;
  return parse_scheme(*value);
}

std::optional<Scheme> parse_cf_visitor(std::string_view value) {
  // Cloudflare writes exactly {"scheme":"https"}; a general JSON parser is not needed, and
  // anything else is not Cloudflare's.
  if (!consume(value, "{") || !consume(value, "\"scheme\"") || !consume(value, ":")) return {};
  std::optional<Scheme> scheme;
  if (consume(value, "\"https\"")) {
    scheme = Scheme::kHttps;
  } else if (consume(value, "\"http\"")) {
    scheme = Scheme::kHttp;
  } else {
    return std::nullopt;
  }
  if (!consume(value, "}")) return std::nullopt;
  consume(value, "");
  if (!value.empty()) return std::nullopt;
  return scheme;
}

std::optional<Scheme> read_cf_visitor(HeaderLines lines) {
  const auto value = only_line(lines);
  if (!value) return std::nullopt;
  return parse_cf_visitor(*value);
}

}  // namespace doorman
