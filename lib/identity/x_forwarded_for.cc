// X-Forwarded-For (de facto; no RFC): DESIGN.md "Parsing rules".
#include <string.h>  // memrchr (GNU)

#include "doorman/forwarded_headers.h"
#include "node.h"

namespace doorman {

using identity_internal::parse_bracketed_node;
using identity_internal::parse_client_address;
using identity_internal::parse_v4_node;
using identity_internal::trim_ows;

Result<Endpoint> parse_xff_element(std::string_view element) {
  if (element.empty()) return fail(ErrorCode::kUnparsableElement);
  if (element[0] == '[') return parse_bracketed_node(element);
  if (auto quad = identity_internal::fast_dotted_quad(element); quad && *quad != 0)
    return Endpoint{IpAddress::from_v4(*quad), 0};
  // Fast path: a bare address (IPv4, or IPv6 with its two or more colons) is the element.
  if (auto bare = IpAddress::parse(element)) {
    if (identity_internal::is_unspecified(*bare)) return fail(ErrorCode::kUnspecifiedAddress);
    return Endpoint{*bare, 0};
  }
  const identity_internal::Colons colons = identity_internal::find_colons(element);
  if (!colons.several) return parse_v4_node(element, colons.first);
  // Two or more colons: the whole element is one IPv6 address. "2001:db8::1:80" is
  // 2001:db8::1:80, never 2001:db8::1 port 80: a port on IPv6 needs brackets (RFC 3986 §3.2.2).
  auto address = parse_client_address(element);
  if (!address) return std::unexpected(address.error());
  return Endpoint{*address, 0};
}

std::optional<ForwardingElement> XffReverseReader::next() {
  for (;;) {
    if (!in_line_) {
      // Lines combine in order (RFC 9110 §5.3), so the element to the left of a line's first
      // element is the last element of the previous line.
      while (line_ > 0 && !lines_.is_line(line_ - 1)) --line_;
      if (line_ == 0) return std::nullopt;
      --line_;
      rest_ = lines_.value(line_);
      in_line_ = saw_line_ = true;
    }
    // memrchr: one vectorised scan instead of a byte loop (headers can be long).
    const void* found = rest_.empty() ? nullptr : ::memrchr(rest_.data(), ',', rest_.size());
    std::string_view element;
    if (found == nullptr) {
      element = rest_;
      in_line_ = false;
    } else {
      const auto comma = static_cast<std::size_t>(static_cast<const char*>(found) - rest_.data());
      element = rest_.substr(comma + 1);
      rest_ = rest_.substr(0, comma);
    }
    element = trim_ows(element);
    if (element.empty()) continue;  // "a,,b" and trailing commas: empty elements are skipped
    // The common element, a plain dotted quad, inline; every other form (and every error) goes
    // through parse_xff_element, which decides the same for a dotted quad.
    if (auto quad = identity_internal::fast_dotted_quad(element); quad && *quad != 0)
      return ForwardingElement{element, Endpoint{IpAddress::from_v4(*quad), 0}, std::nullopt};
    return ForwardingElement{element, parse_xff_element(element), std::nullopt};
  }
}

}  // namespace doorman
