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

// "IPv4" or "IPv4:port"; `colon` is the position of the only colon, or npos.
Result<Endpoint> parse_v4_node(std::string_view text, std::size_t colon);

// Where the first colon is and whether there is a second one, in one pass.
struct Colons {
  std::size_t first = std::string_view::npos;
  bool several = false;
};
constexpr Colons find_colons(std::string_view s) {
  Colons c;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != ':') continue;
    if (c.first != std::string_view::npos) {
      c.several = true;
      break;
    }
    c.first = i;
  }
  return c;
}

}  // namespace doorman::identity_internal
