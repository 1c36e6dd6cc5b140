// Parsers for the headers that carry a client's identity or scheme through proxies:
// X-Forwarded-For, RFC 7239 Forwarded, CF-Connecting-IP (and any strict single-IP header),
// X-Forwarded-Proto and CF-Visitor. DESIGN.md "Parsing rules" is the contract; in short:
// - X-Forwarded-For: all lines combined in order; ',' separates elements; spaces/tabs around an
//   element are ignored and empty elements skipped. An element is IPv4, IPv4:port, bare IPv6,
//   [IPv6] or [IPv6]:port (port 1-65535, no leading zero). "2001:db8::1:80" is one IPv6 address.
//   Anything else (hostname, "unknown", quotes, zone, leading-zero octet, 0.0.0.0, ::, bad port)
//   is an unparsable element.
// - Forwarded: each line is tokenized on its own with the RFC 7239 §4 grammar (token,
//   quoted-string with quoted-pair escapes, case-insensitive parameter names, ',' between
//   elements, ';' between pairs, optional whitespace around both). A line that does not tokenize
//   is ONE unparsable element, so a reflected value cannot inject a "for=" by closing a quote.
//   An element's for= must be IPv4, "IPv4:port", "[IPv6]" or "[IPv6]:port"; a duplicate parameter
//   (RFC 7239 §4 "MUST NOT occur more than once"), a missing for=, unquoted or unbracketed IPv6,
//   obfuscated identifiers ("_hidden", RFC 7239 §6.3) and "unknown" make the element unparsable.
// - Single IP (CF-Connecting-IP): exactly one line holding exactly one bare address; no port,
//   brackets, list or zone; not empty; not 0.0.0.0 or ::.
// The readers walk lists from the right (the order the client-IP walk needs), return views into
// the header values, and never allocate. Work is bounded by the input size.
// Thread safety: readers are single-use values; the functions are pure.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "doorman/header_field.h"
#include "doorman/ip_address.h"
#include "doorman/result.h"

namespace doorman {

inline constexpr std::string_view kXForwardedForHeader = "X-Forwarded-For";
inline constexpr std::string_view kForwardedHeader = "Forwarded";
inline constexpr std::string_view kCfConnectingIpHeader = "CF-Connecting-IP";
inline constexpr std::string_view kXForwardedProtoHeader = "X-Forwarded-Proto";
inline constexpr std::string_view kCfVisitorHeader = "CF-Visitor";

// Most list elements a walk looks at (Envoy's MAX_ALLOWED_XFF_ENTRIES idea): the lists are
// client-controlled, so work per request stays bounded whatever their length.
inline constexpr std::size_t kMaxForwardingElements = 64;

enum class Scheme : uint8_t { kHttp, kHttps };
std::string_view scheme_name(Scheme scheme);  // "http" | "https"

// One element of a forwarding list as the walk sees it.
struct ForwardingElement {
  std::string_view text;        // the element as sent (trimmed), a view into the header value
  Result<Endpoint> node;        // its address, or why the element is unparsable
  std::optional<Scheme> proto;  // Forwarded proto= when it is http or https; never set for XFF
};

// --- X-Forwarded-For ----------------------------------------------------------------------------

// One trimmed, non-empty X-Forwarded-For element. Errors: kUnparsableElement for forms outside
// the grammar, kInvalidPort, kLeadingZero, kZoneNotAllowed, kUnspecifiedAddress.
Result<Endpoint> parse_xff_element(std::string_view element);

// Yields the non-empty elements of all X-Forwarded-For lines, combined in order, right to left.
class XffReverseReader {
 public:
  explicit XffReverseReader(HeaderLines lines) : lines_(lines), line_(lines.end_index()) {}
  // The next element to the left, or nullopt when the list is exhausted.
  std::optional<ForwardingElement> next();
  // next() for the walk's hot path: the next element's text (trimmed; empty when the list is
  // exhausted) and, when the element is a bare address (not 0.0.0.0 or ::), that address: a
  // dotted quad as v4 (host order, != 0), any other in address() with is_address set (valid
  // until the next call). Otherwise parse_xff_element(text) gives the element's node (an
  // address with a port or in brackets, or why it is unparsable). Small on purpose: it comes
  // back in registers.
  struct Text {
    std::string_view text;
    uint32_t v4 = 0;
    bool is_address = false;
  };
  Text next_text();
  const IpAddress& address() const { return address_; }
  // Whether a line of the header was found so far (true after next() if the header is present,
  // even when all its elements are empty).
  bool saw_line() const { return saw_line_; }

 private:
  HeaderLines lines_;
  std::size_t line_;       // lines at indexes < line_ are still unread
  std::string_view rest_;  // unread left part of the current line
  bool in_line_ = false;   // rest_ belongs to a line still being read
  bool saw_line_ = false;
  IpAddress address_;  // next_text()'s bare address other than a dotted quad
};

// --- Forwarded (RFC 7239) -----------------------------------------------------------------------

// One element of a line that tokenized ("for=192.0.2.1;proto=https"). node is the for= address
// or kUnparsableElement / kDuplicateParameter / kForwardedSyntax / an address error.
ForwardingElement parse_forwarded_element(std::string_view element);

// Checks that one Forwarded line tokenizes; the error offset points at the first bad byte.
Result<std::size_t> count_forwarded_elements(std::string_view line);

// Yields the elements of all Forwarded lines, right to left. A line that does not tokenize is
// one element whose node is kForwardedSyntax. A line with more than kMaxForwardingElements
// elements yields its rightmost ones and then one kTooManyElements element for the rest.
class ForwardedReverseReader {
 public:
  explicit ForwardedReverseReader(HeaderLines lines) : lines_(lines), line_(lines.end_index()) {}
  std::optional<ForwardingElement> next();
  bool saw_line() const { return saw_line_; }

 private:
  struct Span {
    uint32_t begin, end;
  };

  HeaderLines lines_;
  std::size_t line_;          // lines at indexes < line_ are still unread
  std::string_view current_;  // the line whose elements are in spans_
  // The rightmost elements of current_, in order. Left uninitialised: only [0, pending_) is read.
  std::array<Span, kMaxForwardingElements> spans_;
  std::size_t pending_ = 0;  // spans_[0, pending_) not yet yielded
  bool overflow_ = false;    // current_ has elements left of spans_[0] that were not kept
  bool saw_line_ = false;
};

// --- Single-IP headers (CF-Connecting-IP) -----------------------------------------------------

// One value holding exactly one bare address (surrounding spaces/tabs ignored). Errors: kEmpty,
// kNotASingleAddress (list, port, brackets), kZoneNotAllowed, kUnspecifiedAddress, kLeadingZero,
// kInvalidAddress.
Result<IpAddress> parse_single_ip(std::string_view value);
// nullopt when the header is absent; kMultipleHeaderLines when it has more than one line.
std::optional<Result<IpAddress>> read_single_ip_header(HeaderLines lines);

// --- Scheme headers -----------------------------------------------------------------------------

// "http" or "https", ASCII case-insensitive, surrounding spaces/tabs ignored.
std::optional<Scheme> parse_scheme(std::string_view value);
// X-Forwarded-Proto: exactly one line holding exactly one scheme; a list or several lines
// (proxies disagreeing or a client appending) is not used.
std::optional<Scheme> read_x_forwarded_proto(HeaderLines lines);
// CF-Visitor: exactly one line holding the JSON object {"scheme":"http"|"https"} (whitespace
// allowed between tokens, nothing else).
std::optional<Scheme> parse_cf_visitor(std::string_view value);
std::optional<Scheme> read_cf_visitor(HeaderLines lines);

}  // namespace doorman
