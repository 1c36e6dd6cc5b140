// Internal: the address forms shared by the X-Forwarded-For, Forwarded and single-IP parsers.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "doorman/header_field.h"
#include "doorman/ip_address.h"
#include "doorman/result.h"

namespace doorman::identity_internal {

using doorman::is_ows;  // doorman/header_field.h
using doorman::trim_ows;

// 0.0.0.0 or :: (inline: IpAddress::is_unspecified is out of line and this is on the hot path).
inline bool is_unspecified(const IpAddress& a) {
  static constexpr IpAddress kV4Unspecified;  // 0.0.0.0
  static constexpr IpAddress kV6Unspecified = IpAddress::from_v6(std::array<uint8_t, 16>{});
  return a == kV4Unspecified || a == kV6Unspecified;
}

// The strict dotted quad of IpAddress::parse (four octets of 1-3 digits, no leading zero, each
// <= 255), inline for the hot path of the walk. Returns nullopt for anything else, errors
// included, so that callers fall back to IpAddress::parse for the precise error code; the XFF
// fuzz target checks that the two agree.
inline std::optional<uint32_t> fast_dotted_quad(std::string_view s) {
  if (s.size() < 7 || s.size() > 15) return std::nullopt;
  const char* p = s.data();
  const char* const end = p + s.size();
  auto digit = [&]() -> unsigned {
    return p != end ? static_cast<unsigned>(static_cast<unsigned char>(*p)) - '0' : 10u;
  };
  uint32_t out = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    unsigned value = digit();
    if (value > 9) return std::nullopt;
    ++p;
    if (unsigned d = digit(); d <= 9) {
      if (value == 0) return std::nullopt;  // leading zero
      value = value * 10 + d;
      ++p;
      if (d = digit(); d <= 9) {
        value = value * 10 + d;
        ++p;
        if (value > 255) return std::nullopt;
      }
    }
    out = out << 8 | value;
  }
  if (p != end) return std::nullopt;
  return out;
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
