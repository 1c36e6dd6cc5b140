// X-Forwarded-For (de facto; no RFC): DESIGN.md "Parsing rules".
#include <string.h>  // memrchr (GNU)

#include "doorman/forwarded_headers.h"
#include "node.h"

namespace doorman {

using identity_internal::is_ows;
using identity_internal::is_unspecified;
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

namespace {

// The dotted quad that ends at `end`, read right to left (the direction of the walk) in the
// same pass that finds where it starts: IpAddress::parse's strict grammar (1-3 digits per
// octet, no leading zero, at most 255). Returns the first byte of the quad, or nullptr when the
// bytes before `end` do not end in one.
const char* dotted_quad_before(const char* begin, const char* end, uint32_t& address) {
  const char* p = end;
  // The digit before q, or 10 for anything else (and at the start).
  auto digit_before = [begin](const char* q) -> unsigned {
    return q != begin ? static_cast<unsigned>(static_cast<unsigned char>(q[-1])) - '0' : 10u;
  };
  address = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (p == begin || p[-1] != '.') return nullptr;
      --p;
    }
    unsigned value = digit_before(p);
    if (value > 9) return nullptr;
    --p;
    if (const unsigned tens = digit_before(p); tens <= 9) {
      --p;
      value += 10 * tens;
      if (const unsigned hundreds = digit_before(p); hundreds <= 9) {
        --p;
        value += 100 * hundreds;
        if (hundreds == 0 || value > 255) return nullptr;  // "012", "256"
      } else if (tens == 0) {
        return nullptr;  // "01"
      }
    }
    // A fourth digit is caught by the caller: it is neither '.', OWS, ',' nor the line start.
    address |= value << (8 * octet);
  }
  return p;
}

}  // namespace

XffReverseReader::Text XffReverseReader::next_text() {
  for (;;) {
    if (!in_line_) {
      // Lines combine in order (RFC 9110 §5.3), so the element to the left of a line's first
      // element is the last element of the previous line.
      while (line_ > 0 && !lines_.is_line(line_ - 1)) --line_;
      if (line_ == 0) return {};
      --line_;
      rest_ = lines_.value(line_);
      in_line_ = saw_line_ = true;
    }
    // Fast path, the common element: "OWS dotted-quad OWS" right after a comma or the line
    // start, found and parsed in one backward pass. It yields the same text and address as the
    // general path below, which handles everything else from the unchanged rest_.
    const char* const line = rest_.data();
    const char* end = line + rest_.size();
    while (end != line && is_ows(end[-1])) --end;
    uint32_t v4;
    if (const char* start = dotted_quad_before(line, end, v4); start != nullptr && v4 != 0) {
      const char* before = start;
      while (before != line && is_ows(before[-1])) --before;
      // The address stays a number here: returning it as an IpAddress costs the walk more.
      const Text text{std::string_view(start, static_cast<std::size_t>(end - start)), v4};
      if (before == line) {
        in_line_ = false;
        return text;
      }
      if (before[-1] == ',') {
        rest_ = std::string_view(line, static_cast<std::size_t>(before - 1 - line));
        return text;
      }
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
    // parse_xff_element's first check for an element not in brackets: a bare address.
    if (element[0] != '[') {
      if (auto bare = IpAddress::parse(element); bare && !is_unspecified(*bare)) {
        address_ = *bare;
        return {element, 0, true};
      }
    }
    return {element};
  }
}

std::optional<ForwardingElement> XffReverseReader::next() {
  const Text next = next_text();
  if (next.text.empty()) return std::nullopt;
  if (next.v4 != 0 || next.is_address) {
    const IpAddress address = next.v4 != 0 ? IpAddress::from_v4(next.v4) : address_;
    return ForwardingElement{next.text, Endpoint{address, 0}, std::nullopt};
  }
  return ForwardingElement{next.text, parse_xff_element(next.text), std::nullopt};
}

}  // namespace doorman
