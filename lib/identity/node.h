// Internal: the address forms shared by the X-Forwarded-For, Forwarded and single-IP parsers.
#pragma once

#include <string_view>

#include "doorman/ip_address.h"
#include "doorman/result.h"

namespace doorman::identity_internal {

constexpr bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

// Strips spaces and tabs (RFC 9110 §5.6.3 OWS) from both ends.
constexpr std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// A port of 1-5 decimal digits, 1-65535, no leading zero. Error: kInvalidPort.
Result<uint16_t> parse_port(std::string_view text);

// A bare address that can name a client: IpAddress::parse, and not 0.0.0.0 or ::
// (kUnspecifiedAddress). kEmpty and kInvalidAddress become kUnparsableElement.
Result<IpAddress> parse_client_address(std::string_view text);

// "[IPv6]" or "[IPv6]:port". REQUIRES: text starts with '['.
Result<Endpoint> parse_bracketed_node(std::string_view text);

// "IPv4" or "IPv4:port" (text has at most one colon).
Result<Endpoint> parse_v4_node(std::string_view text);

}  // namespace doorman::identity_internal
